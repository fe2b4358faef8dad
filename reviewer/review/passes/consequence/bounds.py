"""Rules on bounds: a ``range`` end or start moved, a slice bound moved or dropped, a repetition
count changed, a comparison made strict or non-strict, reversed, or moved to another constant."""

from __future__ import annotations

import ast

from .trees import Change, Edit, same
from .words import q, qc, same_base, show_offset, test_role

Found = tuple[str, str, tuple[str, ...]]
_STRICT = {(ast.GtE, ast.Gt), (ast.Gt, ast.GtE), (ast.LtE, ast.Lt), (ast.Lt, ast.LtE)}
_REVERSED = {(ast.Lt, ast.Gt), (ast.Gt, ast.Lt), (ast.LtE, ast.GtE), (ast.GtE, ast.LtE)}
_SYMBOL = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}
_FLIP = {ast.Lt: ast.Gt, ast.Gt: ast.Lt, ast.LtE: ast.GtE, ast.GtE: ast.LtE}


def _holder(edit: Edit, test) -> tuple[int, tuple, tuple] | None:
    """The innermost pair of enclosing nodes (old, new) that ``test`` accepts, within the statement."""
    chain_old, chain_new = (*edit.old_parents, *edit.old[:1]), (*edit.new_parents, *edit.new[:1])
    for i in range(min(len(chain_old), len(chain_new)) - 1, -1, -1):
        if test(chain_old[i], chain_new[i]):
            return i, chain_old, chain_new
        if isinstance(chain_old[i], ast.stmt):
            return None
    return None


def _held(change: Change, test) -> tuple[int, tuple, tuple] | None:
    """``_holder`` of a change that is one edit of one node pair (None otherwise)."""
    edit = change.single
    if edit is None or edit.pair is None:
        return None
    return _holder(edit, test)


def _child(chain: tuple, i: int) -> ast.AST | None:
    return chain[i + 1] if i + 1 < len(chain) else None


def _is_range(a: ast.AST, b: ast.AST) -> bool:
    return all(isinstance(x, ast.Call) and isinstance(x.func, ast.Name) and x.func.id == "range" and not x.keywords
               for x in (a, b)) and len(a.args) == len(b.args) and 1 <= len(a.args) <= 3  # type: ignore[attr-defined]


def _step_one(call: ast.Call) -> bool:
    return len(call.args) < 3 or (isinstance(call.args[2], ast.Constant) and call.args[2].value == 1)


def range_bound_moved(change: Change) -> Found | None:
    """``range(1, n)`` -> ``range(1, n - 1)``: the last value ``n - 1`` is no longer visited."""
    found = _held(change, _is_range)
    if found is None:
        return None
    i, chain_old, chain_new = found
    old_call, new_call = chain_old[i], chain_new[i]
    arg = _child(chain_old, i)
    index = next((j for j, a in enumerate(old_call.args) if a is arg), None)
    if index is None or not _step_one(old_call) or not _step_one(new_call) or index == 2:
        return None
    moved = same_base(change, old_call.args[index], new_call.args[index])
    if moved is None:
        return None
    base, k_old, k_new = moved
    loop = chain_old[i - 1] if i > 0 else None
    var = qc(change, loop.target) if isinstance(loop, ast.For) and loop.iter is old_call and \
        isinstance(loop.target, ast.Name) else None
    names = (change.code(old_call), change.code(new_call))
    if index == len(old_call.args) - 1 and len(old_call.args) <= 2:  # the end
        last_old, last_new = q(show_offset(base, k_old - 1)), q(show_offset(base, k_new - 1))
        if k_new < k_old:
            sentence = f"{var} no longer reaches {last_old}: the loop now stops at {last_new}." if var else \
                f"The range no longer reaches {last_old}: it now ends at {last_new}."
        else:
            sentence = f"{var} now also reaches {last_new}: before, the loop stopped at {last_old}." if var else \
                f"The range now also reaches {last_new}: before, it ended at {last_old}."
        return "bound-moved", sentence, names
    first_old, first_new = q(show_offset(base, k_old)), q(show_offset(base, k_new))
    who = var or "The range"
    if k_new > k_old:
        sentence = f"{who} no longer starts at {first_old}: it now begins at {first_new}."
    else:
        sentence = f"{who} now also takes {first_new}: it begins there, not at {first_old}."
    return "bound-moved", sentence, names


def _is_slice(a: ast.AST, b: ast.AST) -> bool:
    return all(isinstance(x, ast.Subscript) and isinstance(x.slice, ast.Slice) and x.slice.step is None
               for x in (a, b)) and same(a.value, b.value)  # type: ignore[attr-defined]


def slice_bound_moved(change: Change) -> Found | None:
    """``xs[:n]`` -> ``xs[:n - 1]``: ``xs[n - 1]`` is left out."""
    found = _held(change, _is_slice)
    if found is None:
        return None
    i, chain_old, chain_new = found
    old, new = chain_old[i], chain_new[i]
    part = chain_old[i + 2] if i + 2 < len(chain_old) else None
    side = "lower" if part is old.slice.lower and part is not None else "upper" if part is old.slice.upper and \
        part is not None else None
    if side is None:
        return None
    a, b = getattr(old.slice, side), getattr(new.slice, side)
    moved = same_base(change, a, b) if a is not None and b is not None else None
    if moved is None:
        return None
    base, k_old, k_new = moved
    if not base and (k_old >= 0) != (k_new >= 0):
        return None  # 0 and -1 are far apart in a slice
    seq = change.code(old.value)
    count = abs(k_new - k_old)
    items = "one item" if count == 1 else f"{count} items"

    def item(k: int) -> str:
        return q(f"{seq}[{show_offset(base, k)}]")

    if side == "upper":
        if k_new < k_old:
            sentence = f"The slice now stops {items} earlier: {item(k_new)} is left out." if count == 1 else \
                f"The slice now stops {items} earlier: {item(k_new)} to {item(k_old - 1)} are left out."
        else:
            sentence = f"The slice now goes {items} further: it also includes {item(k_old)}."
    elif k_new > k_old:
        sentence = f"The slice now starts {items} later: {item(k_old)} is left out." if count == 1 else \
            f"The slice now starts {items} later: {item(k_old)} to {item(k_new - 1)} are left out."
    else:
        sentence = f"The slice now starts {items} earlier: it also includes {item(k_new)}."
    return "bound-moved", sentence, (change.code(old), change.code(new))


def slice_dropped(change: Change) -> Found | None:
    """``for x in arr[k:]`` -> ``for x in arr``: the first ``k`` items now take part too."""
    edit = change.single
    if edit is None or edit.pair is None:
        return None
    old, new = edit.pair
    if not (isinstance(old, ast.Subscript) and isinstance(old.slice, ast.Slice) and same(old.value, new)):
        return None
    part = old.slice
    if part.step is not None or (part.lower is None) == (part.upper is None):
        return None
    seq = change.code(new)
    if part.lower is not None:
        what = f"the items before index {qc(change, part.lower)} ({q(seq + '[:' + change.code(part.lower) + ']')})"
    else:
        what = f"the items from index {qc(change, part.upper)} on ({q(seq + '[' + change.code(part.upper) + ':]')})"
    parent = edit.old_parents[-1] if edit.old_parents else None
    if isinstance(parent, ast.For) and parent.iter is old:
        sentence = f"The loop now also visits {what}, which it skipped before."
    elif isinstance(parent, ast.Call) and any(a is old for a in parent.args):
        sentence = f"{qc(change, parent.func)} now gets all of {q(seq)}: {what}, left out before, are now included."
    else:
        sentence = f"All of {q(seq)} is now used: {what}, left out before, are now included."
    return "slice-dropped", sentence, (change.code(old), seq)


def repetition_count_changed(change: Change) -> Found | None:
    """``(len(d) - 1) * [0]`` -> ``len(d) * [0]``: one more ``0`` in the list."""
    def repeat(a: ast.AST, b: ast.AST) -> bool:
        return all(isinstance(x, ast.BinOp) and isinstance(x.op, ast.Mult) for x in (a, b))

    found = _held(change, repeat)
    if found is None:
        return None
    i, chain_old, chain_new = found
    old, new = chain_old[i], chain_new[i]
    for seq_side, count_side in (("left", "right"), ("right", "left")):
        seq = getattr(old, seq_side)
        if isinstance(seq, ast.List | ast.Tuple) and same(seq, getattr(new, seq_side)):
            break
    else:
        return None
    moved = same_base(change, getattr(old, count_side), getattr(new, count_side))
    if moved is None:
        return None
    _, k_old, k_new = moved
    n = abs(k_new - k_old)
    amount = ("one" if n == 1 else str(n)) + (" more" if k_new > k_old else " fewer")
    item = qc(change, seq.elts[0]) if len(seq.elts) == 1 else f"copies of {qc(change, seq)}" if n > 1 else \
        f"copy of {qc(change, seq)}"
    sentence = (f"{qc(change, seq)} is now repeated {qc(change, getattr(new, count_side))} times, not "
                f"{qc(change, getattr(old, count_side))}: the list gets {amount} {item}.")
    return "count-changed", sentence, (change.code(old), change.code(new))


def _compare_op(change: Change, pairs: set) -> tuple[ast.Compare, ast.Compare, type, type, tuple] | None:
    edit = change.single
    if edit is None or edit.pair is None or edit.field != "ops" or not edit.old_parents:
        return None
    old, new = edit.old_parents[-1], edit.new_parents[-1]
    if not isinstance(old, ast.Compare) or len(old.ops) != 1 or (type(edit.pair[0]), type(edit.pair[1])) not in pairs:
        return None
    return old, new, type(edit.pair[0]), type(edit.pair[1]), edit.old_parents[:-1]  # type: ignore[return-value]


def comparison_strictness(change: Change) -> Found | None:
    """``size >= limit`` -> ``size > limit``: ``size == limit`` now takes the other branch."""
    found = _compare_op(change, _STRICT)
    if found is None:
        return None
    old, new, op_old, _, parents = found
    equal = q(f"{change.code(old.left)} == {change.code(old.comparators[0])}")
    was = op_old in (ast.GtE, ast.LtE)  # true at equality before
    now, before = ("false", "true") if was else ("true", "false")
    role = test_role(parents, old)
    detail = f"{qc(change, new)} is {now} there, where {qc(change, old)} was {before}"
    if role and role[0] in ("if", "ifexp", "filter"):
        sentence = f"{equal} now takes the other branch: {detail}."
    elif role and role[0] == "while":
        sentence = f"At {equal} the loop {'now stops' if was else 'no longer stops'}: {detail}."
    else:
        sentence = f"At {equal}, {detail}."
    return "bound-moved", sentence, (change.code(old), change.code(new))


def comparison_reversed(change: Change) -> Found | None:
    """``a < b`` -> ``a > b``: wherever ``a != b`` the result is the opposite."""
    found = _compare_op(change, _REVERSED)
    if found is None:
        return None
    old, new, _, _, parents = found
    if any(isinstance(x, ast.Set | ast.Dict | ast.SetComp) for x in (old.left, old.comparators[0])):
        return None
    differ = q(f"{change.code(old.left)} != {change.code(old.comparators[0])}")
    role = test_role(parents, old)
    tail = ": those cases take the other branch" if role and role[0] in ("if", "ifexp", "filter", "while") else ""
    sentence = f"Wherever {differ}, {qc(change, new)} now gives the opposite of {qc(change, old)}{tail}."
    return "comparison-reversed", sentence, (change.code(old), change.code(new))


def comparison_constant_moved(change: Change) -> Found | None:
    """``n > 10`` -> ``n > 100``: ``10 < n <= 100`` now takes the other branch."""
    edit = change.single
    if edit is None or edit.pair is None or not edit.old_parents:
        return None
    a, b = edit.pair
    compare = edit.old_parents[-1]
    if not (isinstance(a, ast.Constant) and isinstance(b, ast.Constant) and isinstance(compare, ast.Compare)
            and len(compare.ops) == 1 and type(compare.ops[0]) in _SYMBOL):
        return None
    if not all(isinstance(x.value, int | float) and not isinstance(x.value, bool) for x in (a, b)):
        return None
    op = type(compare.ops[0])
    if compare.left is a:
        other, op = compare.comparators[0], _FLIP[op]
    elif compare.comparators[0] is a:
        other = compare.left
    else:
        return None
    if isinstance(other, ast.Constant):
        return None
    lo, hi = sorted((a.value, b.value))
    x = change.code(other)
    open_low = op in (ast.Gt, ast.LtE)  # X > c and X <= c change at lo < X <= hi
    interval = q(f"{lo} < {x} <= {hi}" if open_low else f"{lo} <= {x} < {hi}")
    greater = op in (ast.Gt, ast.GtE)
    new_true = (b.value < a.value) if greater else (b.value > a.value)
    now, before = ("true", "false") if new_true else ("false", "true")
    new_compare = edit.new_parents[-1]
    role = test_role(edit.old_parents[:-1], compare)
    detail = f"{qc(change, new_compare)} is {now} there, where {qc(change, compare)} was {before}"
    if role and role[0] in ("if", "ifexp", "filter"):
        sentence = f"{interval} now takes the other branch: {detail}."
    elif role and role[0] == "while":
        sentence = f"For {interval} the loop now {'runs' if new_true else 'stops'}: {detail}."
    else:
        sentence = f"For {interval}, {detail}."
    return "bound-moved", sentence, (change.code(compare), change.code(new_compare))
