"""The second pass: a finding of severity error or warning stands only when the pairwise judge
finds the new version of its hunk worse than the old one; otherwise it is kept as a note.

Verdicts are cached by content like drafts, so re-runs and rebases cost nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property
from typing import TYPE_CHECKING

from ...backends.base import Chooser, Message
from ..cache import ResultCache, pass_key
from ...diff.files import is_test_path, language_of, PROSE_LANGUAGES
from ...config import VERIFY_THRESHOLD
from .draft import ChunkResult
from ...errors import ModelCallError
from .consequence.annotations import annotations_only
from .judge import QUESTION_FORMS, cached_verdict, condemns, earlier_votes, judge_hunk, still_settles, versions
from ...prompt import Templates
from ...types import Chunk, Comment, Completion, Hunk, Note, traced

if TYPE_CHECKING:
    from ..context import HunkContext

FLAGGED = ("error", "warning")
# documentation and plain text: "which version is correct?" has no answer there (on real pull
# requests the judge condemned reworded paragraphs); nor for a test's hunk, whose expectations
# follow code the hunk does not show (it condemned `flask.Markup` -> `Markup` in four tests of one
# PR). Findings in prose and tests are not posted (passes/fixjudge.py says why).
PROSE = PROSE_LANGUAGES
VERIFY_VERSION = 1


@dataclass(frozen=True)
class Verifier:
    backend: Chooser
    templates: Templates
    model_identity: str | Callable[[], str]  # a callable is asked only when a verdict is needed
    threshold: float = VERIFY_THRESHOLD
    cache: ResultCache | None = None
    # the draft's messages for a chunk: when given, the judge asks its question after them
    context: Callable[[Chunk], list[Message]] | None = None
    form: str = "pairwise"  # or "shared" (judge.QUESTION_FORMS)
    guidance: bool = True  # the language's checklist (templates/guidance/) in the judge's system prompt
    settle: bool = True  # a verdict stops once its decision is settled (False: every pass is asked)
    # whether findings not placed on a line are weighed here (they stay flagged unless every hunk
    # of their chunk is acquitted); False: left as they are, no verdict is asked for them (the
    # explain pass, when it follows, makes each a note: its condemned hunks speak for it)
    weigh_notes: bool = True
    # which findings the old/new question weighs (the `judge_question` setting): "old-new" all of
    # them; "fit" those on code the change alters, while a finding on code the change adds is left
    # to the fix judge (old against new rewards a feature and acquits its bug); "both" every
    # finding the old/new verdict acquits goes on to the fix judge too
    question: str = "old-new"
    # the PR around a hunk (review/context.py), shown to the judge; None or empty: the hunk alone
    pr_context: Callable[[Chunk, Hunk], "HunkContext"] | None = None
    # why the change under a finding is on purpose, read from the PR (review/deliberate.py: it
    # removes what nothing left uses, its calls follow a signature the PR changes; "": it does not
    # say): then no old/new verdict is asked
    on_purpose: Callable[[Chunk, Hunk, Comment], str] | None = None

    @cached_property
    def _judge_sources(self) -> tuple[str, ...]:
        """The judge's templates, read once per review (they are part of every verdict's key)."""
        template = "judge_shared.j2" if self.form == "shared" else "judge.j2"
        # a language's guidance text joins the key of its own verdicts (``_key``): a language with
        # none keeps the key it had before guidance existed
        return self.form, self.templates.source(template), self.templates.source("judge_system.j2")

    def _guidance(self, language: str) -> str:
        return self.templates.guidance(language) if self.guidance else ""

    def _key(self, path: str, pair: tuple[str, str], context: list[Message] | None, pr_context: str = "") -> str:
        model = self.model_identity() if callable(self.model_identity) else self.model_identity
        guidance = self._guidance(language_of(path))
        # the PR's context joins the key only when there is some: a hunk judged alone keeps its key
        around = [pr_context, self.templates.source("judge_context.j2")] if pr_context else []
        return pass_key("verify", [VERIFY_VERSION, model, path, pair, context, *self._judge_sources,
                                   *([guidance] if guidance else []), *around])

    def around(self, chunk: Chunk, hunk: Hunk) -> "HunkContext | None":
        return self.pr_context(chunk, hunk) if self.pr_context is not None else None

    def p_new(self, chunk: Chunk, hunk: Hunk, spent: list[Completion]) -> float | None:
        pair = versions(hunk)
        if pair is None or language_of(chunk.path) in PROSE or is_test_path(chunk.path):
            return None  # nothing to compare, prose, or a test: the fix judge decides
        context = self.context(chunk) if self.context is not None else None
        seen = self.around(chunk, hunk)
        pr_context = seen.text() if seen else ""
        key = self._key(chunk.path, pair, context, pr_context)
        decision = self.stands if self.settle else None
        hit = self.cache.get(key) if self.cache is not None else None
        if hit is not None and still_settles(hit, decision):
            return float(hit["p_new"])
        try:
            verdict = judge_hunk(self.backend, self.templates, chunk.path, language_of(chunk.path), hunk,
                                 QUESTION_FORMS[self.form], context=context, guidance=self.guidance,
                                 decision=decision, done=earlier_votes(hit), pr_context=pr_context)
        except ModelCallError:
            return None  # no verdict (e.g. the hunk does not fit): the finding keeps its severity
        if verdict is None:
            return None
        spent.extend(verdict.completions())
        if self.cache is not None:
            self.cache.put(key, cached_verdict(verdict, "p_new"))
        return verdict.p_new

    def stands(self, p_new: float) -> bool:
        """The verdict's decision: a flagged finding on the hunk stands (the new version is not
        preferred by the threshold's margin)."""
        return condemns(p_new, self.threshold)

    def verify(self, result: ChunkResult) -> ChunkResult:
        """Downgrade the flagged findings of a chunk whose hunk the judge does not find worse."""
        flagged = [c for c in result.comments if c.severity in FLAGGED]
        flagged_notes = [n for n in result.notes if n.severity in FLAGGED]
        if result.failed or not (flagged or (flagged_notes and self.weigh_notes)):
            return result
        chunk = result.chunk
        spent: list[Completion] = []
        verdicts: dict[int, float | None] = {}

        def verdict_for(index: int) -> float | None:
            if index not in verdicts:
                verdicts[index] = self.p_new(chunk, chunk.hunks[index], spent)
            return verdicts[index]

        comments = [self._judged(c, chunk, verdict_for) if c.severity in FLAGGED else c for c in result.comments]
        notes = list(result.notes)
        if flagged_notes and self.weigh_notes:
            ps = [p for i in range(len(chunk.hunks)) if (p := verdict_for(i)) is not None]
            if ps and not any(condemns(p, self.threshold) for p in ps):
                notes = [traced(n, "verify", "note", f"not placed on a line; every hunk of its chunk acquitted "
                                f"(lowest P(new)={min(ps):.2f})", min(ps)) if n.severity in FLAGGED else n
                         for n in notes]
        return replace(result, comments=tuple(comments), notes=tuple(notes),
                       completions=result.completions + tuple(spent), verdicts=tuple(sorted(verdicts.items())))

    __call__ = verify  # a pass: ChunkResult -> ChunkResult

    def _judged(self, comment: Comment, chunk: Chunk, verdict_for) -> Comment:
        index = hunk_index(chunk, comment)
        if index is None:
            return comment
        hunk = chunk.hunks[index]
        if self.question == "fit" and adds_code(hunk, comment):
            return traced(comment, "verify", comment.severity, "on code this change adds: no old/new question, "
                          "its fix decides")
        pair = versions(hunk)
        if pair is not None and language_of(chunk.path) == "python" and annotations_only(*pair):
            return traced(comment, "verify", "note", "changes type annotations only: the code runs the same "
                          "(a type checker's question, not an old/new one)")
        why = self.on_purpose(chunk, hunk, comment) if self.on_purpose is not None else ""
        if why:
            return traced(comment, "verify", "note", f"{why}: not an old/new question")
        p = verdict_for(index)
        seen = self.around(chunk, hunk)
        summary = seen.summary() if seen else ""
        if p is None:
            return traced(comment, "verify", comment.severity, "no old/new verdict (nothing to compare, or it "
                          "did not fit)", context=summary)
        if condemns(p, self.threshold):
            return traced(comment, "verify", comment.severity, f"old/new: the new version is worse "
                          f"(P(new)={p:.2f} < {self.threshold})", p, summary)
        if self.question == "both":
            return traced(comment, "verify", comment.severity, f"old/new acquits the change (P(new)={p:.2f}); "
                          "its fix decides", p, summary)
        return traced(comment, "verify", "note", f"old/new: the new version is not worse "
                      f"(P(new)={p:.2f} >= {self.threshold})", p, summary)


def hunk_index(chunk: Chunk, comment: Comment | Note) -> int | None:
    for i, hunk in enumerate(chunk.hunks):
        for line in hunk.lines:
            if line.side == comment.side and line.line == comment.line:
                return i
            if comment.side == "LEFT" and line.kind == " " and line.old_line == comment.line:
                return i
    return None


def adds_code(hunk: Hunk, comment: Comment) -> bool:
    """Whether a finding sits on code the change adds: its run of changed lines (explain's part:
    the added and removed lines between two unchanged ones) removes no code, only adds. A finding
    on a removed line is on code the change alters."""
    if comment.side != "RIGHT":
        return False
    from .explain import changed_parts  # explain imports this module

    for part in changed_parts(hunk):
        if any(x.new_line == comment.line for x in part.added):
            return not part.removed_code
    return False
