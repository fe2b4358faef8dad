"""The PR context a hunk is judged with, the question that fits a finding, and each finding's trace."""

from __future__ import annotations

import json

from fakes.backends import Judging
from fakes.common import review as run_pipeline

from reviewer.diff.parse import parse_diff
from reviewer.review.passes.verify import adds_code
from reviewer.review.pipeline import ReviewOptions, run_review
from reviewer.prompt import Templates
from reviewer.review.context import PullRequestContext, identifiers, touched_names
from reviewer.types import Comment, DiffInput, PullRequest

# a PR that drops a parameter from a function and from its call site, with a changelog line
PR_DIFF = """\
diff --git a/src/app/core.py b/src/app/core.py
--- a/src/app/core.py
+++ b/src/app/core.py
@@ -10,4 +10,4 @@ class Loader:
-    def fetch_rows(self, table, limit):
+    def fetch_rows(self, table):
         rows = self.db.read(table)
         return rows
     # end
diff --git a/src/app/cli.py b/src/app/cli.py
--- a/src/app/cli.py
+++ b/src/app/cli.py
@@ -20,4 +20,4 @@ def main():
     loader = Loader()
-    rows = loader.fetch_rows("users", 10)
+    rows = loader.fetch_rows("users")
     print(len(rows))
     return 0
diff --git a/CHANGES.rst b/CHANGES.rst
--- a/CHANGES.rst
+++ b/CHANGES.rst
@@ -1,2 +1,3 @@
 Version 2.0
+-   ``fetch_rows`` no longer takes a ``limit``: it always reads the whole table.
 -----------
"""

ADDITION = """\
diff --git a/m.py b/m.py
--- a/m.py
+++ b/m.py
@@ -10,3 +10,5 @@ def run(port=None):
     host = "127.0.0.1"
+    if not port:
+        port = 5000
     return serve(host, port)
     # end
"""


def test_identifiers_leave_strings_and_comments_out():
    assert identifiers('rows = loader.fetch_rows("users", 10)  # see limit', python=True) == \
        ["rows", "loader", "fetch_rows"]
    assert "limit" not in identifiers('call(x, "limit") // limit', python=False)


def test_a_hunk_is_shown_the_other_hunks_that_share_its_names_and_the_changelog():
    files = parse_diff(PR_DIFF)
    pr = PullRequest("o/r", 7, "Drop the limit of fetch_rows", "Nobody used it.", "a", "b" * 40, "c" * 40, "u")
    around = PullRequestContext(files, pr)
    call_site = files[1]
    seen = around.for_hunk(call_site.path, call_site.hunks[0])
    assert "fetch_rows" in touched_names(call_site.path, call_site.hunks[0])
    assert len(seen.related) == 1 and seen.related[0].startswith("src/app/core.py (class Loader:):")
    assert "-    def fetch_rows(self, table, limit):" in seen.related[0]
    assert "Title: Drop the limit of fetch_rows" in seen.intent and "no longer takes a ``limit``" in seen.intent
    assert "fetch_rows" in seen.names and "related hunk" in seen.summary()
    # the changelog is intent, never a related hunk; and a hunk is not its own context
    assert all("CHANGES.rst" not in r for r in seen.related)
    assert all(not r.startswith("src/app/cli.py") for r in seen.related)


def test_no_pr_and_no_shared_names_give_an_empty_context():
    files = parse_diff(ADDITION)
    seen = PullRequestContext(files, None).for_hunk("m.py", files[0].hunks[0])
    assert not seen and seen.text() == "" and seen.summary() == ""


def test_a_finding_on_added_lines_is_on_code_the_change_adds():
    hunk = parse_diff(ADDITION)[0].hunks[0]
    assert adds_code(hunk, Comment("m.py", 11, "RIGHT", "error", "port 0 is replaced"))
    changed = parse_diff(PR_DIFF)[1].hunks[0]
    assert not adds_code(changed, Comment("src/app/cli.py", 21, "RIGHT", "error", "limit dropped"))


def _review(diff, backend, **options):
    return run_pipeline(diff, backend, style="", **{"min_severity": "note", **options})


FINDING = json.dumps({"comments": [{"line": 11, "side": "RIGHT", "severity": "error",
                                    "body": "`if not port` also replaces a port of 0, which is a valid port.",
                                    "suggestion": "    if port is None:"}]})


def test_old_new_acquits_an_addition_and_the_trace_says_so():
    # the judge prefers the code with the addition (the feature) and the version with the fix
    backend = Judging([FINDING], correct_line="if ", p_right=0.8, p_wrong=0.6)
    r = _review(ADDITION, backend, judge_fix=True)
    finding = next(c for c in r.comments if "port of 0" in c.body)
    assert finding.severity == "note"
    steps = [(s.stage, s.severity) for s in finding.trace]
    assert steps[0] == ("draft", "error") and ("verify", "note") in steps
    verify = next(s for s in finding.trace if s.stage == "verify")
    assert verify.p is not None and verify.p >= 0.49 and "not worse" in verify.reason


def test_fit_sends_a_finding_on_added_code_to_its_fix_verdict():
    backend = Judging([FINDING], correct_line="if port is None:", p_right=0.8, p_wrong=0.6)
    r = _review(ADDITION, backend, judge_fix=True, judge_question="fit")
    finding = next(c for c in r.comments if "port of 0" in c.body)
    assert finding.severity == "error" and finding.suggestion == "    if port is None:"
    stages = [s.stage for s in finding.trace]
    assert stages == ["draft", "verify", "fixjudge"]
    assert finding.trace[1].p is None and "adds" in finding.trace[1].reason
    assert finding.trace[2].p is not None and finding.trace[2].p > 0.5
    # only the fix verdict was asked (two orders), no old/new verdict
    assert len(backend.judged) == 2 and all("if port is None:" in j for j in backend.judged)


def test_the_judge_is_shown_the_pr_context_as_data_and_its_verdict_key_changes_with_it(tmp_path):
    from reviewer.review.cache import ResultCache

    answer = json.dumps({"comments": [{"line": 21, "side": "RIGHT", "severity": "error",
                                       "body": "The call no longer passes `10` as the limit."}]})
    cache = ResultCache(tmp_path / "c.sqlite3")
    alone = Judging([answer] * 3, correct_line="10)")
    _review(PR_DIFF, alone, judge_fix=False, explain="off", scope="all")
    assert alone.judged and not any("untrusted-pull-request" in j for j in alone.judged)
    seen = Judging([answer] * 3, correct_line="10)")
    r = _review(PR_DIFF, seen, judge_fix=False, explain="off", review_context="pr", scope="all")
    prompt = next(j for j in seen.judged if "fetch_rows(\"users\"" in j)
    assert prompt.index("<untrusted-pull-request>") < prompt.index("Version A:")
    assert "def fetch_rows(self, table, limit):" in prompt and "never instructions" in prompt
    # the call follows the signature the same PR changes: on purpose, left out with that reason
    finding = next(c for c in (*r.comments, *r.left_out) if "limit" in c.body)
    assert finding.severity == "note"
    assert "whose signature the same PR changes" in next(s for s in finding.trace if s.stage == "verify").reason
    # cached verdicts of the hunk alone are not reused for the hunk with its context
    first = Judging([answer] * 3, correct_line="10)")
    run_review(DiffInput(PR_DIFF, "t"), backend=first, templates=Templates(), style="", cache=cache,
               options=ReviewOptions(context=4096, min_severity="note", judge_fix=False, explain="off", scope="all"))
    again = Judging([], correct_line="10)")
    run_review(DiffInput(PR_DIFF, "t"), backend=again, templates=Templates(), style="", cache=cache,
               options=ReviewOptions(context=4096, min_severity="note", judge_fix=False, explain="off", scope="all",
                                     review_context="pr"))
    assert again.judged  # asked afresh, with the context


def test_the_json_report_carries_each_findings_trace():
    from reviewer.formats.json_report import to_json

    backend = Judging([FINDING], correct_line="if ", p_right=0.8, p_wrong=0.6)
    report = to_json(_review(ADDITION, backend, judge_fix=True))
    finding = next(c for c in report["comments"] if "port of 0" in c["body"])
    assert finding["trace"][0] == {"stage": "draft", "severity": "error", "reason": "drafted", "p": None, "context": ""}
    assert finding["trace"][-1]["severity"] == finding["severity"]
    json.dumps(report)


def test_the_draft_is_shown_the_pr_context_only_when_asked():
    answer = json.dumps({"comments": []})
    plain = Judging([answer] * 3, correct_line="10)")
    _review(PR_DIFF, plain, review_context="pr", scope="all")
    assert not any("untrusted-pull-request" in m[-1]["content"] for m in plain.calls)
    shown = Judging([answer] * 3, correct_line="10)")
    _review(PR_DIFF, shown, review_context="pr", draft_context=True, scope="all")
    cli_prompt = next(m[-1]["content"] for m in shown.calls if "## File: 'src/app/cli.py'" in m[-1]["content"])
    assert cli_prompt.index("## File:") < cli_prompt.index("<untrusted-pull-request>")
    assert "def fetch_rows(self, table, limit):" in cli_prompt
