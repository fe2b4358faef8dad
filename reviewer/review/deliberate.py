"""Why a change the judge would weigh is on purpose, read from the rest of the pull request.

A reviewer who sees a call lose an argument looks for the callee first: when the same PR changes
that function's signature, the call follows it. A run of lines that only removes definitions is
asked whether anything left uses them (review/removals.py). Both read the PR's own diff only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..chunk import language_of
from ..types import Comment, FileDiff, Hunk, Note
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


def why_on_purpose(files: Sequence[FileDiff], path: str, hunk: Hunk, item: Comment | Note) -> str:
    """Why the change under a finding is on purpose ("" when the PR does not say): it removes
    what nothing left uses, or it changes calls to a function whose signature the PR changes."""
    gone = removal_at(files, path, hunk, item)
    if gone is not None:
        return gone.reason() if gone.retired else ""
    part = run_of(hunk, item)
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
