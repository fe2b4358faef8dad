"""What the tool said on a pull request before: the state its summary comment records (the head
it reviewed, the model, the content keys of the files it reviewed in full), so that a re-run
after new commits reviews only the files changed since (``pipeline.run_review(previous=...)``).

Only a summary written by the token's own user is read; a token that cannot tell its user (an
app's, as in Actions) trusts only a bot's. Anyone can comment on a pull request, and a forged
state would make a review skip files.
"""

from __future__ import annotations

from typing import Any

from ...errors import GitHubError
from ...types import Previous
from ..common.markers import SUMMARY_MARKER, parse_state
from .client import GitHubClient


def token_login(client: GitHubClient) -> str | None:
    """The token's user, to recognise the tool's own comments; None for app tokens (403)."""
    try:
        return client.call("reading the token's user", lambda: client.github.get_user().login)
    except GitHubError as exc:
        if exc.status in (403, 404):
            return None
        raise


def author_login(x: Any) -> str | None:
    """The login of a PyGithub comment's or review's author (None when GitHub names none: a
    deleted user)."""
    return x.user.login if x.user is not None else None


def written_by_us(comment: Any, login: str | None) -> bool:
    author = author_login(comment)
    if login is not None:
        return author == login
    return comment.user is not None and comment.user.type == "Bot" and str(author).endswith("[bot]")


def read_previous(client: GitHubClient, repo: str, number: int) -> Previous | None:
    """The state of the last summary the tool posted on ``repo``#``number``, or None."""
    login = token_login(client)
    issue = client.github.get_repo(repo).get_issue(number)  # lazy objects: no request until the list is read
    comments = client.call("reading the PR's comments", lambda: list(issue.get_comments()), target=f"{repo}#{number}")
    for comment in reversed(comments):
        body = comment.body or ""
        if SUMMARY_MARKER in body and written_by_us(comment, login):
            state = parse_state(body)
            if state is not None:
                return state
    return None
