"""`reviewer triage`: review (or load a saved JSON report of a review), then keep, edit or drop
each draft on a local page before posting it or saving it (docs/triage.md)."""

from __future__ import annotations

import webbrowser
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from .. import hosts
from ..app.usecases import Reviewed, post_review, review_source
from ..measure.calibrate.git import Git
from ..errors import InputError, ReviewerError
from ..formats import ReportContext, render
from ..formats.findings import rule_texts
from ..formats.json_report import load
from ..formats.report import write_report
from ..triage.board import Board
from ..triage.feedback import FEEDBACK_FILE, FeedbackStore
from ..triage.server import TriageServer
from ..types import DiffInput
from ..app.wiring import cache_root, make_local_source, make_templates
from ..style.roots import make_style_root
from .common import EXIT_CODES_HELP, guarded, post_lines, setup_logging, verify_off_warning
from .options import model_options, settings_from
from .progress import make_progress

SUFFIX = {"markdown": ".md", "json": ".json"}


@dataclass
class Opened:
    reviewed: Reviewed
    request: Any  # the host's Target: the pull (merge) request to post to; None for a local diff
    host: Any


def open_browser(url: str) -> None:
    """The page in the user's browser (the tests record the address here instead)."""
    webbrowser.open(url, new=2)


@click.command("triage", epilog=EXIT_CODES_HELP)
@click.argument("target", required=False, metavar="[OWNER/REPO#N | PR-URL | GROUP/PROJECT!IID | REPORT.json]")
@click.option("--diff", "diff", metavar="PATH", help="Triage a review of a patch file; '-' reads standard input.")
@click.option("--git", "git", metavar="RANGE", help="Triage a review of a git range here: A..B, A...B, or REF.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Where Save writes the report (its suffix follows the format; default: reviewer-triage.md or .json here).")
@click.option("--github-url", metavar="URL", help="GitHub API URL (default: GITHUB_API_URL or https://api.github.com).")
@click.option("--gitlab-url", metavar="URL", help="GitLab instance for GROUP/PROJECT!IID (default: CI_SERVER_URL or https://gitlab.com).")
@click.option("--no-browser", is_flag=True, help="Print the page's address only; do not open a browser.")
@model_options
@guarded
def triage_cmd(target, diff, git, output, github_url, gitlab_url, no_browser, config_path, verbose, **flags):
    """Review a pull request, a git range or a patch (or load a saved JSON report of a review)
    and open a local page on 127.0.0.1 with each file's diff and every draft inline: keep, edit
    or drop each one, then post what you kept (the same idempotent path as `review --post`) or
    save it as a markdown or JSON report. Every decision is kept in CACHE_DIR/feedback.sqlite3
    (`reviewer calibrate --feedback` reads it); a draft dropped before on the same code starts dropped.

    \b
    Keys on the page: j/k next/previous, y keep, e edit, d drop, u undecided, P post, S save.
    \b
    Examples:
      reviewer triage octo/demo#7
      reviewer triage --git main
      reviewer review octo/demo#7 --format json -o r.json && reviewer triage r.json
    """
    setup_logging(verbose)
    settings = settings_from(flags, config_path)
    urls = {"github": github_url, "gitlab": gitlab_url}
    opened = _open(target, diff, git, settings, urls, verbose)
    reviewed, request = opened.reviewed, opened.request
    review = reviewed.review
    if (warning := verify_off_warning(review)) is not None:
        click.echo(f"warning: {warning}", err=True)
    repository = review.pr.repo if review.pr is not None else _local_repository()
    store = FeedbackStore(cache_root(settings) / FEEDBACK_FILE)
    labels = tuple(rule_texts(reviewed.context.style))
    board = Board(review, reviewed.diff.text, templates=reviewed.context.templates or make_templates(settings),
                  min_severity=settings.min_severity, repository=repository, labels=labels,
                  dropped_before=store.dropped(repository))
    label = reviewed.diff.label or review.label

    def publish(result) -> str:
        posted = post_review(request, settings, Reviewed(reviewed.diff, result, reviewed.context))
        lines = post_lines(posted, label)
        for line in lines:
            click.echo(line, err=True)
        return "\n".join(lines)

    def save(result, fmt: str) -> str:
        path = (output or Path("reviewer-triage")).with_suffix(SUFFIX[fmt])
        write_report(render(result, fmt, reviewed.context), path)
        click.echo(f"report written to {path}", err=True)
        return f"report written to {path}"

    server = TriageServer(board, target=label, model=review.model, publisher=publish if request is not None else None,
                          saver=save, store=store)
    before = sum(1 for d in board.drafts if d.dropped_before)
    dropped = f", {before} dropped before on the same code" if before else ""
    with server:
        click.echo(f"{len(board.drafts)} drafts of {label}{dropped}; the page (Ctrl+C or Done to stop):", err=True)
        click.echo(server.url)
        if not no_browser:
            open_browser(server.url)
        try:
            while not server.wait(0.5):
                pass
        except KeyboardInterrupt:
            click.echo("stopped", err=True)
    counts = board.counts()
    store.close()
    click.echo(f"{counts['keep']} kept, {counts['edit']} edited, {counts['drop']} dropped, {counts['undecided']} "
               f"undecided; decisions kept in {store.path}", err=True)


def _open(target, diff, git, settings, urls, verbose) -> Opened:
    """Review the target, or load a saved report and the diff it was of."""
    local = diff is not None or git is not None
    report = Path(target) if target is not None and Path(target).is_file() else None
    if report is not None:
        return _open_report(report, diff, git, settings, urls)
    host = hosts.resolve(target, urls) if target is not None or not local else None
    if host is not None:
        if local:
            raise InputError("give a pull request or --diff/--git, not both")
        request = host.open(target, settings, post=False, url=urls[host.name])
        source, style_root = request.source(), request.style_root(settings, Path.cwd())
    else:
        request = None
        source = make_local_source(diff, git, Path.cwd())
        style_root = make_style_root(settings, Path.cwd(), git_range=git)
    progress = make_progress()
    try:
        reviewed = review_source(source, settings, verbose=verbose, style_root=style_root, observer=progress)
    finally:
        if progress:
            progress.close()
    return Opened(reviewed, request, host)


def _open_report(path: Path, diff, git, settings, urls) -> Opened:
    try:
        review = load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {path}: {exc}") from None
    templates = make_templates(settings)
    if diff is not None or git is not None:  # a report of a local diff: the diff again
        fetched = make_local_source(diff, git, Path.cwd()).fetch()
        return Opened(Reviewed(fetched, review, ReportContext(templates, fetched.text)), None, None)
    if review.pr is None or not review.pr.url:
        return Opened(Reviewed(DiffInput("", path.name), review, ReportContext(templates, "")), None, None)
    host = hosts.resolve(review.pr.url, urls)
    assert host is not None  # a URL was given
    request = host.open(review.pr.url, settings, post=False, url=urls[host.name])
    fetched = request.source().fetch()
    if fetched.pr is not None and fetched.pr.head_sha != review.pr.head_sha:
        raise InputError(f"{fetched.label} has moved on since {path.name} was written (its head is now "
                         f"{fetched.pr.head_sha[:12]}, the report reviewed {review.pr.head_sha[:12]})",
                         hint=f"triage it again: reviewer triage {fetched.label}")
    return Opened(Reviewed(fetched, review, ReportContext(templates, fetched.text)), request, host)


def _local_repository() -> str:
    """The checkout's repository (``owner/name`` from its origin remote), as `calibrate` names it."""
    try:
        return Git(Path.cwd(), timeout=10).repo_name()
    except ReviewerError:
        return Path.cwd().name or "local"
