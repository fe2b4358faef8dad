"""Endpoint handlers of the fake GitHub server (see github.py), with GitHub's error bodies.

Each handler runs under the fake's lock and returns ``(status, body, headers)``;
an error is raised as ``Fail``. ``body`` is JSON-able, or bytes sent as they are.
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qsl, urlencode

from . import github_json as J
from .github_diff import AnchorError

DOCS = "https://docs.github.com/rest"
DOC_PULL = f"{DOCS}/pulls/pulls#get-a-pull-request"
DOC_FILES = f"{DOCS}/pulls/pulls#list-pull-requests-files"
DOC_REVIEW = f"{DOCS}/pulls/reviews#create-a-review-for-a-pull-request"
DOC_COMMENT = f"{DOCS}/pulls/comments#create-a-review-comment-for-a-pull-request"
DOC_ISSUE_COMMENT = f"{DOCS}/issues/comments#create-an-issue-comment"
MAX_BODY = 65536
MAX_FILES_LISTED = 3000
MAX_COMMITS_LISTED = 250
EVENTS = {"APPROVE": "APPROVED", "REQUEST_CHANGES": "CHANGES_REQUESTED", "COMMENT": "COMMENTED"}
TOO_LONG = f"is too long (maximum is {MAX_BODY} characters)"
RATE_RESOURCES = ("core", "search", "graphql", "integration_manifest", "source_import", "code_scanning_upload",
                  "actions_runner_registration", "scim", "dependency_snapshots")


class Fail(Exception):
    def __init__(self, status: int, body: Any, headers: dict | None = None):
        super().__init__(status)
        self.status, self.body, self.headers = status, body, headers or {}


def error(status: int, message: str, doc: str = DOCS, errors: list | None = None) -> Fail:
    body: dict[str, Any] = {"message": message}
    if errors is not None:
        body["errors"] = errors
    body.update({"documentation_url": doc, "status": str(status)})
    return Fail(status, body)


def not_found(doc: str = DOCS) -> Fail:
    return error(404, "Not Found", doc)


def iso(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> datetime | None:
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def _int(text: str | None, default: int) -> int:
    try:
        return int(text) if text not in (None, "") else default
    except ValueError:
        return default


class Ctx:
    """One request: its fake, record, authenticated login and API path."""

    def __init__(self, fake, rec, login: str, path: str, raw_query: str):
        self.fake, self.rec, self.login, self.path, self.raw_query = fake, rec, login, path, raw_query
        self.q = rec.query
        self.body = rec.json if isinstance(rec.json, dict) else {}

    # -- helpers ---------------------------------------------------------
    def _repo(self, repo: str):
        r = self.fake._repos.get(repo)
        if r is None:
            raise not_found(f"{DOCS}/repos/repos#get-a-repository")
        return r

    def _pull(self, repo: str, n: str):
        r = self._repo(repo)
        pr = r.pulls.get(int(n))
        if pr is None:
            raise not_found(DOC_PULL)
        return r, pr

    def _page(self, r, items: list, render) -> tuple[int, list, dict]:
        """One page of ``items`` (per_page default 30, at most 100) and GitHub's Link header."""
        per_page = min(max(_int(self.q.get("per_page"), 30), 1), 100)
        page = max(_int(self.q.get("page"), 1), 1)
        last = max(1, math.ceil(len(items) / per_page))
        chunk = items[(page - 1) * per_page: page * per_page]
        params = [(k, v) for k, v in parse_qsl(self.raw_query, keep_blank_values=True) if k != "page"]
        base = self.fake.base_url + re.sub(r"^/repos/[^/]+/[^/]+", f"/repositories/{r.id}", self.path)

        def link(p: int, rel: str) -> str:
            return f'<{base}?{urlencode([*params, ("page", str(p))])}>; rel="{rel}"'

        links = []
        if page > 1:
            links.append(link(min(page - 1, last), "prev"))
        if page < last:
            links += [link(page + 1, "next"), link(last, "last")]
        if page > 1:
            links.append(link(1, "first"))
        return 200, [render(x) for x in chunk], ({"Link": ", ".join(links)} if links else {})

    def _sorted(self, comments: list[dict]) -> list[dict]:
        """GitHub's sort/direction/since of review-comment lists (without sort: oldest first)."""
        since = parse_time(self.q["since"]) if self.q.get("since") else None
        if since is not None:
            comments = [c for c in comments if parse_time(c["updated_at"]) >= since]
        sort = self.q.get("sort")
        if sort not in ("created", "updated"):
            return sorted(comments, key=lambda c: c["id"])
        key = "created_at" if sort == "created" else "updated_at"
        return sorted(comments, key=lambda c: (c[key], c["id"]), reverse=self.q.get("direction") != "asc")

    def _hidden_reviews(self, pr) -> set[int]:
        """Pending reviews are visible to their author only."""
        return {rv["id"] for rv in pr.reviews if rv["state"] == "PENDING" and rv["user"] != self.login}

    def _visible_comments(self, pr) -> list[dict]:
        hidden = self._hidden_reviews(pr)
        return [c for c in pr.comments if c["review_id"] not in hidden]

    def _text(self, resource: str, doc: str) -> str:
        """The request's required, non-blank ``body``, at most 65536 characters."""
        body = self.body.get("body")
        if body is None or body == "":
            raise error(422, "Validation Failed", doc, [{"resource": resource, "code": "missing_field",
                                                         "field": "body"}])
        if not isinstance(body, str):
            raise error(422, "Validation Failed", doc, [{"resource": resource, "code": "invalid", "field": "body"}])
        if len(body) > MAX_BODY:
            raise error(422, "Validation Failed", doc, [{"resource": resource, "code": "custom", "field": "body",
                                                         "message": f"body {TOO_LONG}"}])
        return body

    def _issue_comment(self, repo: str, cid: str):
        hit = self.fake._issue_comment_index.get(int(cid))
        if hit is None or hit[0].full_name != repo:
            raise not_found(f"{DOCS}/issues/comments#get-an-issue-comment")
        return hit

    def _created(self, doc: dict) -> tuple[int, dict, dict]:
        return 201, doc, {"Location": doc["url"]}

    # -- users, repos, rate limit -------------------------------------------
    def get_user(self):
        uid = self.fake._user_id(self.login)
        return 200, {**J.user_full(self.fake._urls, self.login, uid), "private_gists": 0,
                     "total_private_repos": 0, "owned_private_repos": 0, "disk_usage": 0, "collaborators": 0,
                     "two_factor_authentication": True,
                     "plan": {"name": "pro", "space": 976562499, "collaborators": 0, "private_repos": 9999}}, {}

    def get_user_by_login(self, login: str):
        if login not in self.fake._users:
            raise not_found(f"{DOCS}/users/users#get-a-user")
        kind = "Organization" if login in self.fake._orgs else None
        return 200, J.user_full(self.fake._urls, login, self.fake._user_id(login), kind), {}

    def get_rate_limit(self):
        f = self.fake
        core = {"limit": f.rate_limit, "used": f.rate_used, "remaining": max(0, f.rate_limit - f.rate_used),
                "reset": f.rate_reset}
        resources = {k: ({"limit": 5000, "used": 0, "remaining": 5000, "reset": f.rate_reset} if k != "core"
                         else core) for k in RATE_RESOURCES}
        return 200, {"resources": resources, "rate": core}, {}

    def get_repo(self, repo: str):
        return 200, self.fake._repo_json(self._repo(repo), full=True), {}

    # -- pull requests ----------------------------------------------------
    def get_pull(self, repo: str, n: str):
        r, pr = self._pull(repo, n)
        accept = self.rec.headers.get("accept", "")
        if "diff" not in accept:
            return 200, self.fake._pull_json(r, pr), {}
        diff, f = pr.diff, self.fake
        if len(diff.files) > f.diff_limit_files:
            raise error(406, f"Sorry, the diff exceeded the maximum number of files ({f.diff_limit_files}). "
                             "Consider using 'List pull requests files' API or locally cloning the repository "
                             "instead.", DOC_FILES, [{"resource": "PullRequest", "field": "diff", "code": "too_large"}])
        if diff.line_count > f.diff_limit_lines or (f.diff_limit_bytes is not None and
                                                    diff.size_bytes > f.diff_limit_bytes):
            raise error(406, f"Sorry, the diff exceeded the maximum number of lines ({f.diff_limit_lines})",
                        DOC_PULL, [{"resource": "PullRequest", "field": "diff", "code": "too_large"}])
        media = "application/vnd.github.v3.diff" if "v3.diff" in accept else "application/vnd.github.diff"
        return 200, diff.text.encode("utf-8"), {"Content-Type": f"{media}; charset=utf-8",
                                                "X-GitHub-Media-Type": "github.v3; param=diff; format=diff"}

    def list_files(self, repo: str, n: str):
        r, pr = self._pull(repo, n)
        files = pr.diff.files[:MAX_FILES_LISTED]
        return self._page(r, files, lambda f: J.pr_file(self.fake._urls, r.full_name, pr.head_sha, f,
                                                        self.fake.patch_limit_bytes))

    def list_commits(self, repo: str, n: str):
        r, pr = self._pull(repo, n)
        return self._page(r, pr.revisions[:MAX_COMMITS_LISTED], lambda rev: self.fake._commit_json(r, pr, rev))

    def get_commit(self, repo: str, sha: str):
        r = self._repo(repo)
        for pr in r.pulls.values():
            for rev in pr.revisions:
                if len(sha) >= 7 and rev.commit.sha.startswith(sha.lower()):
                    return 200, self.fake._commit_json(r, pr, rev, with_files=True), {}
        raise error(422, f"No commit found for SHA: {sha}", f"{DOCS}/commits/commits#get-a-commit")

    # -- reviews ----------------------------------------------------------
    def list_reviews(self, repo: str, n: str):
        r, pr = self._pull(repo, n)
        hidden = self._hidden_reviews(pr)
        return self._page(r, [rv for rv in pr.reviews if rv["id"] not in hidden],
                          lambda rv: self.fake._review_json(r, pr, rv))

    def get_review(self, repo: str, n: str, rid: str):
        r, pr = self._pull(repo, n)
        rv = next((rv for rv in pr.reviews if rv["id"] == int(rid)), None)
        if rv is None or rv["id"] in self._hidden_reviews(pr):
            raise not_found(f"{DOCS}/pulls/reviews#get-a-review-for-a-pull-request")
        return 200, self.fake._review_json(r, pr, rv), {}

    def create_review(self, repo: str, n: str):
        r, pr = self._pull(repo, n)
        b = self.body
        rev = pr.revision(b.get("commit_id") or pr.head_sha)
        if rev is None:
            raise error(422, "Unprocessable Entity", DOC_REVIEW, ["commit_id is not part of the pull request"])
        event = b.get("event") or None
        if event is not None and event not in EVENTS:
            raise error(422, "Unprocessable Entity", DOC_REVIEW, ["Event is not included in the list"])
        body = b.get("body") or ""
        if not isinstance(body, str) or len(body) > MAX_BODY:
            raise error(422, "Unprocessable Entity", DOC_REVIEW, [f"Body {TOO_LONG}"])
        comments = b.get("comments") or []
        if not isinstance(comments, list) or not all(isinstance(c, dict) for c in comments):
            raise error(422, "Invalid request.\n\nFor 'properties/comments', is not an array of objects.", DOC_REVIEW)
        if event in ("APPROVE", "REQUEST_CHANGES") and pr.user == self.login:
            verb = "approve" if event == "APPROVE" else "request changes on"
            raise error(422, "Unprocessable Entity", DOC_REVIEW, [f"Can not {verb} your own pull request"])
        if (event == "REQUEST_CHANGES" and not body) or (event == "COMMENT" and not body and not comments):
            raise error(422, "Unprocessable Entity", DOC_REVIEW, ["Body can't be blank"])
        if event is None and any(rv["state"] == "PENDING" and rv["user"] == self.login for rv in pr.reviews):
            raise error(422, "Unprocessable Entity", DOC_REVIEW,
                        ["User can only have one pending review per pull request"])
        locations = []
        for c in comments:  # all or nothing: validate every comment before storing anything
            if len(str(c.get("body") or "")) > MAX_BODY:
                raise error(422, "Unprocessable Entity", DOC_REVIEW, [f"Body {TOO_LONG}"])
            try:
                locations.append(rev.diff.resolve(c))
            except AnchorError as e:
                raise error(422, "Unprocessable Entity", DOC_REVIEW, [str(e)]) from None
        state = EVENTS[event] if event else "PENDING"
        rv = self.fake._store_review(pr, self.login, body, state, rev.commit.sha)
        for c, loc in zip(comments, locations):
            self.fake._store_comment(r, pr, rv["id"], self.login, str(c.get("body") or ""), rev, loc, None, None)
        return 200, self.fake._review_json(r, pr, rv), {}

    def delete_review(self, repo: str, n: str, rid: str):
        """GitHub deletes pending reviews only (with their comments); a submitted one answers 422."""
        r, pr = self._pull(repo, n)
        rv = next((rv for rv in pr.reviews if rv["id"] == int(rid)), None)
        doc = f"{DOCS}/pulls/reviews#delete-a-pending-review-for-a-pull-request"
        if rv is None or rv["id"] in self._hidden_reviews(pr):
            raise not_found(doc)
        if rv["state"] != "PENDING":
            raise error(422, "Unprocessable Entity", doc, ["Can not delete a non-pending pull request review"])
        out = self.fake._review_json(r, pr, rv)
        pr.reviews.remove(rv)
        pr.comments[:] = [c for c in pr.comments if c["review_id"] != rv["id"]]
        return 200, out, {}

    # -- review comments --------------------------------------------------
    def list_pull_comments(self, repo: str, n: str):
        r, pr = self._pull(repo, n)
        return self._page(r, self._sorted(self._visible_comments(pr)), lambda c: self.fake._comment_json(r, c))

    def list_repo_comments(self, repo: str):
        r = self._repo(repo)
        comments = [c for pr in r.pulls.values() for c in self._visible_comments(pr)]
        return self._page(r, self._sorted(comments), lambda c: self.fake._comment_json(r, c))

    def create_pull_comment(self, repo: str, n: str):
        r, pr = self._pull(repo, n)
        b = self.body
        body = self._text("PullRequestReviewComment", DOC_COMMENT)
        if b.get("in_reply_to") is not None:
            return self._reply(r, pr, _int(str(b["in_reply_to"]), -1), body)
        for key in ("commit_id", "path"):
            if not b.get(key):
                raise error(422, "Validation Failed", DOC_COMMENT, [{"resource": "PullRequestReviewComment",
                                                                     "code": "missing_field", "field": key}])
        rev = pr.revision(b["commit_id"])
        if rev is None:
            raise error(422, "Validation Failed", DOC_COMMENT, [
                {"resource": "PullRequestReviewComment", "code": "invalid", "field": "commit_id",
                 "message": "commit_id is not part of the pull request"}])
        try:
            loc = rev.diff.resolve(b)
        except AnchorError as e:
            name, message = e.field_error
            raise error(422, "Validation Failed", DOC_COMMENT, [
                {"resource": "PullRequestReviewComment", "code": "custom",
                 "field": f"pull_request_review_thread.{name}", "message": message}]) from None
        rv = self.fake._store_review(pr, self.login, "", "COMMENTED", rev.commit.sha)
        c = self.fake._store_comment(r, pr, rv["id"], self.login, body, rev, loc, None, None)
        return self._created(self.fake._comment_json(r, c))

    def _reply(self, r, pr, parent_id: int, body: str):
        loc = self.fake._reply_location(pr, parent_id)
        if loc is None:
            raise not_found(f"{DOCS}/pulls/comments#create-a-reply-for-a-review-comment")
        parent = next(c for c in pr.comments if c["id"] == parent_id)
        rev = pr.revision(parent["original_commit_id"]) or pr.revisions[-1]
        rv = self.fake._store_review(pr, self.login, "", "COMMENTED", pr.head_sha)
        c = self.fake._store_comment(r, pr, rv["id"], self.login, body, rev, loc, None, parent_id)
        c.update(line=parent["line"], start_line=parent["start_line"], position=parent["position"],
                 commit_id=parent["commit_id"])
        return self._created(self.fake._comment_json(r, c))

    # -- issue comments ---------------------------------------------------
    def list_issue_comments(self, repo: str, n: str):
        r, pr = self._pull(repo, n)
        since = parse_time(self.q["since"]) if self.q.get("since") else None
        items = [c for c in pr.issue_comments if since is None or parse_time(c["updated_at"]) >= since]
        return self._page(r, items, lambda c: self.fake._issue_comment_json(r, c))

    def create_issue_comment(self, repo: str, n: str):
        r, pr = self._pull(repo, n)
        body = self._text("IssueComment", DOC_ISSUE_COMMENT)
        return self._created(self.fake._issue_comment_json(r, self.fake._store_issue_comment(r, pr, self.login,
                                                                                             body, None)))

    def get_issue_comment(self, repo: str, cid: str):
        r, _, c = self._issue_comment(repo, cid)
        return 200, self.fake._issue_comment_json(r, c), {}

    def edit_issue_comment(self, repo: str, cid: str):
        r, _, c = self._issue_comment(repo, cid)
        c.update(body=self._text("IssueComment", DOC_ISSUE_COMMENT), updated_at=self.fake._tick())
        return 200, self.fake._issue_comment_json(r, c), {}

    # -- check runs (docs.github.com/rest/checks/runs) --------------------------------------
    def _check_output(self, run: dict) -> None:
        """Validate and apply ``output``: title and summary required; at most 50 annotations a
        request, each with path, start_line, end_line, a known level and a message; appended."""
        out = self.body.get("output")
        if out is None:
            return
        if not isinstance(out, dict) or not out.get("title") or not out.get("summary"):
            raise error(422, "Invalid request.\n\n\"title\", \"summary\" weren't supplied.", DOC_CHECKS)
        notes = out.get("annotations") or []
        if len(notes) > 50:
            raise error(422, "Only 50 annotations can be sent per request.", DOC_CHECKS)
        for a in notes:
            if not all(a.get(k) for k in ("path", "start_line", "end_line", "message")) or \
                    a.get("annotation_level") not in ("notice", "warning", "failure"):
                raise error(422, "Invalid request.\n\nFor 'properties/annotations', an annotation is incomplete.",
                            DOC_CHECKS)
            if a["end_line"] < a["start_line"]:
                raise error(422, "Invalid request.\n\nend_line must be at or after start_line.", DOC_CHECKS)
        run["output"].update(title=out["title"], summary=out["summary"], text=out.get("text"))
        run["annotations"] += notes

    def _check_status(self, run: dict) -> None:
        status = self.body.get("status", run["status"])
        conclusion = self.body.get("conclusion", run["conclusion"])
        if status not in ("queued", "in_progress", "completed"):
            raise error(422, "Invalid request.\n\nstatus is not included in the list.", DOC_CHECKS)
        if conclusion is not None and conclusion not in CONCLUSIONS:
            raise error(422, "Invalid request.\n\nconclusion is not included in the list.", DOC_CHECKS)
        if conclusion is not None:
            status = "completed"
        if status == "completed" and conclusion is None:
            raise error(422, "Invalid request.\n\nconclusion can't be blank when status is completed.", DOC_CHECKS)
        run.update(status=status, conclusion=conclusion,
                   completed_at=self.fake._tick() if status == "completed" else None)

    def _check_json(self, r, run: dict) -> dict:
        url = f"{self.fake.base_url}/repos/{r.full_name}/check-runs/{run['id']}"
        return {"id": run["id"], "node_id": f"CR_{run['id']}", "head_sha": run["head_sha"], "external_id": "",
                "url": url, "html_url": f"{self.fake._urls.html}/{r.full_name}/runs/{run['id']}",
                "details_url": run.get("details_url"), "status": run["status"], "conclusion": run["conclusion"],
                "started_at": run["started_at"], "completed_at": run["completed_at"], "name": run["name"],
                "output": {**run["output"], "annotations_count": len(run["annotations"]),
                           "annotations_url": f"{url}/annotations"},
                "check_suite": {"id": 9000 + run["id"]}, "app": {"id": 1, "slug": "github-actions"},
                "pull_requests": []}

    def create_check_run(self, repo: str):
        r = self._repo(repo)
        sha, name = self.body.get("head_sha"), self.body.get("name")
        if not name or not sha:
            raise error(422, "Invalid request.\n\n\"name\", \"head_sha\" weren't supplied.", DOC_CHECKS)
        if not any(pr.revision(sha) for pr in r.pulls.values()):
            raise error(422, f"No commit found for SHA: {sha}", DOC_CHECKS)
        run = {"id": next(self.fake._ids) + 4_000_000, "name": name, "head_sha": sha, "status": "queued",
               "conclusion": None, "started_at": self.fake._tick(), "completed_at": None,
               "details_url": self.body.get("details_url"), "annotations": [],
               "output": {"title": None, "summary": None, "text": None}}
        self._check_status(run)
        self._check_output(run)
        r.check_runs.append(run)
        return 201, self._check_json(r, run), {}

    def _check_run(self, repo: str, cid: str):
        r = self._repo(repo)
        run = next((x for x in r.check_runs if x["id"] == int(cid)), None)
        if run is None:
            raise not_found(DOC_CHECKS)
        return r, run

    def get_check_run(self, repo: str, cid: str):
        r, run = self._check_run(repo, cid)
        return 200, self._check_json(r, run), {}

    def update_check_run(self, repo: str, cid: str):
        r, run = self._check_run(repo, cid)
        self._check_status(run)
        self._check_output(run)
        return 200, self._check_json(r, run), {}


DOC_CHECKS = f"{DOCS}/checks/runs"
CONCLUSIONS = ("action_required", "cancelled", "failure", "neutral", "success", "skipped", "stale", "timed_out")

_R = r"(?P<repo>[^/]+/[^/]+)"
_N = r"(?P<n>\d+)"
ROUTES = [(m, re.compile(p.replace("{repo}", _R).replace("{n}", _N)), name) for m, p, name in [
    ("GET", r"/user", "get_user"),
    ("GET", r"/users/(?P<login>[^/]+)", "get_user_by_login"),
    ("GET", r"/rate_limit", "get_rate_limit"),
    ("GET", r"/repos/{repo}", "get_repo"),
    ("GET", r"/repos/{repo}/pulls/{n}", "get_pull"),
    ("GET", r"/repos/{repo}/pulls/{n}/files", "list_files"),
    ("GET", r"/repos/{repo}/pulls/{n}/commits", "list_commits"),
    ("GET", r"/repos/{repo}/commits/(?P<sha>[0-9a-fA-F]+)", "get_commit"),
    ("GET", r"/repos/{repo}/pulls/{n}/reviews", "list_reviews"),
    ("POST", r"/repos/{repo}/pulls/{n}/reviews", "create_review"),
    ("GET", r"/repos/{repo}/pulls/{n}/reviews/(?P<rid>\d+)", "get_review"),
    ("DELETE", r"/repos/{repo}/pulls/{n}/reviews/(?P<rid>\d+)", "delete_review"),
    ("GET", r"/repos/{repo}/pulls/{n}/comments", "list_pull_comments"),
    ("POST", r"/repos/{repo}/pulls/{n}/comments", "create_pull_comment"),
    ("GET", r"/repos/{repo}/pulls/comments", "list_repo_comments"),
    ("GET", r"/repos/{repo}/issues/{n}/comments", "list_issue_comments"),
    ("POST", r"/repos/{repo}/issues/{n}/comments", "create_issue_comment"),
    ("GET", r"/repos/{repo}/issues/comments/(?P<cid>\d+)", "get_issue_comment"),
    ("PATCH", r"/repos/{repo}/issues/comments/(?P<cid>\d+)", "edit_issue_comment"),
    ("POST", r"/repos/{repo}/check-runs", "create_check_run"),
    ("GET", r"/repos/{repo}/check-runs/(?P<cid>\d+)", "get_check_run"),
    ("PATCH", r"/repos/{repo}/check-runs/(?P<cid>\d+)", "update_check_run"),
]]
