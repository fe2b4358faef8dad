"""A change that only removes definitions, checked as a reviewer checks it: is anything left that
still uses what it removes?

Asked "which version is correct?", a judge shown a function and the same code without it
prefers the one with the function: on real merged pull requests it condemned helpers retired on
purpose, a class the same PR replaced, properties removed on schedule (docs/quality.md). That is
the wrong question for a removal. The question that fits is whether the rest of the change still
names what was removed: a call left behind is a bug; a name defined again elsewhere in the PR was
moved; a name nothing in the PR uses any more was retired. Only the pull request's own diff is
read (the new side of every file but documentation: its added and unchanged lines), so "nothing uses it" means
nothing the diff shows; code beyond the diff is not searched. A special method (``__iter__``) is
never retired that way: the language calls it, no line names it (on quality-cases a removed
``MultiDict.__iter__`` work-around was the bug).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..diff.files import language_of, PROSE_LANGUAGES
from ..types import Comment, DiffLine, FileDiff, Hunk, Note
from .context import identifiers

_DEF = re.compile(r"^(\s*)(?:async\s+)?(?:def|class)\s+([A-Za-z_]\w*)")


@dataclass(frozen=True)
class Removal:
    """What one run of removed lines takes out, and what the rest of the PR says of it."""

    names: tuple[str, ...]  # the definitions removed (the outermost ones)
    still_used: tuple[tuple[str, str, int], ...] = ()  # (name, path, new-file line) still naming one
    moved: tuple[str, ...] = ()  # names the PR defines again on an added line

    @property
    def retired(self) -> bool:
        """Nothing in the PR's new code names what was removed (or it was moved)."""
        return not self.still_used

    def reason(self) -> str:
        names = ", ".join(f"`{n}`" for n in self.names)
        if self.still_used:
            name, path, line = self.still_used[0]
            return f"removes {names}, and {path}:{line} still uses `{name}`"
        if self.moved and set(self.moved) == set(self.names):
            return f"moves {names} (the PR defines {'them' if len(self.names) > 1 else 'it'} again)"
        return f"removes {names}, which nothing left in the PR's diff uses: a removal on purpose"


def removed_definitions(path: str, lines: Sequence[DiffLine]) -> tuple[str, ...]:
    """The outermost ``def``/``class`` names a run of removed lines takes out (Python only)."""
    if language_of(path) != "python":
        return ()
    found = [(len(m.group(1).expandtabs()), m.group(2)) for x in lines if (m := _DEF.match(x.text))]
    if not found:
        return ()
    outer = min(indent for indent, _ in found)
    return tuple(dict.fromkeys(name for indent, name in found if indent == outer))


def is_special(name: str) -> bool:
    """A name the language itself calls (``__iter__``, ``__eq__``): no line of code need name it."""
    return len(name) > 4 and name.startswith("__") and name.endswith("__")


def run_of(hunk: Hunk, item: Comment | Note):
    """The run of changed lines a finding sits on (the hunk's only run when it names no line)."""
    from .passes.explain import changed_parts  # the passes import this package

    parts = changed_parts(hunk)
    line = item.line  # a Note may have none
    side = item.side if isinstance(item, Comment) else "RIGHT"
    for part in parts:
        if side == "LEFT" and any(x.old_line == line for x in part.removed):
            return part
        if side == "RIGHT" and any(x.new_line == line for x in part.added):
            return part
    return parts[0] if len(parts) == 1 else None


def removal_at(files: Sequence[FileDiff], path: str, hunk: Hunk, item: Comment | Note) -> Removal | None:
    """The removal a finding sits on, or None when its run of changed lines adds code or removes
    no definition."""
    part = run_of(hunk, item)
    if part is None or part.added_code:
        return None
    names = removed_definitions(path, part.removed_code)
    if not names or any(is_special(n) for n in names):
        return None
    new_side = [(f.path, language_of(f.path) == "python", x) for f in files
                if language_of(f.path) not in PROSE_LANGUAGES for h in f.hunks for x in h.lines if x.kind != "-"]
    moved = tuple(dict.fromkeys(m.group(2) for _, _, x in new_side
                                if x.kind == "+" and (m := _DEF.match(x.text)) and m.group(2) in names))
    wanted = set(names) - set(moved)  # a moved name's uses are uses of its new definition
    still = tuple((n, p, x.new_line) for p, python, x in new_side if x.new_line is not None
                  for n in sorted(wanted & set(identifiers(x.text, python))))
    return Removal(names, still, moved)
