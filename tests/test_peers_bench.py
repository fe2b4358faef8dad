"""bench/peers: PR-Agent's structured review read as reviewer's Review and scored by reviewer.eval;
the usage proxy between PR-Agent and the model server, over real HTTP.

The PR-Agent output here is written for these tests in the shape ``pr_agent.cli --json-output``
writes (review.key_issues_to_review, security_concerns, usage, coverage), not taken from a run.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from fakes.openai_server import FakeOpenAI

from reviewer.diffparse import parse_diff
from reviewer.eval import bug_caught, false_alarm

PEERS = Path(__file__).resolve().parents[1] / "bench" / "peers"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"peers_{name}", PEERS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


convert = _load("convert")
usage_proxy = _load("usage_proxy")

DIFF = """\
diff --git a/algorithms/bfs.py b/algorithms/bfs.py
--- a/algorithms/bfs.py
+++ b/algorithms/bfs.py
@@ -14,7 +14,7 @@
 def bfs(start, goal):
     queue = Queue()
     queue.append(start)
-    while queue:
+    while True:
         node = queue.popleft()
         if node is goal:
             return True
"""
PATH = "algorithms/bfs.py"


def pr_agent_output(*issues: dict, security: str = "No") -> dict:
    return {"review": {"estimated_effort_to_review_[1-5]": 2, "relevant_tests": "No",
                       "key_issues_to_review": list(issues), "security_concerns": security},
            "usage": {"prompt_tokens": 3100, "completion_tokens": 140, "total_tokens": 3240},
            "coverage": {"files_not_reviewed": [], "files_partially_reviewed": []}}


def issue(file=PATH, start=17, end=17, header="Possible Bug", content="The loop never ends on an empty queue."):
    out = {"relevant_file": file, "issue_header": header, "issue_content": content}
    if start is not None:
        out["start_line"] = start
    if end is not None:
        out["end_line"] = end
    return out


def scored(data):
    done = convert.to_review(data, DIFF, "bug.diff")
    files = parse_diff(DIFF)
    return done, bug_caught(done.review, files, PATH), false_alarm(done.review)


def test_a_key_issue_on_the_changed_line_is_caught_and_is_an_alarm():
    done, caught, alarm = scored(pr_agent_output(issue()))
    (comment,) = done.review.comments
    assert (comment.path, comment.line, comment.side, comment.severity) == (PATH, 17, "RIGHT", "warning")
    assert comment.body == "Possible Bug: The loop never ends on an empty queue."
    assert caught and alarm and done.problems == () and done.issues == 1


def test_a_range_is_scored_at_its_line_nearest_the_change():
    done, caught, _ = scored(pr_agent_output(issue(start=14, end=30)))
    (comment,) = done.review.comments
    assert (comment.start_line, comment.line) == (14, 17) and caught
    far, caught_far, alarm_far = scored(pr_agent_output(issue(start=25, end=30)))
    assert far.review.comments[0].line == 25 and not caught_far and alarm_far


def test_a_key_issue_without_lines_counts_only_when_it_quotes_the_change():
    done, caught, _ = scored(pr_agent_output(issue(start=None, end=None, content="`while True` loops forever")))
    assert [(c.line, c.side) for c in done.review.comments] == [(17, "RIGHT")] and caught
    removed, caught_removed, _ = scored(pr_agent_output(issue(start=None, end=None,
                                                              content="The check while queue: was dropped")))
    assert [(c.line, c.side) for c in removed.review.comments] == [(17, "LEFT")] and caught_removed
    vague, caught_vague, alarm_vague = scored(pr_agent_output(issue(start="", end=None, content="Add tests.")))
    assert vague.review.comments == () and len(vague.review.notes) == 1
    assert not caught_vague and alarm_vague and vague.problems == ()


def test_a_file_outside_the_diff_is_a_problem_and_a_note():
    done, caught, alarm = scored(pr_agent_output(issue(file="src/other.py")))
    assert done.review.comments == () and done.review.notes[0].path == "src/other.py"
    assert done.problems == ("file not in the diff: 'src/other.py'",) and not caught and alarm
    prefixed, caught_prefixed, _ = scored(pr_agent_output(issue(file="b/algorithms/bfs.py")))
    assert prefixed.review.comments[0].path == PATH and caught_prefixed
    short, caught_short, _ = scored(pr_agent_output(issue(file="bfs.py")))
    assert short.review.comments[0].path == PATH and caught_short


def test_no_issues_and_no_security_concern_is_a_clean_review():
    done, caught, alarm = scored(pr_agent_output())
    assert not caught and not alarm and done.review.notes == () and done.issues == 0
    concern, _, alarm_concern = scored(pr_agent_output(security="Denial of service: the loop may not end."))
    assert alarm_concern and concern.review.notes[0].body.startswith("Security concerns: Denial of service")


def test_odd_shapes_are_counted_not_dropped():
    done = convert.to_review({"review": {"key_issues_to_review": ["just a string", issue()]}}, DIFF, "bug.diff")
    assert len(done.review.comments) == 1 and done.issues == 2
    assert done.problems == ("key issue is not a mapping: 'just a string'",)
    said = convert.to_review({"review": {"key_issues_to_review": "The loop never ends"}}, DIFF, "bug.diff")
    assert len(said.review.notes) == 1 and said.issues == 1
    nothing = convert.to_review({"review": {"key_issues_to_review": "No"}}, DIFF, "bug.diff")
    assert nothing.review.notes == () and nothing.issues == 0


def test_no_review_is_a_parse_failure():
    done = convert.to_review(None, DIFF, "fix.diff", "PR-Agent exit 1, no review written")
    assert done.problems == ("PR-Agent exit 1, no review written",)
    assert [f.reason for f in done.review.failed] == ["PR-Agent exit 1, no review written"]
    assert not false_alarm(done.review)


def test_the_proxy_passes_requests_through_and_keeps_the_servers_usage():
    with FakeOpenAI() as server, usage_proxy.UsageProxy(server.url) as proxy:
        body = json.dumps({"model": "m", "messages": [{"role": "user", "content": "hi"}]}).encode()
        request = urllib.request.Request(proxy.url + "/v1/chat/completions", data=body,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = json.loads(response.read())
        assert answer["usage"]["prompt_tokens"] == 100 and server.requests[0]["messages"][0]["content"] == "hi"
        missing = urllib.request.Request(proxy.url + "/v1/nowhere", data=b"{}")
        with pytest.raises(urllib.error.HTTPError) as error:
            urllib.request.urlopen(missing, timeout=30)
        assert error.value.code == 404
        records = proxy.take()
        assert [(r["path"], r["status"], r["usage"].get("completion_tokens")) for r in records] == [
            ("/v1/chat/completions", 200, 20), ("/v1/nowhere", 404, None)]
        assert proxy.take() == []


def test_usage_is_read_from_a_stream_too():
    stream = b'data: {"choices": []}\n\ndata: {"choices": [], "usage": {"prompt_tokens": 7}}\n\ndata: [DONE]\n\n'
    assert usage_proxy.usage_of(stream) == {"prompt_tokens": 7}
    assert usage_proxy.usage_of(b"not json") == {}


def test_the_proxy_refuses_an_upstream_off_this_machine():
    with pytest.raises(ValueError, match="loopback"):
        usage_proxy.UsageProxy("http://example.com:8000")
