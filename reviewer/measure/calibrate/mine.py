"""Cases from a repository's own history: every bug fix it shipped, reversed, is a bug.

A commit is a case when its message says it fixes something and it changes one to three source
files by a bounded number of lines. Merges, reverts, formatting, dependency bumps, and commits
that touch only tests or documentation are skipped, each counted under its reason. A case holds
the source files only: the tests and the changelog entry the same commit added would give the
answer away. The layout is that of the shared quality sets, so ``reviewer eval DIR`` scores it:
``bug.diff`` (the fix reversed), ``fix.diff`` (the fix), ``meta.json``.
"""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from ...diff.parse import parse_diff
from ..eval import changed_region
from .files import is_comment, is_dependency, is_doc, is_source, is_test
from .git import Commit, FileChange, Git

MINED_BY = "reviewer calibrate"

_FIX = re.compile(r"\b(fix(e[sd])?|fixing|bug(fix(es)?)?s?|hotfix|regression|crash(es|ed|ing)?|"
                  r"wrong(ly)?|incorrect(ly)?|broken|segfaults?|overflows?|leak(s|ed|ing)?)\b", re.I)
# "Fixes #12", "fixed owner/repo#3": anywhere in the message
_ISSUE = re.compile(r"\bfix(e[sd])?\b:?\s+([\w.-]+/[\w.-]+)?#\d+", re.I)
_REVERT = re.compile(r"^revert\b|^\[revert\]", re.I)
_DEPENDENCY = re.compile(r"^(bump|upgrade)\b|^update\b.*\bto v?\d|\b(deps|dependency|dependencies|dependabot|"
                         r"renovate|requirements)\b|^(build|chore)\(deps", re.I)
_COSMETIC = re.compile(r"\b(typos?|spelling|misspell\w*|lint(ing|er)?|formatting|reformat\w*|whitespace|"
                       r"pep ?8|flake8|pylint|mypy|pyright|type checker|isort|ruff|prettier|eslint|clang-format|"
                       r"code style|docstrings?|unused|ci)\b", re.I)


@dataclass(frozen=True)
class Limits:
    max_files: int = 3  # source files in one commit
    max_lines: int = 40  # lines added + removed in its source files
    ignore: tuple[str, ...] = ()  # the project's own ``ignore`` patterns


@dataclass(frozen=True)
class MinedCase:
    name: str
    commit: str
    time: int  # committer date
    subject: str
    path: str  # the file scored (the one with the most changed lines)
    paths: tuple[str, ...]
    bug_diff: str
    fix_diff: str
    changed_lines: dict[str, list[int]]  # new-file lines of bug.diff's changes, per file

    @property
    def date(self) -> str:
        return datetime.fromtimestamp(self.time, timezone.utc).strftime("%Y-%m-%d")

    def meta(self, repo: str) -> dict:
        return {"repo": repo, "commit": self.commit, "path": self.path, "paths": list(self.paths),
                "subject": self.subject, "date": self.date, "time": self.time,
                "changed_lines": self.changed_lines, "source": MINED_BY}


@dataclass
class Mining:
    repo: str
    scanned: int = 0  # commits looked at
    fix_like: int = 0  # of them, with a message that says it fixes something
    skipped: Counter = field(default_factory=Counter)  # reason -> fix-like commits skipped for it
    cases: list[MinedCase] = field(default_factory=list)
    limited: bool = False  # stopped at --limit

    def to_dict(self) -> dict:
        return {"repo": self.repo, "commits_scanned": self.scanned, "fix_like": self.fix_like,
                "skipped": dict(self.skipped.most_common()), "cases": len(self.cases), "stopped_at_limit": self.limited,
                "first": self.cases[-1].date if self.cases else None,
                "last": self.cases[0].date if self.cases else None}


def says_fix(message: str) -> bool:
    subject = message.split("\n", 1)[0]
    return bool(_FIX.search(subject) or _ISSUE.search(message))


def commit_skip_reason(commit: Commit) -> str | None:
    """Why a fix-like commit is no case, from the commit alone (before its files are read)."""
    if len(commit.parents) > 1:
        return "merge"
    if not commit.parents:
        return "first commit"
    if _REVERT.search(commit.subject) or "This reverts commit" in commit.message:
        return "revert"
    if _DEPENDENCY.search(commit.subject) or re.search(r"dependabot|renovate", commit.author, re.I):
        return "dependency"
    if _COSMETIC.search(commit.subject):
        return "typo, formatting, lint or CI"
    return None


def files_skip_reason(changes: Sequence[FileChange], limits: Limits) -> str | None:
    """Why a commit's files make no case; None when its source files do."""
    paths = [c.path for c in changes]
    if not paths:
        return "no file in --paths"
    if all(is_dependency(p) for p in paths):
        return "dependency"
    if all(is_doc(p) for p in paths):
        return "docs only"
    if all(is_test(p) or is_doc(p) for p in paths):
        return "tests only"
    source = [c for c in changes if is_source(c.path, limits.ignore)]
    if not source:
        return "no source file"
    if len(source) > limits.max_files:
        return f"more than {limits.max_files} source files"
    if any(c.added is None for c in source):
        return "binary file"
    if any(c.status != "M" for c in source):
        return "source file added or removed"
    if sum(c.added + c.removed for c in source) > limits.max_lines:  # type: ignore[operator]
        return f"more than {limits.max_lines} changed lines"
    return None


def cosmetic_change(fix_diff: str) -> bool:
    """True when the change only moves whitespace (re-indentation, line breaks) or only touches
    comment lines: nothing a program runs changed."""
    removed, added, code = [], [], False
    for f in parse_diff(fix_diff):
        for hunk in f.hunks:
            for line in hunk.lines:
                if line.kind == " ":
                    continue
                (removed if line.kind == "-" else added).append(line.text)
                code = code or not (is_comment(f.path, line.text) or not line.text.strip())
    squash = lambda lines: "".join("".join(lines).split())
    return not code or squash(removed) == squash(added)


def make_case(git: Git, repo: str, commit: Commit, source: Sequence[FileChange]) -> MinedCase | str:
    """The case of one commit, or why it is none."""
    paths = tuple(c.path for c in source)
    parent = commit.parents[0]
    fix_diff = git.diff(parent, commit.sha, paths)
    bug_diff = git.diff(commit.sha, parent, paths)
    if not fix_diff.strip():
        return "no source change"
    if cosmetic_change(fix_diff):
        return "whitespace or comments only"
    files = parse_diff(bug_diff)
    if not files or not any(f.hunks for f in files):
        return "no source change"
    path = max(source, key=lambda c: (c.added or 0) + (c.removed or 0)).path
    changed = {f.path: changed_region(files, f.path) for f in files}
    name = f"{re.sub(r'[^A-Za-z0-9._-]+', '-', repo.split('/')[-1])}-{commit.sha[:8]}"
    return MinedCase(name, commit.sha, commit.time, commit.subject, path, paths, bug_diff, fix_diff, changed)


def mine(git: Git, *, since: str | None = None, limit: int | None = None, paths: tuple[str, ...] = (),
         limits: Limits = Limits()) -> Mining:
    """Cases from HEAD's history, newest first, up to ``limit``."""
    repo = git.repo_name()
    mining = Mining(repo)
    for commit in git.log(since, paths):
        mining.scanned += 1
        if not says_fix(commit.message):
            continue
        mining.fix_like += 1
        if limit is not None and len(mining.cases) >= limit:
            mining.limited = True
            mining.skipped["beyond --limit"] += 1
            continue
        reason = commit_skip_reason(commit)
        if reason is None:
            changes = git.changes(commit.sha, paths)
            reason = files_skip_reason(changes, limits)
        if reason is None:
            case = make_case(git, repo, commit, [c for c in changes if is_source(c.path, limits.ignore)])
            if isinstance(case, MinedCase):
                mining.cases.append(case)
                continue
            reason = case
        mining.skipped[reason] += 1
    return mining


def write_cases(mining: Mining, folder: Path) -> list[Path]:
    """One folder per case (bug.diff, fix.diff, meta.json); folders this command wrote before
    for cases no longer mined are removed, nothing else is."""
    folder.mkdir(parents=True, exist_ok=True)
    names = {c.name for c in mining.cases}
    for old in folder.iterdir():
        meta = old / "meta.json"
        if old.is_dir() and old.name not in names and meta.is_file():
            try:
                mine_of = json.loads(meta.read_text()).get("source")
            except (ValueError, OSError, AttributeError):
                continue
            if mine_of == MINED_BY:
                shutil.rmtree(old)
    out = []
    for case in mining.cases:
        target = folder / case.name
        target.mkdir(exist_ok=True)
        (target / "bug.diff").write_text(case.bug_diff, encoding="utf-8")
        (target / "fix.diff").write_text(case.fix_diff, encoding="utf-8")
        (target / "meta.json").write_text(json.dumps(case.meta(mining.repo), indent=1) + "\n", encoding="utf-8")
        out.append(target)
    return out
