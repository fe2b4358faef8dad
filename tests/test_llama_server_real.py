"""Reviews through the REAL llama-server (built by `make llama-server` from the llama.cpp that the
pinned llama-cpp-python vendors), started and stopped by `--backend llama-server`, with the tiny
SmolLM2 test model. Skipped with the reason when the binary has not been built on this machine."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from reviewer.backends.llama_server import LlamaServerBackend, LlamaServerOptions
from reviewer.backends.server_build import find_server
from reviewer.backends.modelfiles.registry import resolve
from reviewer.cli import main
from reviewer.prompt import Templates
from reviewer.review.pipeline import ReviewOptions, run_review
from reviewer.types import DiffInput

SERVER = find_server()
pytestmark = pytest.mark.skipif(SERVER is None, reason="no llama-server built here (make llama-server)")
ROOT = Path(__file__).resolve().parents[1]

DIFF = """diff --git a/stats.py b/stats.py
--- a/stats.py
+++ b/stats.py
@@ -1,4 +1,4 @@
 def mean(xs):
-    return sum(xs) / len(xs)
+    return sum(xs) / (len(xs) - 1)
 
 
"""


@pytest.fixture(scope="module")
def smol() -> Path:
    return resolve("smollm2-135m")[0]


def server_pids(model: Path) -> list[int]:
    out = subprocess.run(["pgrep", "-f", f"{SERVER} -m {model}"], capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]


def test_a_review_through_the_real_server_drafts_judges_and_counts(smol: Path):
    backend = LlamaServerBackend(smol, LlamaServerOptions(context=2048, jobs=1, llama_server=str(SERVER)))
    try:
        review = run_review(DiffInput(DIFF, "t"), backend=backend, templates=Templates(), style="",
                            options=ReviewOptions(verify=True))
        assert review.stats.model_calls >= 2 and not review.failed  # a draft, then verdicts
        assert not review.stats.verify_off  # the server gave the judge its top logprobs
        t = backend.timings()
        assert t.prompt_eval_tokens > 0 and t.eval_tokens > 0 and t.load_seconds > 0  # llama-server's counters
        assert backend.url is not None and server_pids(smol)
    finally:
        backend.close()
    assert backend.url is None and not server_pids(smol)  # stopped with the review


def test_two_slots_serve_two_requests_at_once(smol: Path):
    backend = LlamaServerBackend(smol, LlamaServerOptions(context=1024, jobs=2, llama_server=str(SERVER)))
    try:
        backend.prepare(1024)
        results: list = []

        def ask(i: int) -> None:
            results.append(backend.choose([{"role": "system", "content": f"family {i}"},
                                           {"role": "user", "content": "A or B?"}], ["A", "B"]))

        threads = [threading.Thread(target=ask, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert len(results) == 4 and all(abs(sum(r.probs.values()) - 1) < 0.05 for r in results)
        command = Path(f"/proc/{server_pids(smol)[0]}/cmdline").read_bytes().split(b"\0")
        assert command[command.index(b"-np") + 1] == b"2"
    finally:
        backend.close()


def test_a_qwen3_style_template_is_probed_and_no_think_text_reaches_a_comment(smol: Path, tmp_path):
    template = (ROOT / "tests" / "data" / "qwen3_style.jinja").read_text()
    backend = LlamaServerBackend(smol, LlamaServerOptions(context=2048, chat_template=template, llama_server=str(SERVER)))
    try:
        review = run_review(DiffInput(DIFF, "t"), backend=backend, templates=Templates(), style="",
                            options=ReviewOptions(verify=True))
        assert not review.failed
        assert not any("<think>" in c.body or "</think>" in c.body for c in (*review.comments, *review.notes))
        assert "template:" in backend.identity()  # another template is another model for the cache
    finally:
        backend.close()
    assert not server_pids(smol)


def test_the_cli_reviews_through_a_managed_server_and_leaves_none_running(smol: Path, tmp_path, monkeypatch):
    monkeypatch.setenv("REVIEWER_LLAMA_SERVER", str(SERVER))  # the tests' cache dir holds no build
    diff = tmp_path / "change.diff"
    diff.write_text(DIFF)
    out = CliRunner().invoke(main, ["review", "--diff", str(diff), "--backend", "llama-server", "-m", str(smol),
                                    "--format", "json", "--no-cache"])
    assert out.exit_code in (0, 1), out.output  # 1: --fail-on found problems
    report = json.loads(out.stdout)
    assert "comments" in report and report["stats"]["model_calls"] >= 1
    assert not server_pids(smol)


def test_ctrl_c_stops_the_server(smol: Path, tmp_path):
    """SIGINT to the review while the server runs: the command ends and so does its server."""
    diff = tmp_path / "change.diff"
    # forty files: a review that lasts well past the server's start, so the signal lands in it
    diff.write_text("".join(DIFF.replace("stats.py", f"stats{i}.py") for i in range(40)))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "REVIEWER_LLAMA_SERVER": str(SERVER)}
    proc = subprocess.Popen([sys.executable, "-m", "reviewer", "review", "--diff", str(diff), "--backend",
                             "llama-server", "-m", str(smol), "--no-cache"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            # as from a terminal: a test run in the background (make test &) has
                            # SIGINT ignored, and an ignored signal stays ignored across exec
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 60
    while not server_pids(smol) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.1)
    assert server_pids(smol), "the server never started"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode != 0 and "Traceback" not in err
    deadline = time.monotonic() + 10
    while server_pids(smol) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not server_pids(smol)


def _post(url: str, path: str, body: dict) -> dict:
    import urllib.request

    request = urllib.request.Request(url.rstrip("/") + path, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as answer:
        return json.loads(answer.read())


@pytest.mark.parametrize("template", [None, "qwen3_style.jinja"])
def test_the_server_and_in_process_render_the_same_prompt_tokens(smol: Path, template: str | None):
    """Same model, same review: a draft's and a verdict's messages are the same tokens in-process
    (llama-cpp-python's Jinja2 rendering of the template) and through llama-server (its own Jinja
    engine), for the GGUF's template and for a thinking-style one (rendered with thinking off)."""
    from reviewer.backends.llama import LlamaBackend, LlamaOptions

    text = (ROOT / "tests" / "data" / template).read_text() if template else None
    local = LlamaBackend(smol, LlamaOptions(context=2048, chat_template=text))
    server = LlamaServerBackend(smol, LlamaServerOptions(context=2048, jobs=1, chat_template=text,
                                                         llama_server=str(SERVER)))
    conversations = [
        [{"role": "system", "content": "You review code.\nAnswer in JSON."},
         {"role": "user", "content": "Review this hunk:\n```diff\n-    return a\n+    return b\n```"}],
        [{"role": "system", "content": "You judge two versions."},
         {"role": "user", "content": "Version A:\n    x = 1\nVersion B:\n    x = 2\nWhich is correct? A or B."}],
    ]
    try:
        server.prepare(2048)
        llm = local._load()
        for messages in conversations:
            ours = local._chat_tokens(llm, messages)
            body = {"messages": messages}
            if local.thinking:
                body["chat_template_kwargs"] = {"enable_thinking": False}
            prompt = _post(server.url, "/apply-template", body)["prompt"]
            theirs = _post(server.url, "/tokenize", {"content": prompt, "add_special": True,
                                                      "parse_special": True})["tokens"]
            if local.thinking:  # the in-process renderer closes the empty think block itself
                assert "<think>" in llm.detokenize(ours).decode()
            assert ours == theirs, (llm.detokenize(ours).decode(), prompt)
    finally:
        server.close()
        local.close()


def test_a_managed_server_decodes_under_the_in_process_grammar(smol: Path):
    """The draft's grammar is the one the in-process backend decodes under (llama-cpp-python's
    converter), sent as llama-server's GBNF ``grammar``: the real server takes it and answers
    JSON that the schema parses."""
    from reviewer.backends.grammar import schema_gbnf
    from reviewer.review.passes.draft import output_schema, parse_answer

    backend = LlamaServerBackend(smol, LlamaServerOptions(context=2048, jobs=1, llama_server=str(SERVER)))
    try:
        completion = backend.complete([{"role": "system", "content": "You review code. Answer in JSON."},
                                       {"role": "user", "content": "  1 +def add(a, b):\n  2 +    return a - b\n"}],
                                      output_schema(2), 120)
        parse_answer(completion.text, 2)
        assert "root ::=" in schema_gbnf(output_schema(2))
    finally:
        backend.close()
