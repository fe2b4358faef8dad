"""The markdown report: for people (templates/report.md.j2)."""

from __future__ import annotations

from typing import Any

from ..prompt import Templates
from ..sanitize import fence_for
from .report import line_url, where
from ..types import Review
from . import ReportContext


def render_markdown(review: Review, templates: Templates) -> str:
    by_file: dict[str, list[dict[str, Any]]] = {path: [] for path in review.files}
    for c in review.comments:
        by_file.setdefault(c.path, []).append(
            {
                "severity": c.severity,
                "body": c.body,
                "where": where(c),
                "url": line_url(review.pr, c),
                "suggestion": c.suggestion,
                "fence": fence_for(c.suggestion or ""),
            }
        )
    files = [{"path": path, "comments": comments} for path, comments in by_file.items()]
    text = templates.render(
        "report.md.j2",
        pr=review.pr,
        label=review.label,
        summary=review.summary,
        files=files,
        skipped=review.skipped,
        stats=review.stats,
        model=review.model,
        style_sources=review.style_sources,
        left_out=[{"where": f"{x.path}" + (f":{x.line}" if x.line else ""), "severity": x.severity, "body": x.body}
                  for x in review.left_out],
    )
    return text.rstrip() + "\n"


def render(review: Review, context: ReportContext) -> str:
    return render_markdown(review, context.templates or Templates())
