"""The triage page's server: the standard library's ThreadingHTTPServer on 127.0.0.1 only, on a
free port, every request checked for the session's random token (403 without it).

- ``GET /?token=T``: the page; ``GET /static/triage.js|triage.css?token=T``: its script and style;
- ``POST /api/decide`` ``{"id", "action", "body"?, "suggestion"?}``: a decision on a draft,
  recorded in the feedback store; ``POST /api/post``: publish what the decisions leave (through
  the ``Publisher`` the command gives: ``app.post_review``, the host's idempotent sink);
  ``POST /api/save`` ``{"format": "markdown"|"json"}``; ``POST /api/done``: stop serving.

A POST carries the token in the ``X-Reviewer-Token`` header and a JSON body, which a page of
another origin cannot send without the browser asking first (and this server never allows
it); a Host header other than this server's own address is refused (DNS rebinding). Every
answer forbids caching, framing, referrers and any script or style but the server's own.
Nothing here prints; errors reach the page as one line.
"""

from __future__ import annotations

import hmac
import json
import logging
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

from ..types import Comment
from ..errors import InputError, ReviewerError
from ..logs import redact
from .board import Board
from .feedback import FeedbackStore
from .page import STATIC, render_page, static_file

log = logging.getLogger(__name__)
HOST = "127.0.0.1"
TOKEN_HEADER = "X-Reviewer-Token"
MAX_BODY = 256 * 1024  # bytes of a request body
SAVE_FORMATS = ("markdown", "json")
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


class Publisher(Protocol):
    def __call__(self, review) -> str:
        """Post ``review`` to its pull (merge) request; what was done, for people."""


class Saver(Protocol):
    def __call__(self, review, fmt: str) -> str:
        """Write ``review`` as a report in ``fmt``; where it went, for people."""


@dataclass
class Said:
    """What the page last did (the command reports it when the server stops)."""

    posted: list[str]
    saved: list[str]


class TriageServer:
    def __init__(self, board: Board, *, target: str, model: str, publisher: Publisher | None = None,
                 saver: Saver | None = None, store: FeedbackStore | None = None, session: str | None = None,
                 token: str | None = None, port: int = 0):
        self.board, self.target, self.model = board, target, model
        self.publisher, self.saver, self.store = publisher, saver, store
        self.session = session or secrets.token_hex(8)
        self.token = token or secrets.token_urlsafe(24)
        self.said = Said([], [])
        self._done = threading.Event()
        self._post_lock = threading.Lock()  # one post at a time: a double click is one post
        self.httpd = _HTTPServer((HOST, port), _handler(self))
        self.port = self.httpd.server_address[1]
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/?token={self.token}"

    def start(self) -> TriageServer:
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="triage", daemon=True)
        self._thread.start()
        return self

    def wait(self, timeout: float | None = None) -> bool:
        """Until the page says it is done (True), or ``timeout`` seconds (False)."""
        return self._done.wait(timeout)

    def close(self) -> None:
        self._done.set()
        if self._thread is not None:
            self.httpd.shutdown()
            self._thread.join(timeout=10)
            self._thread = None
        self.httpd.server_close()

    def __enter__(self) -> TriageServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    # -- what the requests ask ---------------------------------------------------------------------
    def authorised(self, given: str | None) -> bool:
        return given is not None and hmac.compare_digest(given.encode(), self.token.encode())

    def page(self) -> str:
        return render_page(self.board, token=self.token, can_post=self.publisher is not None, target=self.target,
                           model=self.model)

    def decide(self, data: dict[str, Any]) -> dict[str, Any]:
        draft_id, action = _text(data, "id"), _text(data, "action")
        body, suggestion = data.get("body"), data.get("suggestion")
        if not all(x is None or isinstance(x, str) for x in (body, suggestion)):
            raise InputError("body and suggestion are text")
        draft, choice = self.board.decide(draft_id, action, body, suggestion)
        if self.store is not None:
            if choice is None:
                self.store.forget(self.session, draft.fingerprint)
            else:
                self.store.record(self.session, self.board.feedback(draft, choice, self.model))
        edited = choice is not None and choice.action == "edit"
        shown = {"id": draft.id, "state": choice.action if choice else "undecided",
                 "body": choice.body if edited else draft.item.body,
                 "suggestion": (choice.suggestion if edited else draft.item.suggestion if isinstance(draft.item, Comment) else None)}
        return {"ok": True, "draft": shown, "counts": self.board.counts()}

    def post(self) -> dict[str, Any]:
        if self.publisher is None:
            raise InputError("nothing to post to: this triage is of a local diff or report (save it instead)")
        with self._post_lock:
            message = self.publisher(self.board.result())
        self.said.posted.append(message)
        return {"ok": True, "message": message}

    def save(self, data: dict[str, Any]) -> dict[str, Any]:
        fmt = _text(data, "format")
        if fmt not in SAVE_FORMATS:
            raise InputError(f"not a format to save: {fmt!r}", hint=f"one of {', '.join(SAVE_FORMATS)}")
        if self.saver is None:
            raise InputError("saving is off for this page")
        message = self.saver(self.board.result(), fmt)
        self.said.saved.append(message)
        return {"ok": True, "message": message}

    def done(self) -> dict[str, Any]:
        self._done.set()
        return {"ok": True}


def _text(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise InputError(f"{key!r} is missing")
    return value


ROUTES: dict[str, Callable[[TriageServer, dict[str, Any]], dict[str, Any]]] = {
    "/api/decide": TriageServer.decide,
    "/api/post": lambda s, data: s.post(),
    "/api/save": TriageServer.save,
    "/api/done": lambda s, data: s.done(),
}


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = False  # closing waits for the answers under way (the last one: "done")

    def handle_error(self, request, client_address) -> None:
        log.debug("triage request from %s failed", client_address, exc_info=True)  # never printed


def _handler(server: TriageServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "reviewer-triage"
        sys_version = ""
        timeout = 30  # seconds a silent connection is kept

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (http.server's name)
            pass  # nothing is printed below the command line

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Security-Policy", CSP)
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("X-Frame-Options", "DENY")
            self.send_header("Referrer-Policy", "no-referrer")
            self.send_header("Cross-Origin-Resource-Policy", "same-origin")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _json(self, status: int, data: dict[str, Any]) -> None:
            self._send(status, json.dumps(data).encode(), "application/json")

        def _refuse(self, status: int, why: str) -> None:
            self._json(status, {"ok": False, "error": why})

        def _checked(self, token: str | None) -> bool:
            if (self.headers.get("Host") or "").lower() not in (f"{HOST}:{server.port}", f"localhost:{server.port}"):
                self._refuse(403, "not this server's address")
                return False
            if not server.authorised(token):
                self._refuse(403, "a token is required: open the address the command printed")
                return False
            return True

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            url = urlsplit(self.path)
            query = parse_qs(url.query)
            token = (query.get("token") or [None])[0] or self.headers.get(TOKEN_HEADER)
            if not self._checked(token):
                return
            if url.path == "/":
                self._send(200, server.page().encode(), "text/html; charset=utf-8")
            elif url.path.startswith("/static/") and (body := static_file(url.path[len("/static/"):])) is not None:
                self._send(200, body, STATIC[url.path[len("/static/"):]])
            elif url.path == "/api/state":
                self._json(200, {"ok": True, "counts": server.board.counts(),
                                 "choices": {d.id: (c.action if (c := server.board.choice(d.id)) else "undecided")
                                             for d in server.board.drafts}})
            else:
                self._refuse(404, "no such page")

        def do_POST(self) -> None:  # noqa: N802
            if not self._checked(self.headers.get(TOKEN_HEADER)):
                return
            route = ROUTES.get(urlsplit(self.path).path)
            if route is None:
                return self._refuse(404, "no such action")
            if (self.headers.get("Content-Type") or "").split(";")[0].strip() != "application/json":
                return self._refuse(415, "a JSON body is required")
            try:
                size = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                size = -1
            if not 0 <= size <= MAX_BODY:
                return self._refuse(413, "the request is too large")
            try:
                data = json.loads(self.rfile.read(size) or b"{}")
            except ValueError:
                return self._refuse(400, "the body is not JSON")
            if not isinstance(data, dict):
                return self._refuse(400, "the body is not a JSON object")
            try:
                self._json(200, route(server, data))
            except InputError as exc:
                self._refuse(400, _one_line(exc))
            except ReviewerError as exc:  # the host refused the post, a report could not be written...
                self._refuse(502, _one_line(exc))
            except Exception as exc:  # a bug: one line on the page, the traceback in the debug log
                log.debug("triage %s failed", self.path, exc_info=True)
                self._refuse(500, f"internal error: {type(exc).__name__}: {' '.join(redact(str(exc)).split())[:300]}")

        def do_PUT(self) -> None:  # noqa: N802
            self._refuse(405, "not allowed")

        do_DELETE = do_PATCH = do_OPTIONS = do_PUT

    return Handler


def _one_line(exc: ReviewerError) -> str:
    text = exc.message + (f" ({exc.hint})" if exc.hint else "")
    return " ".join(redact(text).split())
