"""Changes the old/new question does not fit: annotations only (always), and calls that follow a
signature the same PR changes (with review_context = pr)."""

from __future__ import annotations

import json

import pytest

from reviewer.diff.parse import parse_diff
from reviewer.review.passes.consequence.annotations import annotations_only
from reviewer.review.pipeline import ReviewOptions, run_review
from reviewer.prompt import Templates
from reviewer.review.deliberate import signatures_changed, why_on_purpose
from reviewer.types import Comment, DiffInput

from tests.fakes.backends import Judging


@pytest.mark.parametrize("old, new", [
    ("def f(x: int) -> int:\n    return x", "def f(x: str) -> str:\n    return x"),
    ("TABLE: dict[Kind, str] = {\n    'a': 'b',\n}", "TABLE: dict[str, str] = {\n    'a': 'b',\n}"),
    # a hunk that starts and ends inside a literal: line by line, brackets closed
    ("    'x': 1,\n}\nTABLE: dict[Kind, str] = {\n    'a': 'b',", "    'x': 1,\n}\nTABLE: dict[str, str] = {\n    'a': 'b',"),
])
def test_changes_to_annotations_only_are_recognised(old, new):
    assert annotations_only(old, new)


@pytest.mark.parametrize("old, new", [
    ("def f(x: int):\n    return x", "def f(x: int):\n    return x + 1"),
    ("x: int = 1", "x: int = 2"),
    ("    y: int\n    return y", "    return y"),  # a declaration removed: not only annotations
    ("def f(x):\n    return x", "def f(x):\n    return x"),  # no change at all
    ("x = [\ny = g(1, [", "x = [\ny = g(2, ["),
])
def test_a_change_to_what_runs_is_not_annotations_only(old, new):
    assert not annotations_only(old, new)


FOLLOWS = (
    "diff --git a/cli.py b/cli.py\n--- a/cli.py\n+++ b/cli.py\n"
    "@@ -5,3 +5,3 @@\n"
    " \n"
    "-def show_banner(env, debug, name, eager):\n"
    "+def show_banner(env, debug, name):\n"
    "     print(env, debug, name)\n"
    "diff --git a/app.py b/app.py\n--- a/app.py\n+++ b/app.py\n"
    "@@ -20,3 +20,3 @@ def run(self):\n"
    "     env = self.env\n"
    "-    cli.show_banner(env, self.debug, self.name, False)\n"
    "+    cli.show_banner(env, self.debug, self.name)\n"
    "     return env\n"
)


def test_a_call_that_follows_a_signature_the_pr_changes_is_on_purpose():
    files = parse_diff(FOLLOWS)
    assert signatures_changed(files) == {"show_banner"}
    why = why_on_purpose(files, "app.py", files[1].hunks[0], Comment("app.py", 21, "RIGHT", "warning", "b"))
    assert "`show_banner`, whose signature the same PR changes" in why
    # the callee's own hunk is not "a call that follows it"
    assert why_on_purpose(files, "cli.py", files[0].hunks[0], Comment("cli.py", 6, "RIGHT", "warning", "b")) == ""


def test_a_call_changed_with_no_signature_change_in_the_pr_is_not_explained():
    diff = FOLLOWS.replace("+def show_banner(env, debug, name):", "+def show_banners(env, debug, name):")  # a rename
    files = parse_diff(diff)
    assert why_on_purpose(files, "app.py", files[1].hunks[0], Comment("app.py", 21, "RIGHT", "warning", "b")) == ""


def judged(diff: str, path: str, line: int, correct: str, context: str, drafted: list[str] | None = None):
    draft = json.dumps({"comments": [{"line": line, "side": "RIGHT", "severity": "warning",
                                      "body": "This drops an argument the call needs."}]})
    drafts = [draft if f.path == path else '{"comments": []}' for f in parse_diff(diff)
              if drafted is None or f.path in drafted]
    model = Judging(drafts, correct_line=correct)  # the judge prefers the old version
    return run_review(DiffInput(diff, "t"), backend=model, templates=Templates(), style="",
                      options=ReviewOptions(verify=True, review_context=context, judge_fix=False)), model


@pytest.mark.parametrize("context", ["diff", "pr"])
def test_reading_the_pr_the_call_that_follows_its_callee_is_left_out_with_the_reason(context):
    review, _ = judged(FOLLOWS, "app.py", 21, "self.name, False)", context)
    assert not [c for c in review.comments if c.path == "app.py"]
    [left] = [c for c in review.left_out if c.path == "app.py"]
    assert "whose signature the same PR changes" in left.trace[-1].reason
    alone, _ = judged(FOLLOWS, "app.py", 21, "self.name, False)", "none")
    assert [c.path for c in alone.comments] == ["app.py"]  # without the PR: judged as before


ANNOTATED = ("diff --git a/t.py b/t.py\n--- a/t.py\n+++ b/t.py\n@@ -1,3 +1,3 @@\n"
             " import os\n-def f(x: int) -> int:\n+def f(x: str) -> str:\n     return x\n")


def test_a_finding_on_a_change_to_annotations_only_is_left_out_without_a_verdict():
    review, model = judged(ANNOTATED, "t.py", 2, "x: int", "none")
    assert review.comments == () and model.judged == []
    [left] = review.left_out
    assert "type annotations only" in left.trace[-1].reason


DEPRECATES = (
    "diff --git a/CHANGES.rst b/CHANGES.rst\n--- a/CHANGES.rst\n+++ b/CHANGES.rst\n"
    "@@ -1,2 +1,4 @@\n Version 2.3\n+\n+-   The ``locked_cached_property`` decorator is deprecated. Use ``app``.\n"
    " -----------\n"
    "diff --git a/app.py b/app.py\n--- a/app.py\n+++ b/app.py\n"
    "@@ -10,4 +10,4 @@ class Flask:\n"
    "     name = 'x'\n"
    "-    @locked_cached_property\n"
    "+    @cached_property\n"
    "     def jinja_env(self):\n"
    "         return self.create_env()\n"
)


def test_a_name_the_prs_changelog_names_in_code_was_taken_out_on_purpose():
    files = parse_diff(DEPRECATES)
    why = why_on_purpose(files, "app.py", files[1].hunks[0], Comment("app.py", 11, "RIGHT", "error", "b"))
    assert why == "takes out `locked_cached_property`, which the PR's changelog names (CHANGES.rst:3): a change on purpose"
    # the changelog names something else: the judge weighs it as before
    other = parse_diff(DEPRECATES.replace("``locked_cached_property``", "``other_decorator``"))
    assert why_on_purpose(other, "app.py", other[1].hunks[0], Comment("app.py", 11, "RIGHT", "error", "b")) == ""
    # the same words outside a code span, or a short name (``app``), tie nothing
    plain = parse_diff(DEPRECATES.replace("``locked_cached_property``", "locked_cached_property"))
    assert why_on_purpose(plain, "app.py", plain[1].hunks[0], Comment("app.py", 11, "RIGHT", "error", "b")) == ""


def test_a_removal_still_used_stays_with_the_judge_whatever_the_changelog_says():
    diff = ("diff --git a/NEWS.md b/NEWS.md\n--- a/NEWS.md\n+++ b/NEWS.md\n@@ -1,1 +1,2 @@\n # 2.0\n"
            "+- Removed `check_token`.\n"
            "diff --git a/auth.py b/auth.py\n--- a/auth.py\n+++ b/auth.py\n@@ -1,6 +1,3 @@\n import hmac\n"
            "-def check_token(a, b):\n-    return hmac.compare_digest(a, b)\n-\n"
            " def login(user, token):\n     return check_token(user.token, token)\n")
    files = parse_diff(diff)
    item = Comment("auth.py", 2, "LEFT", "error", "`login` still calls `check_token`.")
    assert why_on_purpose(files, "auth.py", files[1].hunks[0], item) == ""


def test_the_changelog_reason_leaves_the_finding_out_with_its_trace():
    # the changelog is prose, not drafted: the one draft is app.py's
    review, model = judged(DEPRECATES, "app.py", 11, "@locked_cached_property", "diff", drafted=["app.py"])
    assert not [c for c in review.comments if c.path == "app.py"] and model.judged == []
    [left] = [c for c in review.left_out if c.path == "app.py"]
    assert "which the PR's changelog names" in left.trace[-1].reason
    alone, _ = judged(DEPRECATES, "app.py", 11, "@locked_cached_property", "none", drafted=["app.py"])
    assert [c.path for c in alone.comments] == ["app.py"]
