"""What the tool said on a merge request before: the state its summary note records (the head
it reviewed, the model, the content keys of the files it reviewed in full), so that a re-run
after new commits reviews only the files changed since (``pipeline.run_review(previous=...)``).

Only a summary note written by the token's own user is read; a token that cannot tell its user
(``CI_JOB_TOKEN``) reads none. Anyone can comment on a merge request, and a forged state would
make a review skip files.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from ...errors import GitLabError
from ...types import Previous
from ..common.markers import SUMMARY_MARKER, parse_state
from .client import GitLabClient
from .ref import MRRef


def token_login(client: GitLabClient) -> str | None:
    """The token's user, to recognise the tool's own notes; None when the token cannot say."""
    try:
        data = client.call("reading the token's user", lambda: client.gl.http_get("/user"))
    except GitLabError as exc:
        if exc.status in (401, 403, 404):
            return None
        raise
    return (data or {}).get("username") if isinstance(data, dict) else None


def mr_path(ref: MRRef) -> str:
    return f"/projects/{quote(ref.project, safe='')}/merge_requests/{ref.iid}"


def discussion_notes(client: GitLabClient, ref: MRRef) -> list[dict[str, Any]]:
    """Every note of the merge request's discussions that a person (or a bot) wrote."""
    discussions = client.call("reading the discussions", lambda: list(client.gl.http_list(
        f"{mr_path(ref)}/discussions", get_all=True, per_page=100)), target=str(ref))
    return [n for d in discussions for n in d.get("notes") or [] if not n.get("system")]


def author(note: dict[str, Any]) -> str | None:
    return (note.get("author") or {}).get("username")


def read_previous(client: GitLabClient, ref: MRRef) -> Previous | None:
    """The state of the last summary note the token's user posted on ``ref``, or None."""
    login = token_login(client)
    if login is None:
        return None
    for note in reversed(discussion_notes(client, ref)):
        body = note.get("body") or ""
        if SUMMARY_MARKER in body and author(note) == login:
            state = parse_state(body)
            if state is not None:
                return state
    return None
