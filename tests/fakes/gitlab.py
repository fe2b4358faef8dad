"""A stateful fake GitLab REST API (v4) on 127.0.0.1, for python-gitlab to talk to over real HTTP.

Its answers take the shapes GitLab's API documentation gives: merge requests with ``diff_refs``,
``/diffs`` (paginated) and the older ``/changes``, discussions whose ``position`` is validated
against the diff of the version its SHAs name (a 400 like GitLab's when it names no diff line),
notes (created and edited), the repository tree and raw files, and the pagination headers
(``X-Page``, ``X-Per-Page``, ``X-Total``, ``X-Total-Pages``, ``X-Next-Page``, ``X-Prev-Page``,
``Link``). Tokens: ``PRIVATE-TOKEN`` (read and write), ``JOB-TOKEN`` (read only, as CI's job
token is for notes), anything else 401; ``throttle`` answers 429 with ``Retry-After`` and
``RateLimit-*`` headers. Every request is logged, so a test can say that a dry run wrote nothing.
"""

from __future__ import annotations

import itertools
import json
import re
import secrets
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

TOKEN = "glpat-" + "F4keT0ken" * 3
JOB_TOKEN = "glcbt-" + "J0bT0ken" * 3
BOT = {"id": 77, "username": "reviewer-bot", "name": "Reviewer Bot", "state": "active"}
HUMAN = {"id": 5, "username": "maintainer", "name": "A Maintainer", "state": "active"}
_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_LINE_CODE_ERROR = ('400 Bad request - Note {:line_code=>["can\'t be blank", "must be a valid line code"], '
                    ':position=>["is incomplete"]}')


def diff_lines(diff: str) -> set[tuple[int | None, int | None]]:
    """(old_line, new_line) of every line of a file's hunks: (n, None) removed, (None, n) added."""
    out: set[tuple[int | None, int | None]] = set()
    old = new = 0
    for line in diff.split("\n"):
        m = _HUNK.match(line)
        if m:
            old, new = int(m.group(1)), int(m.group(3))
        elif line.startswith("+"):
            out.add((None, new))
            new += 1
        elif line.startswith("-"):
            out.add((old, None))
            old += 1
        elif line.startswith(" "):
            out.add((old, new))
            old += 1
            new += 1
    return out


@dataclass
class MergeRequest:
    iid: int
    title: str
    description: str
    changes: list[dict[str, Any]]  # GitLab's diff entries: old_path, new_path, diff, new_file, ...
    base_sha: str = "b" * 40
    start_sha: str = "b" * 40
    head_sha: str = "c" * 40
    target_branch: str = "main"
    source_branch: str = "feature"
    author: dict[str, Any] = field(default_factory=lambda: dict(HUMAN))
    versions: list[tuple[dict[str, str], list[dict[str, Any]]]] = field(default_factory=list)
    discussions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def diff_refs(self) -> dict[str, str]:
        return {"base_sha": self.base_sha, "head_sha": self.head_sha, "start_sha": self.start_sha}

    def push(self, head_sha: str, changes: list[dict[str, Any]]) -> None:
        """A new commit on the source branch: a new diff version (the old one stays valid)."""
        self.versions.append((self.diff_refs, self.changes))
        self.head_sha, self.changes = head_sha, changes


@dataclass
class Project:
    id: int
    path: str
    files: dict[str, dict[str, str]] = field(default_factory=dict)  # commit -> {path: text}
    mrs: dict[int, MergeRequest] = field(default_factory=dict)


class FakeGitLab:
    def __init__(self, *, diffs_endpoint: bool = True):
        self.projects: dict[str, Project] = {}
        self.log: list[tuple[str, str, dict[str, Any] | None]] = []
        self.diffs_endpoint = diffs_endpoint  # False: a GitLab before 15.7 (only /changes)
        self.reject_positions: set[tuple[str, int]] = set()  # (path, line): answered 400 anyway
        self._throttle: list[tuple[str, str]] = []  # (Retry-After, RateLimit-Reset) of the next 429s
        self._ids = itertools.count(1000)
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> FakeGitLab:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- set-up --------------------------------------------------------------------------------
    def add_project(self, path: str, files: dict[str, dict[str, str]] | None = None) -> Project:
        project = Project(len(self.projects) + 1, path, files or {})
        self.projects[path] = project
        return project

    def throttle(self, times: int, retry_after: str = "1", reset: str = "") -> None:
        self._throttle += [(retry_after, reset)] * times

    def writes(self) -> list[tuple[str, str, dict[str, Any] | None]]:
        return [x for x in self.log if x[0] in ("POST", "PUT", "DELETE")]

    def notes(self, mr: MergeRequest) -> list[dict[str, Any]]:
        return [n for d in mr.discussions for n in d["notes"]]

    def new_id(self) -> int:
        return next(self._ids)

    # -- answers -------------------------------------------------------------------------------
    def answer(self, method: str, url: str, headers: dict[str, str], body: dict[str, Any] | None):
        parts = urlsplit(url)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        with self._lock:
            self.log.append((method, parts.path, body))
            if self._throttle:
                after, reset = self._throttle.pop(0)
                extra = {"RateLimit-Limit": "600", "RateLimit-Remaining": "0", "RateLimit-Observed": "601"}
                if after:
                    extra["Retry-After"] = after
                if reset:
                    extra["RateLimit-Reset"] = reset
                return 429, "Retry later\n", extra
            user = self._user(headers)
            if user is None:
                return 401, {"message": "401 Unauthorized"}, {}
            if user == "job" and method != "GET":
                return 403, {"message": "403 Forbidden"}, {}
            return self._route(method, parts.path.removeprefix("/api/v4"), query, body, user, url)

    def _user(self, headers: dict[str, str]) -> dict[str, Any] | str | None:
        if headers.get("private-token") == TOKEN:
            return BOT
        if headers.get("job-token") == JOB_TOKEN:
            return "job"
        return None

    def _route(self, method, path, query, body, user, url):
        segs = path.strip("/").split("/")
        if segs == ["user"]:
            return (200, user, {}) if isinstance(user, dict) else (401, {"message": "401 Unauthorized"}, {})
        if len(segs) < 2 or segs[0] != "projects":
            return 404, {"error": "404 Not Found"}, {}
        ident = unquote(segs[1])
        project = self.projects.get(ident) or next((p for p in self.projects.values() if str(p.id) == ident), None)
        if project is None:
            return 404, {"message": "404 Project Not Found"}, {}
        rest = segs[2:]
        if rest[:2] == ["repository", "tree"]:
            return self._tree(project, query, url)
        if rest[:2] == ["repository", "files"] and len(rest) == 4 and rest[3] == "raw":
            text = project.files.get(query.get("ref", ""), {}).get(unquote(rest[2]))
            if text is None:
                return 404, {"message": "404 File Not Found"}, {}
            return 200, text.encode(), {"Content-Type": "text/plain; charset=utf-8"}
        if rest[:1] != ["merge_requests"] or len(rest) < 2 or not rest[1].isdigit():
            return 404, {"error": "404 Not Found"}, {}
        mr = project.mrs.get(int(rest[1]))
        if mr is None:
            return 404, {"message": "404 Not found"}, {}
        tail = rest[2:]
        if not tail and method == "GET":
            return 200, self._mr_json(project, mr), {}
        if tail == ["diffs"] and method == "GET":
            if not self.diffs_endpoint:
                return 404, {"error": "404 Not Found"}, {}
            return self._page(mr.changes, query, url)
        if tail == ["changes"] and method == "GET":
            return 200, {**self._mr_json(project, mr), "changes": mr.changes, "overflow": False}, {}
        if tail == ["discussions"]:
            if method == "GET":
                return self._page(mr.discussions, query, url)
            if method == "POST":
                return self._new_discussion(mr, body or {}, user)
        if tail == ["notes"]:
            notes = self.notes(mr)
            if method == "GET":
                return self._page(notes, query, url)
            if method == "POST":
                note = self._note(mr, (body or {}).get("body", ""), user, None)
                mr.discussions.append({"id": secrets.token_hex(20), "individual_note": True, "notes": [note]})
                return 201, note, {}
        if len(tail) == 2 and tail[0] == "notes" and method == "PUT":
            note = next((n for n in self.notes(mr) if str(n["id"]) == tail[1]), None)
            if note is None:
                return 404, {"message": "404 Note Not Found"}, {}
            if note["author"]["id"] != user["id"]:
                return 403, {"message": "403 Forbidden"}, {}
            note.update(body=(body or {}).get("body", note["body"]), updated_at="2026-01-02T00:00:00.000Z")
            return 200, note, {}
        return 404, {"error": "404 Not Found"}, {}

    def _mr_json(self, project: Project, mr: MergeRequest) -> dict[str, Any]:
        return {
            "id": project.id * 1000 + mr.iid, "iid": mr.iid, "project_id": project.id, "title": mr.title,
            "description": mr.description, "state": "opened", "draft": False, "work_in_progress": False,
            "author": mr.author, "source_branch": mr.source_branch, "target_branch": mr.target_branch,
            "sha": mr.head_sha, "diff_refs": mr.diff_refs, "merge_status": "can_be_merged",
            "web_url": f"{self.url}/{project.path}/-/merge_requests/{mr.iid}",
            "created_at": "2026-01-01T00:00:00.000Z", "updated_at": "2026-01-01T00:00:00.000Z",
        }

    def _note(self, mr: MergeRequest, text: str, user: dict[str, Any], position: dict[str, Any] | None):
        return {"id": self.new_id(), "type": "DiffNote" if position else None, "body": text, "attachment": None,
                "author": user, "created_at": "2026-01-01T00:00:00.000Z", "updated_at": "2026-01-01T00:00:00.000Z",
                "system": False, "noteable_id": mr.iid, "noteable_type": "MergeRequest", "noteable_iid": mr.iid,
                "resolvable": position is not None, "resolved": False, "position": position}

    def _new_discussion(self, mr: MergeRequest, body: dict[str, Any], user: dict[str, Any]):
        text, position = body.get("body"), body.get("position")
        if not text:
            return 400, {"message": "400 Bad request - body is missing"}, {}
        if position is not None:
            error = self._check_position(mr, position)
            if error:
                return 400, {"message": error}, {}
        discussion = {"id": secrets.token_hex(20), "individual_note": position is None,
                      "notes": [self._note(mr, text, user, position)]}
        mr.discussions.append(discussion)
        return 201, discussion, {}

    def _check_position(self, mr: MergeRequest, pos: dict[str, Any]) -> str | None:
        if pos.get("position_type") != "text":
            return "400 Bad request - position_type does not have a valid value"
        refs = {k: pos.get(k) for k in ("base_sha", "start_sha", "head_sha")}
        versions = [(mr.diff_refs, mr.changes), *mr.versions]
        changes = next((c for r, c in versions if r == refs), None)
        if changes is None:
            return _LINE_CODE_ERROR
        entry = next((c for c in changes if c["new_path"] == pos.get("new_path")
                      and c["old_path"] == pos.get("old_path")), None)
        if entry is None:
            return _LINE_CODE_ERROR
        old, new = pos.get("old_line"), pos.get("new_line")
        if (old, new) not in diff_lines(entry.get("diff") or "") or (pos["new_path"], new or old) in self.reject_positions:
            return _LINE_CODE_ERROR
        return None

    def _tree(self, project: Project, query: dict[str, str], url: str):
        files = project.files.get(query.get("ref", ""))
        if files is None:
            return 404, {"message": "404 Tree Not Found"}, {}
        folder = query.get("path", "").strip("/")
        recursive = query.get("recursive", "false").lower() == "true"
        prefix = folder + "/" if folder else ""
        if folder and not any(p.startswith(prefix) for p in files):
            return 404, {"message": "404 Tree Not Found"}, {}
        items, dirs = [], set()
        for p in sorted(files):
            if not p.startswith(prefix):
                continue
            rest = p[len(prefix):]
            if recursive or "/" not in rest:
                items.append({"id": "0" * 40, "name": p.rsplit("/", 1)[-1], "type": "blob", "path": p,
                              "mode": "100644"})
            elif rest.split("/")[0] not in dirs:
                dirs.add(rest.split("/")[0])
                items.append({"id": "1" * 40, "name": rest.split("/")[0], "type": "tree",
                              "path": prefix + rest.split("/")[0], "mode": "040000"})
        return self._page(items, query, url)

    def _page(self, items: list[Any], query: dict[str, str], url: str):
        per_page = max(1, min(100, int(query.get("per_page", "20"))))
        page = max(1, int(query.get("page", "1")))
        total_pages = max(1, -(-len(items) // per_page))
        chunk = items[(page - 1) * per_page: page * per_page]
        parts = urlsplit(url)

        def link(n: int) -> str:
            q = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            q.update(page=str(n), per_page=str(per_page))
            return f"{self.url}{parts.path}?{urlencode(q)}"

        links = [f'<{link(page + 1)}>; rel="next"'] if page < total_pages else []
        links += [f'<{link(page - 1)}>; rel="prev"'] if page > 1 else []
        links += [f'<{link(1)}>; rel="first"', f'<{link(total_pages)}>; rel="last"']
        headers = {"X-Page": str(page), "X-Per-Page": str(per_page), "X-Total": str(len(items)),
                   "X-Total-Pages": str(total_pages), "X-Next-Page": str(page + 1) if page < total_pages else "",
                   "X-Prev-Page": str(page - 1) if page > 1 else "", "Link": ", ".join(links)}
        return 200, chunk, headers


def _handler(fake: FakeGitLab):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = {k: v[-1] for k, v in parse_qs(raw.decode()).items()}
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, data, extra = fake.answer(method, self.path, headers, body)
            if isinstance(data, bytes):
                payload, kind = data, extra.pop("Content-Type", "application/octet-stream")
            elif isinstance(data, str):
                payload, kind = data.encode(), "text/plain"
            else:
                payload, kind = json.dumps(data).encode(), "application/json"
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(payload)))
            for k, v in extra.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def do_PUT(self) -> None:
            self._serve("PUT")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
