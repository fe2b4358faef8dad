"""One point said once per review: flagged comments that make the same point about different
names become one comment that lists the other places.

A small model that misreads a change says so on every hunk it touches ("the `iter_text` method
should use `TextChunker`", "the `iter_bytes` method should use `ByteChunker`", four times), and
a reviewer who means a point once writes it once ("the same in three other places"), as the
hosted review tools group theirs. Two bodies make the same point when, with the names in
backticks masked, most of their words are shared. The first place in the review's order keeps
the comment, at the group's highest severity, with the other places named at its end; the others
go to the report's left-out section with a step saying so. Nothing is lost: every place stays in
the report.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from ..sanitize import code_span
from ..types import Comment, traced

FLAGGED = ("error", "warning")
RANK = {"note": 0, "warning": 1, "error": 2}
SAME_POINT = 0.7  # the share of the shorter body's words the longer one has
MIN_WORDS = 4  # a body of fewer (unmasked) words makes no point to compare

_NAME = re.compile(r"`[A-Za-z_][\w.]*(?:\(\))?`")  # a name in backticks; code with more in it is kept
_WORD = re.compile(r"[a-z][a-z']{2,}")


_CODE = re.compile(r"`([^`\n]*)`")


def point(body: str) -> tuple[frozenset[str], frozenset[str]]:
    """A body's words with the names in backticks left out, and the code it quotes that is more
    than a name (two comments quoting different code make different points)."""
    quoted = frozenset(" ".join(m.split()) for m in _CODE.findall(body) if not _NAME.fullmatch(f"`{m}`"))
    return frozenset(_WORD.findall(_CODE.sub(" ", body).lower())), quoted


def same_point(a: tuple[frozenset[str], frozenset[str]], b: tuple[frozenset[str], frozenset[str]]) -> bool:
    (wa, qa), (wb, qb) = a, b
    if len(wa) < MIN_WORDS or len(wb) < MIN_WORDS or qa != qb:
        return False
    return len(wa & wb) / min(len(wa), len(wb)) >= SAME_POINT


def collapse_repeats(comments: Sequence[Comment]) -> tuple[list[Comment], list[Comment]]:
    """(the comments with each repeated point said once, the repeats left out). ``comments`` are
    in the review's order; comments below warning and the style's line checks are never grouped."""
    groups: list[list[int]] = []
    words = [point(c.body) for c in comments]
    for i, c in enumerate(comments):
        if c.severity not in FLAGGED or not c.trace or c.trace[0].stage != "draft":
            continue  # a style rule's line check names its rule and place: each one stands
        home = next((g for g in groups if same_point(words[g[0]], words[i])), None)
        if home is None:
            groups.append([i])
        else:
            home.append(i)
    first_of = {g[0]: g for g in groups if len(g) > 1}
    repeated = {i for g in first_of.values() for i in g[1:]}
    kept: list[Comment] = []
    left_out: list[Comment] = []
    for i, c in enumerate(comments):
        if i in repeated:
            head = comments[next(g[0] for g in first_of.values() if i in g)]
            left_out.append(traced(c, "repeats", "note", f"the same point as the comment on "
                                   f"{head.path}:{head.line}, which names this place"))
        elif i in first_of:
            others = [comments[j] for j in first_of[i][1:]]
            severity = max((c.severity, *(o.severity for o in others)), key=RANK.__getitem__)
            # a path is the PR's text: a code span that no backtick in it can close
            places = ", ".join(code_span(f"{o.path}:{o.line}") if o.path != c.path else f"line {o.line}"
                               for o in others)
            body = f"{c.body}\n\nThe same applies at {places}."
            kept.append(traced(replace(c, body=body), "repeats", severity,
                               f"said once for {len(others) + 1} places making the same point"))
        else:
            kept.append(c)
    return kept, left_out
