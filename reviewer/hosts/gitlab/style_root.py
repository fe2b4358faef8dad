"""The style rules of a merge request's target branch, read through the API: never the MR's
source branch. The commit is the MR's ``base_sha`` (a commit of the target branch), known once
the source has fetched the merge request.

Only the places discovery looks at are listed (the root, ``.github/``, ``docs/``, ``.pi/``,
``.reviewer/``), and, for the nested ``AGENTS.md`` / ``CLAUDE.md`` that apply to the files under
their directory, the directories of the changed files and their parents: a few requests, not
the whole tree.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from gitlab.exceptions import GitlabHttpError

from ...style.discover import MAX_STYLE_BYTES
from .client import GitLabClient

_RECURSIVE = (".github", ".pi")
_FLAT = ("", "docs", ".reviewer")


@dataclass
class GitLabRefRoot:
    client: GitLabClient
    project: str
    ref: Callable[[], str]  # the commit, read when discovery starts (after the source's fetch)
    changed: Callable[[], Iterable[str]] = lambda: ()
    _listed: list[str] | None = field(default=None, init=False)

    def describe(self) -> str:
        return f"{self.project} at {self.ref()[:12]} (the target branch)"

    def _tree(self, path: str, recursive: bool) -> list[str]:
        query: dict[str, Any] = {"ref": self.ref(), "recursive": "true" if recursive else "false", "per_page": 100}
        if path:
            query["path"] = path
        url = f"/projects/{quote(self.project, safe='')}/repository/tree"

        def listing() -> list[str]:
            try:
                items = self.client.gl.http_list(url, query_data=query, get_all=True)
            except GitlabHttpError as exc:
                if exc.response_code == 404:  # no such folder on that commit
                    return []
                raise
            return [x["path"] for x in items if x.get("type") == "blob"]

        return self.client.call(f"listing the style files of {self.project}", listing, target=self.project)

    def list_files(self) -> list[str]:
        if self._listed is None:
            folders = {(p, False) for p in _FLAT} | {(p, True) for p in _RECURSIVE}
            for path in self.changed():
                d = posixpath.dirname(path)
                while d:
                    folders.add((d, False))
                    d = posixpath.dirname(d)
            found: set[str] = set()
            for path, recursive in sorted(folders):
                found.update(self._tree(path, recursive))
            self._listed = sorted(found)
        return self._listed

    def read(self, rel: str) -> bytes | None:
        url = f"/projects/{quote(self.project, safe='')}/repository/files/{quote(rel, safe='')}/raw"

        def raw() -> bytes | None:
            try:
                response = self.client.gl.http_get(url, query_data={"ref": self.ref()}, raw=True, streamed=False)
            except GitlabHttpError as exc:
                if exc.response_code == 404:
                    return None
                raise
            return response.content[: MAX_STYLE_BYTES + 1]

        return self.client.call(f"reading {rel} of {self.project}", raw, target=self.project)
