"""Drafting logic with a scripted backend (the model's side is tested with the real model
elsewhere): answer parsing, the retry, failed chunks, the cache across a rebase."""

from __future__ import annotations

import json

import pytest

from fakes.common import review
from fakes.backends import ScriptedBackend
from fakes.diffs import diff_at

from reviewer.review.cache import ResultCache
from reviewer.review.passes.draft import AnswerError, parse_answer, salvage
from reviewer.review.pipeline import ReviewOptions, run_review
from reviewer.prompt import Templates
from reviewer.types import Completion, DiffInput


def test_a_finding_lands_on_its_line():
    answer = json.dumps({"comments": [{"line": 11, "side": "RIGHT", "body": "off by one", "severity": "error"}]})
    r = review(diff_at(0), ScriptedBackend([answer]))
    assert [(c.path, c.line, c.side, c.severity) for c in r.comments] == [("m.py", 11, "RIGHT", "error")]
    assert r.stats.model_calls == 1 and r.stats.prompt_tokens == 100 and r.stats.prompt_tokens_evaluated == 40


def test_unusable_answer_is_retried_once_then_marked_failed_and_review_goes_on():
    two_files = diff_at(0) + diff_at(0).replace("m.py", "n.py")
    backend = ScriptedBackend(["not json at all", "still { not json", '{"comments": []}'])
    r = review(two_files, backend)
    assert len(backend.calls) == 3
    assert "That answer is unusable" in backend.calls[1][-1]["content"]
    assert [f.path for f in r.failed] == ["m.py"] and "failed the schema twice" in r.failed[0].reason
    assert "n.py" in r.files and "Not reviewed" in r.summary


def test_cache_survives_a_rebase_that_moves_the_hunk(tmp_path):
    cache = ResultCache(tmp_path / "c.sqlite3")
    answer = json.dumps({"comments": [{"line": 11, "side": "RIGHT", "body": "off by one", "severity": "error"},
                                      {"line": 11, "side": "LEFT", "body": "was right", "severity": "note"}]})
    first = review(diff_at(0), ScriptedBackend([answer]), cache)
    backend = ScriptedBackend([])
    moved = review(diff_at(25), backend, cache)
    assert backend.calls == [] and moved.stats.cache_hits == 1 and moved.stats.model_calls == 0
    assert [(c.line, c.side, c.body) for c in moved.comments] == [(c.line + 25, c.side, c.body) for c in first.comments]


def test_changed_chunk_misses_the_cache(tmp_path):
    cache = ResultCache(tmp_path / "c.sqlite3")
    review(diff_at(0), ScriptedBackend(['{"comments": []}']), cache)
    backend = ScriptedBackend(['{"comments": []}'])
    review(diff_at(0).replace("- 1)", "- 2)"), backend, cache)
    assert len(backend.calls) == 1


def test_salvage_keeps_complete_findings_of_a_cut_answer():
    cut = '{"comments": [{"line": 3, "side": "RIGHT", "body": "a", "severity": "note"}, {"line": 4, "side": "RI'
    assert salvage(cut) == {"comments": [{"line": 3, "side": "RIGHT", "body": "a", "severity": "note"}]}
    assert [f.line for f in parse_answer(cut, 4)] == [3]


@pytest.mark.parametrize("text", ["", "[1, 2]", '{"comments": [{"side": "RIGHT"}]}', '{"comments": [{"line": 1, "body": ""}]}'])
def test_answers_that_break_the_schema_are_rejected(text):
    with pytest.raises(AnswerError):
        parse_answer(text, 4)


def test_lenient_on_form():
    text = '```json\n{"comments": [{"line": "7", "side": "left", "body": "x\ty", "severity": "ERROR", "suggestion": ""}]}\n```'
    (f,) = parse_answer(text, 4)
    assert (f.line, f.side, f.severity, f.suggestion) == (7, "LEFT", "error", None)


def test_a_refused_model_call_fails_its_chunk_and_the_review_goes_on():
    from reviewer.errors import ModelCallError

    class Refusing(ScriptedBackend):
        def complete(self, messages, schema, max_tokens):
            if "m.py" in messages[-1]["content"]:
                raise ModelCallError("HTTP 400: prompt too long")
            return super().complete(messages, schema, max_tokens)

    r = review(diff_at(0) + diff_at(0).replace("m.py", "n.py"), Refusing(['{"comments": []}']))
    assert [f.path for f in r.failed] == ["m.py"] and "prompt too long" in r.failed[0].reason
    assert r.files == ("m.py", "n.py") and r.stats.model_calls == 1
