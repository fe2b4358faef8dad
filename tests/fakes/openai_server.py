"""A fake OpenAI-compatible chat completions server on 127.0.0.1, over real HTTP.

It answers like a model server with a scripted model: a draft request (``response_format``, or
llama-server's GBNF ``grammar``, which must parse as one: ``root ::=`` and a rule per line)
gets one finding on the first added line of the chunk (helpers.EchoBackend's wording); a
verdict request (``logprobs``) gets top logprobs for ``A`` and ``B`` that follow from the prompt
(the same prompt, the same verdict). ``thinking`` makes its model think the way real servers
show it, unless the request turns thinking off:

- ``"reasoning"``: llama-server with ``--reasoning-format deepseek``: the thinking comes apart,
  in ``reasoning_content``; ``chat_template_kwargs: {"enable_thinking": false}`` turns it off;
- ``"tags"``: llama-server with ``--reasoning-format none``: ``<think>...</think>`` in ``content``;
  the same switch;
- ``"ollama"``: Ollama: the thinking in ``reasoning``; only ``reasoning_effort: "none"`` turns it off;
- ``"stubborn"``: a server that honours no switch: only an empty think block prefilled as the
  last (assistant) message makes the model answer at once.

While thinking, a one-token request's token is ``<think>`` (with ``A`` and ``B`` far behind), as
a thinking model's first token is. ``logprobs=False`` makes it a server that returns none (LM
Studio). Every request body is kept in ``requests``.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from fakes.backends import EchoBackend

from reviewer.backends.openai import PROBE

THOUGHT = "Let me think. The user wants a review; line 2 changes the divisor, maybe <b>@octocat</b> knows."


class FakeOpenAI:
    def __init__(self, thinking: str | None = None, logprobs: bool = True, port: int = 0):
        self.thinking, self.logprobs = thinking, logprobs
        self.requests: list[dict[str, Any]] = []
        self.erased: list[int] = []  # slots told to forget their prompt (POST /slots/N?action=erase)
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                slot = re.fullmatch(r"/slots/(\d+)\?action=erase", self.path)
                if slot:  # llama-server's slot API: the slot forgets its prompt
                    with fake._lock:
                        fake.erased.append(int(slot.group(1)))
                    return self._send(200, {"id_slot": int(slot.group(1)), "n_erased": 0})
                with fake._lock:
                    fake.requests.append(body)
                if self.path.rstrip("/") != "/v1/chat/completions":
                    return self._send(404, {"error": {"message": f"no route {self.path}"}})
                try:
                    answer = fake.answer(body)
                except Exception as exc:  # noqa: BLE001 - a model that failed: the server's 500
                    return self._send(500, {"error": {"code": 500, "message": str(exc), "type": "server_error"}})
                self._send(200, answer)

            def do_GET(self):  # noqa: N802 - llama-server's readiness check
                if self.path.rstrip("/") == "/health":
                    return self._send(200, {"status": "ok"})
                self._send(404, {"error": {"message": f"no route {self.path}"}})

            def _send(self, status: int, data: dict) -> None:
                raw = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> FakeOpenAI:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- the model ---------------------------------------------------------------------------
    def thinks(self, body: dict[str, Any]) -> bool:
        if self.thinking is None:
            return False
        last = body["messages"][-1]
        if last["role"] == "assistant" and "</think>" in last["content"]:
            return False  # prefilled: the answer comes next
        if self.thinking in ("reasoning", "tags"):
            return (body.get("chat_template_kwargs") or {}).get("enable_thinking") is not False
        if self.thinking == "ollama":
            return body.get("reasoning_effort") != "none"
        return True

    def answer(self, body: dict[str, Any]) -> dict[str, Any]:
        thinks = self.thinks(body)
        messages = [m for m in body["messages"] if m["role"] != "assistant" or "</think>" not in m["content"]]
        if "grammar" in body and "response_format" in body:  # llama-server refuses both at once
            raise ValueError("Cannot use both json_schema and grammar")
        if "grammar" in body and not re.search(r"^root\s*::=", body["grammar"], re.M):
            raise ValueError("invalid grammar: no root rule")
        if body.get("logprobs"):
            choice = self._verdict(messages, thinks)
        else:
            text = EchoBackend(per_chunk=1, severity="error").complete(messages, None, 0).text
            choice = {"index": 0, "finish_reason": "stop", "message": self._message(text, thinks)}
        return {"id": "chatcmpl-fake", "object": "chat.completion", "model": body.get("model", "fake"),
                "choices": [choice], "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120}}

    def _message(self, answer: str, thinks: bool) -> dict[str, Any]:
        if not thinks:
            return {"role": "assistant", "content": answer}
        if self.thinking == "tags" or self.thinking == "stubborn":
            return {"role": "assistant", "content": f"<think>\n{THOUGHT}\n</think>\n\n{answer}"}
        field = "reasoning" if self.thinking == "ollama" else "reasoning_content"
        return {"role": "assistant", "content": answer, field: THOUGHT}

    def _verdict(self, messages: list[dict[str, Any]], thinks: bool) -> dict[str, Any]:
        digest = hashlib.sha256(json.dumps(messages).encode()).digest()
        p_a = 0.2 + 0.6 * digest[0] / 255
        if thinks:
            top = [("<think>", math.log(0.98)), ("B", math.log(0.015)), ("A", math.log(0.005))]
            said = "" if self.thinking in ("reasoning", "ollama") else "<think>"
        else:
            top = sorted([("A", math.log(p_a)), ("B", math.log(1 - p_a))], key=lambda t: -t[1])
            said = top[0][0]
        choice: dict[str, Any] = {"index": 0, "finish_reason": "length", "message": {"role": "assistant", "content": said}}
        if self.logprobs:
            choice["logprobs"] = {"content": [{"token": top[0][0], "logprob": top[0][1],
                                               "top_logprobs": [{"token": t, "logprob": lp} for t, lp in top]}]}
        return choice

    # -- what the tests look at ------------------------------------------------------------------
    def verdict_requests(self) -> list[dict[str, Any]]:
        """The judge's requests: one-token logprobs requests, less the backend's probe."""
        return [b for b in self.requests if b.get("logprobs") and b["messages"][0]["content"] != PROBE]

    def draft_requests(self) -> list[dict[str, Any]]:
        return [b for b in self.requests if "response_format" in b or "grammar" in b]
