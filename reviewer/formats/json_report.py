"""The JSON report: the review as one object (its fields are listed in the README), and
``from_json``, which reads one back into a ``Review`` (``reviewer triage REPORT.json``)."""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from typing import Any

from ..errors import InputError
from ..types import SEVERITIES, Comment, Failed, Note, PRCheck, PullRequest, Review, Severity, Skipped, Stats, Step
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


# -- reading a report back (``reviewer triage REPORT.json``) ----------------------------------------
def _steps(raw: Any) -> tuple[Step, ...]:
    return tuple(Step(str(s["stage"]), str(s["severity"]), str(s.get("reason", "")),
                      None if s.get("p") is None else float(s["p"]), str(s.get("context", ""))) for s in raw or ())


def _severity(value: Any) -> Severity:
    if value not in SEVERITIES:
        raise ValueError(f"not a severity: {value!r}")
    return value


def _comment(raw: dict[str, Any]) -> Comment:
    if raw.get("side") not in ("RIGHT", "LEFT"):
        raise ValueError(f"not a side: {raw.get('side')!r}")
    start = raw.get("start_line")
    return Comment(str(raw["path"]), int(raw["line"]), raw["side"], _severity(raw["severity"]), str(raw["body"]),
                   None if start is None else int(start),
                   None if raw.get("suggestion") is None else str(raw["suggestion"]), _steps(raw.get("trace")))


def _note(raw: dict[str, Any]) -> Note:
    line = raw.get("line")
    return Note(str(raw["path"]), _severity(raw["severity"]), str(raw["body"]), None if line is None else int(line),
                _steps(raw.get("trace")))


def _known(cls, raw: dict[str, Any]) -> dict[str, Any]:
    """``raw``'s fields that ``cls`` has (a report written by a newer version may carry more)."""
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in raw.items() if k in names}


def _label(pr: PullRequest | None) -> str:
    if pr is None:
        return ""
    return f"{pr.repo}{'!' if '/-/merge_requests/' in pr.url else '#'}{pr.number}"  # GitLab's or GitHub's form


def from_json(data: Any) -> Review:
    """A ``Review`` from ``to_json``'s object (a saved JSON report); an ``InputError`` for anything
    else. The report does not carry the reviewed diff: the caller fetches or reads it again."""
    if not isinstance(data, dict) or not {"comments", "summary", "stats"} <= set(data):
        raise InputError("not a JSON report of `reviewer review --format json` (no comments, summary and stats)")
    try:
        pr = PullRequest(**_known(PullRequest, data["pr"])) if data.get("pr") else None
        return Review(
            comments=tuple(_comment(c) for c in data["comments"]),
            summary=str(data["summary"]),
            stats=Stats(**_known(Stats, data["stats"])),
            skipped=tuple(Skipped(str(s["path"]), str(s["reason"])) for s in data.get("skipped") or ()),
            failed=tuple(Failed(str(f["chunk"]), str(f["path"]), str(f["reason"])) for f in data.get("failed") or ()),
            notes=tuple(_note(n) for n in data.get("notes") or ()),
            files=tuple(str(p) for p in data.get("files") or ()),
            label=_label(pr),
            model=str(data.get("model") or ""),
            pr=pr,
            style_sources=tuple(str(s) for s in data.get("style_sources") or ()),
            pr_checks=tuple(PRCheck(**_known(PRCheck, c)) for c in data.get("pr_checks") or ()),
            left_out=tuple(_comment(x) if "side" in x else _note(x) for x in data.get("left_out") or ()),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputError(f"a malformed JSON report: {type(exc).__name__}: {exc}") from None


def load(text: str) -> Review:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise InputError(f"not a JSON report: {exc}") from None
    return from_json(data)
