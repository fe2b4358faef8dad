"""Rules on checks that protect the code after them: a ``None`` check dropped from (or added to)
an ``and``/``or`` before code that fails on None, a ``hasattr`` check removed while the attribute
is still read, a type dropped from ``isinstance`` or a value from ``x in (a, b)``."""

from __future__ import annotations

import ast

from .conditions import Found, _bool_pair, _dropped, _fails_on_none, _none_guarded
from .trees import Change, Edit, same
from .words import article, qc

# -- None and hasattr checks ---------------------------------------------------------------------

def none_check_dropped(change: Change) -> Found | None:
    """``x is None or x.y`` -> ``x.y``: a None ``x`` now reaches ``x.y``."""
    found = _bool_pair(change)
    if found is None:
        return None
    old, new, _ = found
    parts = _dropped(old, new)
    if parts is None or len(parts[0]) != 1:
        return None
    check = parts[0][0]
    guarded = _none_guarded(check, isinstance(old.op, ast.And))
    if guarded is None:
        return None
    later = old.values[[id(v) for v in old.values].index(id(check)) + 1:]
    access = next((n for v in later for n in ast.walk(v) if _fails_on_none(n, guarded)), None)
    if access is None:
        return None
    error = "`AttributeError`" if isinstance(access, ast.Attribute) else "`TypeError`"
    # with other operands before the access, they decide whether it is reached at all
    start = [id(v) for v in old.values].index(id(check))
    first = next(v for v in later if any(n is access for n in ast.walk(v)))
    between = [v for v in old.values[:[id(x) for x in old.values].index(id(first))] if v is not check]
    reaches = "can now reach" if between or start and old.values[:start] else "now reaches"
    sentence = f"A `None` {qc(change, guarded)} {reaches} {qc(change, access)}, which raises {error}."
    return "none-check-removed", sentence, (change.code(check), change.code(access))


def hasattr_check_removed(change: Change) -> Found | None:
    """A ``hasattr(x, "a")`` check gone while ``x.a`` (or ``getattr(x, a)``) is still read."""
    olds = [n for s in change.old.body for n in ast.walk(s) if _is_hasattr(n)]
    news = [n for s in change.new.body for n in ast.walk(s) if _is_hasattr(n)]
    for check in olds:
        if any(same(check, n) for n in news):
            continue
        obj, name = check.args  # type: ignore[attr-defined]
        read = next((n for n in _unprotected(change.new.body) if _reads(n, obj, name)), None)
        # the old version read it only inside the statement that made the check (its body, or
        # a loop over what the check let through): a read elsewhere was never protected by it
        home = _statement_holding(change.old.body, check)
        old_reads = [n for s in change.old.body for n in ast.walk(s) if _reads(n, obj, name)]
        inside = {id(n) for n in ast.walk(home)} if home is not None else set()
        if read is not None and old_reads and all(id(n) in inside for n in old_reads):
            sentence = (f"{qc(change, read)} is now reached without the {qc(change, check)} check: where that "
                        "attribute is missing, it raises `AttributeError`.")
            return "hasattr-check-removed", sentence, (change.code(check), change.code(read))
    return None


def _statement_holding(body, node: ast.AST) -> ast.stmt | None:
    """The innermost statement of ``body`` that contains ``node``."""
    found = None
    for stmt in (n for s in body for n in ast.walk(s) if isinstance(n, ast.stmt)):
        if any(x is node for x in ast.walk(stmt)):
            found = stmt  # walk goes outside in: a later hit is nested deeper
    return found


def _is_hasattr(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "hasattr" \
        and len(node.args) == 2 and not node.keywords


def _reads(node: ast.AST, obj: ast.expr, name: ast.expr) -> bool:
    if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load) and same(node.value, obj):
        return isinstance(name, ast.Constant) and node.attr == name.value
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr" \
        and len(node.args) == 2 and not node.keywords and same(node.args[0], obj) and same(node.args[1], name)


def _unprotected(body) -> list[ast.AST]:
    """The nodes of ``body`` outside any ``try`` that handles AttributeError (or everything)."""
    out: list[ast.AST] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.Try) and any(_catches_attribute_error(h) for h in node.handlers):
            for part in (*node.handlers, *node.orelse, *node.finalbody):
                visit(part)
            return
        out.append(node)
        for child in ast.iter_child_nodes(node):
            visit(child)

    for stmt in body:
        visit(stmt)
    return out


def _catches_attribute_error(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    names = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(isinstance(n, ast.Name) and n.id in ("AttributeError", "Exception", "BaseException") for n in names)


# -- isinstance and membership -------------------------------------------------------------------

def membership_changed(change: Change) -> Found | None:
    """A type dropped from (or added to) ``isinstance(x, (A, B))``, a value from ``x in (a, b)``."""
    holder = change.found_in_single(_membership_holder)
    if holder is None:
        return None
    old_node, new_node, kind = holder
    if kind == "isinstance":
        olds, news = _items(old_node.args[1]), _items(new_node.args[1])  # type: ignore[attr-defined]
        subject_node = old_node.args[0]  # type: ignore[attr-defined]
    else:
        # ``x in (a, b)`` and ``x in (a,)`` only: ``x in a`` asks something else of ``a``
        olds = _items(old_node.comparators[0], literal_only=True)  # type: ignore[attr-defined]
        news = _items(new_node.comparators[0], literal_only=True)  # type: ignore[attr-defined]
        subject_node = old_node.left  # type: ignore[attr-defined]
    if olds is None or news is None:
        return None
    dropped = [x for x in olds if not any(same(x, y) for y in news)]
    added = [y for y in news if not any(same(x, y) for x in olds)]
    if bool(dropped) == bool(added) or (dropped and len(news) + len(dropped) != len(olds)):
        return None
    who = qc(change, subject_node)
    test = qc(change, new_node)
    if kind == "isinstance":
        one = " or ".join(qc(change, x) for x in (dropped or added))
        rest = " or ".join(qc(change, x) for x in (news if dropped else olds))
        verb = "no longer passes" if dropped else "now passes"
        sentence = (f"{article(who, True)} {who} that is {article(one)} {one} but not {article(rest)} {rest} "
                    f"{verb} {test}.")
        return "type-dropped" if dropped else "type-added", sentence, tuple(change.code(x) for x in dropped or added)
    values = " or ".join(qc(change, x) for x in (dropped or added))
    negative = isinstance(old_node.ops[0], ast.NotIn)  # type: ignore[attr-defined]
    passes = (bool(dropped) == negative)
    verb = "now passes" if passes else "no longer passes"
    sentence = f"{article(who, True)} {who} equal to {values} {verb} the test {test}."
    return "membership-narrowed" if dropped else "membership-widened", sentence, tuple(
        change.code(x) for x in dropped or added)


def _membership_holder(edit: Edit) -> tuple[ast.AST, ast.AST, str] | None:
    chain_old, chain_new = (*edit.old_parents, *(edit.old[:1])), (*edit.new_parents, *(edit.new[:1]))
    for i in range(min(len(chain_old), len(chain_new)) - 1, -1, -1):
        a, b = chain_old[i], chain_new[i]
        if isinstance(a, ast.Call) and isinstance(b, ast.Call) and isinstance(a.func, ast.Name) and \
                a.func.id in ("isinstance", "issubclass") and same(a.func, b.func) and len(a.args) == len(b.args) == 2 \
                and same(a.args[0], b.args[0]):
            return a, b, "isinstance"
        if isinstance(a, ast.Compare) and isinstance(b, ast.Compare) and len(a.ops) == 1 and len(b.ops) == 1 and \
                isinstance(a.ops[0], ast.In | ast.NotIn) and type(a.ops[0]) is type(b.ops[0]) and same(a.left, b.left):
            return a, b, "in"
        if isinstance(a, ast.stmt):
            return None
    return None


def _items(node: ast.AST, literal_only: bool = False) -> list[ast.AST] | None:
    """The members of a literal tuple, list or set; for ``isinstance`` also one type alone."""
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return list(node.elts)
    return [node] if not literal_only and isinstance(node, ast.Name | ast.Attribute) else None
