"""Rules on statements: an accumulation replaced by an assignment, an addition to a collection
or an assignment removed, a returned test replaced by a constant, an element dropped from a
returned or assigned literal, a default changed, ``//`` and ``/`` exchanged."""

from __future__ import annotations

import ast

from .trees import Change, Edit, same
from .words import article, in_loop, q, qc, real

Found = tuple[str, str, tuple[str, ...]]

_AUG = {ast.Add: "added to it", ast.Sub: "subtracted from it", ast.Mult: "multiplied it", ast.BitOr: "merged into it"}


def accumulation_replaced(change: Change) -> Found | None:
    """``total += x`` -> ``total = x``: each pass now replaces the total."""
    edit = change.single
    if edit is None or edit.pair is None:
        return None
    old, new = edit.pair
    if isinstance(old, ast.AugAssign) and isinstance(new, ast.Assign) and len(new.targets) == 1 and \
            same(old.target, new.targets[0]) and same(old.value, new.value):
        verb = _AUG.get(type(old.op), "combined with it")
        target, value = qc(change, old.target), qc(change, old.value)
        if in_loop(edit.old_parents):
            sentence = (f"{qc(change, new)} now replaces {target} each time it runs: only the last {value} is kept, "
                        f"where {qc(change, old)} {verb}.")
        else:
            sentence = (f"{target} is now set to {value}: what it held before is dropped, where {qc(change, old)} "
                        f"{verb}.")
        return "accumulation-replaced", sentence, (change.code(old), change.code(new))
    if isinstance(old, ast.Assign) and isinstance(new, ast.AugAssign) and len(old.targets) == 1 and \
            same(new.target, old.targets[0]) and same(old.value, new.value):
        sentence = (f"{qc(change, new)} now keeps what {qc(change, new.target)} already held, where "
                    f"{qc(change, old)} replaced it: a value left from before now stays in the result.")
        return "accumulation-replaced", sentence, (change.code(old), change.code(new))
    return None


_ADDS = {"add", "append", "appendleft", "insert", "put"}


def _removed_one(change: Change) -> tuple[Edit, ast.stmt] | None:
    edit = change.single
    if edit is None or not edit.in_list or edit.new or len(edit.old) != 1 or not isinstance(edit.old[0], ast.stmt):
        return None
    return edit, edit.old[0]  # type: ignore[return-value]


def addition_removed(change: Change) -> Found | None:
    """``seen.add(node)`` gone while ``node in seen`` is tested, or ``lines.append(x)`` gone before
    ``return lines``, or ``stack.append(t)`` gone while ``stack.pop()`` is read."""
    found = _removed_one(change)
    if found is None:
        return None
    _, stmt = found
    call = stmt.value if isinstance(stmt, ast.Expr) else None
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr in _ADDS
            and call.args and not call.keywords):
        return None
    box, item = call.func.value, call.args[-1]
    new_nodes = [n for s in change.new.body for n in ast.walk(s)]
    if any(isinstance(n, ast.Call) and same(n, call) for n in new_nodes):
        return None  # still done elsewhere in view
    names = (change.code(stmt),)
    test = next((n for n in new_nodes if isinstance(n, ast.Compare) and len(n.ops) == 1 and isinstance(n.ops[0], ast.In)
                 and same(n.left, item) and same(n.comparators[0], box)), None)
    if test is not None:
        sentence = (f"{qc(change, stmt)} no longer runs, so {qc(change, test)} no longer becomes true through it: "
                    f"{article(qc(change, item))} {qc(change, item)} reached again is handled again.")
        return "addition-removed", sentence, names
    later = [n for s in change.old.body for n in ast.walk(s) if getattr(n, "lineno", 0) > stmt.lineno]
    if any(isinstance(n, ast.Return) and n.value is not None and same(n.value, box) for n in later):
        sentence = (f"{qc(change, box)} no longer gets {qc(change, item)} added here, so the {qc(change, box)} "
                    "returned below is missing it.")
        return "addition-removed", sentence, names
    pops = [n for n in (*later, *_loop_nodes(change, stmt)) if isinstance(n, ast.Call) and
            isinstance(n.func, ast.Attribute) and n.func.attr in ("pop", "popleft", "get") and same(n.func.value, box)]
    if pops:
        sentence = (f"{qc(change, item)} is no longer put on {qc(change, box)}, so {qc(change, pops[0])} can no "
                    "longer return it.")
        return "addition-removed", sentence, names
    return None


def _loop_nodes(change: Change, stmt: ast.stmt) -> list[ast.AST]:
    edit = change.single
    loop = in_loop(edit.old_parents) if edit is not None else None
    return list(ast.walk(loop)) if loop is not None else []


def assignment_removed(change: Change) -> Found | None:
    """``self.x = v`` gone: ``self.x`` is left as it was; ``prev = node`` gone from a loop:
    ``prev`` keeps the value it had before the loop."""
    found = _removed_one(change)
    if found is None:
        return None
    edit, stmt = found
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        target, value = stmt.targets[0], stmt.value
    elif isinstance(stmt, ast.AugAssign):
        target, value = stmt.target, None
    else:
        return None
    if isinstance(target, ast.Attribute | ast.Subscript) and value is not None:
        holder = real(edit.old_parents)[-1] if real(edit.old_parents) else None
        siblings = getattr(holder, edit.field, None) if holder is not None else list(change.old.body)
        after = [s for s in (siblings or []) if getattr(s, "lineno", 0) > stmt.lineno]
        if any(isinstance(s, ast.Assign) and any(same(t, target) for t in s.targets) for s in after):
            return None
        sentence = f"{qc(change, target)} is no longer set to {qc(change, value)} here: it is left as it was."
        return "assignment-removed", sentence, (change.code(stmt),)
    if not isinstance(target, ast.Name):
        return None
    loop = in_loop(edit.old_parents)
    if loop is None:
        return None
    name = target.id
    stores = [n for n in ast.walk(loop) if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Store)
              and not any(n is x for x in ast.walk(stmt))]
    if stores:
        return None
    before = _assigned_before(change, edit, loop, name)
    if before is None:
        return None
    sentence = (f"{q(name)} no longer changes in the loop: it stays {qc(change, before.value)}, from "
                f"{qc(change, before)} before it")
    returned = [n for s in change.old.body for n in ast.walk(s) if isinstance(n, ast.Return) and
                isinstance(n.value, ast.Name) and n.value.id == name
                and n.lineno > (loop.end_lineno or loop.lineno)]
    sentence += f", and {qc(change, returned[0])} returns that." if returned else "."
    return "assignment-removed", sentence, (change.code(stmt),)


def _assigned_before(change: Change, edit: Edit, loop: ast.AST, name: str) -> ast.Assign | None:
    """The one assignment ``name = ...`` in the statements before ``loop`` (None: none, or more)."""
    parents = edit.old_parents
    index = next(i for i, p in enumerate(parents) if p is loop)
    holder = parents[index - 1] if index > 0 else None
    for field in ("body", "orelse", "finalbody", "handlers"):
        block = list(change.old.body) if holder is None else getattr(holder, field, None)
        if isinstance(block, list) and any(s is loop for s in block):
            earlier = block[:[i for i, s in enumerate(block) if s is loop][0]]
            hits = [s for s in earlier for n in ast.walk(s) if isinstance(n, ast.Name) and n.id == name
                    and isinstance(n.ctx, ast.Store)]
            if len(hits) == 1 and isinstance(hits[0], ast.Assign) and len(hits[0].targets) == 1 and \
                    isinstance(hits[0].targets[0], ast.Name):
                return hits[0]
            return None
        if holder is None:
            break
    return None


_BOOLEAN_CALLS = {"isinstance", "issubclass", "hasattr", "callable", "all", "any", "bool"}


def return_made_constant(change: Change) -> Found | None:
    """``return depth == 0`` -> ``return True``: where the test is false, True now comes back."""
    edit = change.single
    if edit is None or edit.pair is None or edit.field != "value" or not edit.old_parents or \
            not isinstance(edit.old_parents[-1], ast.Return):
        return None
    old, new = edit.pair
    if not (isinstance(new, ast.Constant) and isinstance(new.value, bool)):
        return None
    boolean = isinstance(old, ast.Compare | ast.BoolOp) or \
        (isinstance(old, ast.UnaryOp) and isinstance(old.op, ast.Not)) \
        or (isinstance(old, ast.Call) and isinstance(old.func, ast.Name) and old.func.id in _BOOLEAN_CALLS)
    if not boolean:
        return None
    flipped = "false" if new.value else "true"
    sentence = (f"This `return` now gives {qc(change, new)} whatever {qc(change, old)} is: where it is {flipped}, "
                f"the result is now {qc(change, new)} instead of {q(str(not new.value))}.")
    return "return-made-constant", sentence, (change.code(old), change.code(new))


def element_dropped(change: Change) -> Found | None:
    """``return [n]`` -> ``return []``: the result no longer holds ``n``."""
    edit = change.single
    if edit is None or not edit.old_parents:
        return None
    literals = ast.List | ast.Tuple | ast.Set
    if edit.in_list and not edit.new and edit.field == "elts" and len(edit.old_parents) >= 2:
        literal, holder, dropped = edit.old_parents[-1], edit.old_parents[-2], list(edit.old)
    elif edit.pair and isinstance(edit.pair[0], literals) and type(edit.pair[0]) is type(edit.pair[1]):
        literal, holder = edit.pair[0], edit.old_parents[-1]
        kept = [ast.dump(x) for x in edit.pair[1].elts]  # type: ignore[attr-defined]
        dropped, i = [], 0
        for x in literal.elts:  # type: ignore[attr-defined]
            if i < len(kept) and ast.dump(x) == kept[i]:
                i += 1
            else:
                dropped.append(x)
        if i != len(kept) or not dropped:
            return None
    else:
        return None
    if not isinstance(literal, literals):
        return None
    kind = {ast.List: "list", ast.Tuple: "tuple", ast.Set: "set"}[type(literal)]
    items = " and ".join(qc(change, x) for x in dropped)
    empty = ": it is now empty" if len(dropped) == len(literal.elts) else ""
    if isinstance(holder, ast.Return) and holder.value is literal:
        sentence = f"The returned {kind} no longer holds {items}{empty}."
    elif isinstance(holder, ast.Assign) and holder.value is literal and len(holder.targets) == 1:
        sentence = f"{qc(change, holder.targets[0])} no longer holds {items}{empty}."
    else:
        return None
    return "element-dropped", sentence, tuple(change.code(x) for x in dropped)


def default_changed(change: Change) -> Found | None:
    """``def f(timeout=10)`` -> ``def f(timeout=5)``: a call without ``timeout`` now gets 5."""
    edit = change.single
    if edit is None or edit.pair is None or not edit.old_parents or not isinstance(edit.old_parents[-1], ast.arguments):
        return None
    arguments = edit.old_parents[-1]
    old, new = edit.pair
    if edit.field == "defaults":
        index = next((i for i, d in enumerate(arguments.defaults) if d is old), None)
        params = [*arguments.posonlyargs, *arguments.args]
        param = params[len(params) - len(arguments.defaults) + index] if index is not None else None
    elif edit.field == "kw_defaults":
        index = next((i for i, d in enumerate(arguments.kw_defaults) if d is old), None)
        param = arguments.kwonlyargs[index] if index is not None else None
    else:
        return None
    if param is None:
        return None
    sentence = f"A call that leaves out {q(param.arg)} now gets {qc(change, new)}, not {qc(change, old)}."
    return "default-changed", sentence, (param.arg, change.code(old), change.code(new))


def division_changed(change: Change) -> Found | None:
    """``a // b`` -> ``a / b``: the result is no longer rounded down."""
    edit = change.single
    if edit is None or edit.pair is None or edit.field != "op" or not edit.old_parents:
        return None
    old, new = edit.pair
    expr, new_expr = edit.old_parents[-1], edit.new_parents[-1]
    if not isinstance(expr, ast.BinOp):
        return None
    divisor, dividend, result = qc(change, expr.right), qc(change, expr.left), qc(change, new_expr)
    if isinstance(old, ast.FloorDiv) and isinstance(new, ast.Div):
        sentence = (f"{result} is no longer rounded down: where {divisor} does not divide {dividend}, the result now "
                    "has a fraction.")
    elif isinstance(old, ast.Div) and isinstance(new, ast.FloorDiv):
        sentence = f"{result} is now rounded down: where {divisor} does not divide {dividend}, the fraction is lost."
    else:
        return None
    return "division-changed", sentence, (change.code(expr), change.code(new_expr))
