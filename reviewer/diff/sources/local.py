"""Local diff sources: a patch file, standard input, a git range in a work tree."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ..parse import decode
from ...errors import InputError
from ...types import BaseRef, DiffInput

# Upper bound on a diff read into memory (a PR diff this large is not reviewable anyway).
MAX_DIFF_BYTES = 200 * 1024 * 1024


@dataclass(frozen=True)
class PatchFile:
    path: Path

    def fetch(self) -> DiffInput:
        try:
            if self.path.stat().st_size > MAX_DIFF_BYTES:
                raise InputError(f"{self.path}: larger than {MAX_DIFF_BYTES >> 20} MiB")
            data = self.path.read_bytes()
        except FileNotFoundError:
            raise InputError(f"diff file not found: {self.path}") from None
        except IsADirectoryError:
            raise InputError(f"diff path is a directory: {self.path}") from None
        except OSError as exc:
            raise InputError(f"cannot read {self.path}: {exc.strerror}") from None
        return DiffInput(text=decode(data), label=self.path.name)


@dataclass(frozen=True)
class Stdin:
    stream: BinaryIO | None = None

    def fetch(self) -> DiffInput:
        stream = self.stream or sys.stdin.buffer
        data = stream.read(MAX_DIFF_BYTES + 1)
        if len(data) > MAX_DIFF_BYTES:
            raise InputError(f"standard input: larger than {MAX_DIFF_BYTES >> 20} MiB")
        return DiffInput(text=decode(data), label="stdin")


def git_diff_args(spec: str) -> list[str]:
    """``A..B`` and ``A...B`` as git means them; a single ref means ``REF...HEAD``."""
    spec = spec.strip()
    if not spec or spec.startswith("-"):
        raise InputError(f"invalid git range {spec!r}")
    if "..." in spec or ".." in spec:
        return [spec]
    return [f"{spec}...HEAD"]


@dataclass(frozen=True)
class GitRange:
    spec: str
    cwd: Path = Path(".")

    def fetch(self) -> DiffInput:
        # --no-ext-diff and --no-textconv: never run a diff driver a repository configures
        cmd = ["git", "-c", "core.quotepath=off", "diff", "--no-color", "--no-ext-diff", "--no-textconv",
               "-M", "--end-of-options", *git_diff_args(self.spec)]
        try:
            out = subprocess.run(cmd, cwd=self.cwd, capture_output=True, timeout=120)
        except FileNotFoundError:
            raise InputError("git is not installed (needed for --git)") from None
        except subprocess.TimeoutExpired:
            raise InputError(f"git diff {self.spec} took longer than 120 s") from None
        if out.returncode != 0:
            message = decode(out.stderr).strip().splitlines()
            raise InputError(f"git diff {self.spec} failed: {message[0] if message else 'exit ' + str(out.returncode)}")
        return DiffInput(text=decode(out.stdout), label=self.spec, base=self.base())

    def base(self) -> BaseRef | None:
        """The repository and the range's base commit (``A`` of ``A..B``, the merge base of
        ``A...B``): what review_context = repo reads; None when git cannot say."""
        spec = git_diff_args(self.spec)[0]
        left, dots, right = spec.partition("...") if "..." in spec else spec.partition("..")
        args = ["merge-base", left or "HEAD", right or "HEAD"] if dots == "..." else \
            ["rev-parse", "--verify", "--end-of-options", f"{left or 'HEAD'}^{{commit}}"]
        try:
            rev = subprocess.run(["git", *args], cwd=self.cwd, capture_output=True, text=True, timeout=30)
            top = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=self.cwd, capture_output=True,
                                 text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            return None
        if rev.returncode != 0 or top.returncode != 0 or not rev.stdout.strip():
            return None
        return BaseRef(top.stdout.strip(), rev.stdout.strip().splitlines()[0])


def checkout_is_head(workspace: Path, head_sha: str | None) -> bool:
    """True when the checkout in ``workspace`` is the PR's head or its merge commit (what
    actions/checkout fetches by default on pull_request): its files are the PR author's."""
    if not head_sha:
        return False
    try:
        out = subprocess.run(["git", "rev-list", "--parents", "-n", "1", "HEAD"], cwd=workspace,
                             capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return out.returncode == 0 and head_sha in out.stdout.split()
