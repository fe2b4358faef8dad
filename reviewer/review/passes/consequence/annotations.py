"""Whether a change touches type annotations only: the code runs the same before and after.

A widened annotation (``dict[Protocol, str]`` -> ``dict[str, str]``), a return type added or an
``Optional`` spelt ``X | None``: Python does not enforce annotations when the code runs, so
"which version is correct?" has no runtime answer there, and the judge, asked it anyway,
condemned annotations widened on purpose on real merged PRs (docs/quality.md). A type checker
is the reviewer of those lines.
"""

from __future__ import annotations

import ast
import copy
import difflib

from .trees import parse_pair


class _Unannotated(ast.NodeTransformer):
    def visit_arg(self, node: ast.arg) -> ast.arg:
        node.annotation = None
        return node

    def visit_FunctionDef(self, node):
        node.returns = None
        self.generic_visit(node)
        return node

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_AnnAssign(self, node: ast.AnnAssign):
        if node.value is None:
            return ast.Pass()  # a bare declaration does nothing when it runs
        return ast.Assign(targets=[node.target], value=self.visit(node.value), lineno=0)


def _dump(body: tuple[ast.stmt, ...], strip: bool) -> str:
    tree = ast.Module(body=[copy.deepcopy(s) for s in body], type_ignores=[])
    if strip:
        tree = _Unannotated().visit(tree)
    return ast.dump(tree, include_attributes=False)


def annotations_only(old: str, new: str) -> bool:
    """True when ``old`` and ``new`` (Python fragments) differ, but only in annotations. A
    fragment that does not parse (a hunk that begins and ends inside a literal) is read line by
    line: each changed line against the line that replaced it, its open brackets closed."""
    try:
        pair = parse_pair(old, new)
        if pair is not None:
            return _differs_in_annotations_only(*pair)
        lines = _replaced_lines(old, new)
        return bool(lines) and all((p := parse_pair(_closed(a), _closed(b))) is not None
                                   and _differs_in_annotations_only(*p) for a, b in lines)
    except (RecursionError, ValueError, TypeError, AttributeError):
        return False


def _differs_in_annotations_only(a, b) -> bool:
    return _dump(a.body, False) != _dump(b.body, False) and _dump(a.body, True) == _dump(b.body, True)


def _replaced_lines(old: str, new: str) -> list[tuple[str, str]]:
    """Each changed line with the one that replaced it; [] unless every change is a line
    replaced by one line."""
    a, b = old.split("\n"), new.split("\n")
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        if op != "replace" or i2 - i1 != j2 - j1:
            return []
        out.extend(zip(a[i1:i2], b[j1:j2]))
    return out


_PAIRS = {"(": ")", "[": "]", "{": "}"}


def _closed(line: str) -> str:
    """One line with the brackets it leaves open closed (strings are not looked into: a line
    with a quote in it is left as it is, and may not parse)."""
    text = line.strip()
    if "'" in text or '"' in text or "#" in text:
        return text
    stack = []
    for ch in text:
        if ch in _PAIRS:
            stack.append(_PAIRS[ch])
        elif ch in _PAIRS.values() and stack and stack[-1] == ch:
            stack.pop()
    return text + "".join(reversed(stack))
