"""Which lines of a diff a comment may sit on, and moving a model's comment onto one.

GitHub accepts a review comment only on a line of the diff: on the RIGHT side a new-file
line of an added or context line, on the LEFT side an old-file line of a removed or context
line; a multi-line comment's ``start_line`` must be on the same side and in the same hunk.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..types import Chunk, Comment, DiffLine, FileDiff, Hunk, Side

# A comment that lands up to this many lines from a changed line is moved onto it.
SNAP_DISTANCE = 3


class DiffIndex:
    """Valid (path, side, line) positions of a diff, each with the hunk it belongs to."""

    def __init__(self, files: Iterable[FileDiff] | Iterable[Chunk]):
        self._where: dict[tuple[str, Side, int], int] = {}
        serial = 0
        for item in files:
            for hunk in item.hunks:
                serial += 1
                for line in hunk.lines:
                    self._where[(item.path, line.side, line.line)] = serial
                    if line.kind == " ":
                        assert line.old_line is not None
                        self._where[(item.path, "LEFT", line.old_line)] = serial

    def hunk_of(self, path: str, side: Side, line: int) -> int | None:
        return self._where.get((path, side, line))

    def is_valid(self, comment: Comment) -> bool:
        where = self.hunk_of(comment.path, comment.side, comment.line)
        if where is None:
            return False
        if comment.start_line is None:
            return True
        return comment.start_line < comment.line and self.hunk_of(comment.path, comment.side, comment.start_line) == where

    def __len__(self) -> int:
        return len(self._where)


@dataclass(frozen=True)
class Placement:
    """Where a finding ended up: on a diff line (``line``) or, failing that, nowhere."""

    line: DiffLine | None
    start: DiffLine | None
    moved: bool


def _positions(hunk: Hunk, side: Side) -> dict[int, DiffLine]:
    out: dict[int, DiffLine] = {}
    for line in hunk.lines:
        if side == "RIGHT" and line.new_line is not None:
            out[line.new_line] = line
        elif side == "LEFT" and line.old_line is not None:
            out[line.old_line] = line
    return out


def place(chunk: Chunk, line: int, side: Side, start_line: int | None = None) -> Placement:
    """Find the diff line of ``chunk`` a model's (line, side) refers to.

    Exact hits stay; a number within SNAP_DISTANCE of a changed line of the chunk moves to
    the nearest changed line; anything else is not placed (the caller puts it in the summary).
    A model that names the other side for a number that only exists there is forgiven.
    """
    sides: tuple[Side, Side] = (side, "LEFT" if side == "RIGHT" else "RIGHT")
    for s in sides:
        for hunk in chunk.hunks:
            pos = _positions(hunk, s)
            if line in pos:
                start = None
                if start_line is not None and start_line < line and start_line in pos:
                    start = pos[start_line]
                return Placement(pos[line], start, moved=False)
    best: tuple[int, DiffLine] | None = None
    for hunk in chunk.hunks:
        for candidate in hunk.lines:
            if not candidate.changed:
                continue
            distance = abs(_position(hunk, candidate, side) - line)
            if distance <= SNAP_DISTANCE and (best is None or distance < best[0]):
                best = (distance, candidate)
    if best is None:
        return Placement(None, None, moved=False)
    return Placement(best[1], None, moved=True)


def _position(hunk: Hunk, target: DiffLine, side: Side) -> int:
    """The line number ``target`` has, or would have, on ``side`` (a removed line sits
    between two new-file lines, an added line between two old-file lines)."""
    own = target.new_line if side == "RIGHT" else target.old_line
    if own is not None:
        return own
    number = hunk.new_start if side == "RIGHT" else hunk.old_start
    for line in hunk.lines:
        if line is target:
            return number
        value = line.new_line if side == "RIGHT" else line.old_line
        if value is not None:
            number = value + 1
    return number


def to_comment(chunk: Chunk, placement: Placement, severity, body: str, suggestion: str | None) -> Comment:
    assert placement.line is not None
    target = placement.line
    start = placement.start
    start_line = start.line if start is not None and start.side == target.side else None
    if suggestion is not None and target.side != "RIGHT":
        suggestion = None  # GitHub applies suggestions to the new file only
    return Comment(
        path=chunk.path,
        line=target.line,
        side=target.side,
        severity=severity,
        body=body,
        start_line=start_line,
        suggestion=suggestion,
    )
