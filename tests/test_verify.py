"""The second pass: findings stand as error/warning only where the judge prefers the old code."""

from __future__ import annotations

import json

import pytest

from fakes.backends import Judging
from fakes.diffs import diff_at
from fakes.common import review as run_pipeline

from reviewer.backends.base import Choice
from reviewer.review.cache import ResultCache
from reviewer.review.passes.judge import versions
from reviewer.review.pipeline import ReviewOptions, run_review
from reviewer.prompt import Templates
from reviewer.types import DiffInput

FINDING = json.dumps({"comments": [{"line": 11, "side": "RIGHT", "body": "off by one", "severity": "error"}]})


def review(backend, cache=None, verify=True):
    return run_pipeline(diff_at(0), backend, cache, style="", explain="off", judge_fix=False, verify=verify,
                        min_severity="note")


def test_a_finding_on_a_change_the_judge_finds_worse_stays_an_error():
    backend = Judging([FINDING], correct_line="return total / len(xs)")  # the old line is right
    r = review(backend)
    assert [c.severity for c in r.comments] == ["error"]
    assert len(backend.judged) == 2  # both orders
    assert "Version A" in backend.judged[0] and r.stats.model_calls == 3


def test_a_finding_on_a_change_the_judge_prefers_becomes_a_note():
    backend = Judging([FINDING], correct_line="return total / (len(xs) - 1)")  # the new line is right
    r = review(backend)
    assert [c.severity for c in r.comments] == ["note"] and r.comments[0].body == "off by one"


def test_no_verdict_without_flagged_findings_or_when_disabled():
    backend = Judging(['{"comments": [{"line": 11, "side": "RIGHT", "body": "nit", "severity": "note"}]}'], "x")
    review(backend)
    assert backend.judged == []
    backend = Judging([FINDING], correct_line="return total / (len(xs) - 1)")
    assert [c.severity for c in review(backend, verify=False).comments] == ["error"] and backend.judged == []


def test_verdicts_are_cached(tmp_path):
    cache = ResultCache(tmp_path / "c.sqlite3")
    review(Judging([FINDING], "return total / len(xs)"), cache)
    again = Judging([], "return total / len(xs)")
    r = review(again, cache)
    assert again.judged == [] and again.calls == [] and r.comments[0].severity == "error"


def test_versions_of_a_pure_addition_compare_with_and_without_it():
    from reviewer.diff.parse import parse_diff

    (f,) = parse_diff("--- a/x.py\n+++ b/x.py\n@@ -1,2 +1,3 @@\n a = 1\n+b = 2\n c = 3\n")
    assert versions(f.hunks[0]) == ("a = 1\nc = 3", "a = 1\nb = 2\nc = 3")
    (g,) = parse_diff("--- /dev/null\n+++ b/y.py\n@@ -0,0 +1 @@\n+new = 1\n")
    assert versions(g.hunks[0]) is None


class SharedJudging(Judging):
    """The shared form: the old version is always first; the labels are assigned after the code."""

    def choose(self, messages, options):
        prompt = messages[-1]["content"]
        self.judged.append(prompt)
        first = prompt.split("The first version:")[1].split("The second version:")[0]
        label_first = prompt.split("Call the first version ")[1][0]
        label_second = "B" if label_first == "A" else "A"
        correct = label_first if self.correct_line in first else label_second
        p = {correct: 0.7, ("B" if correct == "A" else "A"): 0.3}
        return Choice(p, prompt_tokens=50, prompt_tokens_evaluated=10)


def review_shared(backend):
    return run_pipeline(diff_at(0), backend, style="", explain="off", judge_fix=False, verify=True,
                        verify_judge="shared", min_severity="note")


@pytest.mark.parametrize("correct, severity", [("return total / len(xs)", "error"),
                                               ("return total / (len(xs) - 1)", "note")])
def test_the_shared_judge_shows_the_code_once_and_swaps_only_the_labels(correct, severity):
    backend = SharedJudging([FINDING], correct_line=correct)
    r = review_shared(backend)
    assert [c.severity for c in r.comments] == [severity]
    one, two = backend.judged
    head = one[: one.index("Call the first version")]
    assert two.startswith(head) and one != two  # everything up to the labels is one prefix
    assert "Call the first version A and the second version B" in one
    assert "Call the first version B and the second version A" in two


class SystemRecording(Judging):
    def choose(self, messages, options):
        self.systems = [*getattr(self, "systems", []), messages[0]["content"]]
        return super().choose(messages, options)


@pytest.mark.parametrize("guidance", [True, False])
def test_the_judge_gets_the_language_s_checklist_unless_turned_off(guidance, tmp_path):
    backend = SystemRecording([FINDING], correct_line="return total / len(xs)")
    cache = ResultCache(tmp_path / "c.sqlite3")
    run_review(DiffInput(diff_at(0), "t"), backend=backend, templates=Templates(), style="", cache=cache,
               options=ReviewOptions(context=4096, explain="off", judge_fix=False, verify=True, verify_guidance=guidance))
    checklist = Templates().guidance("python").strip()
    assert checklist.startswith("How to compare two versions of Python code")
    assert all((checklist in s) == guidance for s in backend.systems) and len(backend.systems) == 2
    other = SystemRecording([], correct_line="return total / len(xs)")
    run_review(DiffInput(diff_at(0), "t"), backend=other, templates=Templates(), style="", cache=cache,
               options=ReviewOptions(context=4096, explain="off", judge_fix=False, verify=True, verify_guidance=not guidance))
    assert len(other.systems) == 2  # the verdict with the other setting is not taken from the cache
    assert Templates().guidance("no-such-language") == "" and Templates().guidance("../x") == ""


def Confident(answers, correct_line):
    """A judge sure of itself: the version with ``correct_line`` gets 0.995 wherever it stands."""
    return Judging(answers, correct_line, p_right=0.995, p_wrong=0.005)


def test_a_verdict_settled_by_its_first_vote_asks_no_second(tmp_path):
    # new version preferred 0.995 in the first order: whatever the second says, the mean is at
    # least 0.4975 >= 0.49, so the finding is a note either way; the second pass is not asked
    cache = ResultCache(tmp_path / "c.sqlite3")
    backend = Confident([FINDING], correct_line="return total / (len(xs) - 1)")
    r = review(backend, cache)
    assert [c.severity for c in r.comments] == ["note"] and len(backend.judged) == 1
    assert r.stats.model_calls == 2  # the draft and one verdict pass
    # the cache keeps it as settled early, with its vote; a threshold it does not settle asks
    # the pass it skipped (the second order: the old version as A), not the first again
    again = Confident([], correct_line="return total / (len(xs) - 1)")
    run_review(DiffInput(diff_at(0), "t"), backend=again, templates=Templates(), style="",
               options=ReviewOptions(context=4096, explain="off", judge_fix=False, min_severity="note",
                                     verify_threshold=0.9), cache=cache)
    assert len(again.judged) == 1
    version_a = again.judged[0].split("Version A:")[1].split("Version B:")[0]
    assert "return total / len(xs)" in version_a  # the old version first: the skipped order
    # at the default threshold, the full verdict now cached answers with no model call
    third = Confident([], correct_line="return total / (len(xs) - 1)")
    assert review(third, cache).comments[0].severity == "note" and third.judged == []


def test_a_verdict_against_the_change_asks_both_orders():
    # the old version preferred: the first vote (0.005 for the new) cannot settle "note", and a
    # finding stands only on the mean of both orders
    backend = Confident([FINDING], correct_line="return total / len(xs)")
    r = review(backend)
    assert [c.severity for c in r.comments] == ["error"] and len(backend.judged) == 2


@pytest.mark.parametrize("votes,n,expected", [
    ([0.99], 2, (0.495, 0.995)),  # >= 0.49 at both ends: settled
    ([0.97], 2, None),            # 0.485 .. 0.985 straddles 0.49
    ([0.2, 0.9], 2, (0.55, 0.55)),
])
def test_settled_gives_the_range_only_when_the_decision_is_the_same_across_it(votes, n, expected):
    from reviewer.review.passes.judge import settled

    got = settled(votes, n, lambda p: p < 0.49)
    assert got == (pytest.approx(expected) if expected else None)


UNPLACED = json.dumps({"comments": [{"line": 500, "side": "RIGHT", "body": "off by one somewhere", "severity": "error"}]})


@pytest.mark.parametrize("explain", ["off", "diff"])
def test_a_finding_not_on_a_line_asks_the_judge_only_where_explain_does_not_speak_for_it(explain):
    backend = Judging([UNPLACED], correct_line="return total / len(xs)")  # the old line is right
    r = run_review(DiffInput(diff_at(0), "t"), backend=backend, templates=Templates(), style="",
                   options=ReviewOptions(context=4096, explain=explain, judge_fix=False, min_severity="note"))
    assert [n.severity for n in r.notes] == (["error"] if explain == "off" else ["note"])
    # explain = off: the note keeps its severity only where a verdict condemns the chunk's hunks,
    # so every hunk is judged; with explain on, the note is a note whatever the verdicts say
    assert len(backend.judged) == (2 if explain == "off" else 0)
