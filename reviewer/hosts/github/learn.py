"""The GitHub half of `reviewer style learn`: one person's past review comments on a repository.

The pull-request review comments of a repository (``GET /repos/{owner}/{repo}/pulls/comments``,
newest first, one page of 100 per call, each call under the client's retry policy) are
filtered by author; ``reviewer/style/learn.py`` drafts the style file from them.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ...errors import InputError
from ...style.learn import Fetched, PastComment
from .client import GitHubClient
from .ref import FULL_NAME, LOGIN

_REPO, _LOGIN = FULL_NAME, LOGIN
_PULL_NUMBER = re.compile(r"/pulls/(\d+)$")
_NEXT = re.compile(r'<([^>]+)>;\s*rel="next"')
PER_PAGE = 100


def check_names(repo: str, login: str) -> None:
    if not _REPO.match(repo) or repo.split("/")[1] in (".", ".."):
        raise InputError(f"not a repository: {repo!r}", hint="use OWNER/REPO, e.g. ggml-org/llama.cpp")
    if not _LOGIN.match(login):
        raise InputError(f"not a GitHub login: {login!r}")


def fetch_review_comments(client: GitHubClient, repo: str, login: str, *, limit: int = 500, max_pages: int = 100,
                          on_page: Callable[[int, int, int], None] | None = None) -> Fetched:
    """The newest ``limit`` review comments by ``login`` in ``repo``, reading at most ``max_pages``
    pages (following GitHub's ``Link: rel="next"``); ``on_page(page, scanned, matched)`` reports
    progress."""
    check_names(repo, login)
    url: str | None = f"/repos/{repo}/pulls/comments"
    params: dict | None = {"sort": "created", "direction": "desc", "per_page": PER_PAGE}
    mine: list[PastComment] = []
    scanned = pages = 0
    while url is not None and pages < max_pages and len(mine) < limit:
        def get(u: str = url, p: dict | None = params):
            return client.requester.requestJsonAndCheck("GET", u, parameters=p)

        headers, items = client.call(f"reading the review comments of {repo} (page {pages + 1})", get, target=repo)
        url, params = next_link(headers), None  # the next link carries the parameters
        pages += 1
        items = items if isinstance(items, list) else []
        scanned += len(items)
        for c in items:
            author = (c.get("user") or {}).get("login") or ""
            if author.lower() == login.lower() and len(mine) < limit:
                mine.append(_past(c))
        if on_page:
            on_page(pages, scanned, len(mine))
    return Fetched(tuple(mine), scanned, pages, url is None)


def next_link(headers: dict) -> str | None:
    value = next((v for k, v in (headers or {}).items() if k.lower() == "link"), "")
    m = _NEXT.search(value or "")
    return m.group(1) if m else None


def _past(c: dict) -> PastComment:
    m = _PULL_NUMBER.search(c.get("pull_request_url") or "")
    return PastComment(int(c.get("id") or 0), c.get("body") or "", c.get("path") or "", c.get("html_url") or "",
                       int(m.group(1)) if m else None, (c.get("created_at") or "")[:10])
