"""Thinking models over an OpenAI-compatible server (a fake on 127.0.0.1): the passes never see
a think block, the judge asks with thinking off, and a server without logprobs says so once."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from fakes.openai_server import THOUGHT, FakeOpenAI

from reviewer.backends.openai import OpenAIBackend, OpenAIOptions
from reviewer.cli import main
from reviewer.review.passes.draft import output_schema

DIFF = """diff --git a/stats.py b/stats.py
--- a/stats.py
+++ b/stats.py
@@ -1,4 +1,4 @@
 def mean(xs):
-    return sum(xs) / len(xs)
+    return sum(xs) / (len(xs) - 1)
 
 
@@ -20,3 +20,4 @@ def spread(xs):
     lo = min(xs)
     hi = max(xs)
+    hi = hi + 1
     return hi - lo
"""


def run_review(url: str, tmp_path, *extra: str):
    diff = tmp_path / "change.diff"
    diff.write_text(DIFF)
    return CliRunner().invoke(main, ["review", "--diff", str(diff), "--backend", "openai", "--base-url", url,
                                     "--format", "json", "--no-cache", *extra])


def think_off(body: dict) -> bool:
    return ((body.get("chat_template_kwargs") or {}).get("enable_thinking") is False
            or body.get("reasoning_effort") == "none"
            or (body["messages"][-1]["role"] == "assistant" and "</think>" in body["messages"][-1]["content"]))


@pytest.mark.parametrize("thinking", ["reasoning", "tags", "ollama", "stubborn"])
def test_a_review_through_a_thinking_server_equals_one_through_a_plain_server(thinking, tmp_path):
    with FakeOpenAI() as plain:
        before = run_review(plain.url, tmp_path)
    with FakeOpenAI(thinking=thinking) as server:
        after = run_review(server.url, tmp_path)
    assert before.exit_code == 0 and after.exit_code == 0, (before.output, after.output)
    want, got = json.loads(before.stdout), json.loads(after.stdout)
    for key in ("comments", "notes", "left_out"):
        assert got[key] == want[key], key
    assert got["comments"] + got["left_out"] != []
    text = json.dumps(got)
    assert "think" not in text and THOUGHT[:20] not in text and "octocat" not in text
    # the judge ran, and every verdict was asked with thinking off
    verdicts = server.verdict_requests()
    assert got["stats"]["verify"] is True and len(verdicts) == len(plain.verdict_requests()) > 0
    assert all(think_off(b) for b in verdicts)
    assert all(think_off(b) for b in server.draft_requests())
    assert "warning" not in after.stderr


def test_the_plain_server_gets_the_requests_it_got_before(tmp_path):
    """No thinking switch reaches a server whose model does not think (OpenAI's own API refuses
    fields it does not know)."""
    with FakeOpenAI() as plain:
        assert run_review(plain.url, tmp_path).exit_code == 0
    assert plain.requests and not any(think_off(b) for b in plain.requests)
    assert all("reasoning_effort" not in b and "chat_template_kwargs" not in b for b in plain.requests)


def test_a_server_without_logprobs_says_once_that_verify_is_off(tmp_path):
    with FakeOpenAI(logprobs=False) as server:
        result = run_review(server.url, tmp_path)
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "no top logprobs" in warnings[0] and "verify" in warnings[0]
    report = json.loads(result.stdout)
    assert report["stats"]["verify"] is False and "no top logprobs" in report["stats"]["verify_off"]
    assert "judge (verify) was off" in report["summary"]
    assert server.verdict_requests() == []  # no verdict asked of a server that cannot give one
    assert [c["severity"] for c in report["comments"]] == ["error"] and report["left_out"] == []  # unchecked


def test_markdown_report_says_verify_was_off(tmp_path):
    with FakeOpenAI(logprobs=False) as server:
        diff = tmp_path / "change.diff"
        diff.write_text(DIFF)
        result = CliRunner().invoke(main, ["review", "--diff", str(diff), "--backend", "openai", "--base-url",
                                           server.url, "--no-cache"])
    assert result.exit_code == 0, result.output
    assert "No second opinion" in result.stdout and "no top logprobs" in result.stdout


def test_verify_turned_off_by_the_user_is_not_a_warning(tmp_path, monkeypatch):
    monkeypatch.setenv("REVIEWER_VERIFY", "0")
    with FakeOpenAI(logprobs=False) as server:
        result = run_review(server.url, tmp_path)
    report = json.loads(result.stdout)
    assert "warning" not in result.stderr and report["stats"]["verify"] is False
    assert report["stats"]["verify_off"] == ""


def test_the_backend_strips_thinking_from_an_answer_and_reports_the_model_thinks():
    with FakeOpenAI(thinking="tags") as server:
        backend = OpenAIBackend(OpenAIOptions(server.url, retries=0))
        messages = [{"role": "system", "content": "review"}, {"role": "user", "content": "    1 +x = 1\n"}]
        # no probe first: the first answer thinks, and the call is asked again with thinking off
        completion = backend.complete(messages, output_schema(1), 100)
    assert backend.thinking and "<think>" not in completion.text and json.loads(completion.text)
    assert len(server.requests) == 2 and not think_off(server.requests[0]) and think_off(server.requests[1])
    assert completion.prompt_tokens == 200  # both calls are counted


def test_a_model_that_cannot_stop_thinking_gives_no_verdict(monkeypatch):
    """A server that honours no switch and no prefill: the verdict is refused, never read from
    the <think> token's distribution (the finding then keeps its severity)."""
    from reviewer.errors import ModelCallError

    with FakeOpenAI(thinking="stubborn") as server:
        monkeypatch.setattr(FakeOpenAI, "thinks", lambda self, body: True)
        backend = OpenAIBackend(OpenAIOptions(server.url, retries=0))
        with pytest.raises(ModelCallError, match="thinks although asked not to"):
            backend.choose([{"role": "user", "content": "A or B?"}], ["A", "B"])
    assert [think_off(b) for b in server.requests] == [False, True, True]


def test_a_thinking_draft_is_another_model_for_the_result_cache(tmp_path):
    """``--think N`` changes the drafts: no answer cached without it is reused with it (over a
    server, a managed llama-server, and in-process), and identity never starts or loads anything."""
    from reviewer.backends.llama import LlamaBackend, LlamaOptions
    from reviewer.backends.llama_server import LlamaServerBackend, LlamaServerOptions
    from reviewer.backends.openai import OpenAIBackend, OpenAIOptions

    model = tmp_path / "m.gguf"
    model.write_bytes(b"GGUF")
    pairs = [(OpenAIBackend(OpenAIOptions("http://127.0.0.1:1")), OpenAIBackend(OpenAIOptions("http://127.0.0.1:1", think=256))),
             (LlamaServerBackend(model, LlamaServerOptions()), LlamaServerBackend(model, LlamaServerOptions(think=256))),
             (LlamaBackend(model, LlamaOptions()), LlamaBackend(model, LlamaOptions(think=256)))]
    for off, on in pairs:
        assert off.identity() != on.identity() and on.identity().endswith(":think:256")


def test_a_backend_that_owns_the_slots_names_one_per_prompt_family_and_erases_the_probes():
    """Against llama-server's API shape: every request asks for its slot's cache and names a slot,
    a prompt family goes back to the slot it used, and the probe's slot is erased after it (the
    review's first prompt then starts from an empty slot, as it does in-process)."""
    from reviewer.review.passes.draft import output_schema

    with FakeOpenAI() as server:
        backend = OpenAIBackend(OpenAIOptions(server.url, slots=2, gbnf=True))
        draft = [{"role": "system", "content": "drafts"}, {"role": "user", "content": "  1 +x = 1\n"}]
        judge = [{"role": "system", "content": "verdicts"}, {"role": "user", "content": "A or B?"}]
        backend.prepare(1024)
        for _ in range(2):
            backend.complete(draft, output_schema(1), 64)
            backend.choose(judge, ["A", "B"])
        probe, *asked = server.requests
        assert server.erased == [probe["id_slot"]]
        assert all(r["cache_prompt"] for r in server.requests)
        slots = {r["messages"][0]["content"]: {x["id_slot"] for x in asked if x["messages"][0] == r["messages"][0]}
                 for r in asked}
        assert slots["drafts"] != slots["verdicts"] and all(len(s) == 1 for s in slots.values())
        assert all("grammar" in r and "response_format" not in r for r in server.draft_requests())


def test_a_verdict_counts_what_the_server_really_evaluated():
    """A verdict's evaluated prompt tokens are llama-server's ``timings.prompt_n`` (the prefix it
    kept is not evaluated again), as a draft's are, not the whole prompt."""
    with FakeOpenAI() as server:
        answer = server.answer

        def timed(body):
            data = answer(body)
            return {**data, "timings": {"prompt_n": 7, "cache_n": 93, "prompt_ms": 10.0}}

        server.answer = timed  # type: ignore[method-assign]
        backend = OpenAIBackend(OpenAIOptions(server.url))
        choice = backend.choose([{"role": "system", "content": "judge"}, {"role": "user", "content": "A or B?"}],
                                ["A", "B"])
        assert (choice.prompt_tokens, choice.prompt_tokens_evaluated) == (100, 7)
