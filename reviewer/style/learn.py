"""`reviewer style learn`: a draft style file from one person's past review comments.

The pull-request review comments of a repository (``GET /repos/{owner}/{repo}/pulls/comments``,
newest first, one page of 100 per call, each call under the client's retry policy) are
filtered by author; ``clusters.py`` groups the recurring points; the draft has one section
per point with the reviewer's own sentence as the rule and quoted examples linked to the
comments, under a header that asks the maintainer to edit it before keeping it.
"""

from __future__ import annotations

import posixpath
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from ..errors import InputError
from ..github_client import GitHubClient
from .clusters import Cluster, find_clusters, prose

_REPO = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$")
_LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$")
_PULL_NUMBER = re.compile(r"/pulls/(\d+)$")
_NEXT = re.compile(r'<([^>]+)>;\s*rel="next"')
PER_PAGE = 100
QUOTE_CHARS = 400


@dataclass(frozen=True)
class PastComment:
    id: int
    body: str
    path: str
    url: str
    pull: int | None
    created: str  # ISO date


@dataclass(frozen=True)
class Fetched:
    comments: tuple[PastComment, ...]  # the reviewer's, newest first
    scanned: int  # comments read, by anyone
    pages: int
    complete: bool  # the whole history was read (no page or comment limit reached)


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


def quote(comment: PastComment) -> str:
    text = comment.body.strip()
    if len(text) > QUOTE_CHARS:
        text = text[:QUOTE_CHARS].rsplit(" ", 1)[0] + " [...]"
    lines = [f"> {line}".rstrip() for line in text.splitlines()]
    where = f"#{comment.pull}" if comment.pull else "a pull request"
    link = f"[{where}]({comment.url})" if comment.url else where
    return "\n".join(lines) + f"\n>\n> -- {link}" + (f", `{comment.path}`" if comment.path else "")


def _kinds(comments: list[PastComment]) -> str:
    exts = Counter(posixpath.splitext(c.path)[1] or posixpath.basename(c.path) for c in comments if c.path)
    return ", ".join(f"`{e}`" for e, _ in exts.most_common(4))


def _title(cluster: Cluster) -> str:
    return cluster.key[:1].upper() + cluster.key[1:] if not cluster.key.startswith("`") else cluster.key


def draft_style(repo: str, login: str, fetched: Fetched, *, examples: int = 2, min_count: int = 3,
                min_prs: int = 2, max_rules: int = 20) -> tuple[str, list[Cluster]]:
    """The draft markdown and its clusters (most recurring first)."""
    comments = [c for c in fetched.comments if len(prose(c.body).split()) >= 3]
    clusters, unclustered = find_clusters([c.body for c in comments], [c.pull for c in comments],
                                          min_count=min_count, min_prs=min_prs, max_clusters=max_rules)
    dates = sorted(c.created for c in comments if c.created)
    span = f", {dates[0]} to {dates[-1]}" if dates else ""
    scope = "the whole history" if fetched.complete else f"the newest {fetched.scanned} comments"
    out = [
        "<!--",
        f"Draft written by `reviewer style learn` from {len(comments)} review comments by {login} on {repo}{span}",
        f"({scope} of the repository read, {fetched.pages} pages). Nothing here is used until you keep it.",
        "Edit it: reword each rule the way you mean it, delete what is not a rule, add what is missing,",
        "shorten or drop the examples (they go into every prompt). Then save it as .reviewer/style.md in",
        "the repository (found automatically) or pass it with --style. This comment is not sent to the model.",
        "-->",
        f"# Review style of {login} (draft)",
        "",
    ]
    if not clusters:
        out.append(f"No point recurs in {len(comments)} comments (at least {min_count} comments on {min_prs} "
                   "pull requests): write the rules yourself, or read more history.")
    for cluster in clusters:
        members = [comments[i] for i in cluster.members]
        kinds = _kinds(members)
        out += [f"## {_title(cluster)}", ""]
        rule = cluster.statement or f"(Write the rule about {cluster.key} here.)"
        out.append(f"- {rule}")
        out += ["", f"Seen in {len(members)} comments on {cluster.prs} pull requests"
                + (f" ({kinds} files)" if kinds else "") + f"; shared terms: {', '.join(cluster.terms)}.", ""]
        shown: set[str] = set()
        for c in members:
            if len(shown) < examples and (norm := " ".join(c.body.lower().split())) not in shown:
                shown.add(norm)
                out += [quote(c), ""]
    if clusters and unclustered:
        out.append(f"<!-- {len(unclustered)} comments matched no recurring point. -->")
    return "\n".join(out).rstrip() + "\n", clusters
