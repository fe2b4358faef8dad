"""What the GitHub sink writes: comment bodies, the review body, the summary comment, and the
hidden markers that make re-runs idempotent.

Every piece of model text goes through ``sanitize.for_posting`` (no pings, no HTML, no forged
markers); file paths, which the PR's author chose, are shown as code spans only, without
anything shaped like the tool's markers.
"""

from __future__ import annotations

from collections.abc import Sequence

from ...sanitize import MARKER_PREFIX, clean_code, code_span, fence_for, for_posting, sections_within
from ...types import SEVERITY_RANK, Comment, PullRequest, Review
from ...formats.report import line_url, where
from ..common.markers import SUMMARY_MARKER, fp_marker, state_marker

REVIEW_TAG = f"<!-- {MARKER_PREFIX}review"  # the review body's marker: REVIEW_TAG run=<id> -->
MAX_BODY = 65536  # GitHub's limit on a comment or review body
BODY_BUDGET = 60000  # what the review body's findings may take, leaving room for the rest


def safe(text: str, limit: int = 4000) -> str:
    return for_posting(text, limit=limit)


def priority(c: Comment) -> tuple:
    return (-SEVERITY_RANK[c.severity], c.path, c.line)


def code_block(c: Comment, applicable: bool = True) -> str:
    """The model's replacement code: a ```suggestion (one click to apply) on a new-file line; it
    replaces the commented lines (``start_line..line``), with as many lines as it has (GitHub
    accepts a different count); on a removed line, a plain code block."""
    if c.suggestion is None:
        return ""
    code = clean_code(c.suggestion).removesuffix("\n")
    kind = "suggestion" if applicable and c.side == "RIGHT" else ""
    fence = fence_for(code)
    return f"\n\n{fence}{kind}\n{code}\n{fence}"


def inline_body(c: Comment, fp: str) -> str:
    return f"**{c.severity}**: {safe(c.body)}{code_block(c)}\n\n{fp_marker(fp)}"


def inline_payload(c: Comment, fp: str) -> dict:
    out: dict = {"path": c.path, "line": c.line, "side": c.side, "body": inline_body(c, fp)}
    if c.start_line is not None:
        out.update(start_line=c.start_line, start_side=c.side)
    return out


def body_item(c: Comment, fp: str, pr: PullRequest | None) -> str:
    url = line_url(pr, c)
    place = f"{code_span(c.path)} {where(c)}"
    place = f"[{place}]({url})" if url else place
    block = code_block(c, applicable=False)  # a review body cannot apply suggestions
    text = safe(c.body).replace("\n", "\n  ")
    return f"- **{c.severity}** {place}: {text}{_indent(block)}\n  {fp_marker(fp)}"


def _indent(block: str) -> str:
    return "\n".join(("  " + line) if line else line for line in block.split("\n")) if block else ""


def review_body(run: str, head_sha: str, model: str, inline: int, known: int,
                sections: Sequence[tuple[str, list[str]]]) -> str:
    """The review's own text: what is inline, then the findings that are not (with links)."""
    extra = sum(len(items) for _, items in sections)
    if inline or extra:
        said = f"{inline} comment{'s' if inline != 1 else ''} on the diff" if inline else "no comments on the diff"
        said += f", {extra} more below" if extra else ""
    else:
        said = "no new findings"
    if known:
        said += f" ({known} earlier finding{'s' if known != 1 else ''} still apply)"
    by = f" with `{model.replace('`', '')}`" if model else ""
    out = [f"{REVIEW_TAG} run={run} -->", f"**reviewer**{by}, commit `{head_sha[:12]}`: {said}."]
    out += sections_within(sections, BODY_BUDGET)
    return "\n".join(out)


def summary_body(review: Review, head_sha: str) -> str:
    """The one summary comment, edited in place on every run: the latest head's summary, and
    (hidden, first, so that no cut loses it) the state the next run starts from."""
    lines = [SUMMARY_MARKER, state_marker(review, head_sha), "### reviewer", "", safe(review.summary, limit=40000)]
    if review.skipped:
        lines += ["", "Skipped:"]
        lines += [f"- {code_span(s.path)}: {safe(s.reason, 300)}" for s in review.skipped[:100]]
        if len(review.skipped) > 100:
            lines.append(f"- and {len(review.skipped) - 100} more")
    by = f" · model `{review.model.replace('`', '')}`" if review.model else ""
    lines += ["", f"<sub>Last reviewed commit `{head_sha[:12]}`{by}. Findings are posted once; "
                  "a re-run posts only new ones.</sub>"]
    text = "\n".join(lines)
    return text if len(text) <= MAX_BODY else text[: MAX_BODY - 2] + "…"
