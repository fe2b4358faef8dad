"""PR-Agent's structured review (what ``pr_agent.cli --json-output`` writes) as reviewer's
``Review``, so that ``reviewer.measure.eval`` scores both tools with the same code.

PR-Agent posts one comment per review; what it finds is in ``key_issues_to_review`` (each with
``relevant_file``, ``issue_header``, ``issue_content``, ``start_line``, ``end_line``: new-file
lines) and in ``security_concerns`` (``"No"`` or a finding). It gives no severity: everything it
would post is a ``warning`` here, as a posted comment is in reviewer's scoring.

- A key issue on a file of the diff with a line becomes a comment on that file, on the line of
  its range nearest the change (a range that covers the change is on it).
- A key issue without a usable line counts for recall only when its file is in the diff and its
  text points at the change: it quotes a changed line, or a code span of it (in backticks) is
  part of one. It is then put on that line; otherwise it is a note (posted, never caught).
- A security concern other than "No" is a note (posted, never caught).
- What cannot be read (no review at all, an issue that is not a mapping, a file that is not in
  the diff) is listed in ``problems``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from reviewer.diff.parse import parse_diff
from reviewer.measure.eval import changed_region
from reviewer.types import Comment, Failed, FileDiff, Note, Review, Stats

CODE_SPAN = re.compile(r"`([^`\n]+)`")
MIN_QUOTE = 4  # shorter changed lines (")", "pass") are not taken as quoted


@dataclass(frozen=True)
class Converted:
    review: Review
    problems: tuple[str, ...]
    issues: int  # key issues PR-Agent gave (parsed or not)


def to_review(data: dict | None, diff_text: str, label: str, failure: str = "") -> Converted:
    """``data``: the JSON PR-Agent wrote (None when it wrote none); ``failure``: why, if known."""
    files = parse_diff(diff_text)
    review = data.get("review") if isinstance(data, dict) else None
    if not isinstance(review, dict):
        reason = failure or "PR-Agent wrote no parsed review"
        return Converted(Review((), "", Stats(), failed=(Failed(label, "", reason),), label=label), (reason,), 0)
    comments: list[Comment] = []
    notes: list[Note] = []
    problems: list[str] = []
    issues = review.get("key_issues_to_review") or []
    if isinstance(issues, dict):
        issues = [issues]
    if isinstance(issues, str):
        issues = [] if _says_no(issues) else [{"issue_content": issues}]
    for issue in issues if isinstance(issues, list) else []:
        if not isinstance(issue, dict):
            problems.append(f"key issue is not a mapping: {str(issue)[:80]!r}")
            continue
        found, problem = _issue(issue, files)
        if problem:
            problems.append(problem)
        (comments if isinstance(found, Comment) else notes).append(found)
    concern = review.get("security_concerns")
    if isinstance(concern, str) and concern.strip() and not _says_no(concern):
        notes.append(Note("", "warning", "Security concerns: " + concern.strip()))
    summary = f"PR-Agent: {len(issues) if isinstance(issues, list) else 0} key issues"
    return Converted(Review(tuple(comments), summary, Stats(), notes=tuple(notes), label=label,
                            files=tuple(f.path for f in files)), tuple(problems),
                     len(issues) if isinstance(issues, list) else 0)


def _issue(issue: dict, files: list[FileDiff]) -> tuple[Comment | Note, str]:
    header = str(issue.get("issue_header") or "").strip()
    content = str(issue.get("issue_content") or "").strip()
    body = f"{header}: {content}" if header and content else header or content
    named = str(issue.get("relevant_file") or "").strip()
    path = resolve_path(named, files)
    if path is None:
        return Note(named, "warning", body), (f"file not in the diff: {named!r}" if named else "no file named")
    start, end = _int(issue.get("start_line")), _int(issue.get("end_line"))
    if start is not None or end is not None:
        start = start if start is not None else end
        end = end if end is not None and end >= start else start
        line = _nearest(range(start, end + 1), changed_region(files, path))
        return Comment(path, line, "RIGHT", "warning", body, start_line=start if start < line else None), ""
    quoted = quoted_change(files, path, body)
    if quoted is not None:
        side, number = quoted
        return Comment(path, number, side, "warning", body), ""
    return Note(path, "warning", body), ""


def resolve_path(named: str, files: list[FileDiff]) -> str | None:
    """The diff's path that ``named`` means: exact, less a/ b/ ./ / prefixes, or one suffix match."""
    name = named.strip().strip("`'\"")
    for prefix in ("a/", "b/", "./", "/"):
        if name.startswith(prefix) and name[len(prefix):] in {f.path for f in files}:
            name = name[len(prefix):]
    paths = [f.path for f in files]
    if name in paths:
        return name
    tails = [p for p in paths if name and (p.endswith("/" + name) or name.endswith("/" + p))]
    return tails[0] if len(tails) == 1 else None


def quoted_change(files: list[FileDiff], path: str, text: str) -> tuple[str, int] | None:
    """The first changed line the text quotes, as (side, line on that side)."""
    spans = [s.strip() for s in CODE_SPAN.findall(text) if len(s.strip()) >= 3]
    for f in files:
        if f.path != path:
            continue
        for hunk in f.hunks:
            for line in hunk.lines:
                code = line.text.strip()
                if not line.changed or not code:
                    continue
                if (len(code) >= MIN_QUOTE and code in text) or any(s in code for s in spans):
                    return line.side, line.line
    return None


def _nearest(candidates: range, targets: list[int]) -> int:
    if not targets:
        return candidates[-1]
    return min(candidates, key=lambda n: (min(abs(n - t) for t in targets), -n))


def _int(value) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def _says_no(text: str) -> bool:
    return text.strip().strip(".").lower() in ("no", "none", "n/a", "")
