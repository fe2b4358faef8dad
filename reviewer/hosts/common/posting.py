"""What every host's sink decides before it posts: which findings are new (their fingerprints
not yet on the request), in which order, which go on lines of the diff and which into the
summary (over ``max_comments``, the notes unless ``inline_notes``, those on no line of the diff)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ...types import SEVERITY_RANK, Comment
from .markers import finding_fingerprint

Item = tuple[Comment, str]  # a finding and the fingerprint its marker carries


def priority(c: Comment) -> tuple:
    return (-SEVERITY_RANK[c.severity], c.path, c.line)


@dataclass
class Plan:
    inline: list[Item] = field(default_factory=list)  # on lines of the diff
    overflow: list[Item] = field(default_factory=list)  # placeable, over ``max_comments``
    unsure: list[Item] = field(default_factory=list)  # notes, into the summary unless ``inline_notes``
    unplaced: list[Item] = field(default_factory=list)  # on no line of the reviewed diff
    duplicates: int = 0  # already on the request

    @property
    def fresh(self) -> bool:
        return bool(self.inline or self.overflow or self.unsure or self.unplaced)


def plan_posts(comments: Iterable[Comment], known: set[str], placed: Callable[[Comment], bool], *,
               max_comments: int, inline_notes: bool,
               also_known: Callable[[Comment], str] | None = None) -> Plan:
    """``known``: the fingerprints the request's own posts carry (grows with this run's);
    ``placed``: whether a comment sits on a line of the reviewed diff; ``also_known``: an
    earlier identity a host's older markers carry, read too."""
    plan, placeable = Plan(), []
    for c in sorted(comments, key=priority):
        fp = finding_fingerprint(c)
        ids = {fp, also_known(c)} if also_known is not None else {fp}
        if ids & known:
            plan.duplicates += 1
            continue
        known |= ids
        (placeable if placed(c) else plan.unplaced).append((c, fp))
    plan.unsure = [] if inline_notes else [x for x in placeable if x[0].severity == "note"]
    placeable = [x for x in placeable if x not in plan.unsure]
    plan.inline, plan.overflow = placeable[:max_comments], placeable[max_comments:]
    return plan
