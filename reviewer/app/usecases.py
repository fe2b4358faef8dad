"""The use cases that more than one command runs (``reviewer review``, ``reviewer action``):
review a diff source on the configured model, and post a finished review to its host.

Nothing here prints: the commands render what these return.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..config import Settings
from ..formats import ReportContext
from ..errors import InputError
from ..hosts import HasCheckRuns, Published, RemembersReviews, Target
from ..review.pipeline import Observer, run_review
from ..diff.sources import DiffSource
from ..diff.sources.local import checkout_is_head
from ..style import DirectoryRoot, StyleRoot, load_style
from ..types import BaseRef, DiffInput, Previous, Review
from . import wiring


@dataclass(frozen=True)
class Reviewed:
    diff: DiffInput  # what was fetched
    review: Review
    context: ReportContext  # what the report formats need: the templates, the diff, the style guide


def review_source(source: DiffSource, settings: Settings, *, verbose: bool = False, style_base: Path | None = None,
                  style_root: StyleRoot | None = None, observer: Observer | None = None,
                  previous: Callable[[], Previous | None] | None = None,
                  checkout: Path | None = None) -> Reviewed:
    """Fetch a diff source and review it on the configured model. ``style_root``: where to
    discover the repository's rules (``style.roots.make_style_root``); a work tree checked out at
    the pull request's head is never read. ``previous``: reads, once the diff is fetched, the state
    of the last review posted on the pull request (``previous_review``): the files unchanged
    since are not reviewed again. ``checkout``: a local git repository that may hold the pull
    request's base commit (the Action's workspace, the clone a PR by number is reviewed from)."""
    diff_input = source.fetch()
    prior = previous() if previous is not None else None
    templates = wiring.make_templates(settings)
    pr = diff_input.pr
    if checkout is not None and pr is not None and pr.base_sha and diff_input.base is None:
        # the checkout's objects at the PR's base (never its work tree): review_context = repo
        diff_input = replace(diff_input, base=BaseRef(str(checkout), pr.base_sha))
    if isinstance(style_root, DirectoryRoot) and pr is not None and checkout_is_head(style_root.path, pr.head_sha):
        style_root = None  # the work tree is the pull request's own code
    style = load_style(settings.style, templates, base=style_base, root=style_root)
    cache = wiring.make_cache(settings)
    backend, model_label = wiring.make_backend(settings, cache, verbose)  # a module attribute: tests swap it
    try:
        result = run_review(diff_input, backend=backend, templates=templates, style=style,
                            options=wiring.review_options(settings), cache=cache, observer=observer,
                            model_name=model_label, previous=prior)
    finally:
        backend.close()
    return Reviewed(diff_input, result, ReportContext(templates, diff_input.text, style))


POST_MODES = ("review", "check", "both")  # what --post (the Action's `mode`) publishes


def post_check(request: Target, settings: Settings, reviewed: Reviewed) -> Any:
    """Publish ``reviewed`` as a check run on the request's head commit (hosts that have them)."""
    if not isinstance(request, HasCheckRuns):
        raise InputError(f"{request.label}: its host takes no check runs", hint="use --post (review)")
    return request.check_sink(settings, reviewed.diff.text).publish(reviewed.review)


def previous_review(request: Target, settings: Settings, post_mode: str | None) -> Previous | None:
    """What the last review posted on the request recorded, when this run posts a review that
    replaces its summary (``only_changed``; hosts that remember their reviews)."""
    if post_mode != "review" or not settings.only_changed or not isinstance(request, RemembersReviews):
        return None
    return request.previous()


def post_review(request: Target, settings: Settings, reviewed: Reviewed) -> Published:
    """Publish ``reviewed`` on its pull (merge) request; returns what the post put there."""
    return request.sink(settings, reviewed.diff.text).publish(reviewed.review)
