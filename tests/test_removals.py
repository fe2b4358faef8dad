"""A change that only removes definitions (review/removals.py): retired when nothing left in the
PR uses them, kept for the judge when a use is left behind; with review_context = pr the judge is
not asked to prefer the version that still has the function."""

from __future__ import annotations

import json

import pytest

from reviewer.diff.parse import parse_diff
from reviewer.review.pipeline import ReviewOptions, run_review
from reviewer.prompt import Templates
from reviewer.review.removals import removal_at, removed_definitions
from reviewer.types import Comment, DiffInput

from tests.fakes.backends import Judging

REMOVES = (
    "diff --git a/app.py b/app.py\n--- a/app.py\n+++ b/app.py\n"
    "@@ -1,9 +1,3 @@\n"
    " import os\n"
    "-\n"
    "-\n"
    "-def explain_ignored(app):\n"
    "-    if os.environ.get(\"X\"):\n"
    "-        return app.name\n"
    "-    return None\n"
    " \n"
    " VERSION = 2\n"
)


def with_file(text: str, path: str = "cli.py") -> str:
    return REMOVES + f"diff --git a/{path} b/{path}\n--- a/{path}\n+++ b/{path}\n" + text


CALLER_LEFT = with_file("@@ -10,3 +10,3 @@ def run(app):\n     start(app)\n-    log(app)\n+    log(app, 2)\n"
                        "     explain_ignored(app)\n")
MOVED = with_file("@@ -0,0 +1,3 @@\n+def explain_ignored(app):\n+    return app.name\n+\n", "helpers.py")
CHANGELOG = with_file("@@ -1,1 +1,2 @@\n Version 2\n+- `explain_ignored` is removed.\n", "CHANGES.rst")


def on_removal() -> Comment:
    return Comment("app.py", 4, "LEFT", "warning", "Removing `explain_ignored` breaks callers.")


def removal(diff: str):
    files = parse_diff(diff)
    return removal_at(files, "app.py", files[0].hunks[0], on_removal())


def test_a_definition_nothing_uses_any_more_is_retired():
    gone = removal(REMOVES)
    assert gone.names == ("explain_ignored",) and gone.retired
    assert "nothing left in the PR's diff uses" in gone.reason()
    assert removal(CHANGELOG).retired  # a changelog naming it is no use of it


def test_a_use_left_behind_keeps_the_removal_for_the_judge():
    gone = removal(CALLER_LEFT)
    assert not gone.retired
    assert gone.still_used == (("explain_ignored", "cli.py", 12),)
    assert "cli.py:12 still uses `explain_ignored`" in gone.reason()


def test_a_definition_defined_again_elsewhere_was_moved():
    gone = removal(MOVED)
    assert gone.retired and gone.moved == ("explain_ignored",)
    assert gone.reason().startswith("moves `explain_ignored`")


def test_only_runs_that_add_no_code_and_remove_a_definition_are_removals():
    files = parse_diff("diff --git a/m.py b/m.py\n--- a/m.py\n+++ b/m.py\n@@ -1,2 +1,2 @@\n"
                       "-def f(x):\n+def f(x, y):\n     return x\n")
    assert removal_at(files, "m.py", files[0].hunks[0], Comment("m.py", 1, "RIGHT", "warning", "b")) is None
    assert removed_definitions("a.py", []) == ()
    assert removed_definitions("a.js", parse_diff(REMOVES)[0].hunks[0].lines) == ()  # Python only


def review(diff: str, context: str):
    draft = json.dumps({"comments": [{"line": 4, "side": "LEFT", "severity": "warning",
                                      "body": "Removing `explain_ignored` breaks callers."}]})
    # the judge prefers the version that still has the function, as the 1.5B did on real PRs
    model = Judging([draft], correct_line="def explain_ignored")
    out = run_review(DiffInput(diff, "t"), backend=model, templates=Templates(), style="",
                     options=ReviewOptions(verify=True, review_context=context, judge_fix=False))
    return out, model


@pytest.mark.parametrize("context", ["diff", "pr"])
def test_reading_the_pr_a_retired_definition_is_left_out_without_a_verdict(context):
    out, model = review(REMOVES, context)
    assert out.comments == ()
    [left] = [c for c in out.left_out if c.path == "app.py"]
    assert left.trace[-1].stage == "verify" and "a removal on purpose" in left.trace[-1].reason
    assert model.judged == []  # no old/new question was asked


@pytest.mark.parametrize("context", ["diff", "pr"])
def test_reading_the_pr_a_removal_whose_caller_is_left_is_still_judged(context):
    out, model = review(CALLER_LEFT, context)
    assert model.judged  # the judge was asked
    assert [(c.path, c.severity) for c in out.comments] == [("app.py", "warning")]


def test_without_the_pr_as_context_the_judge_decides_a_removal_as_before():
    out, model = review(REMOVES, "none")
    assert model.judged


def test_the_default_reads_the_pr_diff_and_shows_the_judge_nothing_more():
    """review_context = diff is the default (docs/quality.md): the removal is read as on purpose,
    and the judge's prompt holds no PR context."""
    assert ReviewOptions().review_context == "diff"
    draft = json.dumps({"comments": [{"line": 4, "side": "LEFT", "severity": "warning",
                                      "body": "Removing `explain_ignored` breaks callers."}]})
    model = Judging([draft], correct_line="def explain_ignored")
    out = run_review(DiffInput(CALLER_LEFT, "t"), backend=model, templates=Templates(), style="",
                     options=ReviewOptions(verify=True, judge_fix=False))
    assert model.judged and out.comments
    assert not any("<untrusted-pull-request>" in prompt for prompt in model.judged)
    shown = Judging([draft], correct_line="def explain_ignored")
    run_review(DiffInput(CALLER_LEFT, "t"), backend=shown, templates=Templates(), style="",
               options=ReviewOptions(verify=True, judge_fix=False, review_context="pr"))
    assert any("<untrusted-pull-request>" in prompt for prompt in shown.judged)  # "pr" shows it
    assert [(c.path, c.severity) for c in out.comments] == [("app.py", "warning")]


def test_a_removed_special_method_is_left_to_the_judge():
    """The language calls `__iter__`: that no line names it says nothing (werkzeug's MultiDict
    work-around, a quality-cases bug, was acquitted as retired)."""
    diff = ("diff --git a/ds.py b/ds.py\n--- a/ds.py\n+++ b/ds.py\n"
            "@@ -1,9 +1,3 @@\n class MultiDict(dict):\n"
            "-    def __iter__(self):\n-        return dict.__iter__(self)\n-\n"
            "-    def helper(self):\n-        return 1\n-\n"
            "     def keys(self):\n         return list(self)\n")
    files = parse_diff(diff)
    item = Comment("ds.py", 2, "LEFT", "warning", "Removing `__iter__` changes iteration.")
    assert removal_at(files, "ds.py", files[0].hunks[0], item) is None
    removed = [x for x in files[0].hunks[0].lines if x.kind == "-"]
    assert removed_definitions("ds.py", removed) == ("__iter__", "helper")
