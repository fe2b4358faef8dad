"""What a change does differently, read from the two versions' syntax trees (Python).

``classify(old, new)`` takes a hunk's old and new text (``judge.versions``) and returns a
``Consequence``: the kind of change and one plain sentence saying what now happens differently
and on which inputs, with the names and values taken from the code ("`i` no longer reaches
`n - 1`: the loop now stops at `n - 2`."). None when no rule recognises the change.

The rules are a catalogue, one small function per kind, grouped by what they look at
(``bounds``: comparisons, ranges, slices, counts; ``conditions``: tests, guards, branches;
``checks``: None, hasattr, isinstance and membership checks; ``calls``: arguments, keywords,
wrappers; ``handlers``: except clauses; ``statements``: assignments, returns, defaults). Each
fires only when the trees show exactly its change (one differing node, or one removed statement,
of its shape) and says only what follows from the code: a false "why" is worse than none. The
sentence leads the explain pass's comment on a condemned hunk.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass

from . import bounds, calls, checks, conditions, handlers, statements
from .trees import Change, Edit, differences, parse_pair, same


@dataclass(frozen=True)
class Consequence:
    kind: str  # e.g. "bound-moved", "guard-removed"
    sentence: str  # one sentence, code in backticks, ending with a full stop
    names: tuple[str, ...] = ()  # the code the sentence names (old and new parts)


Rule = Callable[[Change], "tuple[str, str, tuple[str, ...]] | None"]

# most specific first: a rule that reads a pattern across edits (a hasattr check removed) before
# the one-node rules that would describe only part of it
RULES: tuple[Rule, ...] = (
    checks.hasattr_check_removed,
    checks.none_check_dropped,
    handlers.handler_narrowed,
    handlers.handler_removed,
    conditions.guard_removed,
    conditions.condition_removed,
    conditions.branch_removed,
    conditions.operand_dropped,
    conditions.operand_added,
    conditions.and_or_exchanged,
    conditions.negated,
    checks.membership_changed,
    bounds.range_bound_moved,
    bounds.slice_bound_moved,
    bounds.repetition_count_changed,
    bounds.slice_dropped,
    bounds.comparison_strictness,
    bounds.comparison_reversed,
    bounds.comparison_constant_moved,
    calls.arguments_swapped,
    calls.keyword_made_positional,
    calls.keyword_dropped,
    calls.wrapper_removed,
    calls.operands_reversed,
    statements.accumulation_replaced,
    statements.addition_removed,
    statements.assignment_removed,
    statements.return_made_constant,
    statements.element_dropped,
    statements.default_changed,
    statements.division_changed,
)


def classify(old: str, new: str) -> Consequence | None:
    """The consequence of changing ``old`` into ``new`` (Python fragments), or None. Never raises."""
    try:
        change = read_change(old, new)
        if change is None:
            return None
        for rule in RULES:
            found = rule(change)
            if found is not None:
                kind, sentence, names = found
                return Consequence(kind, sentence, names)
    except (RecursionError, ValueError, TypeError, AttributeError, IndexError, KeyError):
        return None
    return None


def read_change(old: str, new: str) -> Change | None:
    pair = parse_pair(old, new) or _changed_lines(old, new)
    if pair is None:
        return None
    edits = differences(*pair)
    if not edits:
        return None
    return _without_dead_definitions(Change(pair[0], pair[1], tuple(edits)))


def _changed_lines(old: str, new: str):
    """The fallback where the hunk does not parse: its one changed line, alone on each side
    (a clause such as ``elif x:`` read as an ``if`` with a ``pass`` body)."""
    import difflib

    a, b = old.split("\n"), new.split("\n")
    changed = [op for op in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes() if op[0] != "equal"]
    if len(changed) != 1 or changed[0][0] != "replace":
        return None
    _, i1, i2, j1, j2 = changed[0]
    if i2 - i1 != 1 or j2 - j1 != 1:
        return None
    return parse_pair(_alone(a[i1]), _alone(b[j1]))


def _alone(line: str) -> str:
    text = line.strip()
    for clause in ("elif ", "while "):
        if text.startswith(clause):
            text = "if " + text[len(clause):]
    return text + " pass" if text.endswith(":") else text


def _without_dead_definitions(change: Change) -> Change:
    """Edits that only remove ``name = value`` for a name the new version no longer uses are
    set aside (with what they stood for) when another edit remains: the rest is the change."""
    used = {n.id for s in change.new.body for n in ast.walk(s) if isinstance(n, ast.Name)}
    dead: list[Edit] = []
    found: list[tuple[str, ast.AST]] = []
    for edit in change.edits:
        if edit.in_list and edit.old and not edit.new and all(
                isinstance(s, ast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], ast.Name)
                and s.targets[0].id not in used for s in edit.old):
            dead.append(edit)
            found.extend((s.targets[0].id, s.value) for s in edit.old)  # type: ignore[attr-defined]
    if not dead or len(dead) == len(change.edits):
        return change
    kept = tuple(e for e in change.edits if e not in dead)
    return Change(change.old, change.new, kept, tuple(found))


__all__ = ["Consequence", "classify", "read_change", "RULES", "same"]
