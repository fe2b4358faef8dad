"""A pass-through HTTP proxy on 127.0.0.1 that records what an OpenAI-compatible server reports
it spent: for each POST, its path, the seconds it took and the response's ``usage`` object.

PR-Agent talks to the model server through this, so the tokens in the peers benchmark are the
server's own count (llama_cpp.server returns ``usage`` with every chat completion), whatever
the client does with them. Only loopback upstreams are accepted: the benchmark is offline.

With ``max_tokens``, a chat completion asks for at most that many tokens: PR-Agent 0.49 raises
any ``config.max_output_tokens`` below 4096 to 4096 (its MIN_MAX_OUTPUT_TOKENS) and otherwise
sends none, and a small model on a CPU then decodes until its context is full (measured: one
review still decoding after 55 min). The benchmark caps it where reviewer caps its own drafts.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "content-length", "host", "accept-encoding"}


def usage_of(body: bytes) -> dict:
    """The ``usage`` a response carries: a JSON body, or the last one of a server-sent stream."""
    text = body.decode("utf-8", errors="replace")
    try:
        data = json.loads(text)
        return data.get("usage") or {} if isinstance(data, dict) else {}
    except ValueError:
        pass
    usage: dict = {}
    for line in text.splitlines():
        if line.startswith("data:") and line[5:].strip() not in ("", "[DONE]"):
            try:
                chunk = json.loads(line[5:])
            except ValueError:
                continue
            if isinstance(chunk, dict) and chunk.get("usage"):
                usage = chunk["usage"]
    return usage


def cap_tokens(body: bytes, limit: int) -> tuple[bytes, bool]:
    """A request body asking for at most ``limit`` tokens (``max_tokens``; a larger or missing
    ``max_completion_tokens`` goes), and whether that changed what it asked."""
    try:
        data = json.loads(body)
    except ValueError:
        return body, False
    if not isinstance(data, dict) or "messages" not in data and "prompt" not in data:
        return body, False
    asked = [v for v in (data.get("max_tokens"), data.pop("max_completion_tokens", None)) if isinstance(v, int)]
    data["max_tokens"] = min([*asked, limit])
    return json.dumps(data).encode(), not asked or min(asked) > limit


def finish_of(body: bytes) -> str | None:
    """Why the server stopped (``length``: the cap cut the answer), from a JSON reply."""
    try:
        data = json.loads(body)
        return data["choices"][0].get("finish_reason")
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return None


class UsageProxy:
    """Start with ``with UsageProxy(upstream) as proxy:``; ``proxy.url`` is the base URL to use
    instead of the upstream's; ``proxy.records`` grows by one dict per POST."""

    def __init__(self, upstream: str, max_tokens: int | None = None):
        host = urlsplit(upstream).hostname
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError(f"upstream must be on loopback, not {host!r}")
        self.upstream = upstream.rstrip("/")
        self.max_tokens = max_tokens
        self.records: list[dict] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> UsageProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def take(self) -> list[dict]:
        """The records since the last call (one case's calls)."""
        with self._lock:
            out, self.records = self.records, []
        return out

    def _record(self, record: dict) -> None:
        with self._lock:
            self.records.append(record)

    def _handler(self):
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # the benchmark's own log says what ran
                pass

            def _forward(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                capped = False
                if method == "POST" and body and proxy.max_tokens is not None:
                    body, capped = cap_tokens(body, proxy.max_tokens)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_HEADERS}
                request = urllib.request.Request(proxy.upstream + self.path, data=body, headers=headers, method=method)
                start = time.perf_counter()
                try:
                    with urllib.request.urlopen(request, timeout=3600) as response:
                        status, reply, reply_headers = response.status, response.read(), response.headers
                except urllib.error.HTTPError as error:
                    status, reply, reply_headers = error.code, error.read(), error.headers
                seconds = time.perf_counter() - start
                if method == "POST":
                    proxy._record({"path": self.path, "status": status, "seconds": round(seconds, 3),
                                   "usage": usage_of(reply), "capped": capped, "finish": finish_of(reply)})
                self.send_response(status)
                for key, value in reply_headers.items():
                    if key.lower() not in HOP_HEADERS:
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def do_GET(self):
                self._forward("GET")

            def do_POST(self):
                self._forward("POST")

        return Handler
