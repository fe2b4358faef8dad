"""SARIF 2.1.0: what GitHub code scanning's ``upload-sarif`` (and other SARIF viewers) read.

- ``tool.driver``: the tool's name, version and (when the package metadata has one) home page,
  and one rule per style rule a finding cites (its label, and the rule's text as its help), plus
  ``review/finding`` for the findings that cite none;
- one result per finding: ``ruleId``, ``level`` (error / warning / note), ``message.text``, a
  location with the repository-relative path and a region of the reviewed revision: the
  finding's lines, or for a finding on removed lines the new-file line of the diff where they
  were (their old numbers in the result's properties); a note, on no line of the diff, keeps the
  line the model named as its region (``onDiff: false`` in its properties; the file only when it
  named none);
- ``partialFingerprints``: a hash of the path, the text of the finding's lines and its words,
  never a line number, so a finding keeps it when the code moves;
- ``fixes`` from the model's suggestions; the findings left out below ``min_severity`` as
  results with an external, accepted ``suppressions`` entry (viewers hide them; nothing is lost).

The PR-level checks (title, description) concern no file: they are in the run's properties.
"""

from __future__ import annotations

import json
import re
from importlib import metadata
from typing import Any
from urllib.parse import quote

from .. import __version__
from ..sanitize import clean_code, clean_model_text
from ..types import Comment, Note, Review
from . import ReportContext
from .findings import TOOL_NAME, DiffLines, Finding, findings, fingerprint, rule_texts, where_lines

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "reviewerFinding/v1"
GENERIC_RULE = "review/finding"
MAX_HELP = 4000
_SLUG = re.compile(r"[^A-Za-z0-9._/-]+")


def rule_id(label: str) -> str:
    """A stable, readable id for a cited rule: ``style/CONTRIBUTING.md/Naming-guidelines``."""
    parts = [_SLUG.sub("-", p.strip()).strip("-") for p in label.split("›")]
    return "style/" + "/".join(p for p in parts if p)


def home_page() -> str | None:
    """The project's home page from the installed package's metadata, when it declares one."""
    try:
        meta = metadata.metadata(TOOL_NAME)
    except metadata.PackageNotFoundError:
        return None
    if meta.get("Home-page"):
        return meta["Home-page"]
    for entry in meta.get_all("Project-URL") or []:
        name, _, url = entry.partition(",")
        if name.strip().lower() in ("homepage", "home", "source", "repository"):
            return url.strip()
    return None


def _rules(found: list[Finding], texts: dict[str, str]) -> list[dict[str, Any]]:
    rules: dict[str, dict[str, Any]] = {}
    for f in found:
        if f.rule is None:
            rules.setdefault(GENERIC_RULE, {
                "id": GENERIC_RULE, "name": "ReviewFinding",
                "shortDescription": {"text": "A finding of the model's review"},
                "help": {"text": "A problem the review found in the change; it cites no rule of the style guide."},
            })
            continue
        rid = rule_id(f.rule)
        if rid in rules:
            continue
        help_text = texts.get(f.rule) or f"The style rule {f.rule}."
        if len(help_text) > MAX_HELP:
            help_text = help_text[: MAX_HELP - 1] + "…"
        rules[rid] = {"id": rid, "name": f.rule, "shortDescription": {"text": f.rule},
                      "help": {"text": help_text}}
    return list(rules.values())


def _where(item: Comment | Note) -> str:
    """What a region cannot say: a removed line's old number, a note's line off the diff."""
    if isinstance(item, Comment) and item.side == "LEFT":
        return f"(removed line{'s' if item.start_line else ''} {where_lines(item)}) "
    if isinstance(item, Note) and item.line:
        return f"(near line {item.line}, not on the diff) "
    return ""


def _repository_url(url: str) -> str | None:
    """The repository of a pull request's (GitHub) or merge request's (GitLab) web URL."""
    for marker in ("/-/merge_requests/", "/pull/"):
        if marker in url:
            return url.split(marker)[0]
    return None


def _uri(path: str) -> str:
    return quote(path, safe="/")


def _result(f: Finding, rule_index: dict[str, int], diff: DiffLines) -> dict[str, Any]:
    item = f.item
    rid = rule_id(f.rule) if f.rule else GENERIC_RULE
    physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(item.path)}}
    props: dict[str, Any] = {"severity": item.severity}
    if isinstance(item, Comment) and item.side == "RIGHT":
        physical["region"] = {"startLine": item.start_line or item.line, "endLine": item.line}
    elif isinstance(item, Comment):  # removed lines: the place of the removal in the new file
        props.update(side="LEFT", oldLine=item.line, oldStartLine=item.start_line or item.line)
        if (point := diff.removal_point(item.path, item.line)) is not None:
            physical["region"] = {"startLine": point, "endLine": point}
    else:  # a note: on no line of the diff; the line the model named, where it named one
        props.update(onDiff=False, line=item.line)
        if item.line:
            physical["region"] = {"startLine": item.line, "endLine": item.line}
    result: dict[str, Any] = {
        "ruleId": rid, "ruleIndex": rule_index[rid], "level": item.severity,
        "message": {"text": _where(item) + (clean_model_text(item.body) or "(no text)")},
        "locations": [{"physicalLocation": physical}],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint(item, diff)},
        "properties": props,
    }
    if isinstance(item, Comment) and item.suggestion is not None and "region" in physical:
        code = clean_code(item.suggestion).removesuffix("\n")
        result["fixes"] = [{
            "description": {"text": "The replacement the review suggests."},
            "artifactChanges": [{"artifactLocation": {"uri": _uri(item.path)},
                                 "replacements": [{"deletedRegion": dict(physical["region"]),
                                                   "insertedContent": {"text": code}}]}],
        }]
    if f.left_out:
        result["suppressions"] = [{"kind": "external", "status": "accepted",
                                   "justification": "below min_severity: left out of the review"}]
    return result


def to_sarif(review: Review, context: ReportContext) -> dict[str, Any]:
    texts = rule_texts(context.style)
    found = findings(review, texts)
    rules = _rules(found, texts)
    rule_index = {r["id"]: i for i, r in enumerate(rules)}
    diff = DiffLines(context.diff_text)
    driver: dict[str, Any] = {"name": TOOL_NAME, "version": __version__, "semanticVersion": __version__,
                              "rules": rules}
    if (home := home_page()) is not None:
        driver["informationUri"] = home
    notifications = [{"level": "error", "message": {"text": f"{x.path}: not reviewed: {clean_model_text(x.reason, 500)}"}}
                     for x in review.failed]
    notifications += [{"level": "note", "message": {"text": f"{x.path}: skipped: {x.reason}"}} for x in review.skipped]
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "invocations": [{"executionSuccessful": not review.failed, "toolExecutionNotifications": notifications}],
        "columnKind": "unicodeCodePoints",
        "results": [_result(f, rule_index, diff) for f in found],
        "properties": {
            "summary": clean_model_text(review.summary, 40000), "model": review.model,
            "styleSources": list(review.style_sources),
            "prChecks": [{"check": c.check, "message": c.message, "rule": c.rule, "quote": c.quote}
                         for c in review.pr_checks],
        },
    }
    repository = _repository_url(review.pr.url) if review.pr is not None else None
    if repository:
        run["versionControlProvenance"] = [{"repositoryUri": repository, "revisionId": review.pr.head_sha}]
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def render(review: Review, context: ReportContext) -> str:
    return json.dumps(to_sarif(review, context), indent=2, ensure_ascii=False) + "\n"
