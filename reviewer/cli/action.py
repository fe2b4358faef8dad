"""`reviewer action`: the main step of action.yml, reading GitHub Actions' own environment."""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

import click

from ..app.usecases import POST_MODES, post_check, post_review, previous_review, review_source
from ..config import load_settings
from ..errors import EXIT_FINDINGS, ConfigError, GitHubError, InputError
from ..hosts import Published
from ..hosts.github.action import ActionEnv, Decision, decide, decide_pull, load_event, parse_bool, settings_flags
from ..hosts.github.client import discover_token
from ..hosts.github.host import HOST as GITHUB
from ..hosts.github.ref import PRRef
from ..hosts.github.source import fetch_pull
from ..hosts.github.workflow import annotations, append_summary, command, write_outputs
from ..formats import render
from ..formats.report import write_report
from ..diff.sources.local import checkout_is_head
from ..style.roots import make_style_root
from .common import EXIT_CODES_HELP, budget_line, echo_check, echo_post, exceeds, guarded, setup_logging, verify_off_warning
from .options import model_options
from .progress import make_progress

# `reviewer review` flags that `extra-args` may carry: the model and how it runs, nothing that
# reads files (config, style) or changes what is posted
EXTRA_ARGS = ("model", "backend", "base_url", "context", "threads", "gpu_layers", "batch", "flash_attn", "jobs",
              "no_cache", "verbose")


def parse_extra_args(text: str) -> dict:
    """``extra-args`` split like a shell would, parsed as the allowed `reviewer review` flags."""
    params = [p for p in model_options(click.Command("flags")).params if p.name in EXTRA_ARGS]
    allowed = ", ".join(sorted(o for p in params for o in p.opts if o.startswith("--")))
    try:
        args = shlex.split(text)
        ctx = click.Command("extra-args", params=params, add_help_option=False).make_context("extra-args", args)
    except ValueError as exc:
        raise InputError(f"input extra-args: {exc}") from None
    except click.UsageError as exc:
        raise InputError(f"input extra-args: {exc.format_message()}", hint=f"allowed there: {allowed}") from None
    return dict(ctx.params)


def notice(text: str) -> None:
    click.echo(command("notice", text, title="reviewer"))


def reads_checkout(settings, config_input: str | None) -> bool:
    """Whether these settings take anything from the files of the workspace."""
    from_file = any(o not in ("flag", "env", "default") for o in settings.origins.values())
    return bool(config_input or from_file or settings.style or settings.templates)


def finish_skip(env: ActionEnv, decision: Decision) -> None:
    notice(decision.notice)
    if env.step_summary is not None:
        append_summary(env.step_summary, f"**reviewer**: {decision.notice}\n")
    if env.output is not None:
        write_outputs(env.output, {"comments": "0", "report": "", "skipped": "true"})


@click.command("action", epilog=EXIT_CODES_HELP)
@click.option("-v", "--verbose", is_flag=True, help="Details: llama.cpp's logs, tracebacks.")
@guarded
def action_cmd(verbose):
    """Review the pull request of a GitHub Actions event: the step that action.yml runs.

    \b
    Reads GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, GITHUB_REPOSITORY, GITHUB_API_URL,
    GITHUB_WORKSPACE, GITHUB_STEP_SUMMARY, GITHUB_OUTPUT and the inputs as GitHub passes
    them (INPUT_MODEL, INPUT_GITHUB-TOKEN, INPUT_POST, INPUT_FAIL-ON, INPUT_CONFIG,
    INPUT_STYLE, INPUT_MAX-COMMENTS, INPUT_MIN-SEVERITY, INPUT_EXTRA-ARGS, INPUT_REVIEW-DRAFTS,
    INPUT_REVIEW-CLOSED, INPUT_MODE, INPUT_BUDGET),
    so a local rehearsal with the same variables runs exactly what the step runs.
    See docs/github-action.md.
    """
    env = ActionEnv.from_env(os.environ, Path.cwd())
    inputs = env.inputs
    # the github-token input, else GITHUB_TOKEN / GH_TOKEN; never `gh auth token` (on a workstation
    # runner that would be its owner's personal login); registered with the redaction at once
    token = discover_token(os.environ, gh=None, given=inputs.get("github-token"),
                           given_source="the github-token input")
    flags = parse_extra_args(inputs.get("extra-args", ""))
    verbose = bool(flags.pop("verbose", False) or verbose or env.debug)
    setup_logging(verbose)
    post = parse_bool(inputs.get("post"), "post", default=True)
    mode = inputs.get("mode", "review").strip()
    if mode not in POST_MODES:
        raise InputError(f"input mode must be one of {', '.join(POST_MODES)}, not {mode!r}")
    flags.update(settings_flags(inputs))
    config = inputs.get("config")
    config_path = env.workspace / config if config else None
    flags["cache"] = False if flags.pop("no_cache", False) else None
    settings = load_settings(flags, config_path=config_path, cwd=env.workspace)

    decision = decide(env.event_name, load_event(env.event_path), drafts=settings.review_drafts,
                      closed=settings.review_closed)
    if not decision.review:
        return finish_skip(env, decision)
    assert decision.repo is not None and decision.number is not None
    if env.repository and env.repository.lower() != decision.repo.lower():
        raise InputError(f"the event is about {decision.repo} but GITHUB_REPOSITORY is {env.repository}")
    if token is None:
        raise GitHubError("no GitHub token", hint="set the github-token input (default: the workflow's "
                          "github.token) or GITHUB_TOKEN")
    owner, name = decision.repo.split("/")
    ref = PRRef(owner, name, decision.number)
    request = GITHUB.open(ref, settings, post=post, url=env.api_url, env={}, token=token)
    client = request.client
    if decision.pull is None:  # a /review comment: the payload has no PR details
        decision = decide_pull(decision, fetch_pull(client, ref), drafts=settings.review_drafts,
                               closed=settings.review_closed)
        if not decision.review:
            return finish_skip(env, decision)
    head_checkout = checkout_is_head(env.workspace, decision.head_sha)
    if head_checkout:
        if reads_checkout(settings, config):
            raise ConfigError(f"the workspace {env.workspace} holds the pull request's own code; config and "
                              "style are read only from a trusted checkout",
                              hint="check out the base branch (actions/checkout with ref: "
                                   "${{ github.event.pull_request.base.sha }}), or nothing")
        click.echo(command("warning", "the workspace is the pull request's code; nothing is read from it",
                           title="reviewer"))
    notice(decision.notice)

    style_root = None if head_checkout else make_style_root(settings, env.workspace)  # the base checkout's rules
    posting = post and not decision.read_only
    previous = lambda: previous_review(request, settings, mode if posting else None)  # noqa: E731
    progress = make_progress()
    try:
        reviewed = review_source(request.source(), settings, verbose=verbose, style_base=env.workspace,
                                 style_root=style_root, observer=progress, previous=previous,
                                 checkout=env.workspace)
    finally:
        if progress:
            progress.close()
    result = reviewed.review
    if (warning := verify_off_warning(result)) is not None:
        click.echo(command("warning", warning, title="reviewer"))
    if (said := budget_line(result)) is not None:
        click.echo(command("notice", said, title="reviewer"))
    report = env.report_path(ref.number)
    write_report(render(result, "markdown", reviewed.context), report)
    click.echo(f"report written to {report}", err=True)

    failure, footer, annotate = None, "", True
    if decision.read_only:
        footer = "not posted: the pull request comes from a fork, whose token cannot write"
    elif not post:
        footer = "not posted (post: false)"
    else:
        try:
            said = []
            if mode in ("review", "both"):
                posted = post_review(request, settings, reviewed)
                echo_post(posted, reviewed.diff.label)
                said.append(posted_line(posted))
            if mode in ("check", "both"):
                checked = post_check(request, settings, reviewed)
                echo_check(checked, reviewed.diff.label)
                said.append(f"a check run, {checked.conclusion}, with {checked.annotations} annotations "
                            f"({checked.url})")
            footer, annotate = "; ".join(said), False
        except GitHubError as exc:
            if exc.status != 403:
                failure, footer = exc, f"posting failed: {exc.message}"
            else:  # a read-only token (fork PRs, restricted default permissions)
                footer = f"not posted: {exc.message}"
    findings = len(result.comments) + len(result.notes)
    if annotate:
        footer += "; the findings are shown as annotations" if findings else ""
        click.echo(command("warning", footer, title="reviewer"))
        for line in annotations(result, settings.max_comments):
            click.echo(line)
    if env.step_summary is not None:
        append_summary(env.step_summary, report.read_text(encoding="utf-8"), f"\n---\n_reviewer: {footer}._\n",
                       report=report)
    if env.output is not None:
        write_outputs(env.output, {"comments": str(findings), "report": str(report), "skipped": "false"})
    if failure is not None:
        raise failure
    if exceeds(result, settings.fail_on):
        click.echo(f"findings at or above fail-on ({settings.fail_on}): exit {EXIT_FINDINGS}", err=True)
        sys.exit(EXIT_FINDINGS)


def posted_line(posted: Published) -> str:
    if posted.verdict is None:
        return f"nothing new to post ({posted.duplicates} findings already on the pull request)"
    return f"posted a {posted.verdict} review with {posted.posted} inline comments ({posted.url})"
