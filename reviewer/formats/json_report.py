"""The JSON report: the review as one object (its fields are listed in the README)."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from ..types import Review
from . import ReportContext

JSON_COMMENT_FIELDS = ("path", "line", "side", "start_line", "severity", "body", "suggestion")


def _trace(item) -> list[dict[str, Any]]:
    """A finding's steps: which pass set its severity and why (each verdict's P and context)."""
    return [asdict(step) for step in item.trace]


def _finding(item) -> dict[str, Any]:
    return {**{k: v for k, v in asdict(item).items() if k != "trace"}, "trace": _trace(item)}


def to_json(review: Review) -> dict[str, Any]:
    return {
        "comments": [{**{k: getattr(c, k) for k in JSON_COMMENT_FIELDS}, "trace": _trace(c)} for c in review.comments],
        "summary": review.summary,
        "stats": asdict(review.stats),
        "skipped": [{"path": s.path, "reason": s.reason} for s in review.skipped],
        "failed": [{"chunk": f.chunk, "path": f.path, "reason": f.reason} for f in review.failed],
        "notes": [_finding(n) for n in review.notes],
        "left_out": [_finding(x) for x in review.left_out],
        "files": list(review.files),
        "model": review.model,
        "style_sources": list(review.style_sources),
        "pr_checks": [asdict(c) for c in review.pr_checks],
        "pr": asdict(review.pr) if review.pr else None,
    }


def render(review: Review, context: ReportContext | None = None) -> str:
    return json.dumps(to_json(review), indent=2, ensure_ascii=False) + "\n"
