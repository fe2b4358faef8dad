"""bench/peers: PR-Agent's structured review read as reviewer's Review and scored by reviewer.measure.eval;
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

from reviewer.diff.parse import parse_diff
from reviewer.measure.eval import bug_caught, false_alarm

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


def test_the_proxy_caps_what_a_completion_may_decode():
    with FakeOpenAI() as server, usage_proxy.UsageProxy(server.url, max_tokens=768) as proxy:
        for extra in ({}, {"max_tokens": 4096}, {"max_completion_tokens": 5000}, {"max_tokens": 100}):
            body = json.dumps({"model": "m", "messages": [{"role": "user", "content": "hi"}], **extra}).encode()
            request = urllib.request.Request(proxy.url + "/v1/chat/completions", data=body,
                                             headers={"Content-Type": "application/json"})
            urllib.request.urlopen(request, timeout=30).read()
        sent = [(r.get("max_tokens"), "max_completion_tokens" in r) for r in server.requests]
        assert sent == [(768, False), (768, False), (768, False), (100, False)]
        assert [r["capped"] for r in proxy.take()] == [True, True, True, False]


def test_usage_is_read_from_a_stream_too():
    stream = b'data: {"choices": []}\n\ndata: {"choices": [], "usage": {"prompt_tokens": 7}}\n\ndata: [DONE]\n\n'
    assert usage_proxy.usage_of(stream) == {"prompt_tokens": 7}
    assert usage_proxy.usage_of(b"not json") == {}


def test_the_proxy_refuses_an_upstream_off_this_machine():
    with pytest.raises(ValueError, match="loopback"):
        usage_proxy.UsageProxy("http://example.com:8000")


# -- the driver end to end: the real llama_cpp.server on SmolLM2, the proxy, reviewer.measure.eval; in
#    place of PR-Agent (a Python >= 3.12 venv the suite does not make) a stand-in for its CLI
#    that asks the server once and writes a structured review as `--json-output` does
STAND_IN = '''#!{python}
import json, os, sys, urllib.request
if sys.argv[1] == "-c":
    print("0.49.0" if "version" in sys.argv[2] else os.getcwd())
    raise SystemExit(0)
args = sys.argv[sys.argv.index("pr_agent.cli") + 1:]
diff = open(args[args.index("--diff-file") + 1]).read()
body = {{"model": os.environ["CONFIG__MODEL"].removeprefix("openai/"), "max_tokens": 4,
        "temperature": float(os.environ["CONFIG__TEMPERATURE"]),
        "messages": [{{"role": "user", "content": diff}}]}}
request = urllib.request.Request(os.environ["OPENAI__API_BASE"] + "/chat/completions", data=json.dumps(body).encode(),
                                 headers={{"Content-Type": "application/json"}})
urllib.request.urlopen(request, timeout=300).read()
added = [l for l in diff.splitlines() if l.startswith("+") and not l.startswith("+++")]
issues = [{{"relevant_file": "algo/mean.py", "issue_header": "Possible Bug", "issue_content": "`" + added[0][1:].strip() + "`",
           "start_line": "", "end_line": ""}}] if "len(xs) - 1" in diff else []
if "bucketsort" in diff:
    raise SystemExit(1)  # a run that writes nothing: a parse failure
review = {{"review": {{"key_issues_to_review": issues, "security_concerns": "No"}}, "usage": {{}}}}
open(args[args.index("--json-output") + 1], "w").write(json.dumps(review))
open(args[args.index("--output") + 1], "w").write("## PR Reviewer Guide")
'''


@pytest.mark.model
def test_the_driver_scores_a_set_end_to_end(tmp_path, smollm2_path):
    pytest.importorskip("llama_cpp.server", reason="llama-cpp-python[server] is not installed")
    import socket

    from fakes.cases import write_quality_set

    stand_in = tmp_path / "pr-agent-python"
    stand_in.write_text(STAND_IN.format(python=sys.executable))
    stand_in.chmod(0o755)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    driver = _load("pr_agent_eval")
    out = tmp_path / "out"
    assert driver.main(["--pr-agent", str(stand_in), "--set", str(write_quality_set(tmp_path / "quality")),
                        "--out", str(out), "--model", str(smollm2_path), "--context", "2048", "--threads", "1",
                        "--port", str(port), "--timeout", "600"]) == 0
    results = json.loads((out / "results.json").read_text())
    assert results["version"] == "0.49.0" and results["settings"]["CONFIG__TEMPERATURE"] == "0"
    (quality,) = results["sets"]
    cases = {c["name"]: c for c in quality["cases"]}
    assert cases["mean"]["caught"] and not cases["mean"]["alarm"]  # the issue quotes the changed line
    assert not cases["bucketsort"]["caught"] and cases["bucketsort"]["failed_chunks"] == 2
    runs = [r for c in quality["cases"] for r in c["runs"]]
    assert [r["parsed"] for r in runs] == [False, False, True, True]  # bucketsort sorts first
    assert all(r["calls"] == 1 and r["prompt_tokens"] > 0 and 0 < r["completion_tokens"] <= 4 for r in runs)
    assert (out / "runs" / "quality" / "mean" / "bug" / "review.json").is_file()
    table = (out / "table.md").read_text()
    assert "| quality | SmolLM2-135M-Instruct.Q4_1.gguf | PR-Agent 0.49.0 | 2 | 0.50 | 0.00 |" in table
    assert "| quality | 2 | 4 | 2 / 0 | 4 |" in table
