"""The OpenAI-compatible backend against a real llama_cpp.server on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time

import pytest
import requests
from click.testing import CliRunner
from fakes.common import FAST, check_report
from fakes.gitdiffs import own_diff_file

from reviewer.backends.openai import OpenAIBackend, OpenAIOptions, chat_url
from reviewer.cli import main
from reviewer.diff.parse import decode
from reviewer.review.passes.draft import output_schema
from reviewer.errors import ModelError

pytestmark = pytest.mark.model


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(smollm2_path):
    pytest.importorskip("llama_cpp.server", reason="llama-cpp-python[server] is not installed")
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(smollm2_path), "--host", "127.0.0.1",
         "--port", str(port), "--n_ctx", "4096", "--verbose", "false"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"llama_cpp.server exited: {proc.stderr.read().decode()[-2000:]}")
        try:
            if requests.get(url + "/v1/models", timeout=2).ok:
                break
        except requests.ConnectionError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("llama_cpp.server did not start within 120 s")
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_chat_url_forms():
    assert chat_url("http://h:1") == "http://h:1/v1/chat/completions"
    assert chat_url("http://h:1/v1/") == "http://h:1/v1/chat/completions"
    assert chat_url("http://h:1/v1/chat/completions") == "http://h:1/v1/chat/completions"


def test_schema_constrained_answer_from_the_server(server):
    backend = OpenAIBackend(OpenAIOptions(server))
    messages = [{"role": "system", "content": "You review code. Answer in JSON."},
                {"role": "user", "content": "  1 +def add(a, b):\n  2 +    return a - b\n"}]
    completion = backend.complete(messages, output_schema(2), 160)
    data = json.loads(completion.text)
    assert isinstance(data["comments"], list) and len(data["comments"]) <= 2
    assert completion.prompt_tokens > 0 and completion.completion_tokens > 0


def test_review_through_the_server_is_valid_and_anchored(server, monkeypatch, tmp_path):
    diff = own_diff_file(tmp_path, "python-change")
    for k, v in FAST.items():
        monkeypatch.setenv(k, v)
    result = CliRunner().invoke(
        main, ["review", "--diff", str(diff), "--backend", "openai", "--base-url", server, "--jobs", "2",
               "--format", "json", "--no-cache"],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    check_report(report, decode(diff.read_bytes()))
    assert report["stats"]["model_calls"] >= report["stats"]["chunks"] >= 1


def test_unreachable_server_is_a_model_error():
    backend = OpenAIBackend(OpenAIOptions(f"http://127.0.0.1:{free_port()}", retries=0, timeout=2))
    with pytest.raises(ModelError, match="cannot connect"):
        backend.complete([{"role": "user", "content": "x"}], output_schema(1), 10)


def test_unreachable_server_through_the_cli_exits_4(tmp_path):
    diff = tmp_path / "d.diff"
    diff.write_text("--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-a\n+b\n")
    result = CliRunner().invoke(main, ["review", "--diff", str(diff), "--backend", "openai",
                                       "--base-url", f"http://127.0.0.1:{free_port()}", "--no-cache"])
    assert result.exit_code == 4
    assert "error:" in result.stderr and "Traceback" not in result.output
