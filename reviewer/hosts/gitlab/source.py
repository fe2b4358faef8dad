"""A GitLab merge request as a diff source.

The diff comes from ``/merge_requests/:iid/diffs`` (paginated, GitLab 15.7+), or from
``/changes`` on an older GitLab; each entry's ``diff`` is hunks without file headers, rebuilt
here into a ``diff --git`` section. The head is pinned: the MR is read again after its diff, and
a push in between starts over. ``diff_refs`` (base, start and head SHAs), which discussions are
anchored with, are kept for the sink.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from gitlab.exceptions import GitlabHttpError

from ...errors import GitLabError
from ...sanitize import untrusted
from ...types import DiffInput, PullRequest, Skipped
from .client import GitLabClient
from .ref import MRRef


def _quote(name: str) -> str:
    return name + "\t" if " " in name else name  # git ends a name with a space by a tab


def file_section(change: dict[str, Any]) -> str | None:
    """One entry of the MR's diffs as a ``diff --git`` section; None when it has no hunks."""
    patch = change.get("diff") or ""
    if not patch.lstrip().startswith("@@"):
        return None
    old, new = change.get("old_path") or change["new_path"], change.get("new_path") or change["old_path"]
    head, minus, plus = [f"diff --git a/{old} b/{new}"], f"a/{old}", f"b/{new}"
    if change.get("new_file"):
        head.append(f"new file mode {change.get('b_mode') or '100644'}")
        minus = "/dev/null"
    elif change.get("deleted_file"):
        head.append(f"deleted file mode {change.get('a_mode') or '100644'}")
        plus = "/dev/null"
    elif old != new:
        head += [f"rename from {old}", f"rename to {new}"]
    head += [f"--- {_quote(minus)}", f"+++ {_quote(plus)}"]
    return "\n".join(head) + "\n" + patch.rstrip("\n") + "\n"


def skip_reason(change: dict[str, Any]) -> str:
    if change.get("too_large") or change.get("collapsed"):
        return "GitLab did not send its diff (too large)"
    if change.get("renamed_file") and not change.get("diff"):
        return "renamed without line changes"
    return "no diff from GitLab (binary, or mode change only)"


@dataclass
class MergeRequestSource:
    client: GitLabClient
    ref: MRRef
    diff_refs: dict[str, str] = field(default_factory=dict)  # set by fetch()
    target_branch: str = ""
    changed_paths: tuple[str, ...] = ()  # set by fetch(): the files the MR changes

    @property
    def _path(self) -> str:
        return f"/projects/{quote(self.ref.project, safe='')}/merge_requests/{self.ref.iid}"

    def fetch(self) -> DiffInput:
        what, target = f"fetching {self.ref}", str(self.ref)
        for _ in range(3):
            data = self.client.call(what, lambda: self.client.gl.http_get(self._path), target=target)
            refs = dict(data.get("diff_refs") or {})
            if not refs.get("head_sha"):
                raise GitLabError(f"{self.ref} has no diff yet (GitLab is still preparing it)", hint="try again shortly")
            changes, overflow = self.client.call(what + " (diffs)", self._changes, target=target)
            again = self.client.call(what, lambda: self.client.gl.http_get(self._path), target=target)
            if (again.get("diff_refs") or {}).get("head_sha") != refs["head_sha"]:
                continue
            sections, skipped = [], []
            for change in changes:
                section = file_section(change)
                if section is None:
                    skipped.append(Skipped(change.get("new_path") or change.get("old_path") or "?", skip_reason(change)))
                else:
                    sections.append(section)
            if overflow:
                skipped.append(Skipped("(more files)", "GitLab cut the list of changes (overflow)"))
            self.diff_refs, self.target_branch = refs, str(data.get("target_branch") or "")
            self.changed_paths = tuple(c.get("new_path") or c.get("old_path") or "" for c in changes)
            return DiffInput(text="".join(sections), label=str(self.ref), pr=self._pr(data, refs),
                             skipped=tuple(skipped))
        raise GitLabError(f"{self.ref} got new commits while it was being fetched", hint="try again")

    def _changes(self) -> tuple[list[dict[str, Any]], bool]:
        try:
            return list(self.client.gl.http_list(f"{self._path}/diffs", get_all=True, per_page=100)), False
        except GitlabHttpError as exc:
            if exc.response_code != 404:
                raise
        data = self.client.gl.http_get(f"{self._path}/changes")  # GitLab before 15.7
        return list(data.get("changes") or []), bool(data.get("overflow"))

    def _pr(self, data: dict[str, Any], refs: dict[str, str]) -> PullRequest:
        state = data.get("state") or "opened"
        return PullRequest(
            repo=self.ref.project,
            number=self.ref.iid,
            title=untrusted(data.get("title"), 300),
            body=untrusted(data.get("description"), 4000),
            author=(data.get("author") or {}).get("username", ""),
            base_sha=refs.get("base_sha") or "",
            head_sha=refs["head_sha"],
            url=data.get("web_url") or "",
            draft=bool(data.get("draft") or data.get("work_in_progress")),
            state="open" if state == "opened" else state,
        )
