"""What the machine-readable formats (SARIF, rdjson) share: every finding of a review, the style
rule it cites, the text of the lines it sits on, and a fingerprint that survives moved lines.

A review's findings are its comments (on a diff line), its notes (on no diff line) and the
findings left out below ``min_severity``; the formats write all of them, the left-out ones
marked as such, so nothing drafted is lost.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from ..diff.parse import parse_diff
from ..errors import InputError
from ..style import StyleGuide
from ..types import Comment, DiffLine, Note, Review, Side

TOOL_NAME = "reviewer"
_CITATION = re.compile(r"\[([^\[\]\n]{1,200})\]")


@dataclass(frozen=True)
class Finding:
    item: Comment | Note
    left_out: bool  # below min_severity: not in the review, kept in the reports
    rule: str | None  # the cited style rule's label ("CONTRIBUTING.md › Naming"), if any

    @property
    def on_diff(self) -> bool:
        return isinstance(self.item, Comment)


def findings(review: Review, labels: Iterable[str] = ()) -> list[Finding]:
    """The review's comments, notes and left-out findings, in that order."""
    known = {_norm(x): x for x in labels}
    items = [(c, False) for c in review.comments] + [(n, False) for n in review.notes]
    items += [(x, True) for x in review.left_out]
    return [Finding(item, left_out, cited_rule(item.body, known)) for item, left_out in items]


def cited_rule(body: str, known: dict[str, str]) -> str | None:
    """The first ``[label]`` of ``body`` that names a rule: a section of the style guide when the
    guide is known (``known``: normalised label -> label), else any ``[FILE › Section]``."""
    for m in _CITATION.finditer(body):
        text = m.group(1).strip()
        if known:
            if _norm(text) in known:
                return known[_norm(text)]
        elif " › " in text:
            return text
    return None


def rule_texts(style: StyleGuide | None) -> dict[str, str]:
    """Every section of the guide (general, path-specific, PR-level): label -> its text."""
    if style is None:
        return {}
    sections = [*style.sections, *(s for r in style.path_rules for s in r.sections), *style.pr_sections]
    out: dict[str, str] = {}
    for s in sections:
        out[s.label] = f"{out[s.label]}\n\n{s.text.strip()}" if s.label in out else s.text.strip()
    return out


class DiffLines:
    """The reviewed diff's lines: their text by (path, side, number), and where a removal sits
    in the new file."""

    def __init__(self, diff_text: str):
        self._text: dict[tuple[str, Side, int], str] = {}
        self._hunks: dict[str, list[tuple[DiffLine, ...]]] = {}
        try:
            files = parse_diff(diff_text) if diff_text else []
        except InputError:
            files = []  # a review always comes from a parsed diff; this is a caller's mistake
        for f in files:
            self._hunks[f.path] = [h.lines for h in f.hunks]
            for hunk in f.hunks:
                for line in hunk.lines:
                    if line.old_line is not None:
                        self._text[(f.path, "LEFT", line.old_line)] = line.text
                    if line.new_line is not None:
                        self._text[(f.path, "RIGHT", line.new_line)] = line.text

    def texts(self, c: Comment) -> list[str]:
        start = c.start_line if c.start_line is not None else c.line
        return [self._text.get((c.path, c.side, n), "") for n in range(start, c.line + 1)]

    def removal_point(self, path: str, old_line: int) -> int | None:
        """The new-file line of the diff where the removed line ``old_line`` was: the next line
        of its hunk that the new file has, else the one before; None when the hunk has none."""
        for lines in self._hunks.get(path, []):
            at = next((i for i, x in enumerate(lines) if x.kind == "-" and x.old_line == old_line), None)
            if at is None:
                continue
            after = [x.new_line for x in lines[at:] if x.new_line is not None]
            before = [x.new_line for x in lines[:at] if x.new_line is not None]
            return after[0] if after else before[-1] if before else None
        return None


def fingerprint(item: Comment | Note, diff: DiffLines) -> str:
    """The finding's identity across commits: its file, the text of its lines and its words,
    never a line number, so it stays the same when the code around it moves."""
    code = "\n".join(_norm(x) for x in diff.texts(item)) if isinstance(item, Comment) else ""
    return hashlib.sha256(f"{item.path}\0{code}\0{_norm(item.body)}".encode()).hexdigest()[:32]


def where_lines(c: Comment) -> str:
    return f"{c.start_line}-{c.line}" if c.start_line is not None else str(c.line)


def _norm(text: str) -> str:
    return " ".join(text.replace("\u200b", "").lower().split())
