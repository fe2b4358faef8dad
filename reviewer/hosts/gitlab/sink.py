"""Posting a ``Review`` to its merge request, idempotently.

- New findings on lines of the reviewed diff become discussions anchored with GitLab's
  ``position`` (at most ``max_comments`` a run); every discussion carries a hidden fingerprint
  (file, severity, words: no line number; hosts/common/markers.py), and a finding already posted
  by an earlier run is not posted again, on the same head or after a push.
- A position GitLab refuses (400) is not lost: the finding goes into the summary note, with
  those over ``max_comments``, the notes (findings the model was unsure of) and the findings on
  no line of the diff.
- One summary note, found by its hidden marker, is edited in place on every run; it records the
  state a re-run on a new head starts from (gitlab/previous.py: only what changed is reviewed).
- Nothing is deleted, and nothing but the tool's own summary note is edited.
"""

from __future__ import annotations

from typing import Any

from ...errors import GitLabError, PostError
from ...formats.findings import DiffLines
from ...types import Comment, Note, Review
from ..base import Published
from ..common.markers import SUMMARY_MARKER, finding_fingerprint, fingerprints_in, line_fingerprint
from ..common.posting import plan_posts
from . import format as F
from .client import GitLabClient
from .previous import author, discussion_notes, mr_path, token_login
from .ref import MRRef


def published(**fields: Any) -> Published:
    """A GitLab post's account: discussions on the diff, a summary note."""
    return Published(item="discussion", request="the merge request", summary_kind="summary note",
                     body_kind="summary note", **fields)


class GitLabReviewSink:
    def __init__(self, client: GitLabClient, ref: MRRef, diff_text: str, diff_refs: dict[str, str], *,
                 max_comments: int = 30, inline_notes: bool = False):
        self.client, self.ref, self.diff_text, self.diff_refs = client, ref, diff_text, diff_refs
        self.max_comments, self.inline_notes = max_comments, inline_notes
        self.base = mr_path(ref)

    def publish(self, review: Review) -> Published:
        pr = review.pr
        if pr is None or not pr.head_sha or not self.diff_refs.get("head_sha"):
            raise PostError("only a review of a merge request can be posted to GitLab")
        login = token_login(self.client)
        mine = [n for n in discussion_notes(self.client, self.ref) if login is None or author(n) == login]
        summary_notes = [n for n in mine if SUMMARY_MARKER in (n.get("body") or "")]
        known = set().union(*(fingerprints_in(n.get("body")) for n in mine if n not in summary_notes))

        diff, positions = DiffLines(self.diff_text), F.Positions(self.diff_text, self.diff_refs)
        plan = plan_posts(review.comments, known, lambda c: positions.of(c) is not None,
                          max_comments=self.max_comments, inline_notes=self.inline_notes,
                          also_known=lambda c: line_fingerprint(c, diff))  # the markers posted before

        posted, refused = 0, []
        for c, fp in plan.inline:
            payload = {"body": F.discussion_body(c, fp), "position": positions.of(c)}
            try:
                self.client.call("posting a discussion", lambda: self.client.gl.http_post(
                    f"{self.base}/discussions", post_data=payload), idempotent=False, target=str(self.ref))
                posted += 1
            except GitLabError as exc:
                if exc.status != 400:
                    raise
                refused.append((c, fp))  # GitLab refused the position: into the summary note

        model_notes = [(n, finding_fingerprint(n)) for n in review.notes]
        sections = [
            (f"More findings ({self.max_comments} new ones at most are placed on the diff a run)", _items(plan.overflow)),
            ("Notes (findings the model was unsure of)", _items(plan.unsure)),
            ("Findings not on a line of the reviewed diff", _items(plan.unplaced) + _items(model_notes)),
            ("Findings GitLab refused to place on the diff", _items(refused)),
        ]
        body = F.summary_body(review, pr.head_sha, posted, plan.duplicates, sections)
        summary, url = self._upsert_summary(body, summary_notes)
        in_note = len(plan.overflow) + len(plan.unsure) + len(plan.unplaced) + len(model_notes) + len(refused)
        return published(posted=posted, in_body=in_note, rejected=len(plan.unplaced) + len(refused),
                         duplicates=plan.duplicates, summary=summary, summary_url=url)

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
                if exc.status not in (403, 404):
                    raise
        data = self.client.call("posting the summary note", lambda: self.client.gl.http_post(
            f"{self.base}/notes", post_data={"body": text}), idempotent=False, target=str(self.ref))
        return "created", self._note_url(data) if isinstance(data, dict) else url

    def _note_url(self, note: dict[str, Any]) -> str:
        return f"{self.client.url}/{self.ref.project}/-/merge_requests/{self.ref.iid}#note_{note.get('id')}"


def _items(items: list[tuple[Comment | Note, str]]) -> list[str]:
    return [F.note_item(c, fp) for c, fp in items]
