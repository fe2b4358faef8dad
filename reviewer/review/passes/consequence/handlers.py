"""Rules on exception handlers: a type dropped from an ``except`` clause, a clause removed, or
the whole ``try`` unwrapped. What still catches the exception is checked first: a subclass of
what remains says nothing, and an exception whose class is not known here is hedged."""

from __future__ import annotations

import ast
import builtins

from .trees import Change, Edit, same
from .words import article, q, qc

Found = tuple[str, str, tuple[str, ...]]

# standard exceptions that are not builtins, with the builtin they are (or derive from)
_KNOWN = {"binascii.Error": ValueError, "json.JSONDecodeError": ValueError, "socket.timeout": TimeoutError,
          "socket.error": OSError, "ssl.SSLError": OSError, "zlib.error": Exception, "struct.error": Exception,
          "subprocess.CalledProcessError": Exception, "subprocess.TimeoutExpired": Exception}


def _exception(name: str) -> type | None:
    obj = getattr(builtins, name, None)
    if isinstance(obj, type) and issubclass(obj, BaseException):
        return obj
    return _KNOWN.get(name)


def _still_caught(dropped: str, remaining: list[str]) -> bool | None:
    """Whether the remaining handlers still catch ``dropped``: True, False, or None (unknown:
    a name whose class is not known here, which might be an alias or a base of it)."""
    mine = _exception(dropped)
    unknown = False
    for name in remaining:
        if name == dropped:
            return True
        theirs = _exception(name)
        if mine is not None and theirs is not None:
            if issubclass(mine, theirs):
                return True
        elif theirs in (Exception, BaseException):
            return True
        else:
            unknown = True
    return None if unknown else False


def _types(node: ast.AST | None) -> list[ast.AST] | None:
    if node is None:
        return None
    if isinstance(node, ast.Tuple):
        return list(node.elts)
    return [node] if isinstance(node, ast.Name | ast.Attribute) else None


def _action(change: Change, handler: ast.ExceptHandler) -> str:
    first = handler.body[0]
    if isinstance(first, ast.Return):
        return f"the handler returned {qc(change, first.value) if first.value is not None else '`None`'}"
    if isinstance(first, ast.Pass):
        return "the handler ignored it"
    if isinstance(first, ast.Continue):
        return "the handler went on with the next pass of the loop"
    return f"the handler ran {qc(change, first)}"


def _propagates(change: Change, dropped: list[str], remaining: list[str], handler: ast.ExceptHandler) -> str | None:
    hedges = []
    for name in dropped:
        caught = _still_caught(name, remaining)
        if caught:
            return None
        if caught is None:
            hedges.append(name)
    what = " or ".join(q(x) for x in dropped)
    others = " or ".join(q(x) for x in remaining)
    unless = f" (unless it is also {article(others)} {others})" if hedges else ""
    return (f"{article(what, True)} {what} raised in the `try` is no longer caught here{unless}: it now propagates, "
            "where "
            f"{_action(change, handler)} before.")


def _handler_of(edit: Edit) -> tuple[ast.ExceptHandler, ast.ExceptHandler, ast.Try] | None:
    for i in range(len(edit.old_parents) - 1, -1, -1):
        a = edit.old_parents[i]
        if isinstance(a, ast.ExceptHandler):
            tries = [p for p in edit.old_parents[:i] if isinstance(p, ast.Try)]
            on_type = (i + 1 < len(edit.old_parents) and edit.old_parents[i + 1] is a.type) or \
                (i + 1 == len(edit.old_parents) and edit.field == "type")
            return (a, edit.new_parents[i], tries[-1]) if on_type and tries else None  # type: ignore[return-value]
        if isinstance(a, ast.stmt):
            return None
    return None


def _handler_types(try_node: ast.Try, skip: ast.ExceptHandler) -> list[str] | None:
    names: list[str] = []
    for h in try_node.handlers:
        if h is skip:
            continue
        if h.type is None:
            return None  # a bare except catches everything
        found = _types(h.type)
        if found is None:
            return None
        names.extend(ast.unparse(x) for x in found)
    return names


def handler_narrowed(change: Change) -> Found | None:
    """``except (OSError, ValueError)`` -> ``except OSError``: a ValueError now propagates."""
    found = change.found_in_single(_handler_of)
    if found is None:
        return None
    old, new, try_node = found
    olds, news = _types(old.type), _types(new.type)
    if olds is None or news is None:
        return None
    dropped = [x for x in olds if not any(same(x, y) for y in news)]
    if not dropped or len(olds) - len(dropped) != len(news):
        return None
    others = _handler_types(try_node, old)
    if others is None:
        return None
    remaining = [ast.unparse(x) for x in news] + others
    sentence = _propagates(change, [ast.unparse(x) for x in dropped], remaining, old)
    return ("handler-narrowed", sentence, tuple(ast.unparse(x) for x in dropped)) if sentence else None


def handler_removed(change: Change) -> Found | None:
    """An ``except`` clause removed, or the whole ``try`` unwrapped to its body."""
    edit = change.single
    if edit is None or not edit.in_list or edit.new and edit.field == "handlers":
        return None
    parent = edit.old_parents[-1] if edit.old_parents else None
    if edit.field == "handlers" and isinstance(parent, ast.Try) and len(edit.old) == 1:
        handler, try_node = edit.old[0], parent
    elif len(edit.old) == 1 and isinstance(edit.old[0], ast.Try) and len(edit.old[0].handlers) == 1 and \
            not edit.old[0].orelse and not edit.old[0].finalbody and \
            [ast.dump(s) for s in edit.old[0].body] == [ast.dump(s) for s in edit.new]:
        try_node = edit.old[0]
        handler = try_node.handlers[0]
    else:
        return None
    if not isinstance(handler, ast.ExceptHandler):
        return None
    others = _handler_types(try_node, handler) if try_node is parent else []
    if others is None:
        return None
    if handler.type is None:
        if others:
            return None
        sentence = f"Any exception raised in the `try` now propagates, where {_action(change, handler)} before."
        return "handler-removed", sentence, ()
    types = _types(handler.type)
    if types is None:
        return None
    sentence = _propagates(change, [ast.unparse(x) for x in types], others, handler)
    return ("handler-removed", sentence, tuple(ast.unparse(x) for x in types)) if sentence else None
