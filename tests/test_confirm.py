"""The self-check: a finding on an added line stands only if the model would change the line."""

from __future__ import annotations

import json

from fakes.backends import ScriptedBackend
from fakes.diffs import diff_at
from fakes.common import review as run_pipeline

from reviewer.review.cache import ResultCache

FINDING = json.dumps({"comments": [{"line": 11, "side": "RIGHT", "body": "divide by the count", "severity": "warning"},
                                   {"line": 10, "side": "RIGHT", "body": "context nit", "severity": "note"}]})
ADDED = "    return total / (len(xs) - 1)"


def review(answers, cache=None, confirm=True):
    backend = ScriptedBackend(answers)
    r = run_pipeline(diff_at(0), backend, cache, "Use n_ for counts.", confirm=confirm, min_severity="note")
    return r, backend


def test_unchanged_rewrite_drops_the_finding_context_lines_are_not_asked():
    r, backend = review([FINDING, json.dumps({"line": ADDED.strip()})])
    assert [c.body for c in r.comments] == ["context nit"]
    assert len(backend.calls) == 2  # one draft, one rewrite (only the added line is checked)
    prompt = backend.calls[1]
    assert "Use n_ for counts." in prompt[0]["content"] and ADDED.strip() in prompt[1]["content"]


def test_a_changed_rewrite_confirms_and_becomes_the_suggestion_with_the_indentation():
    r, _ = review([FINDING, json.dumps({"line": "return total / len(xs)"})])
    confirmed = [c for c in r.comments if c.line == 11]
    assert confirmed[0].suggestion == "    return total / len(xs)"


def test_rewrites_are_cached_and_off_by_default(tmp_path):
    cache = ResultCache(tmp_path / "c.sqlite3")
    review([FINDING, json.dumps({"line": "return total / len(xs)"})], cache)
    r, backend = review([], cache)
    assert backend.calls == [] and any(c.line == 11 for c in r.comments)
    r, backend = review([FINDING], confirm=False)
    assert len(backend.calls) == 1 and len(r.comments) == 2
