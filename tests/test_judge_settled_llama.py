"""A verdict stops once its decision is settled: on the real tiny model, a judge that stops early
reaches the decision the full verdict reaches, at every threshold, in fewer forward passes
wherever the first vote already settles it."""

from __future__ import annotations

import pytest

from reviewer.backends.llama import LlamaBackend, LlamaOptions
from reviewer.diff.files import language_of
from reviewer.diff.parse import parse_diff
from reviewer.review.passes.judge import judge_hunk
from reviewer.prompt import Templates

pytestmark = pytest.mark.model

DIFFS = [
    "--- a/m.py\n+++ b/m.py\n@@ -1,3 +1,3 @@\n def mean(xs):\n-    return sum(xs) / len(xs)\n+    return sum(xs) / (len(xs) - 1)\n \n",
    "--- a/m.py\n+++ b/m.py\n@@ -1,4 +1,4 @@\n def last(xs):\n-    return xs[len(xs)]\n+    return xs[len(xs) - 1]\n \n \n",
    "--- a/q.py\n+++ b/q.py\n@@ -1,3 +1,3 @@\n def is_empty(q):\n-    return len(q) == 0\n+    return len(q) <= 0\n \n",
]


@pytest.fixture(scope="module")
def backend(smollm2_path):
    b = LlamaBackend(smollm2_path, LlamaOptions(context=2048))
    yield b
    b.close()


def test_stopping_early_never_changes_a_decision(backend):
    templates = Templates()
    hunks = [(f.path, h) for d in DIFFS for f in parse_diff(d) for h in f.hunks]
    full = [judge_hunk(backend, templates, path, language_of(path), hunk) for path, hunk in hunks]
    assert all(v.calls == 2 and not v.partial for v in full)
    # the default threshold, and half of each first vote (the highest threshold a first vote
    # settles: there the hunk with that vote asks once, the hunks with smaller ones twice)
    thresholds = sorted({0.49, *(v.votes[0] / 2 for v in full)})
    passes_saved = 0
    for threshold in thresholds:
        for (path, hunk), whole in zip(hunks, full):
            stands = lambda p: p < threshold  # noqa: E731
            early = judge_hunk(backend, templates, path, language_of(path), hunk, decision=stands)
            assert stands(early.p_new) == stands(whole.p_new)
            assert early.votes == whole.votes[: early.calls]  # the same passes, in the same order
            passes_saved += 2 - early.calls
    assert passes_saved > 0  # the first vote settles the thresholds at or below half of it
