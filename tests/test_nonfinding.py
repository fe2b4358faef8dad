"""A comment that only says "nothing wrong here" is not a finding: it is dropped, and a real
finding that happens to use the same words is kept."""

from __future__ import annotations

import json

import pytest

from reviewer.review.passes.nonfinding import is_non_finding
from fakes.backends import ScriptedBackend
from fakes.diffs import diff_at
from fakes.common import review

# the first two are answers a small model gave on clean ggml commits in `reviewer eval`
NOTHING_WRONG = [
    "The code snippet provided does not contain any real problems or breaks of the style guide. It is a "
    "simple modification to the `ggml-backend.cpp` file.",
    "The code snippet provided does not contain any real problems or issues that would require reporting.",
    "LGTM.",
    "No issues found in this hunk.",
    "There are no problems with this change.",
    "The change looks correct.",
    "This code follows the style guide.",
    "Nothing to report.",
    "The new lines are not violating the style guide.",
    "1234567890" * 30,  # what SmolLM2-135M wrote on QuixBugs
    "...",
    "`x`",
]

FINDINGS = [
    "There is no check for an empty list: `len(xs)` can be 0 here.",
    "No error handling: `open()` can raise and the file is never closed.",
    "The new code does not handle the case where `PATH_INFO` is empty.",
    "This looks correct but divides by `len(xs) - 1`, which is off by one.",
    "Use `n_threads`, not `num_threads` [STYLE.md › Counts].",
    "The function does not return a value on the error path.",
    "The loop looks fine, however `i` is never incremented.",
    "Off by one.",
    "Größe falsch berechnet.",
    "这里可能会出现空指针异常。",
    "This no longer follows the style guide.",
    "The cast never looks correct to the compiler on 32-bit targets.",
]


@pytest.mark.parametrize("body", NOTHING_WRONG)
def test_a_verdict_of_nothing_wrong_is_not_a_finding(body):
    assert is_non_finding(body)


@pytest.mark.parametrize("body", FINDINGS)
def test_a_finding_is_kept_whatever_words_it_uses(body):
    assert not is_non_finding(body)


def test_the_review_drops_nothing_wrong_comments_and_keeps_the_finding(tmp_path):
    answer = json.dumps({"comments": [
        {"line": 11, "side": "RIGHT", "body": "No issues found in this hunk.", "severity": "note"},
        {"line": 11, "side": "RIGHT", "body": "off by one: the mean divides by n - 1", "severity": "error"},
        {"line": 99, "side": "RIGHT", "body": "The change looks correct.", "severity": "warning"},
    ]})
    r = review(diff_at(0), ScriptedBackend([answer]))
    assert [c.body for c in r.comments] == ["off by one: the mean divides by n - 1"]
    assert r.notes == ()
