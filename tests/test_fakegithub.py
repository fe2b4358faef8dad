"""Tests of the fake GitHub server (tests/fakegithub.py), through PyGithub and requests over real HTTP."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
import requests
import unidiff
from fakes.common import REPO, TOKEN
from fakes.github import FakeGitHub
from fakes.gitdiffs import own_diff
from github import Auth, Github
from github.GithubException import (
    BadCredentialsException,
    GithubException,
    RateLimitExceededException,
    UnknownObjectException,
)

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"
RECORDED = FIXTURES / "github-recorded"
HEAD = "b" * 40
BASE = "a" * 40


def built(name: str) -> str:
    """One of the diffs git builds for the tests (tests/fakes/gitdiffs.py)."""
    return own_diff(name).text


def client(gh: FakeGitHub, token: str = TOKEN, **kw) -> Github:
    """PyGithub without retries and without its default pacing (0.25 s between requests, 1 s between writes)."""
    return Github(base_url=gh.base_url, auth=Auth.Token(token), retry=None, seconds_between_requests=None,
                  seconds_between_writes=None, **kw)


def raw_get(gh: FakeGitHub, path: str, token: str | None = TOKEN, **headers) -> requests.Response:
    if token is not None:
        headers["Authorization"] = f"token {token}"
    return requests.get(gh.base_url + path, headers=headers, timeout=10)


@pytest.fixture
def gh(fake_github):
    return fake_github


@pytest.fixture
def pager(gh):
    """PR 7 of octo/demo with a Python change (3 files, one of them with 4 hunks)."""
    text = built("python-change")
    gh.add_pull(REPO, number=7, diff=text, title="Forward PAGER params", body="Body text", user="alice",
                base_sha=BASE, head_sha=HEAD)
    return text


class Lines:
    """Anchors picked from a diff with unidiff alone (independent of the fake's own diff model)."""

    def __init__(self, text: str):
        f = next(pf for pf in unidiff.PatchSet(text) if len(pf) >= 2 and pf[0].added and pf[1].added)
        self.path, h0, h1 = f.path, f[0], f[1]
        added0 = [ln for ln in h0 if ln.is_added]
        self.single = added0[0]
        self.multi_start = next(ln for ln in h0 if ln.target_line_no is not None)
        self.multi_end = added0[-1]
        self.other_hunk = next(ln for ln in h1 if ln.is_added)
        self.gap = h0.target_start + h0.target_length  # first new-file line after hunk 0: outside the diff
        assert self.gap < h1.target_start
        self.removed = next(ln for h in f for ln in h if ln.is_removed)
        self.max_line = max(ln.target_line_no for h in f for ln in h if ln.target_line_no)


# -- metadata, diff, files --------------------------------------------------------------------------

def test_pull_request_metadata(gh, pager):
    g = client(gh)
    assert g.get_user().login == "review-bot"
    repo = g.get_repo(REPO)
    assert repo.full_name == REPO and repo.owner.login == "octo"
    pr = repo.get_pull(7)
    assert (pr.number, pr.title, pr.body, pr.user.login) == (7, "Forward PAGER params", "Body text", "alice")
    assert (pr.head.sha, pr.base.sha, pr.state, pr.draft, pr.merged) == (HEAD, BASE, "open", False, False)
    d = own_diff("python-change")
    assert (pr.changed_files, pr.additions, pr.deletions, pr.commits) == (3, d.insertions, d.deletions, 1)
    assert pr.url == f"{gh.base_url}/repos/{REPO}/pulls/7"
    assert [c.sha for c in pr.get_commits()] == [HEAD]


def test_diff_media_type_serves_the_raw_diff(gh, pager):
    r = raw_get(gh, f"/repos/{REPO}/pulls/7", Accept="application/vnd.github.v3.diff")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/vnd.github.v3.diff; charset=utf-8"
    assert r.content.decode("utf-8") == pager
    r = raw_get(gh, f"/repos/{REPO}/pulls/7", Accept="application/vnd.github.diff")
    assert r.headers["Content-Type"].startswith("application/vnd.github.diff") and r.text == pager
    assert raw_get(gh, f"/repos/{REPO}/pulls/7").json()["number"] == 7  # JSON without the media type


def test_diff_above_the_limits_answers_406_too_large(gh, pager):
    gh.diff_limit_bytes = len(pager.encode()) - 1  # one byte short
    r = raw_get(gh, f"/repos/{REPO}/pulls/7", Accept="application/vnd.github.v3.diff")
    assert r.status_code == 406
    body = r.json()
    assert body["message"] == "Sorry, the diff exceeded the maximum number of lines (20000)"
    assert body["errors"] == [{"resource": "PullRequest", "field": "diff", "code": "too_large"}]
    assert raw_get(gh, f"/repos/{REPO}/pulls/7").status_code == 200  # the JSON still answers
    many = "".join(f"diff --git a/f{i} b/f{i}\nnew file mode 100644\nindex 0000000..1111111\n--- /dev/null\n"
                   f"+++ b/f{i}\n@@ -0,0 +1 @@\n+x\n" for i in range(301))
    gh.add_pull(REPO, number=8, diff=many)
    r = raw_get(gh, f"/repos/{REPO}/pulls/8", Accept="application/vnd.github.v3.diff")
    assert r.status_code == 406 and "maximum number of files (300)" in r.json()["message"]
    assert client(gh).get_repo(REPO).get_pull(8).get_files().totalCount == 301


def test_files_pagination_of_114_files(gh):
    text = built("many-files")
    gh.add_pull(REPO, number=9, diff=text, head_sha=HEAD)
    files = list(client(gh, per_page=100).get_repo(REPO).get_pull(9).get_files())
    assert len(files) == 114
    assert [f.filename for f in files] == [pf.path for pf in unidiff.PatchSet(text)]
    pages = [q for q in gh.requests if q.path == f"/repos/{REPO}/pulls/9/files"]
    assert [q.query.get("page") for q in pages] == [None, "2"]
    binary = [f for f in files if f.filename.endswith(".png")]
    assert binary and all(f.patch is None and f.status == "removed" for f in binary)
    sizes = {pf.path: len("".join(map(str, pf)).encode()) for pf in unidiff.PatchSet(text)}
    for f in files:
        if not f.filename.endswith(".png"):  # GitHub leaves the patch of a huge file out too
            assert (f.patch is None) if sizes[f.filename] > gh.patch_limit_bytes else f.patch.startswith("@@ ")
    assert any(size > gh.patch_limit_bytes for size in sizes.values())
    first = raw_get(gh, f"/repos/{REPO}/pulls/9/files?per_page=100")
    repo_id = client(gh).get_repo(REPO).id
    base = f"{gh.base_url}/repositories/{repo_id}/pulls/9/files?per_page=100"
    assert first.links["next"]["url"] == base + "&page=2" and first.links["last"]["url"] == base + "&page=2"
    assert "prev" not in first.links and len(first.json()) == 100
    second = raw_get(gh, f"/repos/{REPO}/pulls/9/files?per_page=100&page=2")
    assert second.links["prev"]["url"] == base + "&page=1" and second.links["first"]["url"] == base + "&page=1"
    assert "next" not in second.links and len(second.json()) == 14
    default = raw_get(gh, f"/repos/{REPO}/pulls/9/files")
    assert len(default.json()) == 30 and default.links["last"]["url"].endswith("pulls/9/files?page=4")


def test_file_entries_statuses_renames_and_caps(gh):
    text = built("rename-delete") + built("binary-mode")
    gh.add_pull(REPO, number=3, diff=text, head_sha=HEAD)
    files = {f["filename"]: f for f in raw_get(gh, f"/repos/{REPO}/pulls/3/files?per_page=100").json()}
    assert {f["status"] for f in files.values()} == {"added", "removed", "modified", "renamed"}
    renamed = files["docs/changes.md"]
    assert renamed["status"] == "renamed" and renamed["previous_filename"] == "docs/changes.rst"
    assert renamed["changes"] == renamed["additions"] + renamed["deletions"] > 0
    assert renamed["blob_url"] == f"{gh.html_url}/{REPO}/blob/{HEAD}/docs/changes.md"
    assert renamed["contents_url"] == f"{gh.base_url}/repos/{REPO}/contents/docs/changes.md?ref={HEAD}"
    assert "patch" not in files["docs/icon.png"] and "previous_filename" not in files["src/keep.py"]
    many = "".join(f"diff --git a/f{i} b/f{i}\nnew file mode 100644\n--- /dev/null\n+++ b/f{i}\n@@ -0,0 +1 @@\n+x\n"
                   for i in range(3001))
    gh.add_pull(REPO, number=4, diff=many)
    last = raw_get(gh, f"/repos/{REPO}/pulls/4/files?per_page=100&page=30")
    assert len(last.json()) == 100 and "next" not in last.links  # GitHub lists 3000 files at most
    assert raw_get(gh, f"/repos/{REPO}/pulls/4/files?per_page=100&page=31").json() == []


# -- reviews ----------------------------------------------------------------------------------------

def test_comment_review_with_single_multi_line_and_left_comments(gh, pager):
    ln = Lines(pager)
    pr = client(gh).get_repo(REPO).get_pull(7)
    review = pr.create_review(body="Looks good overall", event="COMMENT", comments=[
        {"path": ln.path, "line": ln.single.target_line_no, "side": "RIGHT", "body": "single"},
        {"path": ln.path, "start_line": ln.multi_start.target_line_no, "start_side": "RIGHT",
         "line": ln.multi_end.target_line_no, "side": "RIGHT", "body": "multi"},
        {"path": ln.path, "line": ln.removed.source_line_no, "side": "LEFT", "body": "left"},
    ])
    assert review.state == "COMMENTED" and review.commit_id == HEAD and review.user.login == "review-bot"
    [stored] = gh.reviews(REPO, 7)
    assert stored["id"] == review.id and stored["body"] == "Looks good overall"
    single, multi, left = gh.review_comments(REPO, 7)
    assert (single["line"], single["side"], single["start_line"]) == (ln.single.target_line_no, "RIGHT", None)
    assert (multi["start_line"], multi["line"]) == (ln.multi_start.target_line_no, ln.multi_end.target_line_no)
    assert (left["line"], left["side"]) == (ln.removed.source_line_no, "LEFT")
    for c in (single, multi, left):
        assert c["pull_request_review_id"] == review.id and c["commit_id"] == c["original_commit_id"] == HEAD
        assert c["original_line"] == c["line"] and c["subject_type"] == "line" and "in_reply_to_id" not in c
        assert c["diff_hunk"].startswith("@@ ") and c["position"] >= 1
    assert single["diff_hunk"].endswith("\n+" + ln.single.value.rstrip("\n"))
    assert left["diff_hunk"].endswith("\n-" + ln.removed.value.rstrip("\n"))
    listed = list(pr.get_review_comments())
    assert [c.id for c in listed] == [single["id"], multi["id"], left["id"]]
    assert listed[1].start_line == ln.multi_start.target_line_no and listed[2].side == "LEFT"
    assert [r.id for r in pr.get_reviews()] == [review.id]
    write = gh.writes[-1]
    assert write.method == "POST" and write.path == f"/repos/{REPO}/pulls/7/reviews"
    assert write.json["event"] == "COMMENT" and len(write.json["comments"]) == 3


@pytest.mark.parametrize("case, expected", [
    ("outside", "Line could not be resolved"),
    ("other_hunk", "Start line must be part of the same hunk as the line."),
    ("reversed", "Start line must precede the end line."),
    ("left_of_added", "Line could not be resolved"),
    ("unknown_path", "Path could not be resolved"),
])
def test_invalid_review_comment_is_422_and_stores_nothing(gh, pager, case, expected):
    ln = Lines(pager)
    good = {"path": ln.path, "line": ln.single.target_line_no, "body": "fine"}
    bad = {"outside": {"path": ln.path, "line": ln.gap},
           "other_hunk": {"path": ln.path, "start_line": ln.single.target_line_no, "line": ln.other_hunk.target_line_no},
           "reversed": {"path": ln.path, "start_line": ln.multi_end.target_line_no,
                        "line": ln.multi_start.target_line_no},
           "left_of_added": {"path": ln.path, "line": ln.max_line + 10, "side": "LEFT"},
           "unknown_path": {"path": "no/such/file.py", "line": 1}}[case]
    pr = client(gh).get_repo(REPO).get_pull(7)
    with pytest.raises(GithubException) as exc:
        pr.create_review(body="x", event="COMMENT", comments=[good, {**bad, "body": "bad"}])
    assert exc.value.status == 422
    assert exc.value.data["message"] == "Unprocessable Entity" and exc.value.data["errors"] == [expected]
    assert gh.reviews(REPO, 7) == [] and gh.review_comments(REPO, 7) == []


def test_review_validation_follows_the_commit_id_and_outdates_after_push(gh):
    old = ("diff --git a/app.py b/app.py\nindex 1111111..2222222 100644\n--- a/app.py\n+++ b/app.py\n"
           "@@ -1,4 +1,5 @@\n import os\n+import sys\n \n def main():\n     pass\n")
    new = ("diff --git a/app.py b/app.py\nindex 1111111..3333333 100644\n--- a/app.py\n+++ b/app.py\n"
           "@@ -1,4 +1,5 @@\n import os\n+import json\n \n def main():\n     pass\n")
    gh.add_pull(REPO, number=5, diff=old, head_sha=HEAD)
    pr = client(gh).get_repo(REPO).get_pull(5)
    pr.create_review(event="COMMENT", comments=[{"path": "app.py", "line": 2, "body": "sys?"},
                                                {"path": "app.py", "line": 4, "body": "main"}])
    gh.push(REPO, 5, head_sha="c" * 40, diff=new)
    outdated, kept = gh.review_comments(REPO, 5)
    assert (outdated["line"], outdated["position"], outdated["original_line"]) == (None, None, 2)
    assert outdated["commit_id"] == outdated["original_commit_id"] == HEAD
    assert (kept["line"], kept["original_line"], kept["commit_id"]) == (4, 4, "c" * 40)
    assert client(gh).get_repo(REPO).get_pull(5).head.sha == "c" * 40
    pr.create_review(commit=pr.get_commits()[0], event="COMMENT", comments=[{"path": "app.py", "line": 2,
                                                                             "body": "on the old commit"}])
    with pytest.raises(GithubException) as exc:
        pr.create_review(commit=pr.get_commits()[0], event="COMMENT",
                         comments=[{"path": "app.py", "line": 9, "body": "x"}])
    assert exc.value.status == 422
    r = requests.post(f"{gh.base_url}/repos/{REPO}/pulls/5/reviews", headers={"Authorization": f"Bearer {TOKEN}"},
                      json={"commit_id": "d" * 40, "event": "COMMENT", "body": "x"}, timeout=10)
    assert r.status_code == 422 and len(gh.reviews(REPO, 5)) == 2


def test_review_rules_pending_self_approval_and_body_limit(gh, pager):
    g = client(gh)
    pr = g.get_repo(REPO).get_pull(7)
    with pytest.raises(GithubException) as exc:
        pr.create_review(body="x" * 65537, event="COMMENT")
    assert exc.value.status == 422 and "too long" in exc.value.data["errors"][0]
    pending = pr.create_review(body="draft")
    assert pending.state == "PENDING" and "submitted_at" not in pending.raw_data
    with pytest.raises(GithubException, match="one pending review"):
        pr.create_review(body="another draft")
    gh.add_token("ghp_alice", "alice")
    assert [r.state for r in client(gh, "ghp_alice").get_repo(REPO).get_pull(7).get_reviews()] == []
    with pytest.raises(GithubException, match="Can not approve your own pull request"):
        client(gh, "ghp_alice").get_repo(REPO).get_pull(7).create_review(event="APPROVE")
    approved = pr.create_review(event="APPROVE")
    assert approved.state == "APPROVED" and approved.body == ""
    assert [r["state"] for r in gh.reviews(REPO, 7)] == ["PENDING", "APPROVED"]


def test_pending_review_can_be_deleted_a_submitted_one_cannot(gh, pager):
    ln = Lines(pager)
    pr = client(gh).get_repo(REPO).get_pull(7)
    pending = pr.create_review(comments=[{"path": ln.path, "line": ln.single.target_line_no, "body": "probe"}])
    assert pending.state == "PENDING" and len(gh.review_comments(REPO, 7)) == 1
    pending.delete()
    assert gh.reviews(REPO, 7) == [] and gh.review_comments(REPO, 7) == []
    submitted = pr.create_review(body="done", event="COMMENT")
    with pytest.raises(GithubException) as exc:
        submitted.delete()
    assert exc.value.status == 422 and exc.value.data["errors"] == ["Can not delete a non-pending pull request review"]
    with pytest.raises(UnknownObjectException):
        pending.delete()
    assert [r["state"] for r in gh.reviews(REPO, 7)] == ["COMMENTED"]


def test_single_review_comment_endpoint_and_replies(gh, pager):
    ln = Lines(pager)
    repo = client(gh).get_repo(REPO)
    pr = repo.get_pull(7)
    commit = repo.get_commit(HEAD)
    assert commit.sha == HEAD and commit.files.totalCount == 3
    c = pr.create_review_comment("multi", commit, ln.path, line=ln.multi_end.target_line_no,
                                 start_line=ln.multi_start.target_line_no, side="RIGHT", start_side="RIGHT")
    assert c.line == ln.multi_end.target_line_no and c.pull_request_review_id is not None
    reply = pr.create_review_comment("a reply", commit, ln.path, line=c.line, in_reply_to=c.id)
    assert reply.in_reply_to_id == c.id and reply.path == ln.path and reply.line == c.line
    with pytest.raises(GithubException) as exc:
        pr.create_review_comment("bad", commit, ln.path, line=ln.gap)
    assert exc.value.status == 422 and exc.value.data["message"] == "Validation Failed"
    assert exc.value.data["errors"] == [{"resource": "PullRequestReviewComment", "code": "custom",
                                         "field": "pull_request_review_thread.line",
                                         "message": "could not be resolved"}]
    assert [x["body"] for x in gh.review_comments(REPO, 7)] == ["multi", "a reply"]
    legacy = requests.post(f"{gh.base_url}/repos/{REPO}/pulls/7/comments", headers={"Authorization": f"token {TOKEN}"},
                           json={"commit_id": HEAD, "path": ln.path, "position": 1, "body": "by position"},
                           timeout=10).json()
    assert legacy["position"] == 1 and legacy["line"] is not None


def test_issue_comment_create_edit_and_read(gh, pager):
    pr = client(gh).get_repo(REPO).get_pull(7)
    comment = pr.create_issue_comment("First pass: 3 findings")
    assert comment.user.login == "review-bot" and comment.body == "First pass: 3 findings"
    comment.edit("Second pass: 1 finding")
    assert [c["body"] for c in gh.issue_comments(REPO, 7)] == ["Second pass: 1 finding"]
    assert pr.get_issue_comment(comment.id).body == "Second pass: 1 finding"
    assert [c.id for c in pr.get_issue_comments()] == [comment.id]
    post, patch = gh.writes
    assert (post.method, post.path, post.json) == ("POST", f"/repos/{REPO}/issues/7/comments",
                                                   {"body": "First pass: 3 findings"})
    assert (patch.method, patch.path) == ("PATCH", f"/repos/{REPO}/issues/comments/{comment.id}")
    with pytest.raises(GithubException) as exc:
        pr.create_issue_comment("x" * 65537)
    assert exc.value.status == 422 and exc.value.data["errors"][0]["field"] == "body"


# -- auth, errors, faults, headers ---------------------------------------------------------------

def test_bad_credentials_and_missing_token_are_401(gh, pager):
    with pytest.raises(BadCredentialsException) as exc:
        client(gh, "ghp_wrong").get_repo(REPO)
    assert exc.value.status == 401 and exc.value.data["message"] == "Bad credentials"
    r = raw_get(gh, f"/repos/{REPO}", token=None)
    assert r.status_code == 401 and r.json()["message"] == "Requires authentication"


def test_unknown_repo_and_pull_are_404(gh, pager):
    g = client(gh)
    with pytest.raises(UnknownObjectException):
        g.get_repo("octo/nope")
    with pytest.raises(UnknownObjectException) as exc:
        g.get_repo(REPO).get_pull(404)
    assert exc.value.data["message"] == "Not Found" and exc.value.data["status"] == "404"


def test_fault_injection_rate_limits_and_server_errors(gh, pager):
    pr = client(gh).get_repo(REPO).get_pull(7)
    gh.fail_next("POST", rf"/repos/{REPO}/pulls/7/reviews", status=403, headers={"Retry-After": "1"})
    with pytest.raises(RateLimitExceededException) as exc:
        pr.create_review(body="hi", event="COMMENT")
    assert exc.value.status == 403 and exc.value.headers["retry-after"] == "1"
    assert exc.value.data["message"].startswith("You have exceeded a secondary rate limit")
    assert gh.reviews(REPO, 7) == []
    pr.create_review(body="hi", event="COMMENT")  # times=1: the next one goes through
    assert len(gh.reviews(REPO, 7)) == 1
    gh.fail_next("GET", r"/repos/.*/pulls/\d+", status=403, kind="primary")
    with pytest.raises(RateLimitExceededException) as exc:
        client(gh).get_repo(REPO).get_pull(7)
    assert exc.value.headers["x-ratelimit-remaining"] == "0" and int(exc.value.headers["x-ratelimit-reset"]) > 0
    assert exc.value.data["message"].startswith("API rate limit exceeded")
    gh.fail_next("*", r"/repos/octo/demo", status=502, times=2)
    for _ in range(2):
        with pytest.raises(GithubException) as exc:
            client(gh).get_repo(REPO)
        assert exc.value.status == 502 and exc.value.data == {"message": "Server Error"}
    assert client(gh).get_repo(REPO).full_name == REPO
    gh.fail_next("GET", rf"/repos/{REPO}", status=429)
    assert raw_get(gh, f"/repos/{REPO}").status_code == 429
    assert [q.status for q in gh.requests if q.path == f"/repos/{REPO}"][-4:] == [502, 502, 200, 429]


def test_every_response_carries_rate_limit_and_request_id_headers(gh, pager):
    before = gh.rate_used
    for path in (f"/repos/{REPO}", f"/repos/{REPO}/pulls/7", f"/repos/{REPO}/nope", "/user"):
        h = raw_get(gh, path).headers
        for name in ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "X-RateLimit-Used",
                     "X-RateLimit-Resource", "X-GitHub-Request-Id", "Content-Type"):
            assert name in h, (path, name)
    assert gh.rate_used == before + 4 and h["X-RateLimit-Used"] == str(gh.rate_used)
    gh.rate_limit = gh.rate_used  # spent: GitHub answers its primary rate limit
    with pytest.raises(RateLimitExceededException):
        client(gh).get_repo(REPO)
    assert raw_get(gh, "/rate_limit").json()["rate"]["remaining"] == 0


def test_seeded_past_comments_list_across_pulls(gh):
    text = built("python-change")
    users = ["alice", "bob", "carol", "dave"]
    anchors = [(f.path, ln.target_line_no) for f in unidiff.PatchSet(text) for h in f for ln in h if ln.is_added]
    for number in (11, 12, 13):
        gh.add_pull(REPO, number=number, diff=text, head_sha=f"{number:040d}")
        for i in range(100):
            path, line = anchors[i % len(anchors)]
            gh.add_review_comment(REPO, number, path=path, line=line, body=f"nit {number}-{i}",
                                  user=users[i % len(users)])
    with pytest.raises(ValueError):
        gh.add_review_comment(REPO, 11, path=anchors[0][0], line=99999, body="x", user="alice")
    g = client(gh, per_page=100)
    comments = list(g.get_repo(REPO).get_pulls_review_comments(sort="created", direction="asc"))
    assert len(comments) == 300 and comments[0].body == "nit 11-0" and comments[-1].body == "nit 13-99"
    assert {c.user.login for c in comments} == set(users)
    assert sum(c.user.login == "carol" for c in comments) == 75
    newest = raw_get(gh, f"/repos/{REPO}/pulls/comments?sort=created&direction=desc&per_page=5").json()
    assert [c["body"] for c in newest] == [f"nit 13-{i}" for i in (99, 98, 97, 96, 95)]
    since = comments[250].created_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert len(list(g.get_repo(REPO).get_pulls_review_comments(since=comments[250].created_at))) == 50, since
    assert len(list(g.get_repo(REPO).get_pull(12).get_review_comments())) == 100


# -- shapes against recorded GitHub exchanges ----------------------------------------------------

def parse_recording(path: Path) -> list[dict]:
    """PyGithub's replay format: per exchange ten lines (scheme, method, host, port, path, request headers,
    request body, status, response headers, response body), exchanges separated by blank lines."""
    lines, out, i = path.read_text(encoding="utf-8").split("\n"), [], 0
    while i + 10 <= len(lines):
        if not lines[i].strip():
            i += 1
            continue
        _, method, _, _, url, _, req, status, headers, body = lines[i:i + 10]
        i += 10
        out.append({"method": method, "path": url, "request": None if req == "None" else json.loads(req),
                    "status": int(status), "headers": dict(ast.literal_eval(headers)), "body": body})
    return out


def shape_gaps(recorded, ours, where="$") -> list[str]:
    """Keys (recursively; first element of lists) the recorded document has and ours lacks, or type clashes.

    null on either side matches anything: nullable fields are null in some states.
    """
    if recorded is None or ours is None:
        return []
    if isinstance(recorded, dict):
        if not isinstance(ours, dict):
            return [f"{where}: object expected"]
        return [gap for k, v in recorded.items()
                for gap in ([f"{where}.{k}"] if k not in ours else shape_gaps(v, ours[k], f"{where}.{k}"))]
    if isinstance(recorded, list):
        if not isinstance(ours, list):
            return [f"{where}: array expected"]
        return shape_gaps(recorded[0], ours[0], f"{where}[0]") if recorded and ours else []
    kind = (lambda v: "bool" if isinstance(v, bool) else "number" if isinstance(v, (int, float)) else type(v).__name__)
    return [] if kind(recorded) == kind(ours) else [f"{where}: {kind(ours)} instead of {kind(recorded)}"]


# (recording, exchange index) -> how to ask the fake the same thing: (method, path, json body, fault).
# {line}/{start}/{path}/{cid}/{rid}/{head} are filled from the fake's state below.
SHAPE_CASES = {
    ("PullRequest.setUp", 0): ("GET", "/repos/octo/demo", None, None),
    **{("PullRequest.setUp", i): ("GET", "/repos/octo/demo/pulls/7", None, None) for i in (1, 2, 3, 4, 5, 7)},
    ("PullRequest.setUp", 9): ("GET", "/repos/octo/demo/pulls/8", None, None),  # recorded one is merged
    ("PullRequest.setUp", 6): ("GET", "/repos/octo/demo", None, None),
    ("PullRequest.setUp", 8): ("GET", "/repos/octo/demo", None, None),
    ("PullRequest.testCreateComment", 0): ("GET", "/repos/octo/demo/commits/{head}", None, None),
    ("PullRequest.testCreateComment", 1): ("POST", "/repos/octo/demo/pulls/7/comments",
                                           {"body": "c", "commit_id": "{head}", "line": "{line}", "path": "{path}"},
                                           None),
    ("PullRequest.testCreateMultilineReviewComment", 1): (
        "POST", "/repos/octo/demo/pulls/7/comments",
        {"body": "c", "commit_id": "{head}", "line": "{line}", "start_line": "{start}", "path": "{path}"}, None),
    ("PullRequest.testCreateReviewCommentInReplyTo", 1): (
        "POST", "/repos/octo/demo/pulls/7/comments",
        {"body": "c", "commit_id": "{head}", "line": "{line}", "path": "{path}", "in_reply_to": "{cid}"}, None),
    ("PullRequest.testCreateReviewCommentSubjectType", 1): (
        "POST", "/repos/octo/demo/pulls/7/comments",
        {"body": "c", "commit_id": "{head}", "path": "{path}", "subject_type": "file"}, None),
    ("PullRequest.testCreateIssueComment", 0): ("POST", "/repos/octo/demo/issues/7/comments", {"body": "c"}, None),
    ("PullRequest.testGetComments", 0): (
        "GET", "/repos/octo/demo/pulls/7/comments?sort=updated&direction=desc&since=1970-01-01T00%3A00%3A00Z",
        None, None),
    ("PullRequest.testGetCommits", 0): ("GET", "/repos/octo/demo/pulls/7/commits", None, None),
    ("PullRequest.testGetFiles", 0): ("GET", "/repos/octo/demo/pulls/7/files", None, None),
    ("PullRequest.testGetIssueComments", 0): ("GET", "/repos/octo/demo/issues/7/comments", None, None),
    ("PullRequest1169.setUp", 0): ("GET", "/repos/octo/demo/pulls/7", None, None),
    ("PullRequest1169.testReviewApproveWithoutBody", 0): (
        "POST", "/repos/octo/demo/pulls/7/reviews", {"event": "APPROVE", "comments": []}, None),
    # Recorded in 2018 without "event", which GitHub then treated as COMMENT; today that makes a
    # PENDING review (no submitted_at), so the fake is asked with the event the recording got.
    ("PullRequestReview.setUp", 0): ("POST", "/repos/octo/demo/pulls/7/reviews",
                                     {"commit_id": "{head}", "body": "r", "event": "COMMENT", "comments": []}, None),
    ("PullRequestReview.setUp", 1): ("GET", "/repos/octo/demo/pulls/7/reviews/{rid}", None, None),
    ("PullRequestReview.testAttributes", 0): ("GET", "/repos/octo/demo/pulls/7/reviews", None, None),
    ("RateLimiting.testRateLimiting", 0): ("GET", "/rate_limit", None, None),
    ("RateLimiting.testRateLimiting", 1): ("GET", "/users/alice", None, None),
    ("Retry.testReturnsRepoAfter3Retries", 3): ("GET", "/repos/octo/demo", None, None),
    ("SpecificExceptions.testAuthenticatedRateLimitExceeded", 1): ("GET", "/repos/octo/demo", None, 403),
}
for _name in ("PullRequest.testCreateMultilineReviewCommentAsSuggestion",
              "PullRequest.testCreateMultilineReviewCommentChoosingSide"):
    SHAPE_CASES[(_name, 1)] = SHAPE_CASES[("PullRequest.testCreateMultilineReviewComment", 1)]
for _name in ("PullRequest.testCreateComment", "PullRequest.testCreateMultilineReviewComment",
              "PullRequest.testCreateMultilineReviewCommentAsSuggestion",
              "PullRequest.testCreateMultilineReviewCommentChoosingSide",
              "PullRequest.testCreateReviewCommentInReplyTo", "PullRequest.testCreateReviewCommentSubjectType"):
    SHAPE_CASES[(_name, 0)] = SHAPE_CASES[("PullRequest.testCreateComment", 0)]
SHAPE_CASES[("PullRequest.testGetReviewComments", 0)] = SHAPE_CASES[("PullRequest.testGetComments", 0)]

# Exchanges deliberately not compared, and why.
NOT_COMPARED = {
    **{("Retry.testReturnsRepoAfter3Retries", i): "PyGithub's test wrote this 502 body by hand ({'error': ...}); "
       "GitHub's JSON 5xx bodies carry 'message' (the fake answers {'message': 'Server Error'})" for i in (0, 1, 2)},
    ("SpecificExceptions.testAuthenticatedRateLimitExceeded", 0): "code search is not an endpoint the fake serves",
}

# Keys GitHub has stopped sending since a recording was made, or that only some objects have.
ALLOWED_GAPS = {
    # Only forks carry their parent and source repositories; the fake's repositories are no forks.
    ("PullRequest.setUp", 6): {"$.parent", "$.source"},
    ("PullRequest.setUp", 8): {"$.parent", "$.source"},
}


def _all_exchanges():
    if not RECORDED.is_dir():
        return []
    return [(f.stem, i) for f in sorted(RECORDED.glob("*.txt")) for i in range(len(parse_recording(f)))]


@pytest.fixture(scope="module")
def shape_fake():
    text = built("python-change")
    with FakeGitHub(token=TOKEN) as fake:
        fake.add_repo(REPO, organization=True, collaborators=("bob",))
        fake.add_pull(REPO, number=7, diff=text, user="alice", head_sha=HEAD)
        fake.add_pull(REPO, number=8, diff=text, user="alice", merged=True)
        ln = Lines(text)
        seed = fake.add_review_comment(REPO, 7, path=ln.path, line=ln.single.target_line_no, body="seed", user="bob")
        fake.add_review_comment(REPO, 7, path=ln.path, line=ln.single.target_line_no, body="reply", user="alice",
                                in_reply_to=seed["id"])
        fake.add_issue_comment(REPO, 7, body="hello", user="bob")
        review = fake.add_review(REPO, 7, user="bob", body="ok", state="APPROVED")
        values = {"head": HEAD, "path": ln.path, "line": ln.multi_end.target_line_no,
                  "start": ln.multi_start.target_line_no, "cid": seed["id"], "rid": review["id"]}
        yield fake, values


def _fill(value, values):
    if isinstance(value, dict):
        return {k: _fill(v, values) for k, v in value.items()}
    if isinstance(value, str) and value.startswith("{") and value.endswith("}") and value[1:-1] in values:
        return values[value[1:-1]]
    return value.format(**values) if isinstance(value, str) else value


ACCOUNTED = ("every recorded exchange", 0)  # the first case: each recording is compared or excused


@pytest.mark.parametrize("case", [ACCOUNTED, *sorted(SHAPE_CASES)] if RECORDED.is_dir() else [None],
                         ids=lambda c: f"{c[0]}#{c[1]}" if c else "recordings-absent")
def test_response_shape_matches_recorded_github(shape_fake, case):
    if case is None:  # one skip, not one per exchange
        pytest.skip(f"recorded GitHub exchanges {RECORDED} are absent")
    if case == ACCOUNTED:
        unaccounted = [e for e in _all_exchanges() if e not in SHAPE_CASES and e not in NOT_COMPARED]
        assert unaccounted == []
        return
    path = RECORDED / f"{case[0]}.txt"
    if not path.is_file():
        pytest.skip(f"recorded GitHub exchange {path} is absent")
    recorded = parse_recording(path)[case[1]]
    fake, values = shape_fake
    method, url, body, fault = SHAPE_CASES[case]
    if fault:
        fake.fail_next(method, url, status=fault)
    r = requests.request(method, fake.base_url + _fill(url, values), json=_fill(body, values),
                         headers={"Authorization": f"token {TOKEN}"}, timeout=10)
    assert r.status_code == recorded["status"], r.text
    ours, theirs = r.json(), json.loads(recorded["body"])
    if isinstance(theirs, list) and theirs:
        assert ours, "the fake answered an empty list; nothing to compare"
    gaps = set(shape_gaps(theirs, ours))
    assert gaps <= ALLOWED_GAPS.get(case, set()), sorted(gaps)
