"""Mining a repository's history for cases: exactly the fixes come out, each skip has its reason."""

from __future__ import annotations

import json

import pytest
from fakes.calibrate_repo import build_history

from reviewer.measure.calibrate.files import is_comment, is_doc, is_source, is_test
from reviewer.measure.calibrate.git import Git
from reviewer.measure.calibrate.mine import Limits, mine, says_fix, write_cases
from reviewer.diff.parse import parse_diff
from reviewer.measure.eval import load_cases


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    root = tmp_path_factory.mktemp("repo")
    return root, build_history(root)


def test_exactly_the_fixes_become_cases(history):
    root, shas = history
    mining = mine(Git(root))
    assert [c.commit for c in mining.cases] == [shas["fix_issue"], shas["fix_sum"], shas["fix_crash"],
                                                 shas["fix_window"]]  # newest first
    assert dict(mining.skipped) == {
        "revert": 1, "merge": 1, "dependency": 2, "typo, formatting, lint or CI": 1, "whitespace or comments only": 2,
        "tests only": 1, "docs only": 1, "more than 40 changed lines": 1, "more than 3 source files": 1,
        "source file added or removed": 1,
    }
    assert mining.fix_like == 4 + sum(mining.skipped.values())
    assert mining.scanned == int(Git(root).run("rev-list", "--count", "HEAD"))


def test_a_case_holds_the_source_file_only_and_the_bug_is_the_fix_reversed(history):
    root, shas = history
    case = next(c for c in mine(Git(root)).cases if c.commit == shas["fix_window"])
    assert case.paths == ("src/app.py",) and case.path == "src/app.py"
    for text in (case.bug_diff, case.fix_diff):  # the test and the changelog the commit added give it away
        assert [f.path for f in parse_diff(text)] == ["src/app.py"]
        assert "test_zero" not in text and "Fixed window" not in text
    fix_lines = [x.text for f in parse_diff(case.fix_diff) for h in f.hunks for x in h.lines if x.kind == "+"]
    bug_lines = [x.text for f in parse_diff(case.bug_diff) for h in f.hunks for x in h.lines if x.kind == "-"]
    assert fix_lines == bug_lines == ["    for i in range(len(xs) - n + 1 if n else 0):"]
    assert case.changed_lines == {"src/app.py": [3, 3]}  # the line replaced, in bug.diff's new-file terms
    assert case.subject == "Fix window() with a zero width"


def test_written_cases_are_a_set_that_eval_scores(history, tmp_path):
    root, shas = history
    mining = mine(Git(root))
    write_cases(mining, tmp_path)
    cases = load_cases(tmp_path)
    assert sorted(c.name for c in cases) == sorted(c.name for c in mining.cases)
    assert all(c.kind == "quality" for c in cases)
    meta = json.loads((tmp_path / mining.cases[0].name / "meta.json").read_text())
    assert meta["commit"] == shas["fix_issue"] and meta["path"] == "src/app.py"
    assert meta["repo"] == root.name and meta["subject"] == "Handle None in mean"
    assert meta["changed_lines"]["src/app.py"] and meta["date"] == mining.cases[0].date


def test_rewriting_removes_only_the_cases_it_wrote_itself(history, tmp_path):
    root, _ = history
    write_cases(mine(Git(root)), tmp_path)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "meta.json").write_text('{"note": "a folder of the user"}')
    narrowed = mine(Git(root), limit=1)
    write_cases(narrowed, tmp_path)
    left = sorted(p.name for p in tmp_path.iterdir() if p.is_dir())
    assert left == sorted([narrowed.cases[0].name, "mine"])


def test_limit_since_paths_and_sizes_narrow_the_search(history):
    root, shas = history
    git = Git(root)
    limited = mine(git, limit=2)
    assert [c.commit for c in limited.cases] == [shas["fix_issue"], shas["fix_sum"]] and limited.limited
    since = int(git.run("show", "-s", "--format=%ct", shas["fix_crash"]))
    assert [c.commit for c in mine(git, since=str(since)).cases] == [shas["fix_issue"], shas["fix_sum"],
                                                                     shas["fix_crash"]]
    assert mine(git, paths=("src/util.py",)).cases == []
    assert shas["too_long"] in [c.commit for c in mine(git, limits=Limits(max_lines=60)).cases]
    assert shas["four_files"] in [c.commit for c in mine(git, limits=Limits(max_files=4)).cases]


def test_repo_name_from_the_origin_url_never_its_credentials(tmp_path):
    root = tmp_path / "r"
    root.mkdir()
    git = Git(root)
    git.run("init", "-q")
    assert git.repo_name() == "r"
    git.run("remote", "add", "origin", "https://user:s3cret@github.com/octo/demo.git")
    assert git.repo_name() == "octo/demo"
    git.run("remote", "set-url", "origin", "git@github.com:octo/other")
    assert git.repo_name() == "octo/other"


@pytest.mark.parametrize("message,fix", [
    ("Fix crash when x is None", True), ("fix(parser): wrong offset", True), ("ggml : fix conv 2d", True),
    ("Handle None\n\nFixes #12", True), ("regression in 2.0", True), ("Add a feature\n\ncloses #3", False),
    ("Prefix the names", False), ("Refactor the loop", False),
])
def test_fix_like_messages(message, fix):
    assert says_fix(message) is fix


def test_what_a_path_is():
    assert is_source("src/app.py") and is_source("src/ggml-cuda/mmq.cu") and is_source("lib/a.ts")
    assert not is_source("tests/test_app.py") and is_test("src/app_test.go") and is_test("web/a.spec.ts")
    assert not is_source("docs/conf.py") and is_doc("CHANGES.rst") and is_doc("docs/index.md")
    assert not is_source("setup.py") and not is_source("package-lock.json") and not is_source("a/vendor/x.c")
    assert not is_source("src/gen_pb2.py") and not is_source("src/app.py", ignore=("src/**",))
    assert not is_doc("requirements.txt") and not is_doc("CMakeLists.txt")
    assert is_comment("a.py", "  # note") and not is_comment("a.py", "x = 1  # note")
    assert is_comment("a.c", " * text") and is_comment("a.c", "// x") and not is_comment("a.c", "*p = 0;")
