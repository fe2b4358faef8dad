"""Rules on tests: a guard or a branch removed, an operand of ``and``/``or`` dropped or added,
``and`` and ``or`` exchanged, a test negated (checks that protect the code after them, such as
``x is not None``, are in ``checks``)."""

from __future__ import annotations

import ast

from .trees import Change, Edit, same
from .words import (article, exit_phrase, exits, first_statement, negation, q, qc, real, subject, test_role)

Found = tuple[str, str, tuple[str, ...]]


def _stmt(change: Change, body: list[ast.stmt]) -> str:
    text = first_statement(change, body)
    return text + " (and the rest of its block)" if len(body) > 1 else text


def _false(change: Change, test: ast.expr) -> str:
    """Where ``test`` does not hold, as words: "`x != 1`", "`ready` is true", "`ok(x)` is false"."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return f"{qc(change, test.operand)} is true"
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(
            test.ops[0], ast.Eq | ast.NotEq | ast.Is | ast.IsNot | ast.In | ast.NotIn):
        return q(negation(change, test))
    return f"{qc(change, test)} is false"


def _definitions(change: Change, nodes: list[ast.AST]) -> str:
    names = {n.id for x in nodes for n in ast.walk(x) if isinstance(n, ast.Name)}
    notes = [f"{q(name)} was {qc(change, value)}" for name, value in change.dropped_definitions if name in names]
    return f" ({'; '.join(notes)})" if notes else ""


# -- guards and branches (statement lists) --------------------------------------------------------

def _is_elif(edit: Edit) -> bool:
    parents = real(edit.old_parents)
    return bool(parents) and isinstance(parents[-1], ast.If) and edit.field == "orelse"


def _removed_statement(change: Change) -> tuple[Edit, ast.stmt] | None:
    edit = change.single
    if edit is None or not edit.in_list or len(edit.old) != 1 or not isinstance(edit.old[0], ast.stmt):
        return None
    return edit, edit.old[0]  # type: ignore[return-value]


def guard_removed(change: Change) -> Found | None:
    """``if not items: return []`` gone: those inputs now reach the code below. An ``if`` with no
    ``else`` whose body does not leave: its step no longer happens for them."""
    found = _removed_statement(change)
    if found is None:
        return None
    edit, stmt = found
    if edit.new or not isinstance(stmt, ast.If) or stmt.orelse or _is_elif(edit) or \
            all(isinstance(x, ast.Pass) for x in stmt.body):
        return None
    leave = exits(stmt.body)
    if leave is not None:
        sentence = f"{subject(change, stmt.test)} now reaches the code below instead of {exit_phrase(change, leave)}."
        return "guard-removed", sentence, (change.code(stmt.test),)
    if len(stmt.body) == 1 and isinstance(stmt.body[0], ast.Assign) and len(stmt.body[0].targets) == 1:
        target = stmt.body[0].targets[0]
        sentence = (f"When {qc(change, stmt.test)}, {qc(change, target)} is no longer set to "
                    f"{qc(change, stmt.body[0].value)}: it stays as it was.")
    else:
        sentence = f"When {qc(change, stmt.test)}, {_stmt(change, stmt.body)} no longer runs."
    return "conditional-step-removed", sentence, (change.code(stmt.test),)


def condition_removed(change: Change) -> Found | None:
    """``if t: body`` replaced by ``body``: it now runs also where ``t`` does not hold."""
    edit = change.single
    if edit is None or not edit.in_list or len(edit.old) != 1 or not isinstance(edit.old[0], ast.If):
        return None
    stmt = edit.old[0]
    if stmt.orelse or len(edit.new) != len(stmt.body) or not all(same(a, b) for a, b in zip(stmt.body, edit.new)):
        return None
    sentence = f"The body of {q('if ' + change.code(stmt.test) + ':')} now runs also when {_false(change, stmt.test)}."
    return "condition-removed", sentence, (change.code(stmt.test),)


def branch_removed(change: Change) -> Found | None:
    """A branch of an ``if``/``elif``/``else`` chain removed: its inputs go on to the next test,
    to the ``else``, or to nothing."""
    edit = change.single
    if edit is None or not edit.in_list:
        return None
    parent = real(edit.old_parents)[-1] if real(edit.old_parents) else None
    if len(edit.old) == 1 and isinstance(edit.old[0], ast.If) and [ast.dump(s) for s in edit.old[0].orelse] == \
            [ast.dump(s) for s in edit.new] and (edit.new or _is_elif(edit)):
        branch = edit.old[0]
        above = " (and no branch above applies)" if _is_elif(edit) else ""
        tail = edit.new
        if not tail:
            goes = "nothing in this `if` runs for that case"
        elif len(tail) == 1 and isinstance(tail[0], ast.If):
            goes = f"it now goes on to the test {qc(change, tail[0].test)}"
        else:
            goes = f"it now takes the `else` branch ({_stmt(change, list(tail))})"  # type: ignore[arg-type]
        sentence = f"When {qc(change, branch.test)}{above}, {_stmt(change, branch.body)} no longer runs: {goes}."
        return "branch-removed", sentence, (change.code(branch.test),)
    if isinstance(parent, ast.If) and edit.field == "orelse" and not edit.new and \
            len(edit.old) == len(parent.orelse) and not (len(edit.old) == 1 and isinstance(edit.old[0], ast.If)):
        body = list(edit.old)
        if len(body) == 1 and isinstance(body[0], ast.Assign | ast.AugAssign):
            target = body[0].targets[0] if isinstance(body[0], ast.Assign) else body[0].target
            rest = f"{qc(change, target)} stays as it is"
        else:
            rest = "nothing runs for that case"
        stmt = _stmt(change, body)  # type: ignore[arg-type]
        sentence = f"When none of the branches above applies, {stmt} no longer runs: {rest}."
        return "branch-removed", sentence, (change.code(body[0]),)
    return None


# -- operands of and / or -------------------------------------------------------------------------

def _bool_pair(change: Change) -> tuple[ast.BoolOp, ast.expr, tuple[ast.AST, ...]] | None:
    """(old BoolOp, new expression, the old one's parents) when one ``and``/``or`` changed."""
    edit = change.single
    if edit is None:
        return None
    if edit.pair and isinstance(edit.pair[0], ast.BoolOp):
        return edit.pair[0], edit.pair[1], edit.old_parents  # type: ignore[return-value]
    if edit.pair and isinstance(edit.pair[1], ast.BoolOp) and not isinstance(edit.pair[0], ast.BoolOp):
        return None
    if edit.in_list and edit.field == "values" and edit.old_parents and isinstance(edit.old_parents[-1], ast.BoolOp):
        return edit.old_parents[-1], edit.new_parents[-1], edit.old_parents[:-1]  # type: ignore[return-value]
    return None


def _dropped(old: ast.BoolOp, new: ast.expr) -> tuple[list[ast.expr], list[ast.expr]] | None:
    """(dropped operands, kept operands) when ``new`` is ``old`` with operands left out."""
    kept = new.values if isinstance(new, ast.BoolOp) and type(new.op) is type(old.op) else [new]
    i, dropped = 0, []
    for value in old.values:
        if i < len(kept) and same(value, kept[i]):
            i += 1
        else:
            dropped.append(value)
    return (dropped, list(kept)) if i == len(kept) and dropped and kept else None


def _joined(change: Change, nodes: list[ast.expr], op: str) -> str:
    return q(f" {op} ".join(change.code(n) for n in nodes))


def operand_dropped(change: Change) -> Found | None:
    found = _bool_pair(change)
    if found is None:
        return None
    old, new, parents = found
    parts = _dropped(old, new)
    if parts is None:
        return None
    dropped, kept = parts
    role = test_role(parents, old)
    is_and = isinstance(old.op, ast.And)
    what = _joined(change, dropped, "and" if is_and else "or") + _definitions(change, dropped)
    rest = _joined(change, kept, "and" if is_and else "or")
    if is_and:
        if any(_none_guarded(d, True) is not None and _uses(kept, _none_guarded(d, True)) for d in dropped):
            return None  # the rest may now fail on a None (none_check_dropped says so where it can)
        where = f"when {_false(change, dropped[0])}" if len(dropped) == 1 else f"when {what} is false"
        defined = _definitions(change, dropped)[2:-1] if len(dropped) == 1 else ""
        still = f"the test still needs {rest}" + (f"; {defined}" if defined else "")
        if role and role[0] == "if":
            sentence = f"{_stmt(change, role[1].body)} now also runs {where} ({still})."
        elif role and role[0] == "while":
            sentence = f"The loop now also runs {where} ({still})."
        elif role and role[0] == "filter":
            target = qc(change, role[1].target)
            sentence = f"{article(target, True)} {target} for which {what} is false is no longer left out."
        else:
            sentence = f"{q(change.code(new))} no longer requires {what}."
        return "condition-weakened", sentence, tuple(change.code(d) for d in dropped)
    if role and role[0] == "if":
        leave = exits(role[1].body)
        after = ": that case now reaches the code below" if leave is not None and not role[1].orelse else ""
        sentence = f"When {what} holds but {rest} does not, {_stmt(change, role[1].body)} no longer runs{after}."
    elif role and role[0] == "while":
        sentence = f"The loop no longer runs when {what} holds but {rest} does not."
    elif role and role[0] == "filter":
        target = qc(change, role[1].target)
        sentence = f"{article(target, True)} {target} for which only {what} holds is now left out."
    else:
        sentence = f"{q(change.code(new))} no longer holds when only {what} does."
    return "condition-narrowed", sentence, tuple(change.code(d) for d in dropped)


def operand_added(change: Change) -> Found | None:
    edit = change.single
    if edit is None:
        return None
    if edit.pair and isinstance(edit.pair[1], ast.BoolOp):
        new, old, parents = edit.pair[1], edit.pair[0], edit.old_parents
    elif edit.in_list and edit.field == "values" and edit.new_parents and isinstance(edit.new_parents[-1], ast.BoolOp):
        new, old, parents = edit.new_parents[-1], edit.old_parents[-1], edit.old_parents[:-1]
    else:
        return None
    parts = _dropped(new, old)  # the new test is the old one with operands added
    if parts is None:
        return None
    added, kept = parts
    is_and = isinstance(new.op, ast.And)
    for check in added:  # a None check put before code that failed on None: that failure is gone
        guarded = _none_guarded(check, is_and)
        later = new.values[[id(v) for v in new.values].index(id(check)) + 1:]
        access = next((n for v in later for n in ast.walk(v) if _fails_on_none(n, guarded)), None) \
            if guarded is not None else None
        if access is not None:
            error = "`AttributeError`" if isinstance(access, ast.Attribute) else "`TypeError`"
            sentence = f"A `None` {qc(change, guarded)} no longer reaches {qc(change, access)}, which raised {error}."
            return "none-check-added", sentence, (change.code(check),)
    role = test_role(parents, old)
    if not role or role[0] != "if":
        return None
    body = _stmt(change, role[1].body)
    if is_and:
        where = _false(change, added[0]) if len(added) == 1 else f"{_joined(change, added, 'and')} is false"
        return "condition-narrowed", f"{body} no longer runs when {where}.", tuple(change.code(a) for a in added)
    sentence = f"{body} now also runs when {_joined(change, added, 'or')} holds."
    return "condition-widened", sentence, tuple(change.code(a) for a in added)


def and_or_exchanged(change: Change) -> Found | None:
    edit = change.single
    if edit is None or edit.pair is None or edit.field != "op" or not edit.old_parents:
        return None
    old, new = edit.pair
    if not (isinstance(old, ast.And | ast.Or) and isinstance(new, ast.And | ast.Or)):
        return None
    expr = edit.old_parents[-1]
    values = " and ".join(q(change.code(v)) for v in expr.values)  # type: ignore[attr-defined]
    role = test_role(edit.old_parents[:-1], expr)
    who = _stmt(change, role[1].body) if role and role[0] == "if" else "The test"
    verb = "runs" if role and role[0] == "if" else "passes"
    if isinstance(old, ast.And):
        sentence = f"{who} now {verb} when any one of {values} holds, not only when all of them do."
    else:
        sentence = f"{who} now {verb} only when all of {values} hold, no longer when just one does."
    return "and-or-exchanged", sentence, (change.code(expr),)


def negated(change: Change) -> Found | None:
    edit = change.single
    if edit is None or edit.pair is None:
        return None
    old, new = edit.pair
    parents = edit.old_parents
    if isinstance(old, ast.cmpop) and parents and isinstance(parents[-1], ast.Compare):
        pairs = {(ast.Eq, ast.NotEq), (ast.Is, ast.IsNot), (ast.In, ast.NotIn)}
        if (type(old), type(new)) not in pairs and (type(new), type(old)) not in pairs:
            return None
        test, flipped, parents = parents[-1], edit.new_parents[-1], parents[:-1]
    elif isinstance(new, ast.UnaryOp) and isinstance(new.op, ast.Not) and same(new.operand, old):
        test, flipped = old, new
    elif isinstance(old, ast.UnaryOp) and isinstance(old.op, ast.Not) and same(old.operand, new):
        test, flipped = old, new
    else:
        return None
    role = test_role(parents, test)
    if role and role[0] == "if":
        sentence = f"{_stmt(change, role[1].body)} now runs exactly when {qc(change, test)} does not hold, and no " \
                   "longer when it does."
    elif role and role[0] == "while":
        sentence = f"The loop now runs exactly when {qc(change, test)} does not hold."
    else:
        sentence = f"{q(change.code(flipped))} now holds exactly where {qc(change, test)} did not."
    return "condition-negated", sentence, (change.code(test),)


# -- what a None check protects (shared with checks.py) ----------------------------------------

def _fails_on_none(node: ast.AST, value: ast.expr) -> bool:
    """``node`` raises when ``value`` is None: ``value.a``, ``value[i]``, ``value()``, ``x in value``."""
    if isinstance(node, ast.Attribute | ast.Subscript):
        return same(node.value, value)
    if isinstance(node, ast.Call):
        return same(node.func, value)
    return isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], ast.In | ast.NotIn) \
        and same(node.comparators[0], value)


def _uses(nodes: list[ast.expr], value: ast.expr) -> bool:
    return any(same(n, value) for x in nodes for n in ast.walk(x))


def _none_guarded(check: ast.expr, in_and: bool) -> ast.expr | None:
    """The value a check protects from being None: ``x is None`` (in ``or``), ``x is not None``
    or ``x`` itself (in ``and``)."""
    if isinstance(check, ast.Compare) and len(check.ops) == 1 and isinstance(check.comparators[0], ast.Constant) \
            and check.comparators[0].value is None:
        if isinstance(check.ops[0], ast.Is) and not in_and or isinstance(check.ops[0], ast.IsNot) and in_and:
            return check.left
        return None
    if in_and and isinstance(check, ast.Name | ast.Attribute):
        return check
    return None
