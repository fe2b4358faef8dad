"""What the GitLab sink writes: discussion bodies, GitLab's ``position`` for a diff line, the one
summary note, and the hidden markers that make re-runs idempotent.

Model text goes through ``sanitize.for_posting`` (GitLab renders the same markdown: no live
mention, no HTML, no forged marker); paths are shown as code spans only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ...diff.parse import parse_diff
from ...sanitize import clean_code, code_span, fence_for, for_posting, sections_within
from ...types import Comment, DiffLine, Note, Review
from ..common.markers import SUMMARY_MARKER, fp_marker, state_marker

MAX_NOTE = 1_000_000  # GitLab's limit on a note's body
NOTE_BUDGET = 200_000  # what the summary note's findings may take


class Positions:
    """GitLab's ``position`` for a comment on a line of the reviewed diff (``text`` type): the
    MR's ``diff_refs``, both paths, ``new_line`` for an added line, ``old_line`` for a removed
    one, both for a context line."""

    def __init__(self, diff_text: str, diff_refs: dict[str, str]):
        self.refs = {k: diff_refs.get(k, "") for k in ("base_sha", "start_sha", "head_sha")}
        self._lines: dict[tuple[str, str, int], DiffLine] = {}
        self._old_path: dict[str, str] = {}
        for f in parse_diff(diff_text) if diff_text.strip() else []:
            self._old_path[f.path] = f.old_path or f.path
            for hunk in f.hunks:
                for line in hunk.lines:
                    if line.new_line is not None:
                        self._lines[(f.path, "RIGHT", line.new_line)] = line
                    if line.old_line is not None:
                        self._lines[(f.path, "LEFT", line.old_line)] = line

    def of(self, c: Comment) -> dict[str, Any] | None:
        line = self._lines.get((c.path, c.side, c.line))
        if line is None:
            return None
        pos: dict[str, Any] = {**self.refs, "position_type": "text", "new_path": c.path,
                               "old_path": self._old_path.get(c.path, c.path)}
        if line.new_line is not None:
            pos["new_line"] = line.new_line
        if line.old_line is not None:
            pos["old_line"] = line.old_line
        return pos


def where(c: Comment | Note) -> str:
    if isinstance(c, Note):
        return f"near line {c.line}" if c.line else "the file"
    side = " (old)" if c.side == "LEFT" else ""
    return f"lines {c.start_line}-{c.line}{side}" if c.start_line is not None else f"line {c.line}{side}"


def suggestion_block(c: Comment) -> str:
    """GitLab's ```suggestion (one click to apply) for new-file lines: ``-N+0`` covers the lines
    above the anchor that the replacement takes too."""
    if c.suggestion is None or c.side != "RIGHT":
        return ""
    code = clean_code(c.suggestion).removesuffix("\n")
    above = c.line - c.start_line if c.start_line is not None else 0
    fence = fence_for(code)
    return f"\n\n{fence}suggestion:-{above}+0\n{code}\n{fence}"


def discussion_body(c: Comment, fp: str) -> str:
    span = f" ({where(c)})" if c.start_line is not None else ""
    return f"**{c.severity}**{span}: {for_posting(c.body)}{suggestion_block(c)}\n\n{fp_marker(fp)}"


def note_item(c: Comment | Note, fp: str) -> str:
    text = for_posting(c.body).replace("\n", "\n  ")
    return f"- **{c.severity}** {code_span(c.path)} {where(c)}: {text}\n  {fp_marker(fp)}"


def summary_body(review: Review, head_sha: str, posted: int, known: int,
                 sections: Sequence[tuple[str, list[str]]]) -> str:
    """The one summary note, rewritten on every run: the latest head's summary and the findings
    that are not discussions on the diff, and (hidden, first, so that no cut loses it) the state
    the next run starts from (gitlab/previous.py)."""
    said = f"{posted} new discussion{'s' if posted != 1 else ''} on the diff" if posted else "no new discussions"
    if known:
        said += f", {known} earlier finding{'s' if known != 1 else ''} already on the diff"
    by = f" with `{review.model.replace('`', '')}`" if review.model else ""
    lines = [SUMMARY_MARKER, state_marker(review, head_sha), "### reviewer", "",
             for_posting(review.summary, limit=40000), "",
             f"This run{by} on commit `{head_sha[:12]}`: {said}."]
    lines += sections_within(sections, NOTE_BUDGET)
    if review.skipped:
        lines += ["", "Skipped:"] + [f"- {code_span(s.path)}: {for_posting(s.reason, 300)}" for s in review.skipped[:100]]
    lines += ["", "<sub>Edited in place on every run; a finding is posted once, a re-run posts only new ones.</sub>"]
    text = "\n".join(lines)
    return text if len(text) <= MAX_NOTE else text[: MAX_NOTE - 2] + "…"
