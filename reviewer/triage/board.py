"""The page's state: every draft of a review, what the maintainer decided on each, and the review
those decisions leave (what ``post`` publishes and ``save`` writes).

A draft is one finding of the review: a comment that would be posted (``comment``), a finding
on no line of the diff that the summary lists (``unplaced``), or one left out below
``min_severity`` (``left_out``). Per draft: keep, edit (its words and its suggestion) or drop;
keeping (or editing) a left-out one promotes it: a left-out comment is posted as a warning, a
left-out finding on no line goes into the summary. Only what the maintainer kept or edited is
posted; an undecided draft is not. A draft dropped before on the same code (its fingerprint, in
the feedback store) starts dropped.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace

from ..diff.files import review_tier, REVIEW_TIERS
from ..errors import InputError
from ..formats.findings import DiffLines, cited_rule, fingerprint
from ..review.pipeline import summarize
from ..prompt import Templates
from ..types import SEVERITY_RANK, Comment, Note, Review, traced
from .feedback import Decision

ACTIONS = ("keep", "edit", "drop", "undo")
KINDS = ("comment", "unplaced", "left_out")
PROMOTED_SEVERITY = "warning"  # a promoted left-out comment is posted at this severity
MAX_TEXT = 20000  # characters of an edited body or suggestion


@dataclass(frozen=True)
class Draft:
    id: str  # the page's handle: d0, d1...
    item: Comment | Note
    kind: str  # one of KINDS
    fingerprint: str
    rule: str | None  # the style rule it cites
    verdict: float | None  # verify's P(the new version is correct), None without a verdict
    file_kind: str  # source, tests, docs
    dropped_before: bool = False  # the same draft on the same code was dropped in an earlier triage

    @property
    def on_diff(self) -> bool:
        return isinstance(self.item, Comment)

    @property
    def shown_as(self) -> str:
        return "comment" if self.kind == "comment" else "note"


@dataclass(frozen=True)
class Choice:
    """A decision on a draft: ``keep``, ``edit`` (with the new words) or ``drop``."""

    action: str
    body: str | None = None
    suggestion: str | None = None
    preset: bool = False  # set by the board (dropped before), not by the maintainer

    @property
    def recorded(self) -> str:
        return {"keep": "kept", "edit": "edited", "drop": "dropped"}[self.action]


def verdict_of(item: Comment | Note) -> float | None:
    """The judge's last old-against-new verdict on the finding (verify's P), if any."""
    ps = [s.p for s in item.trace if s.stage == "verify" and s.p is not None]
    return ps[-1] if ps else None


def file_kind(path: str) -> str:
    return REVIEW_TIERS[review_tier(path)]


class Board:
    def __init__(self, review: Review, diff_text: str, *, templates: Templates, min_severity: str,
                 repository: str, labels: tuple[str, ...] = (), dropped_before: frozenset[str] | set[str] = frozenset()):
        self.review, self.diff_text, self.templates = review, diff_text, templates
        self.min_severity, self.repository = min_severity, repository
        self._lock = threading.Lock()
        lines = DiffLines(diff_text)
        known = {" ".join(x.lower().split()): x for x in labels}
        items = [(c, "comment") for c in review.comments] + [(n, "unplaced") for n in review.notes]
        items += [(x, "left_out") for x in review.left_out]
        self.drafts: list[Draft] = []
        seen: set[str] = set()
        for i, (item, kind) in enumerate(items):
            fp = fingerprint(item, lines)
            if fp in seen:  # the same words on the same code twice: one decision covers both
                fp = f"{fp}-{i}"
            seen.add(fp)
            self.drafts.append(Draft(f"d{i}", item, kind, fp, cited_rule(item.body, known), verdict_of(item),
                                     file_kind(item.path), fp in dropped_before))
        self.by_id = {d.id: d for d in self.drafts}
        self.choices: dict[str, Choice] = {d.id: Choice("drop", preset=True) for d in self.drafts if d.dropped_before}

    # -- decisions ---------------------------------------------------------------------------------
    def decide(self, draft_id: str, action: str, body: str | None = None,
               suggestion: str | None = None) -> tuple[Draft, Choice | None]:
        """Record the maintainer's decision on one draft (``undo``: none again); an InputError for
        an unknown draft or action, or an edit without words."""
        draft = self.by_id.get(draft_id)
        if draft is None:
            raise InputError(f"no draft {draft_id!r}")
        if action not in ACTIONS:
            raise InputError(f"not an action: {action!r}", hint=f"one of {', '.join(ACTIONS)}")
        choice: Choice | None
        if action == "undo":
            choice = None
        elif action == "edit":
            text = (body or "").strip()
            if not text:
                raise InputError("an edited draft needs its words")
            if len(text) > MAX_TEXT or len(suggestion or "") > MAX_TEXT:
                raise InputError(f"an edit of at most {MAX_TEXT} characters")
            code = suggestion if suggestion and suggestion.strip() and draft.on_diff else None
            choice = Choice("edit", text, code)
        else:
            choice = Choice(action)
        with self._lock:
            if choice is None:
                self.choices.pop(draft_id, None)
            else:
                self.choices[draft_id] = choice
        return draft, choice

    def choice(self, draft_id: str) -> Choice | None:
        with self._lock:
            return self.choices.get(draft_id)

    def feedback(self, draft: Draft, choice: Choice, model: str) -> Decision:
        """What the feedback store keeps of a decision."""
        return Decision(draft.fingerprint, self.repository, model, draft.file_kind, draft.item.severity,
                        draft.verdict, draft.rule, draft.shown_as, choice.recorded)

    def counts(self) -> dict[str, int]:
        with self._lock:
            choices = dict(self.choices)
        out = {"drafts": len(self.drafts), "keep": 0, "edit": 0, "drop": 0, "undecided": 0, "posted": 0}
        for d in self.drafts:
            c = choices.get(d.id)
            out[c.action if c else "undecided"] += 1
            if c is not None and c.action != "drop" and d.on_diff:
                out["posted"] += 1
        return out

    # -- the review they leave ---------------------------------------------------------------------
    def result(self) -> Review:
        """The review the decisions leave: the kept and edited drafts (left-out ones promoted),
        undecided left-out findings still left out, the rest gone; the summary says so."""
        with self._lock:
            choices = dict(self.choices)
        comments: list[Comment] = []
        notes: list[Note] = []
        left_out: list[Comment | Note] = []
        for d in self.drafts:
            c = choices.get(d.id)
            if c is None or c.action == "drop":
                if c is None and d.kind == "left_out":
                    left_out.append(d.item)
                continue
            item = _decided(d, c)
            (comments if isinstance(item, Comment) else notes).append(item)  # type: ignore[arg-type]
        comments.sort(key=lambda x: (x.path, x.line, x.side))
        counts = self.counts()
        r = self.review
        summary = summarize(self.templates, r.files, comments, notes, r.failed, r.skipped, r.stats, r.pr_checks,
                            left_out, self.min_severity)
        said = ", ".join(f"{counts[k]} {w}" for k, w in (("keep", "kept"), ("edit", "edited"), ("drop", "dropped"))
                         if counts[k])
        summary += f"\n\nA maintainer triaged the {counts['drafts']} drafts: {said or 'none decided'}."
        return replace(r, comments=tuple(comments), notes=tuple(notes), left_out=tuple(left_out), summary=summary)


def _decided(d: Draft, c: Choice) -> Comment | Note:
    item = d.item
    severity = item.severity
    if d.kind == "left_out" and SEVERITY_RANK[severity] < SEVERITY_RANK[PROMOTED_SEVERITY]:
        severity = PROMOTED_SEVERITY  # the maintainer wants it posted
    promoted = " (promoted from the left-out notes)" if d.kind == "left_out" else ""
    if c.action == "edit":
        changes = {"body": c.body}
        if isinstance(item, Comment):
            changes["suggestion"] = c.suggestion
        return traced(item, "triage", severity, f"edited by the maintainer{promoted}", **changes)
    return traced(item, "triage", severity, f"kept by the maintainer{promoted}")
