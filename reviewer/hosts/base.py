"""The seams of a code host: a ``Host`` opens a ``Target`` (one pull or merge request), whose
``sink`` publishes a review and returns a ``Published`` every host fills the same way.

What only some hosts can do is a capability, a protocol of its own checked with ``isinstance``
(``runtime_checkable``): ``RemembersReviews`` (the state the last posted review recorded, so a
re-run reviews only what changed), ``HasCheckRuns`` (a check run on the head commit),
``ReadsReviewComments`` (past review comments, for `style learn`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from ..config import Settings
from ..diff.sources import DiffSource
from ..style import StyleRoot
from ..types import Previous, Review


@dataclass(frozen=True)
class Published:
    """What one post put on its request, in the same fields on every host."""

    item: str  # what a finding placed on the diff is on this host: "inline comment", "discussion"
    request: str  # the request, for people: "the PR", "the merge request"
    summary_kind: str  # the one summary the tool edits in place: "summary comment", "summary note"
    body_kind: str  # where the findings that are not on the diff go: "review body", "summary note"
    posted: int = 0  # findings placed on lines of the diff
    in_body: int = 0  # new findings written into the body (``body_kind``) instead
    rejected: int = 0  # of those, refused by the local anchor check or by the host
    duplicates: int = 0  # findings already on the request: not posted again
    skipped: bool = False  # nothing new was posted (a host that posts one review per head: none needed)
    verdict: str | None = None  # the review's event, on a host that posts one review (GitHub): COMMENT...
    downgraded: bool = False  # the host refused the verdict (one's own PR): posted as COMMENT
    url: str | None = None  # the review posted, on a host that posts one review
    summary: str = "unchanged"  # the summary: created, edited or unchanged
    summary_url: str | None = None


class CommentSink(Protocol):
    def publish(self, review: Review) -> Published:
        """Deliver the review; raise a ReviewerError subclass on failure."""


class Target(Protocol):
    """One pull (or merge) request on its host, with a client for the host's API."""

    label: str  # e.g. ``octo/demo#7``
    client: Any

    def source(self) -> DiffSource:
        """The request's diff and what is known of it."""

    def style_root(self, settings: Settings, cwd: Path) -> StyleRoot | None:
        """Where the repository's own rules are read for this request (never its head), or None."""

    def sink(self, settings: Settings, diff_text: str) -> CommentSink:
        """Posts a review of ``diff_text`` to the request."""


@runtime_checkable
class RemembersReviews(Protocol):
    """A target whose last posted review recorded its state (the head, the model, the files'
    content keys): a re-run on a new head reviews only the files changed since."""

    def previous(self) -> Previous | None:
        """The state the tool's last summary on this request records, or None."""


class CheckSink(Protocol):
    def publish(self, review: Review) -> Any:
        """One check run with annotations; returns its url, conclusion and annotation count."""


@runtime_checkable
class HasCheckRuns(Protocol):
    """A target that takes a check run on its head commit (``--post check``)."""

    def check_sink(self, settings: Settings, diff_text: str) -> CheckSink:
        """Publishes a review as one check run."""


class Host(Protocol):
    name: str
    title: str  # for people: "GitHub"
    forms: str  # the target forms it reads, for people ("OWNER/REPO#NUMBER or https://...")

    def accepts(self, target: str | None, url: str | None) -> bool:
        """Whether ``target`` is written in one of this host's forms (``None``: no target given,
        which a host may read from its CI's environment when ``url``, its API flag, is given)."""

    def open(self, target: str | None, settings: Settings, *, post: bool, url: str | None = None,
             env: Mapping[str, str] | None = None, token: Any = None) -> Target:
        """The target with a client (token and API URL found here); ``post``: a token is required."""


@runtime_checkable
class ReadsReviewComments(Protocol):
    """A host whose past review comments `style learn` reads."""

    def check_names(self, repo: str, login: str) -> None:
        """InputError when ``repo`` or ``login`` is not written as the host writes them."""

    def connect(self, settings: Settings, ref: Any, *, post: bool, url: str | None = None,
                env: Mapping[str, str] | None = None, token: Any = None) -> Any:
        """A client for the host's API."""

    def review_comments(self, client: Any, repo: str, login: str, *, limit: int, max_pages: int,
                        on_page: Callable[[int, int, int], None] | None = None) -> Any:
        """``login``'s review comments on ``repo`` (a ``style.learn.Fetched``)."""
