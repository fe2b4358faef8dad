"""A pull request on GitHub as a diff source.

The diff comes from the diff media type; when GitHub answers 406 (too large) it is rebuilt
from the paginated files list, whose ``patch`` fields are hunks without file headers. The
head SHA is pinned: the PR is read again after the diff, and a push in between restarts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from github.Requester import Requester

from ...errors import GitHubError
from ...sanitize import untrusted
from ...types import DiffInput, PullRequest, Skipped
from .client import GitHubClient
from .ref import PRRef

DIFF_MEDIA_TYPE = "application/vnd.github.v3.diff"
MAX_LISTED_FILES = 3000  # GitHub's files list stops there


class DiffTooLarge(Exception):
    """The diff media type is not available for this PR (406 too_large, or not_available)."""


def _quote(name: str) -> str:
    return name + "\t" if " " in name else name  # git ends a name with a space by a tab


def file_section(f: Any) -> str | None:
    """One entry of the files list as a ``diff --git`` section; None when it has no patch."""
    patch = getattr(f, "patch", None)
    if not patch:
        return None
    new, status = f.filename, f.status
    old = getattr(f, "previous_filename", None) or new
    head = [f"diff --git a/{old} b/{new}"]
    minus, plus = f"a/{old}", f"b/{new}"
    if status == "added":
        head.append("new file mode 100644")
        minus = "/dev/null"
    elif status == "removed":
        head.append("deleted file mode 100644")
        plus = "/dev/null"
    elif old != new:
        verb = "copy" if status == "copied" else "rename"
        head += [f"{verb} from {old}", f"{verb} to {new}"]
    head += [f"--- {_quote(minus)}", f"+++ {_quote(plus)}"]
    return "\n".join(head) + "\n" + patch.rstrip("\n") + "\n"


def skip_reason(f: Any) -> str:
    if getattr(f, "changes", 0) == 0 and f.status in ("renamed", "copied", "changed", "unchanged"):
        return f"{f.status} without line changes"
    return "no patch from GitHub (binary or too large)"


def pull_json(client: GitHubClient, ref: PRRef) -> dict[str, Any]:
    """The pull request's JSON (one request, no retry of its own: run it under ``client.call``)."""
    return client.requester.requestJsonAndCheck("GET", f"/repos/{ref.full_name}/pulls/{ref.number}")[1]


def fetch_pull(client: GitHubClient, ref: PRRef) -> dict[str, Any]:
    """The pull request's JSON, under the client's retry policy."""
    return client.call(f"fetching {ref}", lambda: pull_json(client, ref), target=str(ref))


@dataclass
class PullRequestSource:
    client: GitHubClient
    ref: PRRef

    def fetch(self) -> DiffInput:
        what = f"fetching {self.ref}"
        for _ in range(3):
            data = self.client.call(what, self._pull_json, target=str(self.ref))
            head = data["head"]["sha"]
            try:
                text, skipped = self.client.call(what, self._diff, target=str(self.ref)), ()
            except DiffTooLarge:
                text, skipped = self.client.call(what + " (files list)", lambda: self._files(data),
                                                 target=str(self.ref))
            if self.client.call(what, self._pull_json, target=str(self.ref))["head"]["sha"] == head:
                return DiffInput(text=text, label=str(self.ref), pr=self._pr(data), skipped=tuple(skipped))
        raise GitHubError(f"{self.ref} got new commits while it was being fetched", hint="try again")

    @property
    def _path(self) -> str:
        return f"/repos/{self.ref.full_name}/pulls/{self.ref.number}"

    def _pull_json(self) -> dict[str, Any]:
        return pull_json(self.client, self.ref)

    def _diff(self) -> str:
        status, headers, body = self.client.requester.requestJson("GET", self._path,
                                                                   headers={"Accept": DIFF_MEDIA_TYPE})
        if status < 300:
            return body
        try:
            data = json.loads(body) if body else None
        except ValueError:
            data = {"message": body[:200]}
        errors = data.get("errors") if isinstance(data, dict) else None
        if status == 406 or (isinstance(errors, list) and any(
                isinstance(e, dict) and e.get("field") == "diff" for e in errors)):
            raise DiffTooLarge()
        raise Requester.createException(status, headers, data)

    def _files(self, data: dict[str, Any]) -> tuple[str, list[Skipped]]:
        pull = self.client.github.get_repo(self.ref.full_name).get_pull(self.ref.number)
        sections, skipped = [], []
        files = list(pull.get_files())
        for f in files:
            section = file_section(f)
            if section is None:
                skipped.append(Skipped(f.filename, skip_reason(f)))
            else:
                sections.append(section)
        more = int(data.get("changed_files") or 0) - len(files)
        if more > 0:
            skipped.append(Skipped(f"({more} more files)", f"GitHub lists at most {MAX_LISTED_FILES} files"))
        return "".join(sections), skipped

    def _pr(self, data: dict[str, Any]) -> PullRequest:
        return PullRequest(
            repo=self.ref.full_name,
            number=self.ref.number,
            title=untrusted(data.get("title"), 300),
            body=untrusted(data.get("body"), 4000),
            author=(data.get("user") or {}).get("login", ""),
            base_sha=data["base"]["sha"],
            head_sha=data["head"]["sha"],
            url=data.get("html_url") or "",
            draft=bool(data.get("draft")),
            state="merged" if data.get("merged") else data.get("state", "open"),
        )

