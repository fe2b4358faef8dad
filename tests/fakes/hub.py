"""A fake Hugging Face Hub on 127.0.0.1, over real HTTP, for ``HF_ENDPOINT``.

It answers the calls huggingface_hub makes to fetch one file, in the hub's own shapes:

- ``GET /api/models/{repo}[/revision/{rev}]?blobs=True`` (``HfApi.model_info(files_metadata=True)``):
  the commit (``sha``) and the files (``siblings``) with their LFS sha256 and size;
- ``HEAD|GET /{repo}/resolve/{rev}/{file}``: for an LFS file a 302 to a storage host (here
  ``localhost`` on the same port: another host, as the hub's CDN is, so the client keeps the
  metadata of this answer and sends no token there), with ``X-Repo-Commit``, ``X-Linked-Etag``
  (the sha256) and ``X-Linked-Size``;
- ``GET /cdn/{sha256}`` (with ``Range``): the bytes.

Errors carry the hub's ``X-Error-Code`` (``RepoNotFound``, ``GatedRepo``, ``EntryNotFound``).
A repository may be private (served only with the right ``Authorization: Bearer``) and a file's
bytes may be corrupt (``corrupt=True``: its last byte flipped, its metadata unchanged). Every
request is logged (method, path, headers) in ``requests``.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

COMMIT = "0123456789abcdef0123456789abcdef01234567"


@dataclass
class Repo:
    files: dict[str, Path]  # name in the repository -> local file served
    private_token: str | None = None
    gated: bool = False


class FakeHub:
    def __init__(self, corrupt: bool = False):
        self.repos: dict[str, Repo] = {}
        self.corrupt = corrupt
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self._sha: dict[Path, str] = {}
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                fake.handle(self, body=True)

            def do_HEAD(self):  # noqa: N802
                fake.handle(self, body=False)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> FakeHub:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def add(self, repo: str, files: dict[str, Path], private_token: str | None = None, gated: bool = False) -> None:
        self.repos[repo] = Repo(files, private_token, gated)

    def sha256(self, path: Path) -> str:
        if path not in self._sha:
            digest = hashlib.sha256()
            with open(path, "rb") as f:
                while block := f.read(1 << 22):
                    digest.update(block)
            self._sha[path] = digest.hexdigest()
        return self._sha[path]

    def downloads(self) -> list[tuple[str, str, dict[str, str]]]:
        return [r for r in self.requests if r[0] == "GET" and r[1].startswith("/cdn/")]

    # -- routes ----------------------------------------------------------------------------------
    def handle(self, h: BaseHTTPRequestHandler, body: bool) -> None:
        url = urlsplit(h.path)
        path = unquote(url.path)
        self.requests.append((h.command, path, {k.lower(): v for k, v in h.headers.items()}))
        if path == "/api/agent-harnesses":  # huggingface_hub's agent registry (telemetry): an empty one
            return self._json(h, 200, {"standardEnvVars": [], "harnesses": {}}, body)
        if m := re.fullmatch(r"/api/models/([^/]+/[^/]+?)(?:/revision/([^/]+))?", path):
            return self._info(h, m.group(1), m.group(2), body)
        if m := re.fullmatch(r"/([^/]+/[^/]+)/resolve/([^/]+)/(.+)", path):
            return self._resolve(h, m.group(1), m.group(3), body)
        if m := re.fullmatch(r"/cdn/([0-9a-f]{64})", path):
            return self._blob(h, m.group(1), body)
        self._error(h, 404, "EntryNotFound", f"no route {path}", body)

    def _repo(self, h: BaseHTTPRequestHandler, name: str, body: bool) -> Repo | None:
        repo = self.repos.get(name)
        auth = h.headers.get("Authorization", "")
        if repo is None or (repo.private_token and auth != f"Bearer {repo.private_token}"):
            self._error(h, 401, "RepoNotFound", "Repository not found", body)
            return None
        if repo.gated and not auth:
            self._error(h, 403, "GatedRepo", f"Access to model {name} is restricted.", body)
            return None
        return repo

    def _info(self, h, name: str, revision: str | None, body: bool) -> None:
        repo = self._repo(h, name, body)
        if repo is None:
            return
        if revision not in (None, "main", COMMIT):
            return self._error(h, 404, "RevisionNotFound", f"Invalid rev id: {revision}", body)
        siblings = [{"rfilename": "README.md", "size": 12, "blobId": "f" * 40}]
        for fname, local in repo.files.items():
            size = local.stat().st_size
            siblings.append({"rfilename": fname, "size": size, "blobId": hashlib.sha1(fname.encode()).hexdigest(),
                             "lfs": {"sha256": self.sha256(local), "size": size, "pointerSize": 134}})
        data = {"_id": "6543210fedcba", "id": name, "modelId": name, "author": name.split("/")[0], "sha": COMMIT,
                "lastModified": "2025-01-01T00:00:00.000Z", "private": bool(repo.private_token),
                "gated": "manual" if repo.gated else False, "disabled": False, "downloads": 0, "likes": 0,
                "library_name": "gguf", "tags": ["gguf"], "siblings": siblings,
                "createdAt": "2025-01-01T00:00:00.000Z", "usedStorage": sum(s.get("size", 0) for s in siblings)}
        self._json(h, 200, data, body)

    def _resolve(self, h, name: str, filename: str, body: bool) -> None:
        repo = self._repo(h, name, body)
        if repo is None:
            return
        local = repo.files.get(filename)
        if local is None:
            return self._error(h, 404, "EntryNotFound", f"{filename} does not exist on main", body,
                               {"X-Repo-Commit": COMMIT})
        sha, size = self.sha256(local), local.stat().st_size
        h.send_response(302)
        for k, v in {"Location": f"http://localhost:{self.port}/cdn/{sha}?X-Amz-Signature=fake",
                     "X-Repo-Commit": COMMIT, "X-Linked-Etag": f'"{sha}"', "X-Linked-Size": str(size),
                     "ETag": f'"{hashlib.sha1(filename.encode()).hexdigest()}"', "Content-Length": "0"}.items():
            h.send_header(k, v)
        h.end_headers()

    def _blob(self, h, sha: str, body: bool) -> None:
        local = next((p for r in self.repos.values() for p in r.files.values() if self.sha256(p) == sha), None)
        if local is None:
            return self._error(h, 404, "EntryNotFound", "no such blob", body)
        size = local.stat().st_size
        start = 0
        if m := re.fullmatch(r"bytes=(\d+)-", h.headers.get("Range", "")):
            start = int(m.group(1))
        h.send_response(206 if start else 200)
        h.send_header("Content-Length", str(size - start))
        h.send_header("Content-Type", "application/octet-stream")
        h.send_header("ETag", f'"{sha}"')
        if start:
            h.send_header("Content-Range", f"bytes {start}-{size - 1}/{size}")
        h.end_headers()
        if not body:
            return
        with open(local, "rb") as f:
            f.seek(start)
            done = start
            while block := f.read(1 << 20):
                done += len(block)
                if self.corrupt and done == size:
                    block = block[:-1] + bytes([block[-1] ^ 0xFF])
                h.wfile.write(block)

    def _json(self, h, status: int, data, body: bool, headers: dict[str, str] | None = None) -> None:
        raw = json.dumps(data).encode()
        h.send_response(status)
        h.send_header("Content-Type", "application/json; charset=utf-8")
        h.send_header("Content-Length", str(len(raw)))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        if body:
            h.wfile.write(raw)

    def _error(self, h, status: int, code: str, message: str, body: bool, headers: dict[str, str] | None = None):
        self._json(h, status, {"error": message}, body, {"X-Error-Code": code, "X-Error-Message": message,
                                                         **(headers or {})})
