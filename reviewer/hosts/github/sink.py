"""Posting a ``Review`` to its pull request as one GitHub review, idempotently.

- Every inline comment carries a hidden fingerprint (file + severity + words, no line
  number); findings already on the PR are not posted again, on the same head or after a push.
- Anchors are checked against the diff that was reviewed (pinned head) before posting; if
  GitHub still answers 422, each comment is tried alone in a pending review (deleted right
  away), the accepted ones are posted and the refused ones go into the review body.
- One summary issue comment, found by its hidden marker, is edited in place.
- One review per head commit (and per re-run that finds something new), event COMMENT unless
  the trusted setting ``review_event`` asks for more.
- Nothing is ever deleted or edited but the tool's own summary and its probe reviews.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from ...diff.anchor import DiffIndex
from ...config import DEFAULTS
from ...diff.parse import parse_diff
from ...errors import GitHubError, PostError
from ...types import Comment, PullRequest, Review
from ..base import Published
from ..common.markers import SUMMARY_MARKER, fingerprints_in
from ..common.posting import Item, plan_posts
from . import format as F
from .client import GitHubClient, UnprocessableError
from .previous import author_login, token_login


def published(**fields: Any) -> Published:
    """A GitHub post's account: one review holding the findings, a summary comment."""
    return Published(item="inline comment", request="the PR", summary_kind="summary comment",
                     body_kind="review body", **fields)

def choose_event(setting: str, review: Review) -> str:
    """COMMENT, unless the trusted configuration explicitly asks for a verdict."""
    severities = [c.severity for c in review.comments] + [n.severity for n in review.notes]
    if setting == "REQUEST_CHANGES_ON_ERROR" and "error" in severities:
        return "REQUEST_CHANGES"
    if setting == "APPROVE_WHEN_CLEAN" and not severities and not review.failed:
        return "APPROVE"
    return "COMMENT"


class GitHubReviewSink:
    def __init__(self, client: GitHubClient, diff_text: str, *, max_comments: int = DEFAULTS.max_comments,
                 review_event: str = DEFAULTS.review_event, inline_notes: bool = DEFAULTS.inline_notes):
        self.client, self.diff_text = client, diff_text
        self.max_comments, self.review_event = max_comments, review_event
        self.inline_notes = inline_notes  # False: notes (unsure findings) go into the review body

    def publish(self, review: Review) -> Published:
        pr = review.pr
        if pr is None or not pr.head_sha:
            raise PostError("only a review of a pull request can be posted to GitHub")
        self.pr, self.base = pr, f"/repos/{pr.repo}/pulls/{pr.number}"
        repo = self.client.github.get_repo(pr.repo)  # lazy objects: no request until a list is read
        self.pull, self.issue = repo.get_pull(pr.number), repo.get_issue(pr.number)
        login = token_login(self.client)
        comments = self._read("reading the review comments", self.pull.get_review_comments)
        reviews = self._read("reading the reviews", self.pull.get_reviews)
        mine = [x for x in (*comments, *reviews) if login is None or author_login(x) == login]
        known = set().union(*(fingerprints_in(x.body) for x in mine))
        index = DiffIndex(parse_diff(self.diff_text))
        plan = plan_posts(review.comments, known, index.is_valid, max_comments=self.max_comments,
                          inline_notes=self.inline_notes)

        # one review per head commit, even without findings (it says the commit was reviewed);
        # a re-run on the same head posts a review only for findings that are new
        head_reviewed = any(r.commit_id == pr.head_sha and F.REVIEW_TAG in (r.body or "")
                            for r in reviews if login is None or author_login(r) == login)
        result = published(duplicates=plan.duplicates, skipped=True)
        if plan.fresh or not head_reviewed:
            event = choose_event(self.review_event, review)
            result = self._post_review(review, event, plan.inline, plan.overflow, plan.unplaced, plan.duplicates,
                                       plan.unsure)
        summary, url = self._upsert_summary(F.summary_body(review, pr.head_sha), login)
        return replace(result, summary=summary, summary_url=url)

    # -- the review -------------------------------------------------------------------------------
    def _post_review(self, review: Review, event: str, inline, overflow, unplaced, duplicates: int,
                     notes=()) -> Published:
        pr, refused, run = self.pr, [], secrets.token_hex(6)
        state = {"event": event, "downgraded": False}

        def submit() -> dict:
            body = F.review_body(run, pr.head_sha, review.model, len(inline), duplicates, [
                (f"More findings ({self.max_comments} at most are placed on the diff)", _items(overflow, pr)),
                ("Notes (findings the model was unsure of)", _items(list(notes), pr)),
                ("Findings not on a line of the reviewed diff", _items(unplaced, pr)),
                ("Findings GitHub refused to place on the diff", _items(refused, pr))])
            comments = [F.inline_payload(c, fp) for c, fp in inline]
            try:
                return self._create_review(run, body, state["event"], comments)
            except UnprocessableError as exc:
                if state["event"] == "COMMENT" or not _own_pr_refusal(exc):
                    raise
                state.update(event="COMMENT", downgraded=True)  # GitHub: no verdict on your own PR
                return self._create_review(run, body, "COMMENT", comments)

        try:
            data = submit()
        except UnprocessableError as first:
            if not inline:
                raise PostError(f"GitHub refused the review on {pr.head_sha[:12]}: {first.message}",
                                hint="if the PR was force-pushed, review it again") from None
            inline, bad = self._probe(inline)
            refused += bad
            try:
                data = submit()
            except UnprocessableError:
                refused += inline  # nothing is lost: everything goes into the body
                inline = []
                try:
                    data = submit()
                except UnprocessableError as exc:
                    raise PostError(f"GitHub refused the review on {pr.head_sha[:12]}: {exc.message}",
                                    hint="if the PR was force-pushed, review it again") from None
        return published(verdict=state["event"], url=data.get("html_url"), posted=len(inline),
                         in_body=len(overflow) + len(unplaced) + len(refused) + len(notes),
                         rejected=len(unplaced) + len(refused), duplicates=duplicates,
                         downgraded=state["downgraded"])

    def _create_review(self, run: str, body: str, event: str, comments: list[dict]) -> dict:
        payload = {"commit_id": self.pr.head_sha, "body": body, "event": event, "comments": comments}
        tries: list[int] = []

        def create() -> dict:
            if tries:  # retried after a 5xx: GitHub may have stored the review anyway
                for r in self.pull.get_reviews():
                    if f"run={run} " in (r.body or ""):
                        return r.raw_data
            tries.append(1)
            return self.client.requester.requestJsonAndCheck("POST", f"{self.base}/reviews", input=payload)[1]

        return self.client.call("posting the review", create)

    def _probe(self, inline: list[tuple[Comment, str]]):
        """Which comments GitHub accepts: each alone in a pending review, deleted at once."""
        good, bad = [], []
        for i, (c, fp) in enumerate(inline):
            payload = {"commit_id": self.pr.head_sha, "comments": [F.inline_payload(c, fp)]}
            try:
                data = self.client.call("checking a comment", lambda: self.client.requester.requestJsonAndCheck(
                    "POST", f"{self.base}/reviews", input=payload)[1], idempotent=False)
            except UnprocessableError as exc:
                if any("pending review" in str(e) for e in exc.errors):
                    return good, bad + inline[i:]  # the token's user has a pending review: cannot probe
                bad.append((c, fp))
                continue
            except GitHubError:
                return good, bad + inline[i:]
            good.append((c, fp))
            try:
                self.client.call("removing a check review", lambda: self.client.requester.requestJsonAndCheck(
                    "DELETE", f"{self.base}/reviews/{data['id']}"))
            except GitHubError:
                pass  # gone already (a retried delete), or not deletable: nothing more to do
        return good, bad

    # -- the summary comment ----------------------------------------------------------------------
    def _upsert_summary(self, text: str, login: str | None) -> tuple[str, str | None]:
        issue = f"/repos/{self.pr.repo}/issues/{self.pr.number}/comments"
        listed = self._read("reading the PR's comments", self.issue.get_comments)
        for c in [c for c in listed if SUMMARY_MARKER in (c.body or "")
                  and (login is None or author_login(c) == login)]:
            if c.body == text:
                return "unchanged", c.html_url
            try:
                self.client.call("editing the summary comment", lambda: c.edit(text))
                return "edited", c.html_url
            except GitHubError as exc:
                if exc.status not in (403, 404):
                    raise
        tries: list[int] = []

        def create() -> dict:
            if tries:
                for c in self.issue.get_comments():
                    if c.body == text:
                        return c.raw_data
            tries.append(1)
            return self.client.requester.requestJsonAndCheck("POST", issue, input={"body": text})[1]

        return "created", self.client.call("posting the summary comment", create).get("html_url")

    # -- helpers ----------------------------------------------------------------------------------
    def _read(self, what: str, fn: Callable[[], Any]) -> list:
        return self.client.call(what, lambda: list(fn()), target=f"{self.pr.repo}#{self.pr.number}")


def _items(items: list[Item], pr: PullRequest) -> list[str]:
    return [F.body_item(c, fp, pr) for c, fp in items]


def _own_pr_refusal(exc: UnprocessableError) -> bool:
    return any("your own pull request" in str(e) for e in exc.errors)


