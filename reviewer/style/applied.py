"""A style guide applied to one change: what the pipeline needs from it, computed once per review."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..review.chunk import estimate_tokens

from ..diff.files import language_of
from ..types import FileDiff, PRCheck, PullRequest
from .guide import STYLE_SHARE, StyleGuide
from .line_checks import Rule, find_rules
from .pr_checks import check_pr


@dataclass(frozen=True)
class AppliedStyle:
    text: str  # the general rules: the system prompt, byte-identical for every chunk
    sources: tuple[str, ...]  # for the report, with what was left out to fit the budget
    path_rules: Callable[[str], str] | None = None  # the rules for one path: the chunk prompt
    rules_tokens: int = 0  # the most tokens ``path_rules`` adds to one chunk prompt
    pr_checks: tuple[PRCheck, ...] = ()
    # the rules a line can be checked against without the model (style/line_checks.py)
    line_rules: Callable[[str], Sequence[Rule]] = lambda path: ()


def apply_style(style: str | StyleGuide, files: Sequence[FileDiff], all_files: Sequence[FileDiff],
                pr: PullRequest | None, context: int, sources: Sequence[str] = ()) -> AppliedStyle:
    """``files``: the files to review; ``all_files``: every file of the diff (for the PR checks).
    A plain string is used as it is (the older calling convention)."""
    if not isinstance(style, StyleGuide):
        return AppliedStyle(style, tuple(sources))
    guide = style.fitted(context // STYLE_SHARE, [language_of(f.path) for f in files])
    path_rules, rules_tokens = None, 0
    if guide.path_rules:
        def path_rules(path: str) -> str:
            return guide.path_text(path, context // (2 * STYLE_SHARE))
        rules_tokens = max((estimate_tokens(path_rules(f.path)) for f in files), default=0)
    general = find_rules(style.sections)  # from the whole guide: a check costs no prompt space

    def line_rules(path: str) -> Sequence[Rule]:
        specific = style.rules_for(path)
        return find_rules((*style.sections, *specific)) if specific else general

    return AppliedStyle(guide.text, tuple(sources) or guide.report_sources(), path_rules, rules_tokens,
                        tuple(check_pr(pr, all_files, guide)), line_rules)
