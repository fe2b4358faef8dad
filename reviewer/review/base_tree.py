"""The repository at the pull request's base, read for context (``review_context = repo``).

Only the base is read, never the PR's head: what is merged is the maintainer's code, and what the
PR adds is already in the diff. Two ways to get it:
- ``GitTree``: a git repository and a revision (the ``--git`` range's base, the Action's checkout
  and the PR's base commit), read with ``git ls-tree`` and ``git cat-file --batch``: the work tree
  is not touched, whatever is checked out;
- ``DirTree``: a directory that holds the files at base (an unpacked release, a bench tree).

Both give the Python files only (the repository context reads them with ``ast``), bounded in
number and size so that a huge repository costs a bounded time.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol, runtime_checkable

from ..types import BaseRef

MAX_FILES = 4000
MAX_FILE_BYTES = 512 * 1024
MAX_TOTAL_BYTES = 48 * 1024 * 1024
_SKIP_DIRS = {".git", ".hg", ".tox", ".nox", ".venv", "venv", "node_modules", "__pycache__", "build", "dist"}


@runtime_checkable
class BaseTree(Protocol):
    """The files of a repository at the PR's base."""

    def python_files(self) -> Iterator[tuple[str, str]]:
        """(path relative to the repository root, text) for each Python file, within the bounds."""
        ...


class DirTree:
    def __init__(self, root: Path) -> None:
        self.root = root

    def python_files(self) -> Iterator[tuple[str, str]]:
        count = total = 0
        for folder, dirs, names in os.walk(self.root):
            dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith("."))
            for name in sorted(names):
                if not name.endswith(".py"):
                    continue
                path = Path(folder) / name
                try:
                    if path.is_symlink() or path.stat().st_size > MAX_FILE_BYTES:
                        continue
                    text = path.read_text(encoding="utf-8", errors="replace")
                except OSError:
                    continue
                count, total = count + 1, total + len(text)
                if count > MAX_FILES or total > MAX_TOTAL_BYTES:
                    return
                yield path.relative_to(self.root).as_posix(), text


class GitTree:
    def __init__(self, root: Path, rev: str) -> None:
        self.root, self.rev = root, rev

    def _git(self, *args: str, data: bytes | None = None) -> bytes | None:
        try:
            out = subprocess.run(["git", "-c", "core.quotepath=off", *args], cwd=self.root, input=data,
                                 capture_output=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return out.stdout if out.returncode == 0 else None

    def exists(self) -> bool:
        return self._git("cat-file", "-e", f"{self.rev}^{{commit}}") is not None

    def python_files(self) -> Iterator[tuple[str, str]]:
        listing = self._git("ls-tree", "-r", "-z", "-l", "--end-of-options", self.rev)
        if not listing:
            return
        wanted: list[tuple[str, str]] = []
        total = 0
        for entry in listing.split(b"\0"):
            if not entry:
                continue
            meta, _, name = entry.partition(b"\t")
            fields = meta.split()
            path = name.decode("utf-8", "replace")
            if len(fields) != 4 or fields[1] != b"blob" or not path.endswith(".py") or not fields[3].isdigit():
                continue
            size = int(fields[3])
            if size > MAX_FILE_BYTES or any(part in _SKIP_DIRS for part in path.split("/")[:-1]):
                continue
            total += size
            if len(wanted) >= MAX_FILES or total > MAX_TOTAL_BYTES:
                break
            wanted.append((path, fields[2].decode()))
        if not wanted:
            return
        out = self._git("cat-file", "--batch", data="".join(f"{sha}\n" for _, sha in wanted).encode())
        if out is None:
            return
        at = 0
        for path, _ in wanted:
            header_end = out.index(b"\n", at)
            size = int(out[at:header_end].split()[2])
            body = out[header_end + 1: header_end + 1 + size]
            at = header_end + 1 + size + 1
            yield path, body.decode("utf-8", "replace")


def open_tree(ref: BaseRef | None) -> BaseTree | None:
    """The tree a reference names, or None when there is none to read (no such directory, not a
    git repository, the base commit not fetched)."""
    if ref is None or not ref.root:
        return None
    root = Path(ref.root)
    if not root.is_dir():
        return None
    if not ref.rev:
        return DirTree(root)
    tree = GitTree(root, ref.rev)
    return tree if tree.exists() else None
