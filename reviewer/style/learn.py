"""`reviewer style learn`: a draft style file from one person's past review comments.

A host reads the comments (reviewer/hosts/: ``review_comments``); ``clusters.py`` groups the
recurring points; the draft has one section per point with the reviewer's own sentence as the
rule and quoted examples linked to the comments, under a header that asks the maintainer to
edit it before keeping it.
"""

from __future__ import annotations

import posixpath
from collections import Counter
from dataclasses import dataclass

from .clusters import Cluster, find_clusters, prose

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
