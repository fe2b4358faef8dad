"""What every command shares: one-line errors with exit codes, logging, --fail-on."""

from __future__ import annotations

import functools
import logging
import sys
import traceback
from collections.abc import Callable
from typing import Any

import click

from ..errors import EXIT_INTERNAL, EXIT_INTERRUPTED, ReviewerError
from ..hosts import Published
from ..logs import install_redaction, redact
from ..types import SEVERITY_RANK, Review

EXIT_CODES_HELP = """\b
Exit codes:
  0   done; nothing at or above --fail-on
  1   done; a comment at or above --fail-on was found
  2   bad input or usage (not a diff, bad range, bad flag)
  3   bad configuration
  4   model missing, not a GGUF, failed to load, or server unreachable
  5   GitHub or GitLab error (authentication, not found, rate limit, server error)
  70  internal error (a bug: rerun with -v and report it)
  130 interrupted
"""


def fail(exc: ReviewerError) -> None:
    """One line (and a hint), never a secret even when an exception's text carries one."""
    click.secho(f"error: {_one_line(exc.message)}", err=True, fg="red")
    if exc.hint:
        click.echo(f"hint: {_one_line(exc.hint)}", err=True)
    sys.exit(exc.exit_code)


def _one_line(text: str) -> str:
    return " ".join(redact(str(text)).split())


def print_traceback() -> None:
    click.echo(redact(traceback.format_exc()).rstrip(), err=True)


def guarded(func: Callable[..., Any]) -> Callable[..., Any]:
    """Every failure becomes one clear line and an exit code; a traceback only with -v."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        verbose = bool(kwargs.get("verbose"))
        try:
            return func(*args, **kwargs)
        except ReviewerError as exc:
            if verbose:
                print_traceback()
            fail(exc)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort, SystemExit):
            raise
        except Exception as exc:  # a bug: one line, the traceback with -v
            if verbose:
                print_traceback()
            click.secho(f"internal error: {type(exc).__name__}: {_one_line(str(exc))[:500]} (rerun with -v for "
                        "details)", err=True, fg="red")
            sys.exit(EXIT_INTERNAL)

    return wrapper


def verify_off_warning(review: Review) -> str | None:
    """The one line a review prints when it ran without the judge although asked to (a server
    without top logprobs), or None."""
    if not review.stats.verify_off:
        return None
    return (f"{review.stats.verify_off}: the judge (verify) was off for this review, so every finding kept the "
            "draft's severity (more false alarms: docs/quality.md; servers with logprobs: docs/models.md)")


def exceeds(review: Review, fail_on: str) -> bool:
    """True when a finding (placed or in the summary) is at or above ``fail_on``."""
    if fail_on == "never":
        return False
    floor = SEVERITY_RANK[fail_on]
    found = [c.severity for c in review.comments] + [n.severity for n in review.notes]
    return any(SEVERITY_RANK[s] >= floor for s in found)


def setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for name in ("llama-cpp-python", "urllib3", "github"):
        logging.getLogger(name).setLevel(logging.DEBUG if verbose else logging.ERROR)
    install_redaction()


def post_lines(posted: Published, label: str) -> list[str]:
    """What a run put on the pull (merge) request, for people (two lines)."""
    already = f", {posted.duplicates} already on {posted.request}" if posted.duplicates else ""
    body = f", {posted.in_body} in the {posted.body_kind}" if posted.in_body else ""
    refused = f" ({posted.rejected} could not be placed on the diff)" if posted.rejected else ""
    items = f"{posted.posted} {posted.item}{'s' if posted.posted != 1 else ''}"
    if posted.skipped:
        line = f"nothing new to post on {label}{already}"
    elif posted.verdict is not None:  # one review holds the findings
        note = " (GitHub allows no verdict on your own PR)" if posted.downgraded else ""
        line = f"posted a {posted.verdict} review{note} on {label}: {items}{body}{refused}{already}: {posted.url}"
    else:
        line = f"posted {items} on {label}{body}{refused}{already}"
    return [line, f"{posted.summary_kind} {posted.summary}: {posted.summary_url}"]


def echo_post(posted: Published, label: str) -> None:
    """Two lines on stderr: what the run put on the pull (merge) request."""
    for line in post_lines(posted, label):
        click.echo(line, err=True)


def echo_check(checked, label: str) -> None:
    """One line on stderr: the check run a run created."""
    click.echo(f"check run on {label}: {checked.conclusion}, {checked.annotations} annotation"
               f"{'s' if checked.annotations != 1 else ''}: {checked.url}", err=True)


def budget_line(review: Review) -> str | None:
    """What the budget did: None without one."""
    stats = review.stats
    if not stats.budget:
        return None
    planned = f"planned {stats.planned_seconds:.0f} s, " if stats.planned_seconds is not None else ""
    left = [s.path for s in review.skipped if s.reason.startswith("budget")]
    if not left:
        return f"budget {stats.budget:g} s: everything reviewed ({planned}took {stats.seconds:.0f} s)"
    return (f"budget {stats.budget:g} s reached ({planned}took {stats.seconds:.0f} s): "
            f"{len(left)} file{'s' if len(left) != 1 else ''} left, listed as skipped in the report")
