"""`reviewer eval`: review quality measured on public sets of real cases.

Two kinds of set, told apart by their files (each case is a folder):
- quality sets (``bug.diff`` + ``fix.diff``): a bug case is caught when an ``error`` or
  ``warning`` comment on the case's file lies within 3 new-file lines of the changed region;
  a fix case is a false alarm when the review has any ``error`` or ``warning`` comment;
- style sets (``violation.diff`` + ``clean.diff``, rule lines in meta.json): a violation is
  caught by a comment of any severity on the file within 2 lines of one of ``lines``; a clean
  case is noise when the review has any comment at all;
- pull-request sets (``pr.diff``: real merged pull requests): nothing to catch; what counts is
  what the review would post (its ``error`` and ``warning`` comments and summary notes, each a
  presumed false alarm on accepted code until a reader names its defect), and the seconds;
- slipped sets (``pr.diff`` with ``bug_lines`` in meta.json: real commits that let a bug through
  review, the lines a later fix changed): a case is caught when an ``error`` or ``warning``
  comment on a bug line's file lies within 3 new-file lines of a bug line; every other posted
  comment (and summary note) of the PR is noise, counted per PR.
``meta.json`` is read only for scoring (the model never sees it), but for a whole-PR case's title with
``--titles``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..diff.anchor import _position
from ..diff.parse import parse_diff
from ..types import BaseRef, Comment, DiffInput, FileDiff, PullRequest, Review

BUG_DISTANCE = 3
STYLE_DISTANCE = 2


@dataclass(frozen=True)
class Case:
    name: str
    kind: str  # "quality" | "style" | "prs" | "slipped"
    positive: Path | None  # bug.diff / violation.diff: should be flagged (none in a PR set)
    negative: Path  # fix.diff / clean.diff / pr.diff: should not be
    meta: dict


@dataclass(frozen=True)
class CaseResult:
    name: str
    kind: str
    caught: bool
    alarm: bool
    seconds: float
    positive_comments: tuple[dict, ...] = ()
    negative_comments: tuple[dict, ...] = ()
    failed_chunks: int = 0
    changed_lines: int = 0
    model_calls: int = 0
    chunks: int = 0
    # what the model was given and wrote, over all of the case's reviews (the cost beside the seconds)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    noise: int = 0  # a slipped case's posted comments other than its catches
    left_out: tuple[dict, ...] = ()  # a PR's drafted findings not posted, each with its trace


@dataclass
class SetScore:
    name: str
    kind: str
    results: list[CaseResult] = field(default_factory=list)

    @property
    def cases(self) -> int:
        return len(self.results)

    @property
    def recall(self) -> float:
        return sum(r.caught for r in self.results) / self.cases if self.cases else 0.0

    @property
    def alarm_rate(self) -> float:
        return sum(r.alarm for r in self.results) / self.cases if self.cases else 0.0

    @property
    def seconds_per_case(self) -> float:
        return sum(r.seconds for r in self.results) / self.cases if self.cases else 0.0

    @property
    def posted(self) -> int:
        """Comments a pull-request set's reviews would post (error and warning)."""
        return sum(len(r.negative_comments) for r in self.results)

    @property
    def noise_per_case(self) -> float:
        """A slipped set's posted comments that are not on a bug line, per PR."""
        return sum(r.noise for r in self.results) / self.cases if self.cases else 0.0

    @property
    def seconds_per_100_lines(self) -> float:
        lines = sum(r.changed_lines for r in self.results)
        return 100 * sum(r.seconds for r in self.results) / lines if lines else 0.0


def load_cases(folder: Path) -> list[Case]:
    cases = []
    for case_dir in sorted(p for p in folder.iterdir() if p.is_dir()):
        meta_path = case_dir / "meta.json"
        if not meta_path.is_file():
            continue
        meta = json.loads(meta_path.read_text())
        if (case_dir / "bug.diff").is_file() and (case_dir / "fix.diff").is_file():
            cases.append(Case(case_dir.name, "quality", case_dir / "bug.diff", case_dir / "fix.diff", meta))
        elif (case_dir / "violation.diff").is_file() and (case_dir / "clean.diff").is_file():
            cases.append(Case(case_dir.name, "style", case_dir / "violation.diff", case_dir / "clean.diff", meta))
        elif (case_dir / "pr.diff").is_file() and meta.get("bug_lines"):
            cases.append(Case(case_dir.name, "slipped", None, case_dir / "pr.diff", meta))
        elif (case_dir / "pr.diff").is_file():
            cases.append(Case(case_dir.name, "prs", None, case_dir / "pr.diff", meta))
    return cases


def new_position(files: Iterable[FileDiff], comment: Comment) -> int | None:
    """Where a comment sits in new-file terms (a LEFT comment: where its removed line was)."""
    if comment.side == "RIGHT":
        return comment.line
    for f in files:
        if f.path != comment.path:
            continue
        for hunk in f.hunks:
            for line in hunk.lines:
                if line.old_line == comment.line and line.kind != "+":
                    return _position(hunk, line, "RIGHT")
    return None


def changed_region(files: Iterable[FileDiff], path: str) -> list[int]:
    out = []
    for f in files:
        if f.path != path:
            continue
        for hunk in f.hunks:
            out.extend(_position(hunk, line, "RIGHT") for line in hunk.lines if line.changed)
    return out


def bug_caught(review: Review, files: list[FileDiff], path: str) -> bool:
    region = changed_region(files, path)
    for c in review.comments:
        if c.path != path or c.severity not in ("error", "warning"):
            continue
        pos = new_position(files, c)
        if pos is not None and any(abs(pos - r) <= BUG_DISTANCE for r in region):
            return True
    return False


def on_bug_line(files: list[FileDiff], item: dict, bug_lines: list[dict]) -> bool:
    """A posted comment (``posted``'s dict) within 3 new-file lines of one of a slipped case's bug
    lines, on the same file; a summary note (no line) is on none."""
    if item.get("line") is None or item.get("side") is None:
        return False
    comment = Comment(item["path"], item["line"], item["side"], item["severity"], item["body"])
    pos = new_position(files, comment)
    return pos is not None and any(b["path"] == comment.path and abs(pos - int(b["line"])) <= BUG_DISTANCE
                                   for b in bug_lines)


def false_alarm(review: Review) -> bool:
    return any(c.severity in ("error", "warning") for c in review.comments) or any(
        n.severity in ("error", "warning") for n in review.notes
    )


def style_caught(review: Review, files: list[FileDiff], path: str, lines: list[int]) -> bool:
    for c in review.comments:
        if c.path != path:
            continue
        pos = new_position(files, c)
        if pos is not None and any(abs(pos - n) <= STYLE_DISTANCE for n in lines):
            return True
    return False


def noisy(review: Review) -> bool:
    return bool(review.comments or review.notes)


def _brief(review: Review) -> tuple[dict, ...]:
    return tuple({"line": c.line, "side": c.side, "severity": c.severity, "body": c.body} for c in review.comments)


def posted(review: Review) -> tuple[dict, ...]:
    """What a review would post on a pull request: its error and warning comments and notes."""
    return tuple(
        {"path": x.path, "line": x.line, "side": x.side if isinstance(x, Comment) else None, "severity": x.severity,
         "body": x.body, "suggestion": x.suggestion if isinstance(x, Comment) else None,
         "trace": [asdict(step) for step in x.trace]}
        for x in (*review.comments, *review.notes) if x.severity in ("error", "warning"))


def left_out(review: Review) -> tuple[dict, ...]:
    """The findings a review drafted but does not post, each with its trace (which pass left it
    out and why): for reading what the judges did to a real bug."""
    return tuple(
        {"path": x.path, "line": x.line, "side": x.side if isinstance(x, Comment) else None, "body": x.body[:400],
         "trace": [asdict(step) for step in x.trace]}
        for x in (*review.comments, *review.notes, *review.left_out) if x.severity not in ("error", "warning"))


ReviewFn = Callable[[DiffInput], Review]


def case_pr(case: Case) -> PullRequest:
    """The pull request a whole-PR case came as, as far as its maintainer saw it before the
    diff: its title (a slipped case's introducing commit subject), nothing that names the bug."""
    title = str(case.meta.get("title") or case.meta.get("intro_subject") or "")
    number = case.meta.get("number") or case.meta.get("intro_pr") or 0
    return PullRequest(repo=str(case.meta.get("repo", "")), number=int(number) if str(number).isdigit() else 0,
                       title=title, body="", author="", base_sha="", head_sha="", url="")


def evaluate_case(case: Case, review_fn: ReviewFn, titles: bool = False, base: BaseRef | None = None) -> CaseResult:
    """``titles``: a whole-PR case (slipped, prs) is reviewed with its pull request's title, as a
    review of a PR by number is; otherwise as a bare diff. ``base``: the repository at the case's
    base (``review_context = repo`` reads it)."""
    start = time.perf_counter()
    pr = case_pr(case) if titles and case.kind in ("slipped", "prs") else None
    if case.kind == "slipped":
        text = case.negative.read_text(encoding="utf-8", errors="replace")
        review = review_fn(DiffInput(text, case.name, pr, base=base))
        out = posted(review)
        files = parse_diff(text)
        hits = [on_bug_line(files, item, case.meta["bug_lines"]) for item in out]
        return CaseResult(case.name, case.kind, any(hits), False, time.perf_counter() - start, (), out,
                          len(review.failed), _changed_lines(text), review.stats.model_calls, review.stats.chunks,
                          review.stats.prompt_tokens, review.stats.completion_tokens,
                          noise=sum(1 for hit in hits if not hit), left_out=left_out(review))
    if case.kind == "prs":
        text = case.negative.read_text(encoding="utf-8", errors="replace")
        review = review_fn(DiffInput(text, case.name, pr, base=base))
        out = posted(review)
        return CaseResult(case.name, case.kind, False, bool(out), time.perf_counter() - start, (), out,
                          len(review.failed), int(case.meta.get("changed_lines") or _changed_lines(text)),
                          review.stats.model_calls, review.stats.chunks, review.stats.prompt_tokens,
                          review.stats.completion_tokens, left_out=left_out(review))
    assert case.positive is not None
    positive_text = case.positive.read_text(encoding="utf-8", errors="replace")
    negative_text = case.negative.read_text(encoding="utf-8", errors="replace")
    positive = review_fn(DiffInput(positive_text, case.positive.name, base=base))
    negative = review_fn(DiffInput(negative_text, case.negative.name, base=base))
    files = parse_diff(positive_text)
    path = case.meta.get("path") or (files[0].path if files else "")
    if case.kind == "quality":
        caught, alarm = bug_caught(positive, files, path), false_alarm(negative)
    else:
        caught, alarm = style_caught(positive, files, path, list(case.meta.get("lines", []))), noisy(negative)
    both = (positive.stats, negative.stats)
    return CaseResult(
        case.name, case.kind, caught, alarm, time.perf_counter() - start,
        _brief(positive), _brief(negative), len(positive.failed) + len(negative.failed),
        model_calls=sum(s.model_calls for s in both), chunks=sum(s.chunks for s in both),
        prompt_tokens=sum(s.prompt_tokens for s in both), completion_tokens=sum(s.completion_tokens for s in both),
    )


def _changed_lines(text: str) -> int:
    return sum(f.added + f.removed for f in parse_diff(text))


def evaluate(folder: Path, review_fn: ReviewFn, limit: int | None = None,
             on_case: Callable[[CaseResult, SetScore], None] | None = None, titles: bool = False,
             trees: Path | None = None) -> SetScore:
    """Every case of a set; ``on_case`` hears of each result with the score so far. ``trees``: a
    folder holding, per case name, the repository's files at that case's base."""
    cases = load_cases(folder)
    if limit:
        cases = cases[:limit]
    score = SetScore(folder.name, cases[0].kind if cases else "quality")
    for case in cases:
        tree = trees / case.name if trees is not None else None
        result = evaluate_case(case, review_fn, titles, BaseRef(str(tree)) if tree is not None and tree.is_dir() else None)
        score.results.append(result)
        if on_case:
            on_case(result, score)
    return score


def summary_table(scores: list[SetScore], model: str, variant: str) -> list[str]:
    lines = [
        "| set | model | variant | cases | recall | false alarms / noise | s per case |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in scores:
        if s.kind == "slipped":
            caught = sum(r.caught for r in s.results)
            lines.append(f"| {s.name} | {model} | {variant} | {s.cases} | {s.recall:.2f} ({caught} of {s.cases} "
                         f"caught) | {s.noise_per_case:.2f} noise comments per PR | {s.seconds_per_case:.1f} |")
            continue
        if s.kind == "prs":
            lines.append(f"| {s.name} | {model} | {variant} | {s.cases} | | {s.posted} posted "
                         f"({s.posted / s.cases if s.cases else 0:.2f} per PR; PRs with any: {s.alarm_rate:.2f}) "
                         f"| {s.seconds_per_case:.1f} ({s.seconds_per_100_lines:.1f} per 100 lines) |")
            continue
        lines.append(
            f"| {s.name} | {model} | {variant} | {s.cases} | {s.recall:.2f} | {s.alarm_rate:.2f} | {s.seconds_per_case:.1f} |"
        )
    return lines
