"""`reviewer review`: review a diff, a git range, or a pull (merge) request on its host."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .. import hosts
from ..app.usecases import POST_MODES, post_check, post_review, previous_review, review_source
from ..config import DEFAULTS
from ..errors import EXIT_FINDINGS, InputError
from ..formats import render
from ..formats.report import write_report
from ..app.wiring import make_local_source
from ..style.roots import make_style_root
from .common import EXIT_CODES_HELP, budget_line, echo_check, echo_post, exceeds, guarded, setup_logging, verify_off_warning
from .options import choice, model_options, settings_from
from .progress import make_progress


@click.command(epilog=EXIT_CODES_HELP)
@click.argument("target", required=False, metavar="[OWNER/REPO#N | PR-URL | GROUP/PROJECT!IID | MR-URL]")
@click.option("--diff", "diff", metavar="PATH", help="Review a patch file; '-' reads standard input.")
@click.option("--git", "git", metavar="RANGE", help="Review a git range here: A..B, A...B, or REF (= REF...HEAD).")
@click.option("--format", "fmt", type=choice("format"),
              help=f"Report format (default {DEFAULTS.format}); sarif, rdjson, rdjsonl: see docs/integrations.md.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write the report here (default: stdout).")
@click.option("--fail-on", type=choice("fail_on"), help=f"Exit 1 when a comment at or above this severity exists (default {DEFAULTS.fail_on}).")
@click.option("--post", "post_mode", is_flag=False, flag_value="review", default=None, metavar="[review|check|both]",
              help="Publish the review on the pull request (default: a dry run, the report only); `--post check`: "
                   "one GitHub check run with annotations instead, `both`: the two.")
@click.option("--github-url", metavar="URL", help="GitHub API URL (default: GITHUB_API_URL or https://api.github.com; GitHub Enterprise: https://HOST/api/v3).")
@click.option("--gitlab-url", metavar="URL", help="GitLab instance for GROUP/PROJECT!IID (default: CI_SERVER_URL or https://gitlab.com); without a target inside GitLab CI: the pipeline's merge request (docs/gitlab.md).")
@click.option("--budget", metavar="DURATION",
              help="Review for at most this long (600, 90s, 10m, 1h): the files that matter first, no call that "
                   "would end past it; the files left are reported as skipped (default: no limit).")
@model_options
@guarded
def review(target, diff, git, fmt, output, fail_on, post_mode, github_url, gitlab_url, budget, config_path, verbose,
           **flags):
    """Review a diff or a pull request on the local model and write a report (markdown, JSON,
    SARIF, reviewdog's rdjson); with --post, publish it on the pull request as one review.

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
    if post_mode is not None and post_mode not in POST_MODES:
        if target is not None:
            raise InputError(f"--post takes {', '.join(POST_MODES)} (or nothing), not {post_mode!r}")
        target, post_mode = post_mode, "review"  # `--post OWNER/REPO#N`: the target came after the flag
    post = post_mode is not None
    flags.update(format=fmt, fail_on=fail_on, budget=budget)
    settings = settings_from(flags, config_path)
    local = diff is not None or git is not None
    urls = {"github": github_url, "gitlab": gitlab_url}  # each host's API flag
    host = hosts.resolve(target, urls) if target is not None or not local else None
    if host is not None:
        if local:
            raise InputError("give a pull request or --diff/--git, not both")
        request = host.open(target, settings, post=post, url=urls[host.name])
        if post_mode in ("check", "both") and not isinstance(request, hosts.HasCheckRuns):
            raise InputError(f"--post {post_mode}: check runs are GitHub's; {host.title} takes --post (review)")
        source, style_root = request.source(), request.style_root(settings, Path.cwd())
    elif post:
        raise InputError("--post needs a pull request (OWNER/REPO#N or its URL) or a merge request (GROUP/PROJECT!IID)")
    else:
        source = make_local_source(diff, git, Path.cwd())
        style_root = make_style_root(settings, Path.cwd(), git_range=git)
    previous = (lambda: previous_review(request, settings, post_mode)) if host is not None else None
    progress = make_progress()
    try:
        reviewed = review_source(source, settings, verbose=verbose, style_root=style_root, observer=progress,
                                 previous=previous, checkout=Path.cwd() if host is not None else None)
    finally:
        if progress:
            progress.close()
    result = reviewed.review
    if (warning := verify_off_warning(result)) is not None:
        click.echo(f"warning: {warning}", err=True)
    if (said := budget_line(result)) is not None:
        click.echo(said, err=True)
    text = render(result, settings.format, reviewed.context)
    if output is not None:
        write_report(text, output)
        click.echo(f"report written to {output}", err=True)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    if host is not None and post_mode in ("review", "both"):  # the report is out before anything is posted
        echo_post(post_review(request, settings, reviewed), reviewed.diff.label)
    if host is not None and post_mode in ("check", "both"):
        echo_check(post_check(request, settings, reviewed), reviewed.diff.label)
    elif host is not None:
        click.echo(f"dry run: nothing was posted to {host.title} (add --post to publish the review)", err=True)
    if exceeds(result, settings.fail_on):
        sys.exit(EXIT_FINDINGS)
