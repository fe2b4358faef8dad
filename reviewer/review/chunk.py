"""Reviewed files -> chunks: hunks fitted to the token budget, file windows; the token estimate.
Which files are reviewed, and in what order, is diff/files.py's."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable, Sequence

from ..diff.files import language_of
from ..types import Chunk, DiffLine, FileDiff, Hunk

TokenCounter = Callable[[str], int]

def estimate_tokens(text: str) -> int:
    """A cautious token estimate (about 3 bytes a token for code) used before a model is loaded."""
    return math.ceil(len(text.encode("utf-8")) / 3) if text else 0


def line_cost(line: DiffLine, count: TokenCounter) -> int:
    # the line as the prompt shows it: a number column, a marker and the text
    return count(f"{line.line:>5} {line.kind}{line.text}\n")


def hunk_cost(hunk: Hunk, count: TokenCounter) -> int:
    return count(f"@@ {hunk.section}\n") + sum(line_cost(line, count) for line in hunk.lines)


def fit_line(line: DiffLine, room: int, count: TokenCounter) -> DiffLine:
    """A line that alone is longer than ``room`` tokens (minified code, a data blob), with its
    text cut so that it fits; its numbers stay, so a comment can still sit on it."""
    cost = line_cost(line, count)
    keep = len(line.text)
    while cost > room and keep > 0:
        keep = min(keep - 1, keep * room // (cost + 1))
        cut = dataclasses.replace(line, text=f"{line.text[:keep]} [... {len(line.text) - keep} more characters]")
        cost = line_cost(cut, count)
        line = cut if cost <= room or keep == 0 else line
    return line


def split_hunk(hunk: Hunk, budget: int, count: TokenCounter) -> list[Hunk]:
    """Cut a hunk into pieces of at most ``budget`` tokens, at line boundaries, dropping nothing.

    Prefers to cut after a context line so that a run of changes stays together; a single
    line longer than the budget becomes a piece of its own, its text cut to fit.
    """
    room = max(1, budget - count(f"@@ {hunk.section}\n"))
    pieces: list[list[DiffLine]] = []
    current: list[DiffLine] = []
    costs: list[int] = []
    for line in hunk.lines:
        line = fit_line(line, room, count)
        c = line_cost(line, count)
        while current and sum(costs) + c > room:
            contexts = [i for i, x in enumerate(current) if not x.changed]
            cut = contexts[-1] + 1 if contexts and contexts[-1] + 1 >= len(current) // 2 else len(current)
            pieces.append(current[:cut])
            current, costs = current[cut:], costs[cut:]
        current.append(line)
        costs.append(c)
    if current:
        pieces.append(current)
    return [_sub_hunk(hunk, p) for p in pieces]


def _sub_hunk(parent: Hunk, lines: list[DiffLine]) -> Hunk:
    old = [x.old_line for x in lines if x.old_line is not None]
    new = [x.new_line for x in lines if x.new_line is not None]
    return Hunk(
        old_start=old[0] if old else parent.old_start,
        old_count=len(old),
        new_start=new[0] if new else parent.new_start,
        new_count=len(new),
        section=parent.section,
        lines=tuple(lines),
    )


def make_chunks(
    files: Iterable[FileDiff],
    budget: int | Callable[[str], int],
    count: TokenCounter = estimate_tokens,
    target: int | None = None,
) -> list[Chunk]:
    """One chunk per hunk; small hunks of a file share a chunk up to ``target`` tokens;
    a hunk over ``budget`` tokens is split into parts of at most ``budget``. ``budget`` may be
    a file's own (path -> tokens), so that how a file is cut never depends on the other files."""
    fixed = budget
    budget_of = fixed if callable(fixed) else (lambda path: fixed)
    files = list(files)
    if (not callable(fixed) and fixed < 64) or any(budget_of(f.path) < 64 for f in files):
        raise ValueError("chunk budget must be at least 64 tokens")
    chunks: list[Chunk] = []
    for f in files:
        room = budget_of(f.path)
        most = min(target or room, room)
        groups: list[tuple[list[Hunk], int, tuple[int, int] | None]] = []
        group: list[Hunk] = []
        group_cost = 0
        for hunk in f.hunks:
            cost = hunk_cost(hunk, count)
            if cost > room:
                if group:
                    groups.append((group, group_cost, None))
                    group, group_cost = [], 0
                parts = split_hunk(hunk, room, count)
                for i, part in enumerate(parts, 1):
                    groups.append(([part], hunk_cost(part, count), (i, len(parts))))
                continue
            if group and group_cost + cost > most:
                groups.append((group, group_cost, None))
                group, group_cost = [], 0
            group.append(hunk)
            group_cost += cost
        if group:
            groups.append((group, group_cost, None))
        language = language_of(f.path)
        for n, (hunks, cost, part) in enumerate(groups, 1):
            chunks.append(
                Chunk(
                    id=f"{f.path}#{n}",
                    path=f.path,
                    old_path=f.old_path,
                    status=f.status,
                    language=language,
                    hunks=tuple(hunks),
                    tokens=cost,
                    part=part,
                )
            )
    return chunks


def file_windows(chunks: Sequence[Chunk], budget: int | Callable[[str], int]) -> dict[str, tuple[Chunk, ...]]:
    """Consecutive chunks of one file, grouped while their listings together fit ``budget``
    (a number, or each file's own: path -> tokens)
    tokens: each chunk of a group is reviewed with the whole group's listing in front of it
    (the file's change as context, one shared prompt prefix evaluated once). Chunk id ->
    its group; a chunk alone in its group is absent (its prompt stays the plain one)."""
    windows: dict[str, tuple[Chunk, ...]] = {}
    group: list[Chunk] = []

    def close() -> None:
        if len(group) > 1:
            for member in group:
                windows[member.id] = tuple(group)
        group.clear()

    for chunk in chunks:
        room = budget(chunk.path) if callable(budget) else budget
        if not (group and group[0].path == chunk.path) or sum(c.tokens for c in group) + chunk.tokens > room:
            close()
        group.append(chunk)
    close()
    return windows
