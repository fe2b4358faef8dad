"""`reviewer review`: review a diff, a git range or a pull request."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..action import checkout_is_head
from ..config import CHOICES, load_settings
from ..errors import EXIT_FINDINGS, InputError
from ..github_client import parse_pr_ref
from ..gitlab import is_mr_ref
from ..pipeline import run_review
from ..formats import ReportContext, render
from ..sinks.report import write_report
from ..style import DirectoryRoot, load_style
from .common import EXIT_CODES_HELP, exceeds, guarded, setup_logging
from .progress import make_progress
from .wiring import (
    make_backend,
    make_cache,
    make_github_client,
    make_github_sink,
    make_gitlab_target,
    make_local_source,
    make_pr_source,
    make_style_root,
    make_templates,
    review_options,
)


def model_options(func):
    """Flags shared by every command that runs the model."""
    options = [
        click.option("--model", "-m", metavar="PATH|NAME", help="GGUF file or registry name (see `reviewer models`); default: qwen2.5-coder-1.5b."),
        click.option("--backend", type=click.Choice(["llama", "openai"]), help="llama: in-process (default); openai: an OpenAI-compatible server."),
        click.option("--base-url", metavar="URL", help="Server URL for --backend openai (llama-server, vLLM, Ollama...)."),
        click.option("--api-key", metavar="KEY", help="API key for --backend openai (better: REVIEWER_API_KEY)."),
        click.option("--context", type=int, metavar="TOKENS", help="Largest context to allocate (default 8192)."),
        click.option("--threads", type=int, help="CPU threads for in-process inference."),
        click.option("--gpu-layers", type=int, metavar="N", help="Layers to offload to the GPU (-1: all, where the build has a GPU)."),
        click.option("--batch", type=int, metavar="TOKENS", help="Prompt batch size."),
        click.option("--flash-attn/--no-flash-attn", default=None, help="Flash attention."),
        click.option("--jobs", "-j", type=int, metavar="N", help="Concurrent requests to a server backend."),
        click.option("--style", "style", multiple=True, metavar="FILE", help="Style guide file (repeatable); replaces the rules found in the repository."),
        click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), help="Config file (default: .reviewer.toml or [tool.reviewer] in pyproject.toml)."),
        click.option("--no-cache", is_flag=True, help="Neither read nor write the result cache."),
        click.option("-v", "--verbose", is_flag=True, help="Details: llama.cpp's logs, tracebacks."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def settings_from(flags: dict, config_path: Path | None):
    if flags.pop("no_cache", False):
        flags["cache"] = False
    return load_settings(flags, config_path=config_path)


@click.command(epilog=EXIT_CODES_HELP)
@click.argument("target", required=False, metavar="[OWNER/REPO#N | PR-URL | GROUP/PROJECT!IID | MR-URL]")
@click.option("--diff", "diff", metavar="PATH", help="Review a patch file; '-' reads standard input.")
@click.option("--git", "git", metavar="RANGE", help="Review a git range here: A..B, A...B, or REF (= REF...HEAD).")
@click.option("--format", "fmt", type=click.Choice(CHOICES["format"]),
              help="Report format (default markdown); sarif, rdjson, rdjsonl: see docs/integrations.md.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write the report here (default: stdout).")
@click.option("--fail-on", type=click.Choice(["error", "warning", "never"]), help="Exit 1 when a comment at or above this severity exists (default never).")
@click.option("--post", is_flag=True, help="Publish the review on the pull request (default: a dry run, the report only).")
@click.option("--github-url", metavar="URL", help="GitHub API URL (default: GITHUB_API_URL or https://api.github.com; GitHub Enterprise: https://HOST/api/v3).")
@click.option("--gitlab-url", metavar="URL", help="GitLab instance for GROUP/PROJECT!IID (default: CI_SERVER_URL or https://gitlab.com); without a target inside GitLab CI: the pipeline's merge request (docs/gitlab.md).")
@model_options
@guarded
def review(target, diff, git, fmt, output, fail_on, post, github_url, gitlab_url, config_path, verbose, **flags):
    """Review a diff or a pull request on the local model and write a report (markdown, JSON,
    SARIF, reviewdog's rdjson); with --post, publish it on the pull request as one GitHub review.

    \b
    Examples:
      reviewer review --diff change.patch
      git diff main | reviewer review --diff -
      reviewer review --git main --format json -o review.json
      reviewer review octo/demo#7                # dry run: the report only
      reviewer review https://github.com/octo/demo/pull/7 --post
      reviewer review group/sub/project!12 --gitlab-url https://gitlab.example.com --post
    """
    setup_logging(verbose)
    flags.update(format=fmt, fail_on=fail_on)
    settings = settings_from(flags, config_path)
    client, ref, gitlab = None, None, None
    if (target is not None and is_mr_ref(target)) or (target is None and gitlab_url and diff is None and git is None):
        if diff is not None or git is not None:
            raise InputError("give a merge request or --diff/--git, not both")
        gitlab = make_gitlab_target(settings, target, gitlab_url, post=post)
        source = gitlab.source
    elif target is not None:
        if diff is not None or git is not None:
            raise InputError("give a pull request or --diff/--git, not both")
        ref = parse_pr_ref(target)
        client = make_github_client(settings, github_url, ref, post=post)
        source = make_pr_source(client, ref)
    elif post:
        raise InputError("--post needs a pull request (OWNER/REPO#N or its URL) or a merge request (GROUP/PROJECT!IID)")
    else:
        source = make_local_source(diff, git, Path.cwd())
    if gitlab is not None:
        style_root = gitlab.style_root(settings)
    else:
        style_root = make_style_root(settings, Path.cwd(), git_range=git, pr_repo=ref.full_name if ref else None)
    diff_input, result, report_context = review_source(source, settings, verbose, style_root=style_root)
    text = render(result, settings.format, report_context)
    if output is not None:
        write_report(text, output)
        click.echo(f"report written to {output}", err=True)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    if client is not None and post:  # the report is out before anything is written to GitHub
        echo_post(make_github_sink(client, settings, diff_input.text).publish(result), diff_input.label)
    elif client is not None:
        click.echo("dry run: nothing was posted to GitHub (add --post to publish the review)", err=True)
    if gitlab is not None and post:
        echo_gitlab_post(gitlab.sink(settings, diff_input.text).publish(result), diff_input.label)
    elif gitlab is not None:
        click.echo("dry run: nothing was posted to GitLab (add --post to publish the review)", err=True)
    if exceeds(result, settings.fail_on):
        sys.exit(EXIT_FINDINGS)


def review_source(source, settings, verbose: bool, style_base: Path | None = None, style_root=None):
    """Fetch a diff source and review it on the configured model: the one implementation that
    ``reviewer review`` and ``reviewer action`` share. Returns (DiffInput, Review, ReportContext):
    the context is what the report formats need (templates, the reviewed diff, the style guide).
    ``style_root``: where to discover the repository's rules (see ``make_style_root``)."""
    diff_input = source.fetch()
    templates = make_templates(settings)
    pr = diff_input.pr
    if isinstance(style_root, DirectoryRoot) and pr is not None and checkout_is_head(style_root.path, pr.head_sha):
        style_root = None  # the work tree is the pull request's own code
    style = load_style(settings.style, templates, base=style_base, root=style_root)
    cache = make_cache(settings)
    backend, model_label = make_backend(settings, cache, verbose)
    progress = make_progress()
    try:
        result = run_review(
            diff_input, backend=backend, templates=templates, style=style,
            options=review_options(settings), cache=cache, observer=progress,
            model_name=model_label,
        )
    finally:
        if progress:
            progress.close()
        backend.close()
    return diff_input, result, ReportContext(templates, diff_input.text, style)


def echo_post(posted, label: str) -> None:
    """One or two lines on stderr: what the run put on the pull request."""
    already = f", {posted.duplicates} already on the PR" if posted.duplicates else ""
    if posted.event is None:
        click.echo(f"nothing new to post on {label}{already}", err=True)
    else:
        body = f", {posted.in_body} in the review body" if posted.in_body else ""
        refused = f" ({posted.rejected} could not be placed on the diff)" if posted.rejected else ""
        note = " (GitHub allows no verdict on your own PR)" if posted.downgraded else ""
        click.echo(f"posted a {posted.event} review{note} on {label}: {posted.inline} inline comment"
                   f"{'s' if posted.inline != 1 else ''}{body}{refused}{already}: {posted.review_url}", err=True)
    click.echo(f"summary comment {posted.summary}: {posted.summary_url}", err=True)


def echo_gitlab_post(posted, label: str) -> None:
    """One or two lines on stderr: what the run put on the merge request."""
    already = f", {posted.duplicates} already on the merge request" if posted.duplicates else ""
    refused = f" ({posted.rejected} could not be placed on the diff)" if posted.rejected else ""
    note = f", {posted.in_note} in the summary note{refused}" if posted.in_note else ""
    click.echo(f"posted {posted.discussions} discussion{'s' if posted.discussions != 1 else ''} on {label}"
               f"{note}{already}", err=True)
    click.echo(f"summary note {posted.summary}: {posted.summary_url}", err=True)
