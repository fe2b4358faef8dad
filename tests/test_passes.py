"""The passes after the draft: noise, explain (the comment from the judge's contrast) and the
fix judge, with a scripted model that drafts, explains and judges as told."""

from __future__ import annotations

import json

import pytest

from fakes.common import review as run_pipeline
from reviewer.backends.llama import Choice
from reviewer.review.cache import ResultCache
from reviewer.review.passes.explain import Explanation, body_of, is_concrete
from reviewer.review.passes.fixjudge import apply_fix, breaks_python
from reviewer.review.passes.noise import Shown, guide_labels, noise_kind, strip_invented_links
from reviewer.prompt import Templates
from reviewer.types import Completion, DiffInput

DIFF = (
    "diff --git a/m.py b/m.py\n--- a/m.py\n+++ b/m.py\n"
    "@@ -10,4 +10,4 @@ def mean(xs):\n"
    "     total = sum(xs)\n"
    "-    return total / len(xs)\n"
    "+    return total / (len(xs) - 1)\n"
    "     # end\n"
    "     pass\n"
)
NEW_FILE = (
    "diff --git a/n.py b/n.py\nnew file mode 100644\n--- /dev/null\n+++ b/n.py\n"
    "@@ -0,0 +1,3 @@\n"
    "+def first(xs):\n"
    "+    return xs[1]\n"
    "+\n"
)
BAD, GOOD = "    return total / (len(xs) - 1)", "    return total / len(xs)"


def draft(*findings) -> str:
    return json.dumps({"comments": [dict(zip(("line", "side", "severity", "body", "suggestion"), f)) for f in findings]})


class Model:
    """Answers each kind of request as scripted: drafts in order, explanations and rewrites by
    their schema; as judge, prefers the version that contains ``correct`` (with a position bias
    towards "A", as real models have)."""

    name = "scripted"
    concurrent = False

    def __init__(self, drafts, correct, explanation=None, rewrite=None):
        self.drafts, self.correct = list(drafts), correct
        self.explanation, self.rewrite = explanation, rewrite
        self.asked: list[str] = []

    def identity(self):
        return "scripted-model"

    def prepare(self, context_tokens):
        pass

    def complete(self, messages, schema, max_tokens):
        keys = set((schema or {}).get("properties", {}))
        if "new_result" in keys:
            self.asked.append("explain")
            text = json.dumps(self.explanation)
        elif keys == {"line"}:
            self.asked.append("rewrite")
            text = json.dumps({"line": self.rewrite})
        else:
            self.asked.append("draft")
            text = self.drafts.pop(0) if self.drafts else '{"comments": []}'
        return Completion(text, 100, 40, 20)

    def choose(self, messages, options):
        self.asked.append("judge")
        prompt = messages[-1]["content"]
        a = prompt.split("Version A:")[1].split("Version B:")[0]
        p_a = 0.75 if self.correct in a else 0.65
        return Choice({"A": p_a, "B": 1 - p_a}, prompt_tokens=50, prompt_tokens_evaluated=10)

    def close(self):
        pass


def review(model, diff: str | DiffInput = DIFF, cache=None, **options):
    return run_pipeline(diff, model, cache, style="", **{"verify": True, "min_severity": "warning", **options})


EXPLAINED = {"line": BAD.strip(), "input": "xs = [2, 4]", "old_result": "returns 3.0",
             "new_result": "It returns 6.0, not the mean."}


# -- noise ----------------------------------------------------------------------------------

SHOWN = Shown(code="def load(path):\n    data = read(path)\n    return data\nhelper = 1\nx = helper + 1",
              other="## [CONTRIBUTING.md › Naming]\nUse snake_case.", rule_labels=frozenset({"CONTRIBUTING.md › Naming"}))


@pytest.mark.parametrize("body, kind", [
    ("The `__new hunk__` in routing.py is incorrect.", "quotes the prompt"),
    ("Great improvement, this makes the code cleaner.", "praise"),
    ("This change adds a new parameter `timeout` to the function.", "restates the change"),
    ("Consider adding a docstring to explain the function.", "asks for docs no rule requires"),
    ("Breaks [CONTRIBUTING.md › Imports]: imports must be sorted.", "cites a rule the guide does not have"),
    ("`helper` is unused and can be removed.", "claims unused, the diff uses it"),
    ("The `helper` variable is not used anywhere in the codebase.", "claims unused, the diff uses it"),
    ("`data` is not defined here.", "claims undefined, the diff defines it"),
    ("The `load` function is not imported in the file, which is a breaking change.", "claims undefined, the diff defines it"),
    ("`read` is deprecated; use `open` instead.", "claims a deprecation nothing shows"),
    ("Looks good to me.", "says nothing is wrong"),
    ("The new line `flask.session[", "breaks off mid-sentence"),
])
def test_noise_kinds_are_recognised(body, kind):
    assert noise_kind(body, SHOWN) == kind


@pytest.mark.parametrize("body", [
    "This change adds a loop that never ends when `path` is empty.",  # restates, but names a bug
    "Breaks [CONTRIBUTING.md › Naming]: `loadData` should be snake_case.",  # a rule the guide has
    "`unused_flag` is unused.",  # the diff does not contradict it
    "Dividing by `len(xs) - 1` gives the wrong mean for `xs = [2, 4]`.",
])
def test_findings_that_name_a_problem_are_kept(body):
    assert noise_kind(body, SHOWN) is None


def test_docs_requests_stand_when_the_guide_asks_for_docs():
    shown = Shown(code="", other="Every public function has a docstring.")
    assert noise_kind("Add a docstring to `load`.", shown) is None


def test_links_the_model_invented_are_taken_out_and_shown_links_kept():
    shown = Shown(code="# see https://example.org/spec", other="")
    body = "See https://example.org/spec and https://invented.example/doc."
    assert strip_invented_links(body, shown) == "See https://example.org/spec and (link removed)."


def test_guide_labels_are_read_from_the_guide_as_the_model_sees_it():
    assert guide_labels("## [A.md › One]\nx\n## [B.md]\ny") == {"A.md › One", "B.md"}


def test_the_noise_pass_demotes_and_keeps_everything_in_the_report():
    model = Model([draft((11, "RIGHT", "warning", "The `__new hunk__` is wrong."))], correct=GOOD)
    r = review(model, explain="off", judge_fix=False)
    assert r.comments == () and [c.severity for c in r.left_out] == ["note"]


def test_the_same_finding_on_the_old_and_the_new_listing_is_one():
    body = "Dividing by len(xs) - 1 gives the wrong mean."
    model = Model([draft((11, "RIGHT", "warning", body), (11, "LEFT", "warning", body + " Here."))], correct=GOOD)
    r = review(model, explain="off", judge_fix=False)
    assert [(c.side, c.line) for c in r.comments] == [("RIGHT", 11)]


# -- explain --------------------------------------------------------------------------------

def test_a_condemned_hunk_gets_its_comment_from_the_contrast_with_the_fix_as_suggestion():
    model = Model([draft((12, "RIGHT", "error", "This can lead to unexpected behavior."))], correct=GOOD,
                  explanation=EXPLAINED)
    r = review(model, judge_fix=False, explain="case")  # the draft's vague words are replaced, not filtered
    assert len(r.comments) == 1
    c = r.comments[0]
    assert (c.line, c.side, c.severity) == (11, "RIGHT", "error")  # moved onto the line it quotes
    assert c.body == ("This change replaces `return total / len(xs)` with `return total / (len(xs) - 1)`, which "
                      "breaks this case:\n- input: xs = [2, 4]\n- with this change: It returns 6.0, not the mean.\n"
                      "- before it: returns 3.0.")
    assert c.suggestion == GOOD
    assert [x.body for x in r.left_out] == ["This can lead to unexpected behavior."]  # nothing lost


@pytest.mark.parametrize("answer", [
    {"line": "", "input": "any input", "old_result": "works", "new_result": "It can lead to unexpected behavior."},
    {"line": "", "input": "mean([2, 4])", "old_result": "returns 3.0",  # the prompt's own example, copied
     "new_result": "returns 6.0, not the mean of the two values"},
])
def test_without_a_case_of_its_own_the_comment_says_only_what_the_diff_and_the_judge_say(answer):
    model = Model([draft((11, "RIGHT", "error", "off by one"))], correct=GOOD, explanation=answer)
    [c] = review(model, judge_fix=False, explain="case").comments
    assert c.body == ("This change replaces `return total / len(xs)` with `return total / (len(xs) - 1)`: compared "
                      "side by side, the code before this change looks right and this does not. Please check it.")
    assert c.suggestion == GOOD


def test_a_runaway_result_is_not_shown():
    from reviewer.diff.parse import parse_diff
    from reviewer.review.passes.explain import changed_parts

    runaway = Explanation("", "f(5)", "returns [1]", "returns [1, " + "0, " * 40 + "1]")
    body = body_of(changed_parts(parse_diff(DIFF)[0].hunks[0])[0], runaway)
    assert "- input: f(5)" in body and "0, 0, 0" not in body


def test_by_default_the_diff_and_the_verdict_speak_and_the_model_is_not_asked_for_a_case():
    model = Model([draft((12, "RIGHT", "error", "This can lead to unexpected behavior."))], correct=GOOD,
                  explanation=EXPLAINED)
    [c] = review(model).comments
    assert "explain" not in model.asked and (c.line, c.suggestion) == (11, GOOD)
    assert c.body.startswith("This change replaces `return total / len(xs)` with `return total / (len(xs) - 1)`: ")


def test_no_explanation_is_asked_where_the_judge_prefers_the_new_version():
    model = Model([draft((11, "RIGHT", "error", "off by one"))], correct=BAD, explanation=EXPLAINED)
    r = review(model, judge_fix=False, explain="case")
    assert r.comments == () and "explain" not in model.asked


def test_unplaced_findings_go_through_the_judge_and_are_never_posted_alone():
    model = Model([draft((400, "RIGHT", "error", "off by one somewhere"))], correct=BAD)
    r = review(model)
    assert r.notes == () and [n.severity for n in r.left_out] == ["note"]


def test_concreteness_and_the_words_of_the_difference_come_from_the_diff():
    from reviewer.diff.parse import parse_diff
    from reviewer.review.passes.explain import changed_parts, difference, pick_part

    hunk = parse_diff(DIFF)[0].hunks[0]
    assert is_concrete(Explanation(**EXPLAINED))
    assert not is_concrete(Explanation("", "some inputs", "a", "b"))
    same = Explanation("", "xs = [1]", "The old version returns 1, which is correct.",
                       "The new version returns 1, which is incorrect.")
    parts = changed_parts(hunk)
    assert is_concrete(same) and "with this change" not in body_of(parts[0], same)  # the same words: left out
    assert len(parts) == 1 and difference(parts[0]).startswith("This change replaces `return total / len(xs)`")
    assert pick_part(parts, "`return total / (len(xs) - 1)`")[1].kind == "+"
    removal = parse_diff(DIFF.replace("+    return total / (len(xs) - 1)\n", "").replace("+10,4", "+10,3"))[0].hunks[0]
    assert difference(changed_parts(removal)[0]) == "This change removes `return total / len(xs)`"
    assert body_of(parts[0], Explanation(**EXPLAINED)).endswith("- before it: returns 3.0.")


def test_explanations_are_cached(tmp_path):
    cache = ResultCache(tmp_path / "c.sqlite3")
    first = Model([draft((11, "RIGHT", "error", "off"))], correct=GOOD, explanation=EXPLAINED)
    review(first, cache=cache, judge_fix=False, explain="case")
    again = Model([], correct=GOOD, explanation=None)
    r = review(again, cache=cache, judge_fix=False, explain="case")
    assert again.asked == [] and r.comments[0].suggestion == GOOD


# -- the fix judge --------------------------------------------------------------------------

def test_a_finding_in_a_new_file_stands_when_the_judge_prefers_its_fix():
    model = Model([draft((2, "RIGHT", "error", "The first element is `xs[0]`, not `xs[1]`.", "    return xs[0]"))],
                  correct="return xs[0]")
    r = review(model, NEW_FILE)
    assert [(c.line, c.severity, c.suggestion) for c in r.comments] == [(2, "error", "    return xs[0]")]


def test_a_finding_whose_fix_the_judge_does_not_prefer_is_left_out():
    model = Model([draft((2, "RIGHT", "error", "Use `xs[0]`.", "    return xs[0]"))], correct="return xs[1]")
    r = review(model, NEW_FILE)
    assert r.comments == () and [c.severity for c in r.left_out] == ["note"]


def test_a_finding_without_a_fix_gets_one_written_and_an_unchanged_line_is_not_a_fix():
    model = Model([draft((2, "RIGHT", "error", "Index 1 skips the first element."))], correct="return xs[0]",
                  rewrite="return xs[1]")
    r = review(model, NEW_FILE)
    assert "rewrite" in model.asked and r.comments == ()
    model = Model([draft((2, "RIGHT", "error", "Index 1 skips the first element."))], correct="return xs[0]",
                  rewrite="return xs[0]")
    r = review(model, NEW_FILE)
    assert [(c.severity, c.suggestion) for c in r.comments] == [("error", "    return xs[0]")]


def test_a_python_fix_that_does_not_compile_is_dropped_without_asking_the_judge():
    model = Model([draft((2, "RIGHT", "error", "Wrong index.", "    return xs[0"))], correct="return xs[0")
    r = review(model, NEW_FILE)
    assert r.comments == () and model.asked == ["draft"]


def test_apply_fix_and_compiling():
    from reviewer.diff.parse import parse_diff

    hunk = parse_diff(NEW_FILE)[0].hunks[0]
    current, fixed = apply_fix(hunk, 2, 2, "    return xs[0]\n    # first")
    assert fixed.split("\n") == ["def first(xs):", "    return xs[0]", "    # first", ""]
    assert current.split("\n")[1] == "    return xs[1]"
    assert apply_fix(hunk, 7, 7, "x") is None
    assert breaks_python(current, current.replace("xs[1]", "xs[1"))
    assert not breaks_python("    if x:", "    if y:")  # a fragment is not held against its fix


def test_a_judged_fix_of_another_line_count_is_posted_as_an_applicable_suggestion():
    from reviewer.hosts.github.format import code_block
    from reviewer.types import Comment

    two_for_three = Comment("m.py", 12, "RIGHT", "error", "x", start_line=10, suggestion="a = 1\nb = 2")
    assert code_block(two_for_three).startswith("\n\n```suggestion\na = 1\nb = 2\n```")
    on_removed = Comment("m.py", 11, "LEFT", "error", "x", suggestion="a = 1")
    assert "suggestion" not in code_block(on_removed)


def test_judged_suggestions_over_a_line_range_post_to_github_without_a_422():
    from fakes.common import REPO, TOKEN, make_client
    from fakes.github import FakeGitHub

    from reviewer.hosts.github.ref import parse_pr_ref
    from reviewer.hosts.github.sink import GitHubReviewSink
    from reviewer.hosts.github.source import PullRequestSource

    diff = NEW_FILE.replace("@@ -0,0 +1,3 @@", "@@ -0,0 +1,4 @@").replace("+\n", "+    # unreachable\n+\n")
    model = Model([json.dumps({"comments": [{"line": 3, "start_line": 2, "side": "RIGHT", "severity": "error",
                                             "body": "Index 1 skips the first element.",
                                             "suggestion": "    return xs[0]"}]})], correct="return xs[0]")
    with FakeGitHub(token=TOKEN, login="review-bot") as gh:
        gh.add_repo(REPO)
        gh.add_pull(REPO, number=3, diff=diff, user="alice", head_sha="b" * 40)
        d = PullRequestSource(make_client(gh), parse_pr_ref(f"{REPO}#3")).fetch()
        r = review(model, d)
        assert [(c.start_line, c.line, c.suggestion) for c in r.comments] == [(2, 3, "    return xs[0]")]
        GitHubReviewSink(make_client(gh), d.text).publish(r)
        assert gh.writes and all(q.status < 400 for q in gh.writes)
        [posted] = gh.review_comments(REPO, 3)
        assert (posted["start_line"], posted["line"]) == (2, 3)
        assert "```suggestion\n    return xs[0]\n```" in posted["body"]


def test_the_built_in_guide_asks_for_no_docstrings():
    shown = Shown(code="", other=Templates().default_style())
    assert not shown.guide_asks_for_docs
    assert noise_kind("Consider adding a docstring to `load`.", shown) == "asks for docs no rule requires"


def test_a_claim_of_a_problem_is_not_a_restatement_even_when_it_starts_like_one():
    body = "The new code introduces a variable `w` which is not initialized in the loop."
    assert noise_kind(body, SHOWN) is None


def test_prose_is_judged_by_neither_judge_and_its_findings_are_not_posted():
    doc = ("diff --git a/README.rst b/README.rst\n--- a/README.rst\n+++ b/README.rst\n@@ -1,3 +1,3 @@\n"
           " Title\n-The old sentence.\n+The new sentense.\n end\n")
    model = Model([draft((2, "RIGHT", "warning", "Typo: sentense.", "The new sentence."))], correct="sentence.")
    r = review(model, doc, scope="all")
    assert r.comments == () and [c.severity for c in r.left_out] == ["note"] and "judge" not in model.asked


def test_a_difference_quotes_the_first_line_with_words():
    from reviewer.diff.parse import parse_diff
    from reviewer.review.passes.explain import changed_parts, difference

    removal = ("diff --git a/m.py b/m.py\n--- a/m.py\n+++ b/m.py\n@@ -1,4 +1,2 @@\n a = 1\n-\n-b = 2\n c = 3\n")
    assert difference(changed_parts(parse_diff(removal)[0].hunks[0])[0]) == "This change removes `b = 2` (and 1 more line)"


def test_a_finding_on_a_removed_line_without_a_verdict_is_not_posted():
    doc = ("diff --git a/README.rst b/README.rst\n--- a/README.rst\n+++ b/README.rst\n@@ -1,3 +1,2 @@\n"
           " Title\n-Install with pip.\n end\n")
    model = Model([draft((2, "LEFT", "error", "Removing the install line leaves users without instructions."))],
                  correct="Install")
    r = review(model, doc, scope="all")
    assert r.comments == () and [c.severity for c in r.left_out] == ["note"] and "judge" not in model.asked


def test_a_test_hunk_is_not_judged_old_against_new():
    from reviewer.diff.files import is_test_path

    assert all(map(is_test_path, ("tests/test_app.py", "pkg/test_util.py", "conftest.py", "src/a.spec.ts",
                                  "src/FooTest.java")))
    assert not any(map(is_test_path, ("src/flask/app.py", "contest.py", "latest/x.py")))
    diff = DIFF.replace("m.py", "tests/test_mean.py")
    model = Model([draft((11, "RIGHT", "error", "off by one", GOOD))], correct=GOOD)
    r = review(model, diff, scope="all")
    assert r.comments == () and model.asked == ["draft"]  # neither verdict: a test's finding is not posted


def test_scope_code_leaves_tests_and_docs_undrafted_and_says_so():
    doc = ("diff --git a/README.rst b/README.rst\n--- a/README.rst\n+++ b/README.rst\n@@ -1,3 +1,3 @@\n"
           " Title\n-The old sentence.\n+The new sentense.\n end\n")
    both = DIFF + DIFF.replace("m.py", "tests/test_mean.py") + doc
    model = Model([draft((11, "RIGHT", "error", "off by one", GOOD))], correct=GOOD)
    r = review(model, both)  # the default scope: code
    assert r.files == ("m.py",) and model.asked.count("draft") == 1
    assert {s.path: s.reason.split(":")[0] for s in r.skipped} == {
        "tests/test_mean.py": "a test or docs file", "README.rst": "a test or docs file"}
    everything = Model([draft((11, "RIGHT", "error", "off by one", GOOD))], correct=GOOD)
    r = review(everything, both, scope="all")
    assert set(r.files) == {"m.py", "tests/test_mean.py", "README.rst"} and everything.asked.count("draft") == 3
    assert r.skipped == ()


def test_a_vague_consequence_is_not_a_finding_a_named_one_is():
    assert noise_kind("`x` should not be updated here, as it can lead to unexpected behavior.", SHOWN) == \
        "names no consequence but a vague one"
    assert noise_kind("This can lead to unexpected behavior: `load(None)` raises TypeError.", SHOWN) is None


def test_a_written_fix_must_edit_its_line():
    from reviewer.review.passes.fixjudge import plausible_fix

    assert plausible_fix("    app.config['X'] = 1", "    app.config['Y'] = 1")
    assert not plausible_fix("    assert type(s['m']) == Markup", "    74")
    assert not plausible_fix("    bp.register(app)", "    }")
    assert not plausible_fix("    total = sum(xs)", "    count = len(items)")


EXIT = ("diff --git a/core.py b/core.py\n--- a/core.py\n+++ b/core.py\n@@ -5,9 +5,5 @@ class Context:\n"
        "     def exit(self, code):\n"
        '-        """Exits the application.\n'
        "-\n"
        "-        Closes the `call_on_close` callbacks first.\n"
        '-        """\n'
        "-        self.close()\n"
        '+        """Exits the application."""\n'
        "         raise Exit(code)\n"
        " \n"
        "     def abort(self):\n")


def test_the_difference_quotes_code_not_the_docstring_or_comment_above_it():
    from reviewer.diff.parse import parse_diff
    from reviewer.review.passes.explain import changed_parts, difference

    part = changed_parts(parse_diff(EXIT)[0].hunks[0])[0]
    assert difference(part) == ('This change replaces `self.close()` (and 4 more lines) with '
                                '`"""Exits the application."""`')


def test_a_condemned_hunk_whose_old_lines_are_a_docstring_keeps_its_comment_and_suggestion():
    # the suggestion is the old lines, docstring and backticks included: code from the diff, not
    # the model's prose, so the fix judge takes the old/new verdict for it
    model = Model([draft((6, "RIGHT", "warning", "Something about exit."))], correct="self.close()")
    r = review(model, EXIT)
    assert [c.severity for c in r.comments] == ["warning"]
    assert r.comments[0].body.startswith("This change replaces `self.close()`")
    assert "self.close()" in r.comments[0].suggestion and "`call_on_close`" in r.comments[0].suggestion


def test_a_condemned_hunk_keeps_its_comment_where_the_judge_does_not_prefer_the_part_reverted():
    # two changes in one hunk; the comment sits on the second, whose old lines alone do not bring
    # back what the judge preferred: the comment stands by the hunk's verdict, with no suggestion
    two = ("diff --git a/m.py b/m.py\n--- a/m.py\n+++ b/m.py\n@@ -10,4 +10,4 @@ def mean(xs):\n"
           "-    total = sum(xs)\n+    total = sum(xs) + 0\n"
           "     count = 0\n"
           "-    return total / len(xs)\n+    return total / (len(xs) - 1)\n"
           "     pass\n")
    model = Model([draft((10, "RIGHT", "warning", "Something about total."))], correct=GOOD)
    r = review(model, two)
    assert [(c.line, c.severity, c.suggestion) for c in r.comments] == [(10, "warning", None)]
    assert r.comments[0].body.startswith("This change replaces `total = sum(xs)`")


def test_a_condemned_hunk_that_only_rewords_a_docstring_gets_no_comment():
    reworded = ("diff --git a/m.py b/m.py\n--- a/m.py\n+++ b/m.py\n@@ -10,3 +10,3 @@ def mean(xs):\n"
                '-    """The mean of xs."""\n+    """Average the values."""\n'
                "     return total / len(xs)\n"
                "     pass\n")
    model = Model([draft((10, "RIGHT", "warning", "The docstring is less precise."))], correct="The mean")
    r = review(model, reworded)
    assert r.comments == () and [c.severity for c in r.left_out] == ["note"]


def test_lines_inside_a_docstring_opened_in_the_context_are_not_code():
    from reviewer.diff.parse import parse_diff
    from reviewer.review.passes.explain import changed_parts

    inside = ("diff --git a/m.py b/m.py\n--- a/m.py\n+++ b/m.py\n@@ -1,5 +1,5 @@\n"
              " def domain(app):\n"
              '     """The cookie\'s domain.\n'
              "-    Uses ``SESSION_COOKIE_DOMAIN`` if set.\n"
              "+    Uses the :data:`SESSION_COOKIE_DOMAIN` config.\n"
              '     """\n'
              "-    return app.config.get('X')\n"
              "+    return app.config['X']\n")
    first, second = changed_parts(parse_diff(inside)[0].hunks[0])
    assert not first.changes_code and second.changes_code
