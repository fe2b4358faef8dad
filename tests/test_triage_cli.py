"""`reviewer triage` on what it reads besides a pull request: a saved JSON report (of a PR: posted
through the PR's host; of a patch: with the patch again) and a patch; as a subprocess, and in a
thread through click's runner. The page is driven over HTTP here (the browser: test_triage_browser)."""

from __future__ import annotations

import json
import os
import queue
import sqlite3
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner
from fakes.common import PR7, PR7_DIFF, PR7_HEAD, REPO, TOKEN
from fakes.diffs import modified_file

from reviewer.cli import main
from reviewer.cli import triage as triage_cli


def call(url: str, action: str, body: dict | None = None) -> dict:
    base, token = url.split("?token=")
    request = urllib.request.Request(f"{base}api/{action}", data=json.dumps(body or {}).encode(), method="POST",
                                     headers={"Content-Type": "application/json", "X-Reviewer-Token": token})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())


class InThread:
    def __init__(self, monkeypatch, *args: str):
        self.urls: queue.Queue[str] = queue.Queue()
        monkeypatch.setattr(triage_cli, "open_browser", self.urls.put)
        self.result = None
        self.thread = threading.Thread(target=lambda: setattr(self, "result", CliRunner().invoke(main, ["triage", *args])),
                                       daemon=True)
        self.thread.start()

    def url(self) -> str:
        try:
            return self.urls.get(timeout=60)
        except queue.Empty:
            self.thread.join(timeout=5)
            pytest.fail(f"no page: {self.result and self.result.output}")

    def finish(self):
        self.thread.join(timeout=30)
        assert self.result is not None and TOKEN not in self.result.output
        return self.result


@pytest.fixture
def report(gh, echo, tmp_path) -> Path:
    """`reviewer review octo/demo#7 --format json -o r.json`: a saved report of the PR."""
    path = tmp_path / "r.json"
    result = CliRunner().invoke(main, ["review", PR7, "--github-url", gh.base_url, "--format", "json", "-o", str(path)])
    assert result.exit_code == 0, result.stderr
    return path


def test_a_saved_report_of_a_pr_posts_through_its_host(gh, report, monkeypatch):
    drafts = json.loads(report.read_text())["comments"]
    run = InThread(monkeypatch, str(report), "--github-url", gh.base_url)
    url = run.url()
    assert call(url, "decide", {"id": "d1", "action": "keep"})["counts"]["posted"] == 1
    answer = call(url, "post")
    assert answer["message"].startswith(f"posted a COMMENT review on {PR7}: 1 inline comment")
    assert [c["body"].split("\n")[0] for c in gh.review_comments(REPO, 7)] == [f"**warning**: {drafts[1]['body']}"]
    assert call(url, "post")["message"].startswith(f"nothing new to post on {PR7}, 1 already on the PR")
    call(url, "done")
    result = run.finish()
    assert result.exit_code == 0, result.stderr
    assert result.stderr.startswith(f"4 drafts of {PR7}; the page")


def test_a_report_of_an_older_head_is_refused(gh, report, monkeypatch):
    gh.push(REPO, 7, head_sha="d" * 40, diff=PR7_DIFF + modified_file("more.py", ["a = 1"], ["a = 2"]))
    result = CliRunner().invoke(main, ["triage", str(report), "--github-url", gh.base_url, "--no-browser"])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {PR7} has moved on since r.json was written (its head is now dddddddddddd, "
                                    f"the report reviewed {PR7_HEAD[:12]})")
    assert f"hint: triage it again: reviewer triage {PR7}" in result.stderr


def test_not_a_report_is_one_line(tmp_path):
    bad = tmp_path / "notes.json"
    bad.write_text('{"hello": 1}')
    result = CliRunner().invoke(main, ["triage", str(bad), "--no-browser"])
    assert result.exit_code == 2 and result.stderr.startswith("error: not a JSON report of `reviewer review")


def test_a_report_of_a_patch_as_a_subprocess(echo, tmp_path, monkeypatch, isolated_cache):
    """review --diff to a JSON report, then `reviewer triage REPORT --diff PATCH` in its own process:
    its address on stdout, a 403 without the token, a kept draft saved as JSON, the decision stored."""
    monkeypatch.chdir(tmp_path)
    patch = tmp_path / "change.diff"
    patch.write_text(PR7_DIFF)
    result = CliRunner().invoke(main, ["review", "--diff", str(patch), "--format", "json", "-o", "r.json"])
    assert result.exit_code == 0, result.stderr
    env = {**os.environ, "REVIEWER_CACHE_DIR": str(isolated_cache)}
    child = subprocess.Popen([sys.executable, "-m", "reviewer", "triage", "r.json", "--diff", str(patch), "--no-browser",
                              "-o", "kept"], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    try:
        url = child.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:") and "?token=" in url
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url.split("?")[0], timeout=10)
        assert refused.value.code == 403
        with urllib.request.urlopen(url, timeout=10) as page:
            html = page.read().decode()
        assert "calc.py" in html and 'id="post"' not in html  # a local patch: nothing to post to
        call(url, "decide", {"id": "d2", "action": "keep"})
        call(url, "decide", {"id": "d0", "action": "drop"})
        assert call(url, "save", {"format": "json"}) == {"ok": True, "message": "report written to kept.json"}
        call(url, "done")
        _, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 0, err
    saved = json.loads((tmp_path / "kept.json").read_text())
    original = json.loads((tmp_path / "r.json").read_text())
    assert [c["body"] for c in saved["comments"]] == [original["comments"][2]["body"]]
    assert "A maintainer triaged the 4 drafts: 1 kept, 1 dropped." in saved["summary"]
    assert "1 kept, 0 edited, 1 dropped, 2 undecided" in err
    with sqlite3.connect(isolated_cache / "feedback.sqlite3") as db:
        assert sorted(db.execute("SELECT repository, decision FROM decisions").fetchall()) == [
            (tmp_path.name, "dropped"), (tmp_path.name, "kept")]


def test_a_patch_reviewed_on_the_spot(echo, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    patch = tmp_path / "change.diff"
    patch.write_text(PR7_DIFF)
    run = InThread(monkeypatch, "--diff", str(patch))
    url = run.url()
    call(url, "decide", {"id": "d0", "action": "edit", "body": "Divide by the count.", "suggestion": ""})
    assert call(url, "save", {"format": "markdown"})["message"] == "report written to reviewer-triage.md"
    call(url, "done")
    assert run.finish().exit_code == 0
    text = (tmp_path / "reviewer-triage.md").read_text()
    assert "Divide by the count." in text and "Check `log(total)` here." not in text


def test_a_merge_request_on_gitlab(echo, monkeypatch):
    """The same page posts to GitLab through its sink: the kept draft as one discussion, once."""
    from fakes.gitlab import TOKEN as GITLAB_TOKEN
    from fakes.gitlab import FakeGitLab, MergeRequest

    base, head = "a1" * 20, "c3" * 20
    diff = "@@ -10,3 +10,4 @@ def total(xs):\n keep = 1\n-old_total = 0\n+tot = 0\n+cnt = len(xs)\n for x in xs:\n"
    for name, value in (("GITLAB_TOKEN", GITLAB_TOKEN), ("CI_JOB_TOKEN", ""), ("CI_SERVER_URL", "")):
        monkeypatch.setenv(name, value)
    with FakeGitLab() as gl:
        project = gl.add_project("group/project", files={base: {"src/app.py": "x = 1\n"}, head: {"src/app.py": "x = 1\n"}})
        project.mrs[3] = MergeRequest(3, "Totals", "Please review", [{
            "old_path": "src/app.py", "new_path": "src/app.py", "a_mode": "100644", "b_mode": "100644", "diff": diff,
            "new_file": False, "renamed_file": False, "deleted_file": False}], base_sha=base, start_sha=base, head_sha=head)
        run = InThread(monkeypatch, "group/project!3", "--gitlab-url", gl.url)
        url = run.url()
        call(url, "decide", {"id": "d1", "action": "keep"})
        call(url, "decide", {"id": "d0", "action": "drop"})
        assert call(url, "post")["message"].startswith("posted 1 discussion on group/project!3")
        threads = [d for d in project.mrs[3].discussions if not d["individual_note"]]
        assert len(threads) == 1 and "Check `cnt = len(xs)` here." in threads[0]["notes"][0]["body"]
        assert "already on the merge request" in call(url, "post")["message"]
        assert len([d for d in project.mrs[3].discussions if not d["individual_note"]]) == 1
        call(url, "done")
        assert run.finish().exit_code == 0
