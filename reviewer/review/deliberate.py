"""Why a change the judge would weigh is on purpose, read from the rest of the pull request.

A reviewer who sees a call lose an argument looks for the callee first: when the same PR changes
that function's signature, the call follows it. A run of lines that only removes definitions is
asked whether anything left uses them (review/removals.py). A name the change takes out that the
PR's own changelog lines name in code (``locked_cached_property`` is deprecated, ``filename`` was
removed) was taken out on purpose: the author says so where the maintainer reads it. All read the
PR's own diff only. What they find is never a verdict on the code: the finding is left out with
the reason in its trace (the report's left-out notes and the triage page show it), and a removal
something left still uses stays with the judge whatever the changelog says.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..diff.files import language_of
from ..types import Comment, FileDiff, Hunk, Note
from .context import identifiers, is_changelog
from .removals import removal_at, run_of

_CALL = re.compile(r"(?<![\w.])([A-Za-z_]\w*)\s*\(|\.([A-Za-z_]\w*)\s*\(")
_DEF = re.compile(r"^\s*(?:async\s+)?def\s+([A-Za-z_]\w*)\s*\(")


def called(lines) -> set[str]:
    return {a or b for x in lines for a, b in _CALL.findall(x.text)}


def signatures_changed(files: Sequence[FileDiff]) -> set[str]:
    """The functions whose ``def`` line the PR both removes and adds (a changed signature)."""
    removed: set[str] = set()
    added: set[str] = set()
    for f in files:
        if language_of(f.path) != "python":
            continue
        for h in f.hunks:
            for x in h.lines:
                if x.changed and (m := _DEF.match(x.text)):
                    (removed if x.kind == "-" else added).add(m.group(1))
    return removed & added


# code in a changelog line: ``name`` (reStructuredText), `name` (Markdown), :func:`~mod.name`
_CODE_SPAN = re.compile(r"``([^`]+)``|`([^`]+)`")
_SHORT = 4  # names shorter than this (`app`, `os`) are too common to tie a change to its changelog


def announced(files: Sequence[FileDiff]) -> dict[str, str]:
    """The names the PR's added changelog lines put in code spans, each with where it is said
    (``path:line``)."""
    out: dict[str, str] = {}
    for f in files:
        if not is_changelog(f.path):
            continue
        for h in f.hunks:
            for x in h.lines:
                if x.kind != "+":
                    continue
                for a, b in _CODE_SPAN.findall(x.text):
                    for name in re.findall(r"[A-Za-z_]\w*", a or b):
                        if len(name) >= _SHORT:
                            out.setdefault(name, f"{f.path}:{x.new_line}")
    return out


def taken_out(path: str, part) -> set[str]:
    """The names a run of changed lines removes and does not add back."""
    python = language_of(path) == "python"
    before = {n for x in part.removed_code for n in identifiers(x.text, python)}
    after = {n for x in part.added_code for n in identifiers(x.text, python)}
    return before - after


def why_on_purpose(files: Sequence[FileDiff], path: str, hunk: Hunk, item: Comment | Note) -> str:
    """Why the change under a finding is on purpose ("" when the PR does not say): it removes
    what nothing left uses, or it changes calls to a function whose signature the PR changes."""
    gone = removal_at(files, path, hunk, item)
    if gone is not None and not gone.retired:
        return ""
    part = run_of(hunk, item)
    said = announced(files)
    named = sorted(n for n in (taken_out(path, part) if part is not None else ()) if n in said)
    if named:
        names = ", ".join(f"`{n}`" for n in named)
        return f"takes out {names}, which the PR's changelog names ({said[named[0]]}): a change on purpose"
    if gone is not None:
        return gone.reason()
    if part is None or not part.removed_code or not part.added_code:
        return ""
    calls = called(part.removed_code) & called(part.added_code)
    # a run that redefines the function itself is not a call that follows it
    own = {m.group(1) for x in part.added_code if (m := _DEF.match(x.text))}
    follows = sorted((calls & signatures_changed(files)) - own)
    if not follows:
        return ""
    names = ", ".join(f"`{n}`" for n in follows)
    return f"changes calls to {names}, whose signature the same PR changes: the calls follow it"
