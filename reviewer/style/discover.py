"""Finding the rules a repository already keeps, in a trusted root: the local checkout (the
base branch in CI) or a git ref (the base of ``--git A..B``), never a pull request's head.

Files, in the order their sections reach the prompt: ``.reviewer/style.md``; the coding,
naming and style sections of ``CONTRIBUTING.md`` (at the root, in ``.github/`` or ``docs/``);
``AGENTS.md``; ``CLAUDE.md``; ``.github/copilot-instructions.md``; ``.pi/**/SYSTEM.md``.
Path-specific: ``.github/instructions/**/*.instructions.md`` (their ``applyTo`` globs) and an
``AGENTS.md`` or ``CLAUDE.md`` below the root (for the files under its directory).
"""

from __future__ import annotations

import hashlib
import posixpath
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from .applyto import is_everything, split_globs
from .guide import PathRules, StyleGuide, is_pr_section
from .sections import Section, parse_sections, split_frontmatter

MAX_STYLE_BYTES = 64 * 1024
_KEEP_CONTRIBUTING = re.compile(r"coding|naming|style|format|convention|guideline", re.I)
_IDENTITY = re.compile(r"\s*you are (an? |the )?[^.\n]{0,60}\.[^\n]{0,200}\Z", re.I)
_CLAUDE_IMPORT = re.compile(r"^@\S+[ \t]*$", re.M)  # CLAUDE.md's "@AGENTS.md" imports
_CONTRIBUTING = ("CONTRIBUTING.md", ".github/CONTRIBUTING.md", "docs/CONTRIBUTING.md")
_GENERAL = (".reviewer/style.md", "AGENTS.md", "CLAUDE.md", ".github/copilot-instructions.md")


class StyleRoot(Protocol):
    """Where discovery reads: repository-relative posix paths in, bytes out."""

    def describe(self) -> str: ...

    def list_files(self) -> list[str]: ...

    def read(self, rel: str) -> bytes | None: ...


def _git(cwd: Path, *args: str) -> bytes | None:
    try:
        out = subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout if out.returncode == 0 else None


def _wanted(rel: str) -> bool:
    name = posixpath.basename(rel)
    return (name in ("AGENTS.md", "CLAUDE.md", "SYSTEM.md", "CONTRIBUTING.md", "style.md", "copilot-instructions.md")
            or name.endswith(".instructions.md"))


@dataclass(frozen=True)
class DirectoryRoot:
    """A work tree: the files git lists (tracked and untracked, not ignored), or the known
    places when it is no git work tree. Nothing outside ``path`` is read (symlinks included)."""

    path: Path

    def describe(self) -> str:
        return str(self.path)

    def list_files(self) -> list[str]:
        out = _git(self.path, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
        if out is not None:
            return sorted({p for p in out.decode("utf-8", "replace").split("\0") if p and _wanted(p)})
        found = [p for p in (*_GENERAL, *_CONTRIBUTING) if (self.path / p).is_file()]
        for folder, pattern in ((".github/instructions", "*.instructions.md"), (".pi", "SYSTEM.md")):
            if (self.path / folder).is_dir():
                found += [p.relative_to(self.path).as_posix() for p in (self.path / folder).rglob(pattern)]
        return sorted(set(found))

    def read(self, rel: str) -> bytes | None:
        root = self.path.resolve()
        target = (root / rel).resolve()
        if not target.is_relative_to(root) or not target.is_file():
            return None
        with target.open("rb") as f:
            return f.read(MAX_STYLE_BYTES + 1)


@dataclass(frozen=True)
class GitRefRoot:
    """The files of a commit (e.g. the base branch), whatever the work tree holds."""

    repo: Path
    ref: str

    def describe(self) -> str:
        return f"{self.ref} in {self.repo}"

    def list_files(self) -> list[str]:
        out = _git(self.repo, "ls-tree", "-r", "-z", "--name-only", "--end-of-options", self.ref)
        return sorted(p for p in (out or b"").decode("utf-8", "replace").split("\0") if p and _wanted(p))

    def read(self, rel: str) -> bytes | None:
        out = _git(self.repo, "cat-file", "blob", f"{self.ref}:{rel}")
        return out[: MAX_STYLE_BYTES + 1] if out is not None else None


@dataclass
class _Found:
    general: list[Section]
    pr: list[Section]
    path_rules: list[PathRules]
    sources: list[str]


def classify(rel: str) -> str | None:
    """What a repository file is to discovery, or None."""
    name = posixpath.basename(rel)
    if rel in _GENERAL or rel in _CONTRIBUTING:
        return rel
    if rel.startswith(".github/instructions/") and name.endswith(".instructions.md"):
        return "instructions"
    if rel.startswith(".pi/") and name == "SYSTEM.md":
        return "pi"
    if name in ("AGENTS.md", "CLAUDE.md") and "/" in rel:
        return "nested"
    return None


def discover(root: StyleRoot) -> StyleGuide | None:
    """The rules found in ``root``, or None when it holds none."""
    files = {rel: kind for rel in root.list_files() if (kind := classify(rel))}
    contributing = next((p for p in _CONTRIBUTING if p in files), None)
    order = [".reviewer/style.md", contributing, "AGENTS.md", "CLAUDE.md", ".github/copilot-instructions.md",
             *sorted(p for p, k in files.items() if k == "pi")]
    path_specific = sorted((p for p, k in files.items() if k in ("instructions", "nested")),
                           key=lambda p: (files[p] != "instructions", p.count("/"), p))
    found = _Found([], [], [], [])
    seen: set[str] = set()
    for rel in [p for p in order if p and p in files] + path_specific:
        data = root.read(rel)
        if data is None:
            continue
        if len(data) > MAX_STYLE_BYTES:
            found.sources.append(f"{rel} (skipped: larger than {MAX_STYLE_BYTES >> 10} KiB)")
            continue
        text = data.decode("utf-8", errors="replace")
        digest = hashlib.sha256(" ".join(text.split()).encode()).hexdigest()
        if digest in seen:  # CLAUDE.md as a copy or a symlink of AGENTS.md
            continue
        seen.add(digest)
        nested = files[rel] == "nested"
        add_file(found, rel, text, contributing=rel == contributing,
                 globs=(posixpath.dirname(rel) + "/**",) if nested else None)
    if not found.general and not found.path_rules and not found.pr:
        return None if not found.sources else StyleGuide(sources=tuple(found.sources))
    return StyleGuide(tuple(found.general), tuple(found.path_rules), tuple(found.pr), tuple(found.sources))


def add_file(found: _Found, source: str, text: str, *, contributing: bool = False,
             globs: tuple[str, ...] | None = None) -> None:
    """One file's sections into ``found``: general, PR-level, or path-specific by its
    ``applyTo`` front matter (or ``globs``)."""
    meta, body = split_frontmatter(text)
    if "code-review" in meta.get("excludeAgent", ""):
        return  # GitHub's way of saying "not for code review"
    if posixpath.basename(source) == "CLAUDE.md":
        body = _CLAUDE_IMPORT.sub("", body)
    sections = parse_sections(body, source)
    detail = ""
    if contributing:
        sections = [s for s in sections if any(_KEEP_CONTRIBUTING.search(t) for t in s.titles)]
        tops = list(dict.fromkeys(s.titles[0] for s in sections))
        detail = f" ({', '.join(tops)})" if tops else ""
    # "You are a coding agent." opens many agent files: an identity for another tool, not a rule
    sections = [s for s in sections if s.titles or not _IDENTITY.match(s.text)]
    if not sections:
        return
    if globs is None and meta.get("applyTo"):
        globs = split_globs(meta["applyTo"])
        if is_everything(globs):
            globs = None
    if globs is not None:
        found.path_rules.append(PathRules(source, globs, tuple(sections)))
        found.sources.append(f"{source} (for {', '.join(globs)})")
        return
    found.general += [s for s in sections if not is_pr_section(s)]
    found.pr += [s for s in sections if is_pr_section(s)]
    found.sources.append(source + detail)
