"""The two versions of a hunk as syntax trees, and where they differ.

A hunk's old and new text are fragments: they may start inside a block, end mid-call, or hold
``return`` or ``break`` outside any function or loop. Each side is dedented, given openers for
the blocks it starts inside, and wrapped in a function (and a loop) until it parses; context
lines at either end that stop both sides from parsing are dropped, the same on both. Nothing
here raises: a pair that cannot be parsed is None.

The difference is read by walking both trees in step: equal subtrees are skipped, a node whose
own values differ (an operator, a name, a constant) or whose kind differs is one ``Edit``, and
statement or operand lists are aligned (difflib) so that a removed or an inserted element is an
edit of the list it sat in. Docstrings and bare string statements are dropped first: rewording
them changes nothing the code does.
"""

from __future__ import annotations

import ast
import difflib
import re
from dataclasses import dataclass, field

MARK = "__hunk__"  # the name of every opener and wrapper added here (no real code uses it)
_MAX_TRIM = 12  # context lines dropped at most at either end
_FRAMES = ("{}", "def " + MARK + "():\n{}", "def " + MARK + "():\n while " + MARK + ":\n{}",
           "async def " + MARK + "():\n{}")
_CLAUSE = re.compile(r"(elif|else|except|finally)\b")


@dataclass(frozen=True)
class Tree:
    body: tuple[ast.stmt, ...]
    source: str  # the text that was parsed (positions refer to it)
    ids: frozenset[int] = frozenset()

    def code(self, node: ast.AST) -> str:
        text = None
        try:
            text = ast.get_source_segment(self.source, node)
        except (AttributeError, IndexError, TypeError, ValueError):
            text = None
        if not text or "\n" in text:
            try:
                text = ast.unparse(node)
            except (AttributeError, TypeError, ValueError, RecursionError):
                return ""
        return text


@dataclass(frozen=True)
class Edit:
    """One place where the trees differ: ``old`` nodes became ``new`` nodes. ``in_list``: they
    are elements of a list (statements, operands, arguments); either side may then be empty (a
    removal or an insertion). The parents are the enclosing nodes, outermost first, in step on
    both sides; ``field`` is the last parent's field that holds them."""

    old: tuple[ast.AST, ...]
    new: tuple[ast.AST, ...]
    old_parents: tuple[ast.AST, ...]
    new_parents: tuple[ast.AST, ...]
    field: str
    in_list: bool = False

    @property
    def pair(self) -> tuple[ast.AST, ast.AST] | None:
        """(old node, new node) when one node became one node."""
        return (self.old[0], self.new[0]) if len(self.old) == 1 and len(self.new) == 1 else None


@dataclass(frozen=True)
class Change:
    old: Tree
    new: Tree
    edits: tuple[Edit, ...]
    # names whose only definition the change removed along with the rest (``name = value``,
    # the name used nowhere in the new version): the value that name stood for
    dropped_definitions: tuple[tuple[str, ast.AST], ...] = field(default=())

    def code(self, node: ast.AST) -> str:
        return (self.old if id(node) in self.old.ids else self.new).code(node)

    @property
    def single(self) -> Edit | None:
        return self.edits[0] if len(self.edits) == 1 else None

    def found_in_single(self, finder):
        """``finder(edit)`` for a change that is one edit; None for any other change."""
        edit = self.single
        return finder(edit) if edit is not None else None


def dump(node: ast.AST) -> str:
    return ast.dump(node, include_attributes=False)


def same(a: ast.AST | None, b: ast.AST | None) -> bool:
    if a is None or b is None:
        return a is b
    return dump(a) == dump(b)


def parse_pair(old: str, new: str) -> tuple[Tree, Tree] | None:
    """Both versions parsed with the same context trimmed off (as little as lets both parse)."""
    a, b = old.split("\n"), new.split("\n")
    head = 0
    while head < min(len(a), len(b)) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < min(len(a), len(b)) - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    head, tail = min(head, _MAX_TRIM), min(tail, _MAX_TRIM)
    for total in range(head + tail + 1):
        for i in range(min(total, head) + 1):
            j = total - i
            if j > tail:
                continue
            first = _parse(a[i:len(a) - j])
            if first is None:
                continue
            second = _parse(b[i:len(b) - j])
            if second is not None:
                return first, second
    return None


def _parse(lines: list[str]) -> Tree | None:
    lines = [x.expandtabs(4).rstrip() for x in lines]
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        return None
    indent = min(len(x) - len(x.lstrip()) for x in lines if x.strip())
    lines = [x[indent:] for x in lines]
    text = "\n".join(_openers(lines) + lines)
    for frame in _FRAMES:
        source = frame.format(_indent(text, 2 if frame.count("\n") > 1 else 1) if frame != "{}" else text)
        try:
            module = ast.parse(source)
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            continue
        body = module.body
        for _ in range(frame.count("\n")):  # the wrappers: their bodies are the code
            body = body[0].body  # type: ignore[attr-defined]
        body = _without_strings(list(body))
        return Tree(tuple(body), source, frozenset(id(n) for s in body for n in ast.walk(s)))
    return None


def _indent(text: str, levels: int) -> str:
    pad = " " * levels
    return "\n".join(pad + x if x.strip() else x for x in text.split("\n"))


def _openers(lines: list[str]) -> list[str]:
    """Block openers for a fragment that starts inside blocks: one per indentation level below
    its first line that the fragment returns to (``try:`` where an ``except`` follows at that
    level, else an ``if``, which an ``elif`` or ``else`` there can continue)."""
    first = len(lines[0]) - len(lines[0].lstrip())
    levels = sorted({len(x) - len(x.lstrip()) for x in lines if x.strip()} | {0})
    out = []
    for level in (x for x in levels if x < first):
        at = [x.strip() for x in lines if x.strip() and len(x) - len(x.lstrip()) == level]
        handler = any(re.match(r"(except|finally)\b", x) for x in at)
        out.append(" " * level + ("try:" if handler else f"if {MARK}:"))
    clause = _CLAUSE.match(lines[0].strip())
    if clause:  # a fragment that starts with a clause of a statement it does not show
        opener = "try:" if clause.group(1) in ("except", "finally") else f"if {MARK}:"
        out += [" " * first + opener, " " * (first + 1) + "pass"]
    return out


def _without_strings(body: list[ast.stmt]) -> list[ast.stmt]:
    """Statement lists without bare strings (docstrings): in place, all the way down."""
    kept = [s for s in body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant)
                                    and isinstance(s.value.value, str))]
    for stmt in kept:
        for node in ast.walk(stmt):
            for name in ("body", "orelse", "finalbody"):
                value = getattr(node, name, None)
                if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
                    stripped = _strip_list(value)
                    setattr(node, name, stripped or [ast.Pass()])
    return kept or [ast.Pass()]


def _strip_list(body: list[ast.stmt]) -> list[ast.stmt]:
    return [s for s in body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant)
                                    and isinstance(s.value.value, str))]


def differences(old: Tree, new: Tree) -> list[Edit]:
    """Where the trees differ; the same edit made in several places (``re.escape(b)`` -> ``b``
    twice) counts once."""
    out: list[Edit] = []
    _diff_list(list(old.body), list(new.body), (), (), "body", out)
    kinds = {(tuple(dump(x) for x in e.old), tuple(dump(x) for x in e.new)) for e in out}
    return out[:1] if len(out) > 1 and len(kinds) == 1 else out


def _diff(a: ast.AST, b: ast.AST, pa: tuple, pb: tuple, name: str, out: list[Edit], in_list: bool = False) -> None:
    if same(a, b):
        return
    if type(a) is not type(b) or _wraps(a, b) or _wraps(b, a):
        out.append(Edit((a,), (b,), pa, pb, name, in_list))  # another node, or one wrapped in or out
        return
    values = [(f, getattr(a, f, None), getattr(b, f, None)) for f in a._fields]
    if any(x != y for _, x, y in values if not isinstance(x, ast.AST | list) and not isinstance(y, ast.AST | list)):
        out.append(Edit((a,), (b,), pa, pb, name, in_list))  # its own value differs: an operator, a name
        return
    for f, x, y in values:
        if isinstance(x, list) and isinstance(y, list):
            _diff_list(x, y, pa + (a,), pb + (b,), f, out)
        elif isinstance(x, ast.AST) and isinstance(y, ast.AST):
            _diff(x, y, pa + (a,), pb + (b,), f, out)
        elif (x is None) != (y is None):
            out.append(Edit(() if x is None else (x,), () if y is None else (y,), pa + (a,), pb + (b,), f))


def _wraps(outer: ast.AST, inner: ast.AST) -> bool:
    """``outer`` holds ``inner`` as one of its own children (``max(0, x)`` and ``x``)."""
    key = dump(inner)
    return isinstance(outer, ast.expr) and any(dump(c) == key for c in ast.iter_child_nodes(outer))


def _diff_list(xs: list, ys: list, pa: tuple, pb: tuple, name: str, out: list[Edit]) -> None:
    if not all(isinstance(v, ast.AST) for v in (*xs, *ys)):
        if xs != ys and pa:
            out.append(Edit((pa[-1],), (pb[-1],), pa[:-1], pb[:-1], name))
        return
    keys_a, keys_b = [dump(x) for x in xs], [dump(y) for y in ys]
    matcher = difflib.SequenceMatcher(None, keys_a, keys_b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if tag == "replace" and i2 - i1 == j2 - j1 and not _branch_moved(xs[i1:i2], ys[j1:j2]):
            for x, y in zip(xs[i1:i2], ys[j1:j2]):
                _diff(x, y, pa, pb, name, out, in_list=True)
            continue
        if tag == "replace" and _pair_by_kind(xs[i1:i2], ys[j1:j2], pa, pb, name, out):
            continue
        out.append(Edit(tuple(xs[i1:i2]), tuple(ys[j1:j2]), pa, pb, name, True))


def _pair_by_kind(xs: list, ys: list, pa: tuple, pb: tuple, name: str, out: list[Edit]) -> bool:
    """A run of m elements replaced by n (m != n) where each element of the shorter run has the
    only element of its kind in the longer one: those pairs are compared, the rest are removed
    or inserted (``x = f()`` removed and the ``if`` after it changed are two edits, not one)."""
    short, long_ = (xs, ys) if len(xs) < len(ys) else (ys, xs)
    if not short or len(xs) == len(ys):
        return False
    kinds = [type(v) for v in long_]
    places = [kinds.index(type(v)) if kinds.count(type(v)) == 1 else -1 for v in short]
    if -1 in places or places != sorted(places) or len(set(places)) != len(places):
        return False
    paired = dict(zip(places, short))
    for k, v in enumerate(long_):
        if k in paired:
            a, b = (paired[k], v) if short is xs else (v, paired[k])
            _diff(a, b, pa, pb, name, out, in_list=True)
        elif short is xs:
            out.append(Edit((), (v,), pa, pb, name, True))
        else:
            out.append(Edit((v,), (), pa, pb, name, True))
    return True


def _branch_moved(xs: list, ys: list) -> bool:
    """One ``if`` replaced by its own ``elif``/``else`` part (a branch removed), or the reverse:
    an edit of the list, not of the ``if`` (whose test and body would seem to change)."""
    if len(xs) != 1:
        return False
    x, y = xs[0], ys[0]
    return (isinstance(x, ast.If) and [dump(s) for s in x.orelse] == [dump(y)]) or \
        (isinstance(y, ast.If) and [dump(s) for s in y.orelse] == [dump(x)])
