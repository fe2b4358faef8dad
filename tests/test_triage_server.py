"""The triage page's server over real HTTP: 127.0.0.1 only, the token on every request, hostile
PR and model text escaped, decisions recorded, and the review the decisions leave."""

from __future__ import annotations

import http.client
import json
import socket
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fakes.backends import EchoBackend
from fakes.diffs import modified_file, new_file
from fakes.common import review as run_pipeline

from reviewer.formats.findings import DiffLines, fingerprint
from reviewer.formats.json_report import from_json, to_json
from reviewer.prompt import Templates
from reviewer.triage.board import Board
from reviewer.triage.feedback import FeedbackStore
from reviewer.triage.server import TriageServer
from reviewer.types import Comment, PullRequest, Step

DIFF = modified_file("calc.py", ["return total / len(values)"], ["return total / (len(values) - 1)", "log(total)"]) \
    + new_file("util.py", ["def helper(x):", "    return x * 2"])
EVIL = "<script>alert(1)</script><img src=x onerror=alert(2)>"
EVIL_PATH = 'evil"<b>.py'
EVIL_DIFF = new_file(EVIL_PATH, ['x = "</textarea><script>alert(3)</script>"', "y = 2"])


def board(diff: str = DIFF, review=None, **kw) -> Board:
    review = review or run_pipeline(diff, EchoBackend(severities=("warning", "note")))
    return Board(review, diff, templates=Templates(), min_severity="warning", repository="octo/demo", **kw)


def request(server: TriageServer, method: str, path: str, body=None, headers=None, host: str | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    data = json.dumps(body).encode() if body is not None else None
    sent = {"Content-Type": "application/json"} if data is not None else {}
    if host is not None:
        sent["Host"] = host
    conn.request(method, path, body=data, headers={**sent, **(headers or {})})
    answer = conn.getresponse()
    raw = answer.read()
    conn.close()
    return answer, raw


def api(server: TriageServer, path: str, body: dict):
    answer, raw = request(server, "POST", path, body, {"X-Reviewer-Token": server.token})
    return answer.status, json.loads(raw)


def hostile_review():
    """A saved report (nothing sanitised it since) whose PR and findings carry markup."""
    pr = PullRequest("octo/demo", 9, f"</title>{EVIL}", f"body {EVIL}", "mallory", "a" * 40, "b" * 40,
                     "https://github.com/octo/demo/pull/9")
    report = {"comments": [{"path": EVIL_PATH, "line": 1, "side": "RIGHT", "start_line": None, "severity": "error",
                            "body": f"Bad {EVIL}", "suggestion": "</code></pre><script>alert(5)</script>",
                            "trace": [{"stage": "verify", "severity": "error", "reason": f"judge {EVIL}", "p": 0.2,
                                       "context": EVIL}]}],
              "summary": f"summary {EVIL}", "stats": {"chunks": 1}, "notes": [{"path": EVIL_PATH, "severity": "warning",
                                                                              "body": f"note {EVIL}", "line": None}],
              "left_out": [], "pr": {k: getattr(pr, k) for k in pr.__dataclass_fields__}}
    return from_json(report)


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.scripts, self.handlers, self.images = [], [], []

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self.scripts.append(dict(attrs))
        if tag == "img":
            self.images.append(dict(attrs))
        self.handlers += [name for name, _ in attrs if name.startswith("on")]


def test_binds_127_0_0_1_only_on_a_free_port():
    with TriageServer(board(), target="t", model="m") as server:
        assert server.httpd.server_address[0] == "127.0.0.1" and server.port > 0
        assert server.url.startswith(f"http://127.0.0.1:{server.port}/?token=")
        with pytest.raises(OSError):  # another loopback address of this machine: nothing listens there
            socket.create_connection(("127.0.0.2", server.port), timeout=2).close()
        answer, _ = request(server, "GET", f"/?token={server.token}")
        assert answer.status == 200


@pytest.mark.parametrize("path", ["/", "/static/triage.js", "/static/triage.css", "/api/state"])
def test_every_page_needs_the_token(path):
    with TriageServer(board(), target="t", model="m") as server:
        for query in ("", "?token=", "?token=wrong" + server.token[5:]):
            answer, raw = request(server, "GET", path + query)
            assert answer.status == 403 and b"token is required" in raw
        answer, raw = request(server, "GET", f"{path}?token={server.token}")
        assert answer.status == 200 and raw


def test_a_post_needs_the_token_in_its_header_and_a_json_body():
    with TriageServer(board(), target="t", model="m") as server:
        action = {"id": "d0", "action": "keep"}
        answer, _ = request(server, "POST", "/api/decide", action)
        assert answer.status == 403
        answer, _ = request(server, "POST", f"/api/decide?token={server.token}", action)  # a form could do that
        assert answer.status == 403
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        conn.request("POST", "/api/decide", body="id=d0&action=keep",
                     headers={"Content-Type": "application/x-www-form-urlencoded", "X-Reviewer-Token": server.token})
        assert conn.getresponse().status == 415
        conn.close()
        assert server.board.choice("d0") is None
        assert api(server, "/api/decide", action)[0] == 200 and server.board.choice("d0").action == "keep"


def test_another_host_name_is_refused():
    """DNS rebinding: a page of evil.example resolved to 127.0.0.1 sends its own Host."""
    with TriageServer(board(), target="t", model="m") as server:
        answer, raw = request(server, "GET", f"/?token={server.token}", host=f"evil.example:{server.port}")
        assert answer.status == 403 and b"not this server" in raw
        answer, _ = request(server, "GET", f"/?token={server.token}", host=f"localhost:{server.port}")
        assert answer.status == 200


def test_answers_forbid_remote_scripts_framing_and_caching():
    with TriageServer(board(), target="t", model="m") as server:
        answer, _ = request(server, "GET", f"/?token={server.token}")
        csp = answer.getheader("Content-Security-Policy")
        assert "default-src 'none'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert answer.getheader("Cache-Control") == "no-store" and answer.getheader("Referrer-Policy") == "no-referrer"
        assert answer.getheader("X-Content-Type-Options") == "nosniff"


def test_hostile_pr_and_model_text_is_escaped():
    b = board(EVIL_DIFF, hostile_review())
    with TriageServer(b, target="octo/demo#9", model="m", publisher=lambda r: "posted") as server:
        answer, raw = request(server, "GET", f"/?token={server.token}")
    html = raw.decode()
    tags = Tags()
    tags.feed(html)
    assert [s.get("src", "").split("?")[0] for s in tags.scripts] == ["/static/triage.js"]  # the page's own, only
    assert tags.handlers == [] and tags.images == []
    assert "<script>alert" not in html and "</textarea><script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;" in html
    assert "&lt;/title&gt;" in html and "evil&#34;&lt;b&gt;.py" in html
    assert "&lt;/code&gt;&lt;/pre&gt;&lt;script&gt;alert(5)" in html  # the suggestion
    assert "judge &lt;script&gt;" in html  # the judge's trace


def test_the_page_has_no_remote_assets():
    with TriageServer(board(), target="t", model="m") as server:
        pages = [request(server, "GET", f"{p}?token={server.token}")[1].decode()
                 for p in ("/", "/static/triage.js", "/static/triage.css")]
    for text in pages:
        assert "http://" not in text and "https://" not in text and "//cdn" not in text
    assert "innerHTML" not in pages[1] and "insertAdjacentHTML" not in pages[1] and "document.write" not in pages[1]


def test_decisions_are_recorded_and_taken_back(tmp_path):
    store = FeedbackStore(tmp_path / "feedback.sqlite3")
    b = board()
    with TriageServer(b, target="t", model="echo", store=store) as server:
        for draft_id, action in (("d0", "keep"), ("d1", "edit"), ("d2", "drop"), ("d3", "keep")):
            extra = {"body": "Better words.", "suggestion": "return total"} if action == "edit" else {}
            status, data = api(server, "/api/decide", {"id": draft_id, "action": action, **extra})
            assert status == 200 and data["draft"]["state"] == action
        assert data["counts"] == {"drafts": 4, "keep": 2, "edit": 1, "drop": 1, "undecided": 0, "posted": 3}
        assert api(server, "/api/decide", {"id": "d3", "action": "undo"})[1]["draft"]["state"] == "undecided"
        status, data = api(server, "/api/decide", {"id": "nope", "action": "keep"})
        assert status == 400 and data == {"ok": False, "error": "no draft 'nope'"}
        assert api(server, "/api/decide", {"id": "d0", "action": "edit", "body": "  "})[0] == 400
    rows = store.decisions("octo/demo")
    by_fp = {d.fingerprint: d for d in b.drafts}
    assert [(by_fp[r.fingerprint].id, r.decision, r.shown_as, r.severity, r.file_kind, r.model) for r in rows] == [
        ("d0", "kept", "comment", "warning", "source", "echo"), ("d1", "edited", "comment", "warning", "source", "echo"),
        ("d2", "dropped", "note", "note", "source", "echo")]
    lines = DiffLines(DIFF)
    assert {r.fingerprint for r in rows} == {fingerprint(d.item, lines) for d in b.drafts[:3]}


def test_post_publishes_only_what_was_kept_edited_or_promoted():
    posted = []
    b = board()
    kinds = [(d.kind, d.item.path, d.item.severity) for d in b.drafts]
    assert kinds == [("comment", "calc.py", "warning"), ("comment", "util.py", "warning"),
                     ("left_out", "calc.py", "note"), ("left_out", "util.py", "note")]
    with TriageServer(b, target="t", model="m", publisher=lambda r: posted.append(r) or "posted 3") as server:
        api(server, "/api/decide", {"id": "d0", "action": "keep"})
        api(server, "/api/decide", {"id": "d1", "action": "edit", "body": "Say why.", "suggestion": "    return x"})
        api(server, "/api/decide", {"id": "d3", "action": "keep"})  # promote a left-out note
        status, data = api(server, "/api/post", {})
    assert status == 200 and data == {"ok": True, "message": "posted 3"}
    result = posted[0]
    assert [(c.path, c.severity, c.body, c.suggestion) for c in result.comments] == [
        ("calc.py", "warning", b.drafts[0].item.body, None),
        ("util.py", "warning", "Say why.", "    return x"),
        ("util.py", "warning", b.drafts[3].item.body, None)]
    assert [c.trace[-1].reason for c in result.comments] == [
        "kept by the maintainer", "edited by the maintainer", "kept by the maintainer (promoted from the left-out notes)"]
    assert [x.body for x in result.left_out] == [b.drafts[2].item.body]  # undecided: still left out, not posted
    assert "3 comments (3 warnings)" in result.summary and "2 kept, 1 edited" in result.summary


def test_a_post_without_a_host_and_a_failing_host_are_one_line():
    with TriageServer(board(), target="t", model="m") as server:
        status, data = api(server, "/api/post", {})
        assert status == 400 and data["error"].startswith("nothing to post to")

    from reviewer.errors import PostError

    def refuse(review):
        raise PostError("GitHub refused the review", hint="review it again")

    with TriageServer(board(), target="t", model="m", publisher=refuse) as server:
        assert api(server, "/api/post", {}) == (502, {"ok": False, "error": "GitHub refused the review (review it again)"})


def test_save_takes_markdown_or_json_only(tmp_path):
    saved = []
    with TriageServer(board(), target="t", model="m", saver=lambda r, fmt: saved.append(fmt) or f"in {fmt}") as server:
        assert api(server, "/api/save", {"format": "json"}) == (200, {"ok": True, "message": "in json"})
        status, data = api(server, "/api/save", {"format": "../../etc/passwd"})
        assert status == 400 and "not a format" in data["error"]
    assert saved == ["json"]


def test_done_ends_the_wait():
    with TriageServer(board(), target="t", model="m") as server:
        assert server.wait(0.05) is False
        assert api(server, "/api/done", {}) == (200, {"ok": True})
        assert server.wait(5) is True


def test_a_draft_dropped_before_starts_dropped_and_collapsed():
    first = board()
    dropped = {first.drafts[1].fingerprint}
    again = board(dropped_before=dropped)
    assert [d.dropped_before for d in again.drafts] == [False, True, False, False]
    assert again.choice("d1").action == "drop" and again.counts()["drop"] == 1
    with TriageServer(again, target="t", model="m") as server:
        html = request(server, "GET", f"/?token={server.token}")[1].decode()
    card = html[html.index('id="d1"') - 120: html.index('id="d1"') + 300]
    assert "collapsed" in card and 'data-state="drop"' in card
    assert "dropped before on this code" in html


def test_the_report_round_trips_through_the_loader():
    review = hostile_review()
    again = from_json(to_json(review))
    assert to_json(again) == to_json(review)
    assert again.comments[0].trace == (Step("verify", "error", f"judge {EVIL}", 0.2, EVIL),)
    assert again.label == "octo/demo#9" and isinstance(again.comments[0], Comment)


def test_a_real_review_round_trips_through_the_loader():
    review = run_pipeline(DIFF, EchoBackend(severities=("warning", "note"), suggestion="x = 1"))
    again = from_json(to_json(review))
    assert to_json(again) == to_json(review)
    assert [type(x) for x in again.left_out] == [type(x) for x in review.left_out]


@pytest.mark.parametrize("data, message", [
    ([], "not a JSON report"), ({"comments": []}, "not a JSON report"),
    ({"comments": [{"path": "a", "side": "RIGHT"}], "summary": "", "stats": {}}, "a malformed JSON report: KeyError"),
    ({"comments": [], "summary": "", "stats": {}, "left_out": [{"path": "a", "severity": "bad", "body": ""}]},
     "not a severity"),
])
def test_what_is_not_a_report_is_an_input_error(data, message):
    from reviewer.errors import InputError

    with pytest.raises(InputError, match=message):
        from_json(data)


def test_static_files_come_from_the_package_only(tmp_path):
    from reviewer.triage.page import static_file, template_dir

    assert static_file("../page.html.j2") is None and static_file("triage.js") is not None
    assert Path(template_dir(), "page.html.j2").is_file()
