"""What the repository at the PR's base says about a hunk (``review_context = repo``).

A reviewer who sees `self.decode(data, final=True)` looks up `decode`; one who sees a function's
signature change looks for its callers. This step does the same from the base tree
(review/base_tree.py), for Python, read with the standard ``ast``: for each hunk,
- the definitions (signature line and the docstring's first line) of the names its changed lines
  use that the hunk does not define itself, the same file's first;
- the callers of the functions it changes (the ``def`` lines it changes, or the function its
  hunk header names when it changes that function's body), outside that function.

Bounded (``REPO_TOKENS`` per hunk, a few of each), so that only targeted context reaches the
judge: bulk context makes models worse. Other languages get none (a parser library such as
tree-sitter would serve them; not measured here). The text is code from the repository, shown to
the judge as data in the prompt's data section like the PR's own context.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from .chunk import estimate_tokens

from ..diff.files import language_of
from ..types import FileDiff, Hunk
from .base_tree import BaseTree
from .context import ContextOfHunks, HunkContext, defined_names, identifiers, interesting

REPO_TOKENS = 240
MAX_DEFINITIONS = 4
MAX_CALLERS = 3
_LINE = 160  # longest line quoted
_HEADER_DEF = re.compile(r"(?:async\s+)?def\s+([A-Za-z_]\w*)\s*\(")
_DEF_LINE = re.compile(r"^\s*(?:async\s+)?def\s+([A-Za-z_]\w*)\s*\(")


@dataclass(frozen=True)
class Definition:
    name: str
    path: str
    line: int
    end: int
    signature: str
    doc: str

    def text(self) -> str:
        doc = f'  # "{self.doc}"' if self.doc else ""
        return _clip(f"{self.path}:{self.line}: {self.signature}{doc}")


def _clip(text: str) -> str:
    return text if len(text) <= _LINE else text[: _LINE - 3] + "..."


def _signature(lines: list[str], node: ast.AST) -> str:
    """A definition's header as written (``def f(a, b=1) -> int:``), joined onto one line."""
    body = getattr(node, "body", None)
    first = node.lineno - 1
    last = (body[0].lineno - 2) if body and body[0].lineno > node.lineno else first
    return " ".join(x.strip() for x in lines[first:last + 1])


class RepositoryContext(ContextOfHunks):
    """Built once per review: the base tree's Python definitions, read when first asked."""

    def __init__(self, tree: BaseTree, files: Sequence[FileDiff]) -> None:
        self.tree = tree
        self.files = list(files)
        self._memo: dict[tuple[str, tuple[int, ...]], HunkContext] = {}

    @cached_property
    def _index(self) -> tuple[dict[str, list[Definition]], dict[str, list[str]]]:
        definitions: dict[str, list[Definition]] = {}
        sources: dict[str, list[str]] = {}
        for path, text in self.tree.python_files():
            try:
                module = ast.parse(text)
            except (SyntaxError, ValueError, RecursionError):
                continue
            lines = text.splitlines()
            sources[path] = lines
            for node in ast.walk(module):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    doc = (ast.get_docstring(node) or "").strip().split("\n", 1)[0]
                    definitions.setdefault(node.name, []).append(Definition(
                        node.name, path, node.lineno, getattr(node, "end_lineno", node.lineno) or node.lineno,
                        _signature(lines, node), doc[:80]))
        return definitions, sources

    def _context(self, path: str, hunks: tuple[Hunk, ...]) -> HunkContext:
        return HunkContext(base=tuple(self._build(path, hunks)))

    def used_names(self, path: str, hunks: tuple[Hunk, ...]) -> list[str]:
        """The names the hunks' changed lines use and do not define, in order of appearance."""
        own = set().union(*(defined_names(path, h) for h in hunks))
        seen: dict[str, None] = {}
        for hunk in hunks:
            for x in hunk.lines:
                if x.changed:
                    for name in identifiers(x.text, True):
                        if interesting(name) and name not in own:
                            seen.setdefault(name, None)
        return list(seen)

    @staticmethod
    def changed_functions(hunks: tuple[Hunk, ...]) -> list[str]:
        """The functions the hunks change: their changed ``def`` lines, else the function whose
        body holds the first changed line (the last ``def`` above it in the hunk, else the one the
        hunk header names)."""
        names: dict[str, None] = {}
        for hunk in hunks:
            own = [m.group(1) for x in hunk.lines if x.changed and (m := _DEF_LINE.match(x.text))]
            for name in own:
                names.setdefault(name, None)
            if own:
                continue
            above = None
            for x in hunk.lines:
                if x.changed:
                    break
                if m := _DEF_LINE.match(x.text):
                    above = m.group(1)
            if above is None and (m := _HEADER_DEF.search(hunk.section or "")):
                above = m.group(1)
            if above is not None:
                names.setdefault(above, None)
        return list(names)

    def _build(self, path: str, hunks: tuple[Hunk, ...]) -> list[str]:
        if language_of(path) != "python":
            return []
        definitions, sources = self._index
        out: list[str] = []
        budget = REPO_TOKENS
        shown = 0
        for name in self.used_names(path, hunks):
            found = sorted(definitions.get(name, ()), key=lambda d: (d.path != path, d.path, d.line))
            if not found or shown >= MAX_DEFINITIONS:
                continue
            line = "defines " + found[0].text()
            if estimate_tokens(line) > budget:
                break
            out.append(line)
            budget -= estimate_tokens(line)
            shown += 1
        for name in self.changed_functions(hunks):
            inside = [(d.path, d.line, d.end) for d in definitions.get(name, ())]
            calls = re.compile(rf"(?<![\w.])(?:\w+\.)*{re.escape(name)}\s*\(|\.{re.escape(name)}\s*\(")
            callers = 0
            for other in sorted(sources, key=lambda p: (p != path, p)):
                for number, text in enumerate(sources[other], 1):
                    if callers >= MAX_CALLERS:
                        break
                    if _DEF_LINE.match(text) or not calls.search(text):
                        continue
                    if any(other == p and start <= number <= end for p, start, end in inside):
                        continue  # the function's own body (a recursive call)
                    line = f"calls `{name}`: " + _clip(f"{other}:{number}: {text.strip()}")
                    if estimate_tokens(line) > budget:
                        callers = MAX_CALLERS
                        break
                    out.append(line)
                    budget -= estimate_tokens(line)
                    callers += 1
        return out
