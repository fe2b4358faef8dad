"""Judge every finding by its fix.

A finding of error or warning severity on a new-file line comes with the change it asks for:
its suggestion (drafted, or written by the explain pass), or one written for it here (the model
is asked to rewrite the line so that the finding no longer applies). The judge then compares the
pull request's code with the same code plus that fix, in both orders, as it compares old and new
code; the finding stands only when the fixed version is preferred by the threshold's margin.
This reaches what the old/new verdict cannot: new files and additions with no old version.
Every posted suggestion is then one the judge preferred, and for Python one that compiles in
its hunk wherever the hunk compiled without it.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property

from ...backends.base import JudgingBackend
from ..cache import ResultCache, pass_key
from ...diff.files import is_test_path, language_of
from ...errors import ModelCallError
from ...prompt import Templates
from ...types import Chunk, Comment, Completion, DiffLine, Hunk, traced
from .confirm import Confirmer
from .draft import ChunkResult
from .judge import cached_verdict, condemns, compare, earlier_votes, still_settles, versions
from .verify import PROSE, hunk_index

FLAGGED = ("error", "warning")
FIXJUDGE_VERSION = 1


def new_side(hunk: Hunk) -> list[DiffLine]:
    return [line for line in hunk.lines if line.kind != "-"]


def apply_fix(hunk: Hunk, start: int, end: int, fix: str) -> tuple[str, str] | None:
    """(the hunk's new text, the same with new-file lines start..end replaced by ``fix``)."""
    lines = new_side(hunk)
    numbers = [x.new_line for x in lines]
    if start not in numbers or end not in numbers:
        return None
    i, j = numbers.index(start), numbers.index(end)
    current = [x.text for x in lines]
    fixed = current[:i] + (fix.split("\n") if fix else []) + current[j + 1:]  # "": the lines go
    return "\n".join(current), "\n".join(fixed)


def compiles(code: str) -> bool:
    """Whether a hunk's Python compiles, as a module or as the body of a function (a hunk of a
    function body has ``return`` in it)."""
    text = textwrap.dedent(code)
    for candidate in (text, "def _hunk():\n" + textwrap.indent(text, "    ")):
        try:
            compile(candidate, "<hunk>", "exec")
        except (SyntaxError, ValueError):
            continue
        return True
    return False


_PROSE = re.compile(r"^\s*(?:remove|replace|change|add|use|delete|move|rename|insert|swap|the |this |it )\b|`|\.\s*$", re.I)


def plausible_fix(line: str, fix: str) -> bool:
    """A one-line fix edits its line: it has words, and keeps some of the line's own (a written
    "fix" of `74` or `}` for a line of code is the model losing its way, not a fix)."""
    if "\n" in fix.strip():
        return True
    if not re.search(r"[A-Za-z_]", fix):
        return False
    words = lambda t: set(re.findall(r"[A-Za-z_]\w*", t))  # noqa: E731
    old, new = words(line), words(fix)
    return not old or bool(old & new)


def looks_like_prose(fix: str) -> bool:
    """A "fix" written as an instruction ("Remove the `return []`.") rather than as code."""
    return bool(_PROSE.search(fix.strip().split("\n")[0]))


def restores_removed(hunk: Hunk, fix: str) -> bool:
    """Whether a fix is lines the hunk removes, as they were (the explain pass's suggestion: the
    code before the change). That is code from the diff, not the model's prose, even where it is a
    docstring or a comment with backticks in it."""
    removed = [x.text for x in hunk.lines if x.kind == "-"]
    wanted = fix.split("\n")
    return bool(fix.strip()) and any(removed[i:i + len(wanted)] == wanted for i in range(len(removed) - len(wanted) + 1))


def breaks_python(current: str, fixed: str) -> bool:
    """The fix makes a hunk that compiled fail to compile (a hunk that is a fragment, such as
    the head of a block, is not held against its fix)."""
    return compiles(current) and not compiles(fixed)


@dataclass
class FixJudge:
    backend: JudgingBackend  # choose() for verdicts; complete() for the fixes it writes
    templates: Templates
    model_identity: str | Callable[[], str]
    threshold: float
    rewriter: Confirmer | None = None  # writes a fix for a finding that has none
    cache: ResultCache | None = None
    guidance: bool = True
    decide: bool = True  # False: the verdict only decides whether the suggestion is posted
    settle: bool = True  # a verdict stops once its decision is settled (False: every pass is asked)
    dismissed: list[Comment] = field(default_factory=list)
    # the PR around a hunk (review/context.py), shown to the judge; None or empty: the hunk alone
    pr_context: Callable | None = None

    @cached_property
    def _sources(self) -> tuple[str, str]:
        return self.templates.source("judge.j2"), self.templates.source("judge_system.j2")

    def __call__(self, result: ChunkResult) -> ChunkResult:
        if result.failed or not any(c.severity in FLAGGED for c in result.comments):
            return result
        spent: list[Completion] = []
        verdicts = dict(result.verdicts)
        comments = [c if c.severity not in FLAGGED else self._judged(result.chunk, c, spent, verdicts)
                    if c.side == "RIGHT" else self._removed(result.chunk, c, verdicts) for c in result.comments]
        return replace(result, comments=tuple(comments), completions=result.completions + tuple(spent))

    def _removed(self, chunk: Chunk, comment: Comment, verdicts: dict[int, float | None]) -> Comment:
        """A finding on a removed line has no new line to fix: it stands only where the old/new
        verdict condemned its hunk (a deleted file, or prose, has no such verdict)."""
        index = hunk_index(chunk, comment)
        p = verdicts.get(index) if index is not None else None
        if condemns(p, self.threshold):
            return traced(comment, "fixjudge", comment.severity, "on a removed line: stands by the old/new verdict", p)
        return self._fails(comment, "on a removed line, with no old/new verdict condemning its hunk")

    def _judged(self, chunk: Chunk, comment: Comment, spent: list[Completion],
                verdicts: dict[int, float | None]) -> Comment:
        found = _target(chunk, comment)
        if found is None:
            return comment
        index, hunk, target = found
        if language_of(chunk.path) in PROSE or is_test_path(chunk.path):
            # prose: neither judge can tell a better sentence from a worse one (asked, it preferred a
            # line replaced by the comment's own words); a test: its expectations follow code the
            # hunk does not show, for a fix as for the change (on real PRs every test finding the
            # fix judge let through was noise). Such findings are not posted.
            return self._fails(comment, "in prose or a test: no judge weighs it")
        restoring = comment.suggestion is not None and restores_removed(hunk, comment.suggestion)
        fix = comment.suggestion if restoring or comment.suggestion is None or not looks_like_prose(comment.suggestion) else None
        start = comment.start_line if comment.start_line is not None and fix is not None else comment.line
        if fix is None and self.rewriter is not None:
            rewrite = self.rewriter.rewrite(chunk, comment, target, spent)
            if rewrite is not None:
                indent = target.text[: len(target.text) - len(target.text.lstrip())]
                fix = indent + rewrite.strip()
        replaced = "\n".join(x.text for x in new_side(hunk) if x.new_line is not None and start <= x.new_line <= comment.line)
        # a condemned hunk's comment stands by the old/new verdict: its suggestion (part of the old
        # code back) is posted only where the judge prefers it, as every suggestion is
        p_hunk = verdicts.get(index)
        condemned = restoring and condemns(p_hunk, self.threshold)

        def fails(reason: str, p: float | None = None) -> Comment:
            if condemned:  # the comment stands by the old/new verdict; only its suggestion goes
                return traced(comment, "fixjudge", comment.severity, f"{reason}: the suggestion is not posted; "
                              "the comment stands by the old/new verdict", p, suggestion=None)
            return self._fails(comment, reason, p)

        if fix is None or not restoring and (looks_like_prose(fix) or not plausible_fix(replaced or target.text, fix)):
            return fails("no fix in code to judge it by")
        texts = apply_fix(hunk, start, comment.line, fix)
        if texts is None:
            return fails("its fix does not fit the hunk")
        current, fixed = texts
        if current.strip() == fixed.strip() or " ".join(current.split()) == " ".join(fixed.split()):
            return fails("its fix changes nothing")
        if language_of(chunk.path) == "python" and breaks_python(current, fixed):
            return fails("its fix does not compile")
        pair = versions(hunk)
        seen = self.pr_context(chunk, hunk) if self.pr_context is not None else None
        if pair is not None and fixed == pair[0] and verdicts.get(index) is not None:
            p_fixed = 1 - verdicts[index]  # the fix is the old version, which the judge has weighed already
        else:
            p_fixed = self.p_fixed(chunk, hunk, current, fixed, spent, seen.text() if seen else "")
        summary = seen.summary() if seen else ""
        if p_fixed is None:
            return traced(comment, "fixjudge", comment.severity, "no fix verdict (it did not fit)", context=summary)
        if self.stands(p_fixed):  # the fixed version is preferred by the margin
            return traced(comment, "fixjudge", comment.severity, f"the code with its fix is preferred "
                          f"(P(fixed)={p_fixed:.2f})", p_fixed, summary, suggestion=fix,
                          start_line=start if start != comment.line else None)
        return fails(f"the code with its fix is not preferred (P(fixed)={p_fixed:.2f})", p_fixed)

    def _fails(self, comment: Comment, reason: str, p: float | None = None) -> Comment:
        if not self.decide:
            return replace(comment, suggestion=None)
        self.dismissed.append(comment)
        return traced(comment, "fixjudge", "note", reason, p, suggestion=None)

    def p_fixed(self, chunk: Chunk, hunk: Hunk, current: str, fixed: str, spent: list[Completion],
                pr_context: str = "") -> float | None:
        language = language_of(chunk.path)
        model = self.model_identity() if callable(self.model_identity) else self.model_identity
        guidance = self.templates.guidance(language) if self.guidance else ""
        around = [pr_context, self.templates.source("judge_context.j2")] if pr_context else []
        key = pass_key("fixjudge", [FIXJUDGE_VERSION, model, chunk.path, current, fixed, *self._sources, guidance,
                                    *around])
        decision = self.stands if self.settle else None
        hit = self.cache.get(key) if self.cache is not None else None
        if hit is not None and still_settles(hit, decision):
            return float(hit["p_fixed"])
        try:
            verdict = compare(self.backend, self.templates, chunk.path, language, hunk.section, current, fixed,  # type: ignore[arg-type]
                              guidance=self.guidance, decision=decision, done=earlier_votes(hit),
                              pr_context=pr_context)
        except ModelCallError:
            return None
        spent.extend(verdict.completions())
        if self.cache is not None:
            self.cache.put(key, cached_verdict(verdict, "p_fixed"))
        return verdict.p_new

    def stands(self, p_fixed: float) -> bool:
        """The fix verdict's decision: the finding stands (its fixed version is preferred by the
        threshold's margin)."""
        return condemns(1 - p_fixed, self.threshold)


def _target(chunk: Chunk, comment: Comment) -> tuple[int, Hunk, DiffLine] | None:
    for index, hunk in enumerate(chunk.hunks):
        for line in hunk.lines:
            if line.kind != "-" and line.new_line == comment.line:
                return index, hunk, line
    return None
