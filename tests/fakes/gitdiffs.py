"""Diffs the project builds itself: real ``git diff`` output of changes made in temporary git
repositories, so that the core suite needs nothing from ../shared.

Each kind of change that a pull request holds and a parser can get wrong has a diff here:
a Python change in three files (one of them with four hunks, removed lines, a new function),
a rename with edits, deleted files, binary files (added, changed, deleted), mode changes,
bytes that are not UTF-8, files without a newline at the end, one very large hunk, and a
change of 114 files. ``git diff --shortstat`` gives the counts a parser must agree with.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from reviewer.diff.parse import decode


@dataclass(frozen=True)
class BuiltDiff:
    name: str
    data: bytes  # `git diff` output, as bytes (one diff holds latin-1 text)
    files: int  # `git diff --shortstat`
    insertions: int
    deletions: int

    @property
    def text(self) -> str:
        return decode(self.data)


def _git(repo: Path, *args: str) -> bytes:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_AUTHOR_DATE": "2024-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2024-01-01T00:00:00Z"}
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "core.autocrlf=false",
                           "-c", "diff.noprefix=false", *args], cwd=repo, env=env, check=True,
                          capture_output=True).stdout


def _write(root: Path, files: dict[str, bytes | str | None]) -> None:
    for name, content in files.items():
        path = root / name
        if content is None:
            path.unlink()
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode() if isinstance(content, str) else content)


def _build(root: Path, name: str, before: dict, change: Callable[[Path], None]) -> BuiltDiff:
    repo = root / name
    repo.mkdir(parents=True)
    _git(repo, "init", "-q")
    _write(repo, before)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "base")
    change(repo)
    _git(repo, "add", "-A")
    data = _git(repo, "diff", "--cached", "-M", "HEAD")
    stat = _git(repo, "diff", "--cached", "-M", "--shortstat", "HEAD").decode()
    count = {key: int(m.group(1)) if (m := re.search(rf"(\d+) {key}", stat)) else 0
             for key in ("file", "insertion", "deletion")}
    return BuiltDiff(name, data, count["file"], count["insertion"], count["deletion"])


# -- the changes --------------------------------------------------------------------------------------
PAGER = [
    '"""Show long text through a pager."""',
    "",
    "import os",
    "import subprocess",
    "import sys",
    "",
    "",
    "def get_pager_command():",
    '    """The pager to run: $PAGER, else less."""',
    '    cmd = os.environ.get("PAGER", "less")',
    "    return cmd.strip()",
    "",
    "",
    *[line for i in range(4) for line in (f"def helper_{i}(value):", f"    return value + {i}", "", "")],
    "def _pipe(cmd, text):",
    "    proc = subprocess.Popen(cmd, shell=True, stdin=subprocess.PIPE)",
    "    proc.communicate(text.encode())",
    "    return proc.returncode",
    "",
    "",
    *[line for i in range(4, 8) for line in (f"def helper_{i}(value):", f"    return value + {i}", "", "")],
    "def pager(text, color=None):",
    '    """Send text to the pager, or print it when there is no terminal."""',
    "    if not sys.stdout.isatty():",
    "        sys.stdout.write(text)",
    "        return None",
    "    cmd = get_pager_command()",
    "    return _pipe(cmd, text)",
    "",
    "",
    *[line for i in range(8, 14) for line in (f"def helper_{i}(value):", f"    return value * {i}", "", "")],
    "def echo_via_pager(text):",
    "    if isinstance(text, bytes):",
    '        text = text.decode("utf-8")',
    "    return pager(text)",
]


def _pager_change(repo: Path) -> None:
    text = "\n".join(PAGER) + "\n"
    text = text.replace('    cmd = os.environ.get("PAGER", "less")\n    return cmd.strip()\n',
                        '    cmd = os.environ.get("PAGER", "less")\n    if not cmd.strip():\n'
                        '        cmd = "less"\n    return cmd.strip()\n')
    text = text.replace("    proc = subprocess.Popen(cmd, shell=True, stdin=subprocess.PIPE)\n",
                        "    import shlex\n\n    args = shlex.split(cmd)\n"
                        "    proc = subprocess.Popen(args, stdin=subprocess.PIPE)\n")
    text = text.replace("    cmd = get_pager_command()\n    return _pipe(cmd, text)\n",
                        "    cmd = get_pager_command()\n    if color is False:\n        text = strip_ansi(text)\n"
                        "    return _pipe(cmd, text)\n")
    text = text.replace('    if isinstance(text, bytes):\n        text = text.decode("utf-8")\n',
                        '    if isinstance(text, bytes):\n        text = text.decode("utf-8", "replace")\n')
    text += '\n\ndef strip_ansi(text):\n    import re\n\n    return re.sub(r"\\x1b\\[[0-9;]*m", "", text)\n'
    _write(repo, {
        "src/pager.py": text,
        "CHANGES.md": "# Changes\n\n## 1.1\n\n- The pager command is split like a shell would, not run by one.\n"
                      "- `PAGER` may be empty.\n\n## 1.0\n\n- First release.\n",
        "tests/test_pager.py": "from pager import get_pager_command, strip_ansi\n\n\n"
                               "def test_default_pager(monkeypatch):\n    monkeypatch.delenv(\"PAGER\", raising=False)\n"
                               "    assert get_pager_command() == \"less\"\n\n\n"
                               "def test_empty_pager(monkeypatch):\n    monkeypatch.setenv(\"PAGER\", \" \")\n"
                               "    assert get_pager_command() == \"less\"\n\n\n"
                               "def test_strip_ansi():\n    assert strip_ansi(\"\\x1b[31mred\\x1b[0m\") == \"red\"\n"
                               + "".join(f"\n\ndef test_helper_{i}():\n    from pager import helper_{i}\n\n"
                                         f"    assert helper_{i}(1) == {1 + i}\n" for i in range(4)),
    })


def _python_change(root: Path) -> BuiltDiff:
    before = {"src/pager.py": "\n".join(PAGER) + "\n",
              "CHANGES.md": "# Changes\n\n## 1.0\n\n- First release.\n",
              "tests/test_pager.py": "from pager import get_pager_command\n\n\n"
                                     "def test_default_pager(monkeypatch):\n"
                                     "    monkeypatch.delenv(\"PAGER\", raising=False)\n"
                                     "    assert get_pager_command() == \"less\"\n"}
    return _build(root, "python-change", before, _pager_change)


def _rename_delete(root: Path) -> BuiltDiff:
    changes = "".join(f"Version 1.{i}\n-----------\n\n- Fixed issue {i}.\n- Improved thing {i}.\n\n" for i in range(20))
    before = {"docs/changes.rst": changes, "docs/old_api.rst": "Old API\n=======\n\nGone soon.\n",
              "src/legacy.py": "def legacy():\n    return 1\n", "src/keep.py": "x = 1\n"}

    def change(repo: Path) -> None:
        (repo / "docs/changes.rst").rename(repo / "docs/changes.md")
        text = (repo / "docs/changes.md").read_text().replace("-----------", "").replace("Version", "## Version")
        _write(repo, {"docs/changes.md": text, "docs/old_api.rst": None, "src/legacy.py": None,
                      "src/keep.py": "x = 2\n"})

    return _build(root, "rename-delete", before, change)


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))


def _binary_mode(root: Path) -> BuiltDiff:
    before = {"docs/logo.png": PNG, "docs/old.png": PNG[::-1], "run.sh": "#!/bin/sh\necho hi\n",
              "tool.sh": "#!/bin/sh\necho tool\n", "src/app.py": "def main():\n    return 0\n"}

    def change(repo: Path) -> None:
        _write(repo, {"docs/logo.png": PNG + b"\x00more", "docs/icon.png": PNG[:40], "docs/old.png": None,
                      "tool.sh": "#!/bin/sh\necho tool --verbose\n", "src/app.py": "def main():\n    return 1\n"})
        (repo / "run.sh").chmod(0o755)  # a mode change alone
        (repo / "tool.sh").chmod(0o755)  # a mode change with an edit

    return _build(root, "binary-mode", before, change)


def _non_utf8(root: Path) -> BuiltDiff:
    before = {"src/names.py": "NAMES = [\n    'caf\xe9',\n]\n".encode("latin-1"),
              "README.txt": "Plain text.\n"}

    def change(repo: Path) -> None:
        _write(repo, {"src/names.py": "NAMES = [\n    'caf\xe9',\n    'na\xefve',\n    '\xfcber',\n]\n".encode("latin-1"),
                      "README.txt": "Plain text, \xa9 2024.\n".encode("latin-1")})

    return _build(root, "non-utf8", before, change)


def _no_newline(root: Path) -> BuiltDiff:
    before = {"a.py": "x = 1\ny = 2", "b.py": "p = 1\nq = 2", "c.py": "keep = 1\n"}

    def change(repo: Path) -> None:
        _write(repo, {"a.py": "x = 1\ny = 3",  # still no newline at the end
                      "b.py": "p = 1\nq = 2\n",  # the newline added
                      "c.py": "keep = 1\nlast = 2"})  # the newline removed

    return _build(root, "no-newline", before, change)


def _large_hunk(root: Path) -> BuiltDiff:
    before = {"docs/changes.rst": "".join(f"* change number {i} in the old format\n" for i in range(400))}

    def change(repo: Path) -> None:
        _write(repo, {"docs/changes.rst": "".join(f"- change number {i}, now in markdown\n" for i in range(400))})

    return _build(root, "large-hunk", before, change)


def _many_files(root: Path) -> BuiltDiff:
    """114 files: modified ones (one far larger than the rest), added, deleted, renamed, binary."""
    before: dict[str, bytes | str | None] = {}
    for i in range(114):
        kind = i % 6
        if kind in (0, 1):
            before[f"pkg/mod_{i}.py"] = "".join(f"value_{j} = {j}\n" for j in range(30))
        elif kind == 2:
            before[f"pkg/gone_{i}.py"] = f"gone = {i}\n"
        elif kind == 3:
            before[f"old/r_{i}.py"] = "".join(f"line_{j} = {j}\n" for j in range(20))
        elif kind == 4:
            before[f"img/p_{i}.png"] = PNG + bytes([i])
    before["pkg/huge.py"] = "".join(f"entry_{j} = {j}\n" for j in range(3000))

    def change(repo: Path) -> None:
        after: dict[str, bytes | str | None] = {}
        for i in range(114):
            kind = i % 6
            if kind in (0, 1):
                after[f"pkg/mod_{i}.py"] = "".join(f"value_{j} = {j * (2 if j % 7 == 0 else 1)}\n" for j in range(30))
            elif kind == 2:
                after[f"pkg/gone_{i}.py"] = None
            elif kind == 3:
                (repo / "new").mkdir(exist_ok=True)
                (repo / f"old/r_{i}.py").rename(repo / f"new/r_{i}.py")
                after[f"new/r_{i}.py"] = "".join(f"line_{j} = {j + (i if j == 5 else 0)}\n" for j in range(20))
            elif kind == 4:
                after[f"img/p_{i}.png"] = None
            elif i != 113:
                after[f"pkg/new_{i}.py"] = f"added = {i}\n"
        after["pkg/huge.py"] = "".join(f"entry_{j} = {j + 1}\n" for j in range(3000))
        _write(repo, after)

    return _build(root, "many-files", before, change)


BUILDERS = {"python-change": _python_change, "rename-delete": _rename_delete, "binary-mode": _binary_mode,
            "non-utf8": _non_utf8, "no-newline": _no_newline, "large-hunk": _large_hunk, "many-files": _many_files}
NAMES = tuple(BUILDERS)
_BUILT: dict[str, BuiltDiff] = {}
_ROOT: list[tempfile.TemporaryDirectory] = []


def build_all(root: Path) -> dict[str, BuiltDiff]:
    return {name: build(root) for name, build in BUILDERS.items()}


def own_diff(name: str) -> BuiltDiff:
    """One of the diffs above, built once per test session (in a directory removed at exit)."""
    if not _BUILT:
        _ROOT.append(tempfile.TemporaryDirectory(prefix="reviewer-gitdiffs-"))
        _BUILT.update(build_all(Path(_ROOT[0].name)))
    return _BUILT[name]


def own_diff_file(folder: Path, name: str) -> Path:
    """``own_diff(name)`` written to ``folder/NAME.diff`` (for `--diff PATH`)."""
    path = folder / f"{name}.diff"
    path.write_bytes(own_diff(name).data)
    return path
