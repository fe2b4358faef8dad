"""Posting a ``Review`` to its merge request, idempotently.

- New findings on lines of the reviewed diff become discussions anchored with GitLab's
  ``position`` (at most ``max_comments`` a run); every discussion carries a hidden fingerprint
  (file, the text of its lines, its words: no line number), and a finding already posted by an
  earlier run is not posted again, on the same head or after a push.
- A position GitLab refuses (400) is not lost: the finding goes into the summary note, with
  those over ``max_comments``, the notes (findings the model was unsure of) and the findings on
  no line of the diff.
- One summary note, found by its hidden marker, is edited in place on every run.
- Nothing is deleted, and nothing but the tool's own summary note is edited.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from ...errors import GitLabError, PostError
from ...formats.findings import DiffLines
from ...types import Comment, Note, Review
from . import format as F
from .client import GitLabClient
from .ref import MRRef


@dataclass(frozen=True)
class GitLabPostResult:
    discussions: int = 0  # new discussions on the diff
    in_note: int = 0  # findings written into the summary note instead
    rejected: int = 0  # of those, refused by the local anchor check or by GitLab (400)
    duplicates: int = 0  # findings already on the merge request: not posted again
    summary: str = "unchanged"  # created, edited or unchanged
    summary_url: str | None = None


class GitLabReviewSink:
    def __init__(self, client: GitLabClient, ref: MRRef, diff_text: str, diff_refs: dict[str, str], *,
                 max_comments: int = 30, inline_notes: bool = False):
        self.client, self.ref, self.diff_text, self.diff_refs = client, ref, diff_text, diff_refs
        self.max_comments, self.inline_notes = max_comments, inline_notes
        self.base = f"/projects/{quote(ref.project, safe='')}/merge_requests/{ref.iid}"

    def publish(self, review: Review) -> GitLabPostResult:
        pr = review.pr
        if pr is None or not pr.head_sha or not self.diff_refs.get("head_sha"):
            raise PostError("only a review of a merge request can be posted to GitLab")
        login = self._login()
        notes = [n for d in self._list("reading the discussions", f"{self.base}/discussions")
                 for n in d.get("notes") or [] if not n.get("system")]
        mine = [n for n in notes if login is None or (n.get("author") or {}).get("username") == login]
        summary_notes = [n for n in mine if F.SUMMARY_MARKER in (n.get("body") or "")]
        known = set().union(*(F.fingerprints_in(n.get("body")) for n in mine if n not in summary_notes))

        diff, positions = DiffLines(self.diff_text), F.Positions(self.diff_text, self.diff_refs)
        fresh: list[tuple[Comment, str]] = []
        duplicates = 0
        for c in sorted(review.comments, key=F.priority):
            fp = F.finding_fingerprint(c, diff)
            if fp in known:
                duplicates += 1
            else:
                known.add(fp)
                fresh.append((c, fp))
        unplaced = [(c, fp) for c, fp in fresh if positions.of(c) is None]
        placeable = [(c, fp) for c, fp in fresh if positions.of(c) is not None]
        unsure = [] if self.inline_notes else [x for x in placeable if x[0].severity == "note"]
        placeable = [x for x in placeable if x not in unsure]
        inline, overflow = placeable[: self.max_comments], placeable[self.max_comments:]

        posted, refused = 0, []
        for c, fp in inline:
            payload = {"body": F.discussion_body(c, fp), "position": positions.of(c)}
            try:
                self.client.call("posting a discussion", lambda: self.client.gl.http_post(
                    f"{self.base}/discussions", post_data=payload), idempotent=False, target=str(self.ref))
                posted += 1
            except GitLabError as exc:
                if getattr(exc, "status", None) != 400:
                    raise
                refused.append((c, fp))  # GitLab refused the position: into the summary note

        model_notes = [(n, F.finding_fingerprint(n, diff)) for n in review.notes]
        sections = [
            (f"More findings ({self.max_comments} new ones at most are placed on the diff a run)", _items(overflow)),
            ("Notes (findings the model was unsure of)", _items(unsure)),
            ("Findings not on a line of the reviewed diff", _items(unplaced) + _items(model_notes)),
            ("Findings GitLab refused to place on the diff", _items(refused)),
        ]
        body = F.summary_body(review, pr.head_sha, posted, duplicates, sections)
        summary, url = self._upsert_summary(body, summary_notes)
        in_note = len(overflow) + len(unsure) + len(unplaced) + len(model_notes) + len(refused)
        return GitLabPostResult(discussions=posted, in_note=in_note, rejected=len(unplaced) + len(refused),
                                duplicates=duplicates, summary=summary, summary_url=url)

    def _upsert_summary(self, text: str, existing: list[dict[str, Any]]) -> tuple[str, str | None]:
        url = None
        for note in existing:
            url = self._note_url(note)
            if note.get("body") == text:
                return "unchanged", url
            try:
                self.client.call("editing the summary note", lambda: self.client.gl.http_put(
                    f"{self.base}/notes/{note['id']}", post_data={"body": text}), target=str(self.ref))
                return "edited", url
            except GitLabError as exc:
                if getattr(exc, "status", None) not in (403, 404):
                    raise
        data = self.client.call("posting the summary note", lambda: self.client.gl.http_post(
            f"{self.base}/notes", post_data={"body": text}), idempotent=False, target=str(self.ref))
        return "created", self._note_url(data) if isinstance(data, dict) else url

    def _note_url(self, note: dict[str, Any]) -> str:
        return f"{self.client.url}/{self.ref.project}/-/merge_requests/{self.ref.iid}#note_{note.get('id')}"

    def _login(self) -> str | None:
        """The token's user, to recognise the tool's own notes; None when the token cannot say."""
        try:
            data = self.client.call("reading the token's user", lambda: self.client.gl.http_get("/user"))
        except GitLabError as exc:
            if getattr(exc, "status", None) in (401, 403, 404):
                return None
            raise
        return (data or {}).get("username") if isinstance(data, dict) else None

    def _list(self, what: str, path: str) -> list[dict[str, Any]]:
        return self.client.call(what, lambda: list(self.client.gl.http_list(path, get_all=True, per_page=100)),
                                target=str(self.ref))


def _items(items: list[tuple[Comment | Note, str]]) -> list[str]:
    return [F.note_item(c, fp) for c, fp in items]
