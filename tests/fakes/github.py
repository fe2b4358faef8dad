"""A stateful fake of GitHub's REST API, served over real HTTP on 127.0.0.1.

Use it as a context manager and point PyGithub (or any HTTP client) at
``base_url``, a GitHub Enterprise style ``http://127.0.0.1:PORT/api/v3``::

    with FakeGitHub(token="ghp_test") as gh:
        gh.add_repo("octo/demo")
        gh.add_pull("octo/demo", number=7, diff=text, head_sha="b" * 40)
        g = Github(base_url=gh.base_url, auth=Auth.Token("ghp_test"), retry=None)
        g.get_repo("octo/demo").get_pull(7).create_review(body="LGTM", event="COMMENT")
        assert gh.reviews("octo/demo", 7)[0]["state"] == "COMMENTED"

The fake keeps repositories, pull requests (one diff per head commit), reviews,
review comments and issue comments, validates review-comment anchors against the
diff of the commit they name, answers GitHub's error bodies, and logs every
request (``requests``/``writes``). ``fail_next`` injects faults (rate limits,
5xx), ``delay_next`` slow answers (client timeouts). JSON documents have the keys and types GitHub's have (github_json.py);
the diff model lives in github_diff.py.
"""

from __future__ import annotations

import http
import itertools
import json
import re
import socket
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from . import github_json as J
from .github_diff import AnchorError, Diff
from .github_routes import DOCS, ROUTES, Ctx, Fail, error, iso, not_found

API_PREFIX = "/api/v3"
SECONDARY_MESSAGE = ("You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
                     "If you reach out to GitHub Support for help, please include the request ID {rid}.")
PRIMARY_MESSAGE = ("API rate limit exceeded for user ID {uid}. If you reach out to GitHub Support for help, "
                   "please include the request ID {rid} and timestamp {ts}.")
SERVER_MESSAGES = {500: "Server Error", 502: "Server Error", 503: "Service Unavailable",
                   504: "We couldn't respond to your request in time. Sorry about that. Please try resubmitting "
                        "your request and contact us if the problem persists."}


@dataclass
class RecordedRequest:
    """One request as the fake received it. ``path`` is relative to the API root, without the query."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # names in lower case
    raw: bytes
    json: Any = None
    status: int = 0  # the status the fake answered
    delay: float = 0.0  # seconds the answer was held back (delay_next)


@dataclass
class _Commit:
    sha: str
    parents: list[str]
    message: str
    date: str


@dataclass
class _Revision:
    commit: _Commit
    diff: Diff


@dataclass
class _Repo:
    id: int
    full_name: str
    private: bool
    default_branch: str
    collaborators: set[str]
    pulls: dict[int, _Pull] = field(default_factory=dict)
    check_runs: list[dict] = field(default_factory=list)  # with their annotations, as posted

    @property
    def name(self) -> str:
        return self.full_name.split("/")[1]

    @property
    def owner(self) -> str:
        return self.full_name.split("/")[0]


@dataclass
class _Pull:
    id: int
    number: int
    title: str
    body: str | None
    user: str
    state: str
    draft: bool
    base_sha: str
    base_ref: str
    head_ref: str
    created_at: str
    updated_at: str
    revisions: list[_Revision]
    closed_at: str | None = None
    merged_at: str | None = None
    merge_commit_sha: str | None = None
    reviews: list[dict] = field(default_factory=list)
    comments: list[dict] = field(default_factory=list)
    issue_comments: list[dict] = field(default_factory=list)

    @property
    def head_sha(self) -> str:
        return self.revisions[-1].commit.sha

    @property
    def diff(self) -> Diff:
        return self.revisions[-1].diff

    def revision(self, sha: str | None) -> _Revision | None:
        return next((r for r in self.revisions if r.commit.sha == sha), None)


class FakeGitHub:
    """The fake server and its state. Every public method is thread-safe."""

    def __init__(self, token: str = "ghp_test", login: str = "review-bot", *, host: str = "127.0.0.1",
                 port: int = 0):
        self._lock = threading.RLock()
        self._tokens = {token: login}
        self._users: dict[str, int] = {}
        self._orgs: set[str] = set()
        self._repos: dict[str, _Repo] = {}
        self._ids = itertools.count(1)
        self._issue_comment_index: dict[int, tuple[_Repo, _Pull, dict]] = {}
        self._failures: list[dict] = []
        self._delays: list[dict] = []
        self._request_no = itertools.count(1)
        self.requests: list[RecordedRequest] = []
        self.clock = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)  # advances one minute per new object
        self.diff_limit_bytes: int | None = None  # above: the diff media type answers 406 too_large
        self.diff_limit_lines = 20000
        self.diff_limit_files = 300
        self.patch_limit_bytes: int | None = 100_000  # files API leaves "patch" out of bigger files
        self.rate_limit = 5000
        self.rate_used = 0
        self.rate_reset = int(time.time()) + 3600
        self._user_id(login)
        self._server = ThreadingHTTPServer((host, port), _Handler)
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self._server.fake = self  # type: ignore[attr-defined]
        plain_error = self._server.handle_error

        def handle_error(request, client_address) -> None:
            if not isinstance(sys.exc_info()[1], OSError):  # a client that timed out and left: expected
                plain_error(request, client_address)

        self._server.handle_error = handle_error  # type: ignore[method-assign]
        self.host, self.port = self._server.server_address[:2]
        self.html_url = f"http://{self.host}:{self.port}"
        self.base_url = self.html_url + API_PREFIX
        self._urls = J.Urls(self.base_url, self.html_url)
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------
    def start(self) -> FakeGitHub:
        if self._thread is None:
            self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                            name="fakegithub", daemon=True)
            self._thread.start()
        return self

    def close(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> FakeGitHub:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    # -- seeding ---------------------------------------------------------
    def add_token(self, token: str, login: str) -> None:
        with self._lock:
            self._tokens[token] = login
            self._user_id(login)

    def add_repo(self, full_name: str, *, private: bool = False, default_branch: str = "main",
                 collaborators: tuple[str, ...] = (), organization: bool = False) -> dict:
        """A repository; ``organization`` makes its owner an organization (the JSON then has "organization")."""
        with self._lock:
            if organization:
                self._orgs.add(full_name.split("/")[0])
            if full_name not in self._repos:
                self._user_id(full_name.split("/")[0])
                self._repos[full_name] = _Repo(100000 + len(self._repos), full_name, private, default_branch,
                                               set(collaborators))
            return self._repo_json(self._repos[full_name], full=True)

    def add_pull(self, repo: str, number: int | None = None, *, diff: str, title: str = "A pull request",
                 body: str | None = "", user: str = "octocat", base_sha: str | None = None,
                 head_sha: str | None = None, base_ref: str | None = None, head_ref: str | None = None,
                 draft: bool = False, state: str = "open", merged: bool = False, message: str | None = None) -> dict:
        """Open a pull request whose head commit has ``diff`` (its whole base...head diff). Returns its JSON."""
        with self._lock:
            r = self._repo(repo)
            number = number or max([0, *r.pulls]) + 1
            if number in r.pulls:
                raise ValueError(f"{repo}#{number} exists already")
            base_sha = base_sha or J.fake_sha("base", repo, number)
            head_sha = head_sha or J.fake_sha("head", repo, number, 0)
            now = self._tick()
            pr = _Pull(next(self._ids) + 1_000_000, number, title, body, user, "closed" if merged else state, draft,
                       base_sha, base_ref or r.default_branch, head_ref or f"feature-{number}", now, now,
                       [_Revision(_Commit(head_sha, [base_sha], message or title, now), Diff(diff))])
            self._user_id(user)
            if pr.state == "closed":
                pr.closed_at = now
            if merged:
                pr.merged_at, pr.merge_commit_sha = now, J.fake_sha("merge", repo, number)
            r.pulls[number] = pr
            return self._pull_json(r, pr)

    def push(self, repo: str, number: int, *, head_sha: str, diff: str, message: str = "Update") -> dict:
        """A new head commit on the pull request; ``diff`` is the new whole base...head diff.

        Review comments keep original_line/original_commit_id; a comment whose line
        (same number, same text) is gone from the new diff becomes outdated:
        ``line``, ``start_line`` and ``position`` turn null, ``commit_id`` stays.
        """
        with self._lock:
            r, pr = self._pull(repo, number)
            if pr.revision(head_sha) is not None:
                raise ValueError(f"{head_sha} is a head of {repo}#{number} already")
            now = self._tick()
            pr.revisions.append(_Revision(_Commit(head_sha, [pr.head_sha], message, now), Diff(diff)))
            pr.updated_at = now
            for c in pr.comments:
                self._reanchor(pr, c)
            return self._pull_json(r, pr)

    def add_review(self, repo: str, number: int, *, user: str, body: str = "", state: str = "COMMENTED",
                   commit_id: str | None = None, submitted_at: datetime | None = None) -> dict:
        with self._lock:
            r, pr = self._pull(repo, number)
            rv = self._store_review(pr, user, body, state, commit_id or pr.head_sha, submitted_at)
            return self._review_json(r, pr, rv)

    def add_review_comment(self, repo: str, number: int, *, path: str, line: int | None = None, body: str,
                           user: str, side: str = "RIGHT", start_line: int | None = None,
                           start_side: str | None = None, commit_id: str | None = None,
                           created_at: datetime | None = None, review_id: int | None = None,
                           in_reply_to: int | None = None, subject_type: str = "line") -> dict:
        """Seed a past review comment, validated like GitHub validates one (ValueError if it does not resolve).

        Without ``review_id`` the comment gets its own COMMENTED review, as a
        single comment posted on GitHub does.
        """
        with self._lock:
            r, pr = self._pull(repo, number)
            rev = pr.revision(commit_id or pr.head_sha)
            if rev is None:
                raise ValueError(f"{commit_id} is not a head of {repo}#{number}")
            if review_id is not None and not any(rv["id"] == review_id for rv in pr.reviews):
                raise ValueError(f"no review {review_id} on {repo}#{number}")
            if in_reply_to is not None:
                loc = self._reply_location(pr, in_reply_to)
                if loc is None:
                    raise ValueError(f"no review comment {in_reply_to} on {repo}#{number}")
            else:
                loc = rev.diff.resolve({"path": path, "line": line, "side": side, "start_line": start_line,
                                        "start_side": start_side, "subject_type": subject_type})
            if review_id is None:
                review_id = self._store_review(pr, user, "", "COMMENTED", rev.commit.sha, created_at)["id"]
            c = self._store_comment(r, pr, review_id, user, body, rev, loc, created_at, in_reply_to)
            return self._comment_json(r, c)

    def add_issue_comment(self, repo: str, number: int, *, body: str, user: str,
                          created_at: datetime | None = None) -> dict:
        with self._lock:
            r, pr = self._pull(repo, number)
            return self._issue_comment_json(r, self._store_issue_comment(r, pr, user, body, created_at))

    def fail_next(self, method: str, path: str, status: int = 500, *, times: int = 1, kind: str | None = None,
                  headers: dict[str, str] | None = None, body: Any = None) -> None:
        """Answer the next ``times`` requests matching ``method`` ("*": any) and ``path`` with a fault.

        ``path`` is a regular expression matched in full against the path below
        the API root (no query), e.g. ``r"/repos/octo/demo/pulls/\\d+/reviews"``.
        Without ``body`` (JSON-able, or bytes sent as they are) the fault carries
        GitHub's: 403/429 are a secondary rate limit, or a primary one with
        ``kind="primary"`` (or when ``headers`` set X-RateLimit-Remaining to 0;
        the primary one sets Remaining 0 and Reset), 5xx GitHub's server errors.
        ``headers`` (e.g. Retry-After) are added. Faults are answered after
        authentication, and /repositories/{id}/... paths are matched as
        /repos/{owner}/{name}/....
        """
        with self._lock:
            self._failures.append({"method": method.upper(), "path": re.compile(path), "status": status,
                                   "times": times, "kind": kind, "headers": dict(headers or {}), "body": body})

    def delay_next(self, method: str, path: str, seconds: float, *, times: int = 1) -> None:
        """Hold back the answer to the next ``times`` requests matching ``method`` and ``path`` (as
        in ``fail_next``) for ``seconds``. The request is processed first, as by a slow GitHub: a
        client that times out has still created what it asked for."""
        with self._lock:
            self._delays.append({"method": method.upper(), "path": re.compile(path), "times": times,
                                 "seconds": seconds})

    # -- inspection ------------------------------------------------------
    @property
    def writes(self) -> list[RecordedRequest]:
        with self._lock:
            return [q for q in self.requests if q.method not in ("GET", "HEAD")]

    def check_runs(self, repo: str) -> list[dict]:
        return self._repos[repo].check_runs

    def reviews(self, repo: str, number: int) -> list[dict]:
        with self._lock:
            r, pr = self._pull(repo, number)
            return [self._review_json(r, pr, rv) for rv in pr.reviews]

    def review_comments(self, repo: str, number: int) -> list[dict]:
        with self._lock:
            r, pr = self._pull(repo, number)
            return [self._comment_json(r, c) for c in pr.comments]

    def issue_comments(self, repo: str, number: int) -> list[dict]:
        with self._lock:
            r, pr = self._pull(repo, number)
            return [self._issue_comment_json(r, c) for c in pr.issue_comments]

    def pull(self, repo: str, number: int) -> dict:
        with self._lock:
            return self._pull_json(*self._pull(repo, number))

    # -- state helpers ---------------------------------------------------
    def _tick(self, at: datetime | None = None) -> str:
        if at is not None:
            return iso(at)
        self.clock += timedelta(minutes=1)
        return iso(self.clock)

    def _user_id(self, login: str) -> int:
        return self._users.setdefault(login, 5000 + len(self._users))

    def _user(self, login: str) -> dict:
        return J.user(self._urls, login, self._user_id(login), "Organization" if login in self._orgs else None)

    def _association(self, r: _Repo, login: str) -> str:
        if login == r.owner:
            return "OWNER"
        return "COLLABORATOR" if login in r.collaborators else "NONE"

    def _repo(self, full_name: str) -> _Repo:
        if full_name not in self._repos:
            raise KeyError(f"no repository {full_name}; call add_repo first")
        return self._repos[full_name]

    def _pull(self, repo: str, number: int) -> tuple[_Repo, _Pull]:
        r = self._repo(repo)
        if number not in r.pulls:
            raise KeyError(f"no pull request {repo}#{number}")
        return r, r.pulls[number]

    def _store_review(self, pr: _Pull, user: str, body: str, state: str, commit_id: str,
                      at: datetime | None = None) -> dict:
        rv = {"id": next(self._ids) + 2_000_000, "user": user, "body": body, "state": state,
              "commit_id": commit_id, "submitted_at": self._tick(at)}
        pr.reviews.append(rv)
        return rv

    def _store_comment(self, r: _Repo, pr: _Pull, review_id: int, user: str, body: str, rev: _Revision,
                       loc: dict, at: datetime | None, in_reply_to: int | None) -> dict:
        now = self._tick(at)
        c = {"id": next(self._ids) + 3_000_000, "number": pr.number, "review_id": review_id, "user": user,
             "body": body, "commit_id": rev.commit.sha, "original_commit_id": rev.commit.sha,
             "original_line": loc["line"], "original_start_line": loc["start_line"],
             "original_position": loc["position"], "in_reply_to_id": in_reply_to,
             "created_at": now, "updated_at": now, **loc}
        pr.comments.append(c)
        self._user_id(user)
        if rev is not pr.revisions[-1]:
            self._reanchor(pr, c)
        return c

    def _store_issue_comment(self, r: _Repo, pr: _Pull, user: str, body: str, at: datetime | None) -> dict:
        now = self._tick(at)
        c = {"id": next(self._ids) + 4_000_000, "number": pr.number, "user": user, "body": body,
             "created_at": now, "updated_at": now}
        pr.issue_comments.append(c)
        self._issue_comment_index[c["id"]] = (r, pr, c)
        self._user_id(user)
        return c

    def _reply_location(self, pr: _Pull, parent_id: int) -> dict | None:
        parent = next((c for c in pr.comments if c["id"] == parent_id), None)
        if parent is None:
            return None
        keys = ("path", "line", "side", "start_line", "start_side", "position", "diff_hunk", "subject_type")
        return {k: parent[k] for k in keys}

    def _reanchor(self, pr: _Pull, c: dict) -> None:
        head, origin = pr.revisions[-1], pr.revision(c["original_commit_id"])
        if c["subject_type"] == "file":
            if c["path"] in head.diff.by_path:
                c["commit_id"] = head.commit.sha
            return
        side, line, start = c["side"], c["original_line"], c["original_start_line"]
        start_side = c["start_side"] or side

        def unchanged(s: str, n: int | None) -> bool:
            text = origin.diff.line_text(c["path"], s, n) if origin is not None else None
            return n is None or (text is not None and text == head.diff.line_text(c["path"], s, n))

        loc = None
        if unchanged(side, line) and unchanged(start_side, start):
            try:
                loc = head.diff.resolve({"path": c["path"], "line": line, "side": side, "start_line": start,
                                         "start_side": c["start_side"]})
            except AnchorError:
                loc = None
        if loc is None:
            c.update(line=None, start_line=None, position=None)
        else:
            c.update(line=loc["line"], start_line=loc["start_line"], position=loc["position"],
                     commit_id=head.commit.sha)

    # -- JSON ------------------------------------------------------------
    def _repo_json(self, r: _Repo, *, full: bool) -> dict:
        return J.repo(self._urls, r, self._user(r.owner), full=full)

    def _pull_json(self, r: _Repo, pr: _Pull) -> dict:
        counts = {"comments": len(pr.issue_comments), "review_comments": len(pr.comments),
                  "author_association": self._association(r, pr.user)}
        return J.pull(self._urls, r, pr, users=self._user, repo_short=self._repo_json(r, full=False), counts=counts)

    def _review_json(self, r: _Repo, pr: _Pull, rv: dict) -> dict:
        return J.review(self._urls, r.full_name, pr.number, rv, self._user(rv["user"]),
                        self._association(r, rv["user"]))

    def _comment_json(self, r: _Repo, c: dict) -> dict:
        return J.review_comment(self._urls, r.full_name, c, self._user(c["user"]), self._association(r, c["user"]))

    def _issue_comment_json(self, r: _Repo, c: dict) -> dict:
        return J.issue_comment(self._urls, r.full_name, c, self._user(c["user"]), self._association(r, c["user"]))

    def _commit_json(self, r: _Repo, pr: _Pull, rev: _Revision, *, with_files: bool = False) -> dict:
        files = [J.pr_file(self._urls, r.full_name, rev.commit.sha, f, self.patch_limit_bytes)
                 for f in rev.diff.files] if with_files else None
        return J.commit(self._urls, r.full_name, rev.commit, self._user(pr.user), files=files)

    # -- HTTP ------------------------------------------------------------
    def _rate_headers(self, remaining: int | None = None) -> dict[str, str]:
        left = max(0, self.rate_limit - self.rate_used) if remaining is None else remaining
        return {"X-RateLimit-Limit": str(self.rate_limit), "X-RateLimit-Remaining": str(left),
                "X-RateLimit-Reset": str(self.rate_reset), "X-RateLimit-Used": str(self.rate_limit - left),
                "X-RateLimit-Resource": "core"}

    def _handle(self, h: _Handler) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length else b""
        split = urlsplit(h.path)
        path = split.path[len(API_PREFIX):] if split.path.startswith(API_PREFIX + "/") else None
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        headers = {k.lower(): v for k, v in h.headers.items()}
        rec = RecordedRequest(h.command, path if path is not None else split.path, query, headers, raw)
        n = next(self._request_no)
        rid = f"{0xFA00 + n % 256:04X}:{n:04X}:{n * 7:06X}:{n * 13:07X}:{int(time.time()):08X}"
        with self._lock:
            self.requests.append(rec)
            try:
                status, body, extra = self._dispatch(rec, path, split.query, rid)
            except Fail as f:
                status, body, extra = f.status, f.body, f.headers
            except Exception as e:  # noqa: BLE001 - a bug of the fake reads as a 500 carrying its traceback
                status, body, extra = 500, {"message": f"fakegithub crashed: {e!r}",
                                            "traceback": traceback.format_exc()}, {}
            rec.status = status
            out = {"Content-Type": "application/json; charset=utf-8", **self._rate_headers(),
                   "X-GitHub-Media-Type": "github.v3; format=json", "X-GitHub-Api-Version-Selected": "2022-11-28",
                   "X-GitHub-Request-Id": rid, **extra}
        data = body if isinstance(body, bytes) else json.dumps(body).encode() if body is not None else b""
        if rec.delay:
            time.sleep(rec.delay)  # outside the lock: other requests are answered meanwhile
        try:
            h.send_response(status)
            for k, v in out.items():
                h.send_header(k, v)
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            if h.command != "HEAD":
                h.wfile.write(data)
        except OSError:  # the client gave up waiting (a timeout) and closed the connection
            h.close_connection = True

    def _dispatch(self, rec: RecordedRequest, path: str | None, raw_query: str, rid: str):
        if path is None:
            raise not_found()
        auth = rec.headers.get("authorization", "")
        scheme, _, token = auth.partition(" ")
        if not auth:
            raise error(401, "Requires authentication")
        login = self._tokens.get(token.strip()) if scheme.lower() in ("token", "bearer") else None
        if login is None:
            raise error(401, "Bad credentials")
        m = re.match(r"/repositories/(\d+)(/.*)?$", path)
        if m:  # GitHub's Link headers name repositories by id
            r = next((r for r in self._repos.values() if r.id == int(m.group(1))), None)
            if r is None:
                raise not_found()
            path = f"/repos/{r.full_name}{m.group(2) or ''}"
            rec.path = path
        if path != "/rate_limit":
            if self.rate_used >= self.rate_limit:
                raise self._primary_limit(login, rid, 403, {})
            self.rate_used += 1
        for d in self._delays:
            if d["times"] > 0 and d["method"] in ("*", rec.method) and d["path"].fullmatch(path):
                d["times"] -= 1
                rec.delay = d["seconds"]
                break
        for f in self._failures:
            if f["times"] > 0 and f["method"] in ("*", rec.method) and f["path"].fullmatch(path):
                f["times"] -= 1
                raise self._fault(f, login, rid)
        if rec.raw and rec.method != "GET":
            try:
                rec.json = json.loads(rec.raw)
            except ValueError:
                raise error(400, "Problems parsing JSON") from None
        for method, pattern, name in ROUTES:
            m = pattern.fullmatch(path)
            if m and method == ("GET" if rec.method == "HEAD" else rec.method):
                ctx = Ctx(self, rec, login, path, raw_query)
                return getattr(ctx, name)(**m.groupdict())
        raise not_found()

    def _primary_limit(self, login: str, rid: str, status: int, headers: dict) -> Fail:
        ts = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
        fail = Fail(status, {"message": PRIMARY_MESSAGE.format(uid=self._user_id(login), rid=rid, ts=ts),
                              "documentation_url": f"{DOCS}/overview/rate-limits-for-the-rest-api#about-the-rate-limit",
                              "status": str(status)})
        fail.headers = {**self._rate_headers(remaining=0), "X-RateLimit-Reset": str(int(time.time()) + 60), **headers}
        return fail

    def _fault(self, f: dict, login: str, rid: str) -> Fail:
        status, headers = f["status"], f["headers"]
        if f["body"] is not None:
            return Fail(status, f["body"], headers)
        if status in (403, 429):
            remaining = {k.lower(): str(v) for k, v in headers.items()}.get("x-ratelimit-remaining")
            if f["kind"] == "primary" or remaining == "0":
                return self._primary_limit(login, rid, status, headers)
            return Fail(status, {"message": SECONDARY_MESSAGE.format(rid=rid),
                                  "documentation_url": f"{DOCS}/overview/rate-limits-for-the-rest-api"
                                                       "#about-secondary-rate-limits",
                                  "status": str(status)}, headers)
        if status < 500:
            fail = error(status, http.HTTPStatus(status).phrase)
            fail.headers = headers
            return fail
        return Fail(status, {"message": SERVER_MESSAGES.get(status) or http.HTTPStatus(status).phrase}, headers)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def version_string(self) -> str:
        return "GitHub.com"

    def setup(self) -> None:
        super().setup()
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no 40 ms Nagle stalls

    def _any(self) -> None:
        self.server.fake._handle(self)  # type: ignore[attr-defined]

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = _any

    def log_message(self, format: str, *args: Any) -> None:
        pass
