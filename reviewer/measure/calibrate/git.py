"""The few git calls mining needs, with settings that a user's git config cannot change
(no external diff, no textconv, no colour, the ``a/`` ``b/`` prefixes the diff parser expects)."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ...errors import InputError

_SAFE = ["-c", "core.quotepath=false", "-c", "diff.noprefix=false", "-c", "diff.mnemonicprefix=false",
         "-c", "color.ui=never", "-c", "log.showsignature=false"]


@dataclass(frozen=True)
class Commit:
    sha: str
    parents: tuple[str, ...]
    time: int  # committer date, seconds since the epoch
    author: str
    message: str

    @property
    def subject(self) -> str:
        return self.message.split("\n", 1)[0].strip()


@dataclass(frozen=True)
class FileChange:
    path: str
    status: str  # A, M, D, T...
    added: int | None  # None: a binary file
    removed: int | None


class Git:
    def __init__(self, root: Path, timeout: float = 120):
        self.root, self.timeout = root, timeout

    def run(self, *args: str) -> str:
        try:
            out = subprocess.run(["git", *_SAFE, *args], cwd=self.root, capture_output=True, timeout=self.timeout)
        except FileNotFoundError:
            raise InputError("git is not installed") from None
        except subprocess.TimeoutExpired:
            raise InputError(f"git {args[0]} took longer than {self.timeout:.0f} s in {self.root}") from None
        if out.returncode != 0:
            message = out.stderr.decode("utf-8", "replace").strip().splitlines()
            raise InputError(f"git {args[0]} failed in {self.root}: {message[-1] if message else out.returncode}")
        return out.stdout.decode("utf-8", "replace")

    def top(self) -> Path:
        return Path(self.run("rev-parse", "--show-toplevel").strip())

    def log(self, since: str | None = None, paths: tuple[str, ...] = ()) -> list[Commit]:
        """Every commit reachable from HEAD, newest first (merges included, so they can be counted)."""
        args = ["log", "--format=%x1e%H%x1f%P%x1f%ct%x1f%an <%ae>%x1f%B", "--no-color"]
        if since:
            args.append(f"--since={since}")
        out = self.run(*args, "--", *paths)
        commits = []
        for record in out.split("\x1e")[1:]:
            fields = record.split("\x1f", 4)
            if len(fields) < 5:
                continue
            sha, parents, time, author, message = fields
            commits.append(Commit(sha, tuple(parents.split()), int(time), author, message.strip()))
        return commits

    def changes(self, sha: str, paths: tuple[str, ...] = ()) -> list[FileChange]:
        """The files a (non-merge) commit changes, against its first parent, renames as delete + add."""
        status = self.run("diff-tree", "-z", "-r", "--no-commit-id", "--no-renames", "--name-status", sha,
                          "--", *paths).split("\0")
        kinds = {status[i + 1]: status[i][:1] for i in range(0, len(status) - 1, 2) if status[i]}
        counts = self.run("diff-tree", "-z", "-r", "--no-commit-id", "--no-renames", "--numstat", sha,
                          "--", *paths).split("\0")
        out = []
        for item in counts:
            parts = item.split("\t", 2)
            if len(parts) != 3:
                continue
            added, removed, path = parts
            binary = added == "-" or removed == "-"
            out.append(FileChange(path, kinds.get(path, "M"), None if binary else int(added),
                                  None if binary else int(removed)))
        return out

    def diff(self, a: str, b: str, paths: tuple[str, ...], context: int = 5) -> str:
        return self.run("diff", f"-U{context}", "--no-color", "--no-ext-diff", "--no-textconv", "--no-renames",
                        "--src-prefix=a/", "--dst-prefix=b/", a, b, "--", *paths)

    def repo_name(self) -> str:
        """``owner/name`` from the origin remote's URL (never its credentials), else the folder's name."""
        try:
            url = self.run("remote", "get-url", "origin").strip()
        except InputError:
            url = ""
        match = re.search(r"[/:]([\w.-]+/[\w.-]+?)(?:\.git)?/?$", url)
        return match.group(1) if match else self.top().name
