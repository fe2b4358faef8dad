"""Dry-run reports: markdown (for people) and JSON (for other tools)."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..prompt import Templates
from ..sanitize import fence_for
from ..types import Comment, PullRequest, Review

JSON_COMMENT_FIELDS = ("path", "line", "side", "start_line", "severity", "body", "suggestion")


def line_url(pr: PullRequest | None, comment: Comment) -> str | None:
    """GitHub's link to a line of a PR's "Files changed" tab."""
    if pr is None or not pr.url:
        return None
    anchor = hashlib.sha256(comment.path.encode()).hexdigest()
    return f"{pr.url}/files#diff-{anchor}{'R' if comment.side == 'RIGHT' else 'L'}{comment.line}"


def where(comment: Comment) -> str:
    side = "" if comment.side == "RIGHT" else " (old)"
    if comment.start_line is not None:
        return f"lines {comment.start_line}-{comment.line}{side}"
    return f"line {comment.line}{side}"


def to_json(review: Review) -> dict[str, Any]:
    return {
        "comments": [{k: getattr(c, k) for k in JSON_COMMENT_FIELDS} for c in review.comments],
        "summary": review.summary,
        "stats": asdict(review.stats),
        "skipped": [{"path": s.path, "reason": s.reason} for s in review.skipped],
        "failed": [{"chunk": f.chunk, "path": f.path, "reason": f.reason} for f in review.failed],
        "notes": [asdict(n) for n in review.notes],
        "left_out": [asdict(x) for x in review.left_out],
        "files": list(review.files),
        "model": review.model,
        "style_sources": list(review.style_sources),
        "pr_checks": [asdict(c) for c in review.pr_checks],
        "pr": asdict(review.pr) if review.pr else None,
    }


def render_json(review: Review) -> str:
    return json.dumps(to_json(review), indent=2, ensure_ascii=False) + "\n"


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


def render(review: Review, fmt: str, templates: Templates) -> str:
    return render_json(review) if fmt == "json" else render_markdown(review, templates)


def write_report(text: str, output: Path) -> None:
    """Write atomically, so a crash never leaves half a report."""
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        tmp = output.with_name(f".{output.name}.{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, output)
    except OSError as exc:
        raise InputError(f"cannot write report {output}: {exc.strerror}") from None
