"""The repository at the PR's base as context (review_context = repo, review/repo.py and
review/base_tree.py): built over real git repositories in temporary directories."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from reviewer.diff.parse import parse_diff
from reviewer.review.pipeline import ReviewOptions, run_review
from reviewer.prompt import Templates
from reviewer.review.base_tree import DirTree, GitTree, open_tree
from reviewer.review.repo import RepositoryContext
from reviewer.diff.sources.local import GitRange
from reviewer.types import BaseRef, DiffInput

from tests.fakes.backends import Judging

LIB = '''import codecs


def decode(data, final=False):
    """Decode bytes, keeping a partial character for the next call."""
    return codecs.decode(data)


class Chunker:
    def feed(self, text):
        return [text]
'''
APP = '''from lib import decode


def read(stream):
    return decode(stream.read())


def handle(stream):
    return read(stream)
'''
APP_HEAD = APP.replace("    return decode(stream.read())", "    return decode(stream.read(), final=True)")


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=repo, check=True,
                          capture_output=True, text=True).stdout.strip()


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "lib.py").write_text(LIB)
    (tmp_path / "app.py").write_text(APP)
    (tmp_path / "notes.txt").write_text("decode(x) in prose is no caller\n")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "base")
    git(tmp_path, "checkout", "-qb", "feature")
    (tmp_path / "app.py").write_text(APP_HEAD)
    git(tmp_path, "commit", "-qam", "head")
    return tmp_path


def test_a_git_range_knows_its_base_and_the_tree_reads_it_not_the_work_tree(repo: Path):
    diff = GitRange("main..feature", repo).fetch()
    assert diff.base == BaseRef(str(repo), git(repo, "rev-parse", "main"))
    (repo / "app.py").write_text("# the work tree is never read\n")
    files = dict(open_tree(diff.base).python_files())
    assert set(files) == {"lib.py", "app.py"} and files["app.py"] == APP  # the base's text, Python only
    three = GitRange("main...feature", repo).fetch()
    assert three.base == diff.base  # the merge base
    assert open_tree(BaseRef(str(repo), "0" * 40)) is None  # a base commit not fetched: no tree


def test_a_hunk_is_shown_the_definitions_it_uses(repo: Path):
    diff = GitRange("main..feature", repo).fetch()
    context = RepositoryContext(open_tree(diff.base), parse_diff(diff.text))
    [f] = parse_diff(diff.text)
    seen = context.for_hunk(f.path, f.hunks[0])
    assert seen.base[0] == 'defines lib.py:4: def decode(data, final=False):  # "Decode bytes, keeping a partial character for the next call."'
    assert "In the repository before this pull request" in seen.text()
    assert "line(s) of the repository at base" in seen.summary()


def test_a_changed_function_is_shown_its_callers_not_its_own_body(tmp_path: Path):
    (tmp_path / "lib.py").write_text(LIB)
    (tmp_path / "app.py").write_text(APP)
    diff = ("diff --git a/lib.py b/lib.py\n--- a/lib.py\n+++ b/lib.py\n"
            "@@ -4,3 +4,3 @@ import codecs\n \n-def decode(data, final=False):\n+def decode(data):\n"
            '     """Decode bytes, keeping a partial character for the next call."""\n'
            "diff --git a/app.py b/app.py\n--- a/app.py\n+++ b/app.py\n"
            "@@ -8,2 +8,2 @@ def read(stream):\n def handle(stream):\n-    return read(stream)\n+    return read(stream, 1)\n")
    files = parse_diff(diff)
    context = RepositoryContext(DirTree(tmp_path), files)
    lib = context.for_hunk("lib.py", files[0].hunks[0]).base
    assert lib == ("calls `decode`: app.py:5: return decode(stream.read())",)
    # a body change: `handle` (the def above the changed line, not the header's `read`) changed,
    # nothing at base calls it; `read` is what it uses
    app = context.for_hunk("app.py", files[1].hunks[0])
    assert context.changed_functions(tuple(files[1].hunks)) == ["handle"]
    assert app.base == ("defines app.py:4: def read(stream):",)


def test_other_languages_and_a_missing_tree_get_no_repository_context(tmp_path: Path):
    (tmp_path / "lib.py").write_text(LIB)
    diff = "diff --git a/x.c b/x.c\n--- a/x.c\n+++ b/x.c\n@@ -1,1 +1,1 @@\n-int a = decode(1);\n+int a = decode(2);\n"
    files = parse_diff(diff)
    assert RepositoryContext(DirTree(tmp_path), files).for_hunk("x.c", files[0].hunks[0]).base == ()
    assert open_tree(BaseRef(str(tmp_path / "missing"))) is None and open_tree(None) is None
    assert isinstance(open_tree(BaseRef(str(tmp_path))), DirTree)


def test_the_judge_is_shown_the_base_only_with_review_context_repo(repo: Path):
    diff = GitRange("main..feature", repo).fetch()
    draft = json.dumps({"comments": [{"line": 5, "side": "RIGHT", "severity": "warning",
                                      "body": "`final=True` drops the partial character."}]})

    def judged(context: str) -> list[str]:
        model = Judging([draft], correct_line="decode(stream.read())\n")
        run_review(diff, backend=model, templates=Templates(), style="",
                   options=ReviewOptions(verify=True, judge_fix=False, review_context=context))
        return model.judged

    shown = judged("repo")
    assert shown and all("def decode(data, final=False):" in prompt for prompt in shown)
    assert all("<untrusted-pull-request>" in prompt for prompt in shown)  # data, never instructions
    assert not any("def decode(data, final=False):" in prompt for prompt in judged("diff"))
    # no tree (a patch file, a base not fetched): the hunk alone, as with diff
    bare = Judging([draft], correct_line="decode(stream.read())\n")
    run_review(DiffInput(diff.text, "patch"), backend=bare, templates=Templates(), style="",
               options=ReviewOptions(verify=True, judge_fix=False, review_context="repo"))
    assert bare.judged and not any("def decode(data, final=False):" in p for p in bare.judged)


def test_the_tree_is_bounded(tmp_path: Path, monkeypatch):
    from reviewer.review import base_tree
    for i in range(5):
        (tmp_path / f"m{i}.py").write_text(f"def f{i}():\n    pass\n")
    monkeypatch.setattr(base_tree, "MAX_FILES", 3)
    assert len(list(DirTree(tmp_path).python_files())) == 3
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "x")
    assert len(list(GitTree(tmp_path, "HEAD").python_files())) == 3
