"""A small git repository built commit by commit, with a known history of fixes and of commits
that are not cases (a revert, formatting, tests only, docs only, a dependency bump, a merge)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

APP = [
    "def window(xs, n):",
    "    out = []",
    "    for i in range(len(xs) - n + 1):",
    "        out.append(xs[i:i + n])",
    "    return out",
    "",
    "",
    "def parse(text):",
    "    if text is None:",
    "        return []",
    "    return [int(x) for x in text.split(',')]",
    "",
    "",
    "def total(xs):",
    "    return sum(xs)",
    "",
    "",
    "def mean(xs):",
    "    if not xs:",
    "        return 0.0",
    "    return total(xs) / len(xs)",
]


class Repo:
    def __init__(self, root: Path):
        self.root = root
        self.clock = 1_600_000_000
        self.git("init", "-q", "-b", "main")
        self.git("config", "user.email", "dev@example.com")
        self.git("config", "user.name", "Dev")
        self.git("config", "commit.gpgsign", "false")

    def git(self, *args: str, env: dict | None = None) -> str:
        return subprocess.run(["git", *args], cwd=self.root, check=True, capture_output=True, text=True,
                              env={**os.environ, **(env or {})}).stdout

    def write(self, path: str, lines: list[str]) -> None:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("\n".join(lines) + "\n")

    def read(self, path: str) -> list[str]:
        return (self.root / path).read_text().splitlines()

    def edit(self, path: str, old: str, new: str) -> None:
        lines = self.read(path)
        at = lines.index(old)
        self.write(path, [*lines[:at], *new.split("\n"), *lines[at + 1:]] if new is not None else lines)

    def commit(self, message: str, author: str = "Dev <dev@example.com>") -> str:
        self.clock += 86400
        date = f"{self.clock} +0000"
        self.git("add", "-A")
        name, email = author[:-1].split(" <")
        self.git("commit", "-q", "-m", message, env={
            "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date, "GIT_AUTHOR_NAME": name,
            "GIT_AUTHOR_EMAIL": email})
        return self.git("rev-parse", "HEAD").strip()


def build_history(root: Path) -> dict[str, str]:
    """The repository; returns the commits by role. The expected cases: fix_window, fix_crash,
    fix_sum (on a merged branch), fix_issue (``Fixes #12`` in the body)."""
    repo = Repo(root)
    shas: dict[str, str] = {}
    repo.write("src/app.py", APP)
    repo.write("src/util.py", ["def clamp(x, lo, hi):", "    return max(lo, min(x, hi))"])
    repo.write("tests/test_app.py", ["from app import window", "", "def test_window():",
                                     "    assert window([1, 2, 3], 2) == [[1, 2], [2, 3]]"])
    repo.write("README.md", ["# app", "", "See [the docs](docs/index.md)."])
    repo.write("docs/index.md", ["# docs"])
    repo.write("requirements.txt", ["requests==2.0"])
    repo.write("CHANGES.md", ["# Changes"])
    shas["initial"] = repo.commit("Initial version")

    # a fix with its test and a changelog entry: a case whose diffs hold src/app.py only
    repo.edit("src/app.py", "    for i in range(len(xs) - n + 1):", "    for i in range(len(xs) - n + 1 if n else 0):")
    repo.write("tests/test_app.py", [*repo.read("tests/test_app.py"), "", "def test_zero():",
                                     "    assert window([1], 0) == []"])
    repo.write("CHANGES.md", [*repo.read("CHANGES.md"), "- Fixed window() with n = 0."])
    shas["fix_window"] = repo.commit("Fix window() with a zero width")

    repo.write("src/app.py", [*repo.read("src/app.py"), "", "", "def feature():", "    return 42"])
    shas["feature"] = repo.commit("Add feature()")  # not fix-like: not even looked at

    repo.edit("src/app.py", "    return [int(x) for x in text.split(',')]",
              "    return [int(x) for x in text.split(',') if x.strip()]")
    shas["fix_crash"] = repo.commit("Fix crash on empty items")
    shas["revert"] = repo.git("revert", "--no-edit", "HEAD", env={"GIT_COMMITTER_DATE": f"{repo.clock + 3600} +0000",
                                                                    "GIT_AUTHOR_DATE": f"{repo.clock + 3600} +0000"})
    shas["revert"] = repo.git("rev-parse", "HEAD").strip()
    repo.clock += 7200

    repo.write("src/util.py", ["def clamp(x, lo, hi):", "    return max(lo,  min(x, hi))"])
    shas["format_subject"] = repo.commit("Fix formatting of clamp")
    repo.write("src/util.py", ["def clamp(x, lo, hi):", "    return max(lo, min(x, hi))"])
    shas["format_content"] = repo.commit("Fix spacing in clamp")  # whitespace only, said as a fix
    repo.write("src/util.py", ["def clamp(x, lo, hi):", "    # the bounds are inclusive",
                               "    return max(lo, min(x, hi))"])
    shas["comment_only"] = repo.commit("Fix the wrong description of clamp")

    repo.write("tests/test_app.py", [*repo.read("tests/test_app.py"), "", "def test_more():", "    assert True"])
    shas["tests_only"] = repo.commit("Fix flaky test")
    repo.write("docs/index.md", ["# docs", "", "Fixed: the broken link."])
    repo.write("README.md", ["# app", "", "See [the docs](docs/index.md), fixed."])
    shas["docs_only"] = repo.commit("Fix broken link in the docs")
    repo.write("requirements.txt", ["requests==2.1"])
    shas["bump"] = repo.commit("Bump requests from 2.0 to 2.1 (fixes a CVE)")
    repo.write("requirements.txt", ["requests==2.1", "urllib3<2"])
    shas["pin"] = repo.commit("fix: pin urllib3 below 2")  # dependency files only

    repo.git("checkout", "-q", "-b", "fix-sum")
    repo.edit("src/app.py", "    return sum(xs)", "    return sum(x for x in xs if x is not None)")
    shas["fix_sum"] = repo.commit("Fix wrong total with missing values")
    repo.git("checkout", "-q", "main")
    repo.write("docs/index.md", ["# docs", "", "More."])
    repo.commit("Document more")
    repo.clock += 86400
    date = f"{repo.clock} +0000"
    repo.git("merge", "-q", "--no-ff", "-m", "Merge branch 'fix-sum'", "fix-sum",
             env={"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date})
    shas["merge"] = repo.git("rev-parse", "HEAD").strip()

    repo.write("src/app.py", [*repo.read("src/app.py"), *(f"FILLER_{i} = {i}" for i in range(50))])
    shas["too_long"] = repo.commit("Fix everything at once")
    for name in ("a", "b", "c", "d"):
        repo.write(f"src/m_{name}.py", ["VALUE = 1"])
    repo.commit("Add modules")
    for name in ("a", "b", "c", "d"):
        repo.write(f"src/m_{name}.py", ["VALUE = 2"])
    shas["four_files"] = repo.commit("Fix the values of all modules")
    repo.write("src/new.py", ["def new():", "    return 1"])
    shas["new_file"] = repo.commit("Fix: add the missing module")

    repo.edit("src/app.py", "    if not xs:", "    if xs is None or not xs:")
    shas["fix_issue"] = repo.commit("Handle None in mean\n\nFixes #12")
    return shas
