"""Plain frozen dataclasses passed between the pipeline stages.

Lines keep the new-file line, the old-file line and the side as separate fields
(like reviewdog's ``Line``): a removed line has only ``old_line``, an added line only
``new_line``, a context line both.  ``side`` is GitHub's: ``RIGHT`` is the new file,
``LEFT`` the old one.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal, TypeVar

Side = Literal["RIGHT", "LEFT"]
Severity = Literal["error", "warning", "note"]
LineKind = Literal["+", "-", " "]
T_Finding = TypeVar("T_Finding", "Comment", "Note")

SEVERITIES: tuple[Severity, ...] = ("error", "warning", "note")
SEVERITY_RANK: dict[str, int] = {"note": 0, "warning": 1, "error": 2}


@dataclass(frozen=True)
class DiffLine:
    kind: LineKind
    text: str
    old_line: int | None
    new_line: int | None

    @property
    def side(self) -> Side:
        return "LEFT" if self.kind == "-" else "RIGHT"

    @property
    def line(self) -> int:
        """The number GitHub uses for this line on its own side."""
        number = self.old_line if self.kind == "-" else self.new_line
        assert number is not None
        return number

    @property
    def changed(self) -> bool:
        return self.kind != " "


@dataclass(frozen=True)
class Hunk:
    old_start: int
    old_count: int
    new_start: int
    new_count: int
    section: str
    lines: tuple[DiffLine, ...]


FileStatus = Literal["added", "removed", "modified", "renamed"]


@dataclass(frozen=True)
class FileDiff:
    path: str
    old_path: str | None
    status: FileStatus
    hunks: tuple[Hunk, ...]
    binary: bool = False
    added: int = 0
    removed: int = 0


@dataclass(frozen=True)
class Chunk:
    """What one model call reviews: hunks of one file, possibly a part of a split hunk."""

    id: str
    path: str
    old_path: str | None
    status: FileStatus
    language: str
    hunks: tuple[Hunk, ...]
    tokens: int
    part: tuple[int, int] | None = None

    @property
    def lines(self) -> tuple[DiffLine, ...]:
        return tuple(line for hunk in self.hunks for line in hunk.lines)


@dataclass(frozen=True)
class Step:
    """One pass's word on a finding: the severity it left, why, and the verdict it read (the
    JSON report carries each finding's steps, so a reader can tell which pass left a bug out)."""

    stage: str  # "draft", "verify", "explain", "noise", "fixjudge", "floor"
    severity: str  # the finding's severity after this step
    reason: str
    p: float | None = None  # the verdict's probability (verify: P(new is correct); fixjudge: P(fixed))
    context: str = ""  # what the verdict saw besides the hunk (context.py's summary)


@dataclass(frozen=True)
class Comment:
    path: str
    line: int
    side: Side
    severity: Severity
    body: str
    start_line: int | None = None
    suggestion: str | None = None
    trace: tuple[Step, ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class Note:
    """A finding that could not be anchored on a diff line: it goes into the summary."""

    path: str
    severity: Severity
    body: str
    line: int | None = None
    trace: tuple[Step, ...] = field(default=(), compare=False)


def traced(item: T_Finding, stage: str, severity: str, reason: str, p: float | None = None,
           context: str = "", **changes) -> T_Finding:
    """``item`` after a pass: its severity (and any other field changed), the step recorded."""
    return replace(item, severity=severity, trace=(*item.trace, Step(stage, severity, reason, p, context)),  # type: ignore[arg-type]
                   **changes)


@dataclass(frozen=True)
class Skipped:
    path: str
    reason: str


@dataclass(frozen=True)
class Failed:
    chunk: str
    path: str
    reason: str


@dataclass(frozen=True)
class Stats:
    chunks: int = 0
    model_calls: int = 0
    prompt_tokens: int = 0
    prompt_tokens_evaluated: int = 0
    completion_tokens: int = 0
    cache_hits: int = 0
    seconds: float = 0.0
    verify: bool = False  # the judge's second opinion ran on this review's findings
    verify_off: str = ""  # why it could not, although asked for (a server without logprobs)
    planned_seconds: float | None = None  # the estimate before the model started (reviewer/review/budget/plan.py)
    budget: float | None = None  # the budget it ran under, seconds
    not_reviewed: int = 0  # chunks the budget did not let start
    unchanged: int = 0  # files not reviewed again: unchanged since the last review of the PR


@dataclass(frozen=True)
class PullRequest:
    repo: str
    number: int
    title: str
    body: str
    author: str
    base_sha: str
    head_sha: str
    url: str
    draft: bool = False
    state: str = "open"


@dataclass(frozen=True)
class BaseRef:
    """Where the repository at the PR's base can be read (review/base_tree.py): a git repository
    and the base revision, or (``rev`` empty) a directory holding the files at base."""

    root: str
    rev: str = ""


@dataclass(frozen=True)
class DiffInput:
    """What a diff source hands to the pipeline."""

    text: str
    label: str
    pr: PullRequest | None = None
    skipped: tuple[Skipped, ...] = ()
    base: BaseRef | None = None  # the repository at base, when the source knows one


@dataclass(frozen=True)
class Completion:
    text: str
    prompt_tokens: int
    prompt_tokens_evaluated: int
    completion_tokens: int
    seconds: float = 0.0


@dataclass(frozen=True)
class PRCheck:
    """A rule about the pull request itself (title, description, tests), checked once per PR
    without the model; ``rule`` cites the section, ``quote`` is the rule's own words."""

    check: str  # "title" | "description" | "tests"
    message: str
    rule: str
    quote: str


@dataclass(frozen=True)
class Previous:
    """What an earlier review of the same pull request recorded (its summary's hidden state):
    the head it reviewed, its model (``cache.model_tag``) and the content keys
    (``cache.file_key``) of the files it reviewed in full."""

    head_sha: str
    model: str
    files: frozenset[str]


@dataclass(frozen=True)
class Review:
    comments: tuple[Comment, ...]
    summary: str
    stats: Stats
    skipped: tuple[Skipped, ...] = ()
    failed: tuple[Failed, ...] = ()
    notes: tuple[Note, ...] = ()
    files: tuple[str, ...] = ()
    label: str = ""
    model: str = ""
    pr: PullRequest | None = None
    style_sources: tuple[str, ...] = field(default=())
    pr_checks: tuple[PRCheck, ...] = ()
    left_out: tuple[Comment | Note, ...] = ()  # findings below min_severity: not in the review
    # content keys (cache.file_key) of the files reviewed in full, and of those unchanged since a
    # previous review: what a posted summary records for the next run (``Previous``)
    reviewed_keys: tuple[str, ...] = ()
