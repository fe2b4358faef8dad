"""``applyTo`` globs as GitHub reads them in ``.github/instructions/*.instructions.md``:
comma-separated; ``*`` and ``?`` stay inside one directory, ``**`` crosses directories
(``**/*.py`` also matches ``a.py`` at the top), ``{a,b}`` alternates, a leading ``/`` or
``./`` anchors at the repository root (every glob is anchored there anyway)."""

from __future__ import annotations

import functools
import re


def split_globs(text: str) -> tuple[str, ...]:
    """``"**/*.ts, src/**/*.{c,h}"`` -> ``("**/*.ts", "src/**/*.{c,h}")``: commas inside braces
    do not separate."""
    parts, depth, current = [], 0, []
    for ch in text:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth = max(0, depth - 1)
        if ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    cleaned = (p.strip().strip("'\"").strip() for p in parts)
    return tuple(p for p in cleaned if p)


@functools.lru_cache(maxsize=512)
def glob_regex(glob: str) -> re.Pattern[str]:
    glob = glob.removeprefix("./").lstrip("/")
    out, i = [], 0
    while i < len(glob):
        ch = glob[i]
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif glob.startswith("/**", i) and i + 3 == len(glob):
            out.append("(?:/.*)?")
            i += 3
        elif glob.startswith("**", i):
            out.append(".*")
            i += 2
        elif ch == "*":
            out.append("[^/]*")
            i += 1
        elif ch == "?":
            out.append("[^/]")
            i += 1
        elif ch == "{" and (end := glob.find("}", i)) > i:
            options = glob[i + 1:end].split(",")
            out.append("(?:" + "|".join(re.escape(o) for o in options) + ")")
            i = end + 1
        elif ch == "[" and (end := glob.find("]", i + 1)) > i + 1:
            inner = glob[i + 1:end]
            inner = "^" + inner[1:] if inner.startswith("!") else inner
            out.append("[" + inner.replace("\\", "\\\\") + "]")
            i = end + 1
        else:
            out.append(re.escape(ch))
            i += 1
    return re.compile("".join(out) + r"\Z")


def glob_matches(glob: str, path: str) -> bool:
    return glob_regex(glob).match(path.lstrip("/")) is not None


def applies(globs: tuple[str, ...], path: str) -> bool:
    return any(glob_matches(g, path) for g in globs)


def is_everything(globs: tuple[str, ...]) -> bool:
    """``**`` or ``**/*``: the rules are general, not path-specific."""
    return any(g.removeprefix("./").lstrip("/") in ("**", "**/*") for g in globs)
