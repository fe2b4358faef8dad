"""reviewdog's Diagnostic Format: ``rdjson`` (one DiagnosticResult) and ``rdjsonl`` (one
Diagnostic a line), for ``reviewdog -f=rdjson`` / ``-f=rdjsonl``, whose reporters post to GitHub,
GitLab, Gitea, Bitbucket and Gerrit (docs/integrations.md).

reviewdog reads these with protobuf's JSON parser, which refuses unknown fields: only the
format's own fields are written. A finding on new-file lines has their line range (and its
suggestion as a linewise ``suggestions`` entry); one on removed lines, the new-file line of the
diff where they were, its message naming them; a note, on no line of the diff, the line the
model named (the file only when it named none). The findings left out below ``min_severity`` are written
too, from the source ``reviewer (left out)``, so a pipeline can drop them by source name.
"""

from __future__ import annotations

import json
from typing import Any

from ..sanitize import clean_code, for_posting
from ..types import Comment, Review
from . import ReportContext
from .findings import TOOL_NAME, DiffLines, Finding, findings, rule_texts, where_lines

LEFT_OUT_SOURCE = f"{TOOL_NAME} (left out)"
SEVERITY = {"error": "ERROR", "warning": "WARNING", "note": "INFO"}


def diagnostic(f: Finding, diff: DiffLines) -> dict[str, Any]:
    item = f.item
    message = for_posting(item.body) or "(no text)"  # reviewdog posts it as markdown
    location: dict[str, Any] = {"path": item.path}
    if isinstance(item, Comment) and item.side == "RIGHT":
        location["range"] = {"start": {"line": item.start_line or item.line}, "end": {"line": item.line}}
    elif isinstance(item, Comment):  # removed lines: where they were in the new file
        message = f"(removed line{'s' if item.start_line else ''} {where_lines(item)}) {message}"
        if (point := diff.removal_point(item.path, item.line)) is not None:
            location["range"] = {"start": {"line": point}, "end": {"line": point}}
    elif item.line:  # a note, on no line of the diff: the line the model named
        message = f"(near line {item.line}, not on the diff) {message}"
        location["range"] = {"start": {"line": item.line}, "end": {"line": item.line}}
    out: dict[str, Any] = {"message": message, "location": location, "severity": SEVERITY[item.severity],
                           "source": {"name": LEFT_OUT_SOURCE if f.left_out else TOOL_NAME}}
    if f.rule:
        out["code"] = {"value": f.rule}
    if isinstance(item, Comment) and item.side == "RIGHT" and item.suggestion is not None:
        out["suggestions"] = [{"range": location["range"],
                               "text": clean_code(item.suggestion).removesuffix("\n")}]
    return out


def diagnostics(review: Review, context: ReportContext) -> list[dict[str, Any]]:
    diff = DiffLines(context.diff_text)
    return [diagnostic(f, diff) for f in findings(review, rule_texts(context.style))]


def render(review: Review, context: ReportContext) -> str:
    result = {"source": {"name": TOOL_NAME}, "diagnostics": diagnostics(review, context)}
    return json.dumps(result, indent=2, ensure_ascii=False) + "\n"


def render_lines(review: Review, context: ReportContext) -> str:
    return "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in diagnostics(review, context))
