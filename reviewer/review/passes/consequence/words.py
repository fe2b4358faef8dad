"""Small helpers the rules share: code quoted in a sentence, a test's negation, integer offsets
(``n - 1`` is ``n`` and ``-1``), and where a node sits (the statement, the test it is part of)."""

from __future__ import annotations

import ast

from .trees import MARK, Change, Edit

SPAN = 70  # longest code quoted in a sentence


def q(text: str) -> str:
    text = " ".join(text.split())
    if len(text) > SPAN:
        text = text[: SPAN - 3] + "..."
    return f"`{text.replace('`', chr(39))}`"


def article(quoted: str, capital: bool = False) -> str:
    """"a" or "an" before a quoted name, as it is read aloud (`item`, `OSError`: "an")."""
    name = quoted.strip("`").lower()
    sound = "aefhilmnorsx" if len(name) == 1 or not name[1:2].isalpha() else "aeio"  # a letter: its name
    word = "an" if name[:1] in tuple(sound) else "a"
    return word.capitalize() if capital else word


def qc(change: Change, node: ast.AST) -> str:
    return q(change.code(node))


_NEGATED_OPS = {ast.Eq: "!=", ast.NotEq: "==", ast.Is: "is not", ast.IsNot: "is", ast.In: "not in", ast.NotIn: "in"}
_OPS = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Is: "is",
        ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in"}


def op_text(op: ast.cmpop) -> str:
    return _OPS[type(op)]


def negation(change: Change, test: ast.expr) -> str:
    """The code that holds exactly where ``test`` does not (as text)."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return change.code(test.operand)
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and type(test.ops[0]) in _NEGATED_OPS:
        return f"{change.code(test.left)} {_NEGATED_OPS[type(test.ops[0])]} {change.code(test.comparators[0])}"
    text = change.code(test)
    return f"not ({text})" if isinstance(test, ast.BoolOp | ast.Compare | ast.IfExp | ast.Lambda) else f"not {text}"


def offset(change: Change, node: ast.AST) -> tuple[str, int] | None:
    """``node`` as (base, k) with node == base + k, for whole-number constants k; base "" for
    a constant alone. None for a float, a bool, or anything that is not an int there."""
    if isinstance(node, ast.Constant):
        value = node.value
        return ("", value) if isinstance(value, int) and not isinstance(value, bool) else None
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant):
        inner = offset(change, node.operand)
        return ("", -inner[1]) if inner and not inner[0] else None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub):
        right = offset(change, node.right)
        if right is not None and not right[0]:
            left = offset(change, node.left) or (change.code(node.left), 0)
            return left[0], left[1] + (right[1] if isinstance(node.op, ast.Add) else -right[1])
        left = offset(change, node.left)
        if isinstance(node.op, ast.Add) and left is not None and not left[0]:
            return change.code(node.right), left[1]
    return change.code(node), 0


def show_offset(base: str, k: int) -> str:
    if not base:
        return str(k)
    if k == 0:
        return base
    return f"{base} + {k}" if k > 0 else f"{base} - {-k}"


def same_base(change: Change, a: ast.AST, b: ast.AST) -> tuple[str, int, int] | None:
    """(base, k_old, k_new) when ``a`` and ``b`` are the same base plus different whole numbers."""
    x, y = offset(change, a), offset(change, b)
    if x is None or y is None or x[0] != y[0] or x[1] == y[1]:
        return None
    return x[0], x[1], y[1]


def real(parents: tuple[ast.AST, ...]) -> tuple[ast.AST, ...]:
    """The parents without the openers the parser added."""
    return tuple(p for p in parents if not (isinstance(p, ast.If) and isinstance(p.test, ast.Name)
                                            and p.test.id == MARK))


def in_loop(parents: tuple[ast.AST, ...]) -> ast.For | ast.While | None:
    for p in reversed(real(parents)):
        if isinstance(p, ast.For | ast.AsyncFor | ast.While):
            return p  # type: ignore[return-value]
        if isinstance(p, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            return None
    return None


def child_on_path(parents: tuple[ast.AST, ...], node: ast.AST, holder: ast.AST) -> ast.AST | None:
    """The child of ``holder`` that leads to ``node`` (``node`` itself when ``holder`` is its parent)."""
    chain = (*parents, node)
    for i, p in enumerate(chain[:-1]):
        if p is holder:
            return chain[i + 1]
    return None


def test_role(parents: tuple[ast.AST, ...], node: ast.AST) -> tuple[str, ast.AST] | None:
    """What ``node`` is the whole test of: ("if", the If), ("while", ...), ("ifexp", ...),
    ("filter", the comprehension), ("assert", ...), or None. ``node`` may sit under ``not``."""
    if not parents:
        return None
    holder = parents[-1]
    if isinstance(holder, ast.If | ast.While | ast.IfExp | ast.Assert) and holder.test is node:
        kind = {ast.If: "if", ast.While: "while", ast.IfExp: "ifexp", ast.Assert: "assert"}[type(holder)]
        return kind, holder
    if isinstance(holder, ast.comprehension) and any(x is node for x in holder.ifs):
        return "filter", holder
    return None


def first_statement(change: Change, body: list[ast.stmt]) -> str:
    return qc(change, body[0]) if body else "nothing"


def exits(body: list[ast.stmt]) -> ast.stmt | None:
    """The statement a block ends with when it leaves (return, raise, continue, break)."""
    last = body[-1] if body else None
    return last if isinstance(last, ast.Return | ast.Raise | ast.Continue | ast.Break) else None


def exit_phrase(change: Change, stmt: ast.stmt) -> str:
    if isinstance(stmt, ast.Return):
        return "returning " + qc(change, stmt.value) if stmt.value is not None else "returning"
    if isinstance(stmt, ast.Raise):
        exc = stmt.exc.func if isinstance(stmt.exc, ast.Call) else stmt.exc
        return "raising " + qc(change, exc) if exc is not None else "raising again"
    return "skipping to the next pass of the loop" if isinstance(stmt, ast.Continue) else "leaving the loop"


def subject(change: Change, test: ast.expr) -> str:
    """The inputs a test holds for, as a subject: "An empty `items`", "A `None` `node`", or
    "A case where `x > 1`"."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not) and \
            isinstance(test.operand, ast.Name | ast.Attribute):
        return f"An empty (or false) {qc(change, test.operand)}"
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Is | ast.Eq) \
            and isinstance(test.comparators[0], ast.Constant) and test.comparators[0].value is None:
        return f"A `None` {qc(change, test.left)}"
    return f"A case where {qc(change, test)}"


def ordinal(i: int) -> str:
    return {0: "first", 1: "second", 2: "third", 3: "fourth", 4: "fifth"}.get(i, f"{i + 1}th")


def edit_parent(edit: Edit) -> ast.AST | None:
    return edit.old_parents[-1] if edit.old_parents else None


def names_in(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def walk_body(body) -> list[ast.AST]:
    return [n for s in body for n in ast.walk(s)]
