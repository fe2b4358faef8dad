"""Posting a ``Review`` as one GitHub check run on the pull request's head commit (``--post
check``, the Action's ``mode: check``): a status and annotations instead of review comments, as
reviewdog's ``github-pr-check`` does.

- The run is created ``in_progress`` with the first 50 annotations (GitHub's limit a request),
  the others are appended by updating it 50 at a time, and the last update completes it.
- Conclusion ``failure`` when a finding is at or above ``fail_on``, else ``neutral`` (a review
  is advice, never a pass). The summary is the check's output.
- A finding on new-file lines is annotated on them; one on removed lines on the new-file line
  of the diff where they were; notes (on no diff line) are in the summary only.
- Creating check runs needs a GitHub App's token, such as the Actions ``GITHUB_TOKEN`` with
  ``checks: write``; a personal token gets a 403, reported in one line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...errors import GitHubError, PostError
from ...formats.findings import DiffLines, where_lines
from ...sanitize import clean_model_text, code_span
from ...types import SEVERITY_RANK, Comment, Review
from .client import GitHubClient

CHECK_NAME = "reviewer"
PER_REQUEST = 50  # GitHub takes at most 50 annotations a request
MAX_SUMMARY = 65535
LEVEL = {"error": "failure", "warning": "warning", "note": "notice"}


@dataclass(frozen=True)
class CheckResult:
    url: str | None
    conclusion: str
    annotations: int
    requests: int  # the create and the updates


def conclusion_for(review: Review, fail_on: str) -> str:
    if fail_on == "never":
        return "neutral"
    floor = SEVERITY_RANK[fail_on]
    found = [c.severity for c in review.comments] + [n.severity for n in review.notes]
    return "failure" if any(SEVERITY_RANK[s] >= floor for s in found) else "neutral"


def annotation(c: Comment, diff: DiffLines) -> dict[str, Any] | None:
    message = clean_model_text(c.body, limit=60000) or "(no text)"
    if c.side == "RIGHT":
        start, end = c.start_line or c.line, c.line
    else:
        point = diff.removal_point(c.path, c.line)
        if point is None:
            return None
        start = end = point
        message = f"(removed line{'s' if c.start_line else ''} {where_lines(c)}) {message}"
    out = {"path": c.path, "start_line": start, "end_line": end, "annotation_level": LEVEL[c.severity],
           "message": message, "title": f"reviewer: {c.severity}"}
    if c.suggestion is not None and c.side == "RIGHT":
        out["raw_details"] = f"Suggested replacement:\n{c.suggestion}"[:60000]
    return out


def summary_text(review: Review, unannotated: list[Comment]) -> str:
    lines = [clean_model_text(review.summary, limit=40000)]
    extra = [*review.notes, *unannotated]
    if extra:
        lines += ["", "Findings not annotated on the diff:"]
        lines += [f"- **{x.severity}** {code_span(x.path)}: {clean_model_text(x.body, 2000)}" for x in extra[:200]]
    text = "\n".join(lines)
    return text if len(text) <= MAX_SUMMARY else text[: MAX_SUMMARY - 1] + "…"


class GitHubCheckSink:
    def __init__(self, client: GitHubClient, diff_text: str, *, fail_on: str = "never", name: str = CHECK_NAME):
        self.client, self.diff_text, self.fail_on, self.name = client, diff_text, fail_on, name

    def publish(self, review: Review) -> CheckResult:
        pr = review.pr
        if pr is None or not pr.head_sha:
            raise PostError("only a review of a pull request can be posted as a check run")
        diff = DiffLines(self.diff_text)
        notes, unannotated = [], []
        for c in review.comments:
            a = annotation(c, diff)
            (notes if a is not None else unannotated).append(a if a is not None else c)
        conclusion = conclusion_for(review, self.fail_on)
        said = f"{len(notes)} annotation{'s' if len(notes) != 1 else ''}"
        output = {"title": f"reviewer: {said}", "summary": summary_text(review, unannotated)}
        batches = [notes[i:i + PER_REQUEST] for i in range(0, len(notes), PER_REQUEST)] or [[]]
        base = f"/repos/{pr.repo}/check-runs"

        def request(method: str, url: str, payload: dict) -> dict:
            return self.client.requester.requestJsonAndCheck(method, url, input=payload)[1]

        first = {"name": self.name, "head_sha": pr.head_sha, "status": "in_progress",
                 "output": {**output, "annotations": batches[0]}}
        if len(batches) == 1:
            first.update(status="completed", conclusion=conclusion)
        try:
            run = self.client.call("creating the check run", lambda: request("POST", base, first), idempotent=False,
                                   target=f"{pr.repo}#{pr.number}")
        except GitHubError as exc:
            if exc.status != 403:
                raise
            raise GitHubError(exc.message, status=403,
                              hint="check runs need a GitHub App's token, such as the Actions GITHUB_TOKEN with "
                                   "`permissions: checks: write`; a personal token cannot create them") from None
        for i, batch in enumerate(batches[1:], 2):
            update: dict[str, Any] = {"output": {**output, "annotations": batch}}
            if i == len(batches):
                update.update(status="completed", conclusion=conclusion)
            run = self.client.call("adding annotations to the check run",
                                   lambda u=update: request("PATCH", f"{base}/{run['id']}", u),
                                   idempotent=False, target=f"{pr.repo}#{pr.number}")
        return CheckResult(run.get("html_url"), conclusion, len(notes), len(batches))
