"""chunk -> draft -> one ``Review``, for any diff source and any backend.

Knows nothing of GitHub or of the terminal: progress goes to an optional observer.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from ..backends.base import Backend, Chooser, SaysWhyNoVerdict
from .budget import Gate, Plan, Timing
from .cache import ResultCache, file_key, model_tag
from .chunk import estimate_tokens, file_windows, make_chunks
from ..diff.files import DEFAULT_IGNORE, in_scope, review_order, select_files
from ..config import DEFAULTS
from ..diff.parse import parse_diff
from .passes import Pass
from .passes.draft import ChunkResult, Drafter
from .passes.explain import Explainer
from .passes.fixjudge import FixJudge
from .passes.noise import NoiseFilter, Shown, guide_labels
from ..prompt import Templates
from .repeats import collapse_repeats
from .context import PullRequestContext
from .base_tree import open_tree
from .deliberate import why_on_purpose
from .repo import RepositoryContext
from ..style import StyleGuide
from ..style.applied import apply_style
from ..style.line_checks import check_files
from .passes.confirm import Confirmer
from .passes.verify import Verifier
from ..types import SEVERITY_RANK, Chunk, Comment, DiffInput, Failed, Note, Previous, Review, Skipped, Stats

# room for the chat template's own tokens around the messages
TEMPLATE_OVERHEAD = 64
WINDOW_OVERHEAD = 128  # a file window's own lines: its heading and the "review part k" request


class Observer(Protocol):
    def started(self, total: int) -> None: ...

    def chunk_done(self, index: int, total: int, result: ChunkResult) -> None: ...


@runtime_checkable
class PlanObserver(Observer, Protocol):
    """An observer that also shows the estimate, before the model starts."""

    def planned(self, plan: Plan) -> None: ...



@dataclass(frozen=True)
class ReviewOptions:
    """The settings a review runs with; each default is the setting's own (reviewer/config.py,
    where each is described), and ``config.options_from`` builds one from the settings."""

    context: int = DEFAULTS.context
    chunk_tokens: int = DEFAULTS.chunk_tokens
    max_tokens: int = DEFAULTS.max_tokens
    comments_per_chunk: int = DEFAULTS.comments_per_chunk
    ignore: Sequence[str] = DEFAULTS.ignore
    jobs: int = DEFAULTS.jobs
    temperature: float = DEFAULTS.temperature  # part of each draft's cache key
    verify: bool = DEFAULTS.verify
    verify_threshold: float = DEFAULTS.verify_threshold
    confirm: bool = DEFAULTS.confirm
    verify_context: str = DEFAULTS.verify_context
    verify_judge: str = DEFAULTS.verify_judge
    verify_guidance: bool = DEFAULTS.verify_guidance
    min_severity: str = DEFAULTS.min_severity  # findings below it are kept in Review.left_out
    noise_filter: bool = DEFAULTS.noise_filter
    explain: str = DEFAULTS.explain
    judge_fix: bool = DEFAULTS.judge_fix
    judge_question: str = DEFAULTS.judge_question
    review_context: str = DEFAULTS.review_context
    draft_context: bool = DEFAULTS.draft_context
    scope: str = DEFAULTS.scope
    file_context: int = DEFAULTS.file_context
    budget: float | None = DEFAULTS.budget  # seconds; None or 0: no limit
    # not a setting: a verdict stops once its decision is settled (passes/judge.py); calibration
    # reads each verdict at every threshold and asks every pass (calibrate/run.py)
    settle_verdicts: bool = True


def merge_duplicates(comments: Sequence[Comment]) -> list[Comment]:
    """Comments on the same line become one (bodies joined, highest severity kept); the same
    text repeated on several lines of a file is kept once, on its first line."""
    merged: dict[tuple[str, str, int], Comment] = {}
    seen_text: set[tuple[str, str]] = set()
    for c in sorted(comments, key=lambda c: (c.path, c.line, c.side)):
        text_key = (c.path, _norm(c.body))
        if text_key in seen_text:
            continue
        seen_text.add(text_key)
        key = (c.path, c.side, c.line)
        old = merged.get(key)
        if old is None:
            merged[key] = c
            continue
        bodies = old.body if _norm(c.body) in _norm(old.body) else f"{old.body}\n\n{c.body}"
        severity = max(old.severity, c.severity, key=lambda s: SEVERITY_RANK[s])
        merged[key] = Comment(
            c.path, c.line, c.side, severity, bodies,  # type: ignore[arg-type]
            old.start_line if old.start_line is not None else c.start_line,
            old.suggestion if old.suggestion is not None else c.suggestion,
            trace=(*old.trace, *c.trace),
        )
    return sorted(merged.values(), key=lambda c: (c.path, c.line, c.side))


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def summarize(templates: Templates, files, comments, notes, failed, skipped, stats, pr_checks=(),
              left_out=(), min_severity=DEFAULTS.min_severity, since: str = "") -> str:
    counts = [(s, n) for s in ("error", "warning", "note") if (n := sum(1 for c in comments if c.severity == s))]
    return templates.render(
        "summary.j2", files=files, comments=comments, notes=notes, failed=failed, skipped=skipped,
        stats=stats, counts=counts, pr_checks=pr_checks, left_out=left_out, min_severity=min_severity,
        since=since,
    ).strip()


def repository_context(diff: DiffInput, files) -> RepositoryContext | None:
    """The repository at the PR's base, when the diff's source knows where it is."""
    tree = open_tree(diff.base)
    return RepositoryContext(tree, files) if tree is not None else None


def run_review(
    diff: DiffInput,
    *,
    backend: Backend,
    templates: Templates,
    style: str | StyleGuide,
    options: ReviewOptions = ReviewOptions(),
    cache: ResultCache | None = None,
    observer: Observer | None = None,
    model_name: str = "",
    style_sources: Sequence[str] = (),
    clock: Callable[[], float] = time.monotonic,
    previous: Previous | None = None,
) -> Review:
    """``previous``: what an earlier review of the same pull request recorded (its posted
    summary's state); the files unchanged since are not reviewed again (``unchanged_since``)."""
    started = clock()
    parsed = parse_diff(diff.text)
    selected, skipped = select_files(parsed, (*DEFAULT_IGNORE, *options.ignore))
    selected = review_order(selected)  # what matters first: a budget stops before the end
    files, undrafted = in_scope(selected, options.scope)  # the style's line checks still see them all
    keys = {f.path: file_key(f) for f in files}
    since = unchanged_since(previous, diff, model_name)
    unchanged = [f for f in files if since and keys[f.path] in previous.files]  # type: ignore[union-attr]
    files = [f for f in files if f not in unchanged]
    skipped = [*diff.skipped, *skipped, *undrafted, *(Skipped(f.path, f"unchanged since {since}") for f in unchanged)]
    # the style, the prompt and each file's cut are those of the whole change, the unchanged files
    # too: a changed file's chunks have the keys a full review gives them
    applied = apply_style(style, selected, parsed, diff.pr, options.context, style_sources)
    rules_tokens = applied.rules_tokens
    system_prompt = templates.system_prompt(applied.text, diff.pr)
    system_tokens = estimate_tokens(system_prompt) + TEMPLATE_OVERHEAD

    def room(path: str) -> int:
        """A file's chunk budget, with its own rules only: how it is cut (its chunks' cache keys)
        never depends on the other files of the change."""
        own = estimate_tokens(applied.path_rules(path)) if applied.path_rules is not None else 0
        return max(64, options.context - system_tokens - own - options.max_tokens - TEMPLATE_OVERHEAD)

    chunks = make_chunks(files, budget=room, target=options.chunk_tokens)
    windows = file_windows(chunks, lambda path: min(options.file_context, room(path) - WINDOW_OVERHEAD)) \
        if options.file_context > 0 else {}

    around = PullRequestContext(parsed, diff.pr) if options.review_context != "none" else None
    # what the judges and the draft see: the PR around the hunk, or the repository at its base
    judges_see = around if options.review_context == "pr" else \
        repository_context(diff, parsed) if options.review_context == "repo" else None
    drafter = Drafter(
        backend, templates, system_prompt, max_items=options.comments_per_chunk,
        max_tokens=options.max_tokens, cache=cache, answer_settings={"temperature": options.temperature},
        path_rules=applied.path_rules, windows=windows,
        pr_context=(lambda chunk: judges_see.for_chunk(chunk.path, chunk.hunks).text())
        if judges_see is not None and options.draft_context else None,
    )
    if chunks:
        listing = max(sum(w.tokens for w in windows[c.id]) + WINDOW_OVERHEAD if c.id in windows else c.tokens
                      for c in chunks)
        longest = listing + system_tokens + options.max_tokens + 2 * TEMPLATE_OVERHEAD
        longest += rules_tokens
        backend.prepare(min(longest, options.context))
    timing = Timing(drafter, chunks, backend, cache, Gate(options.budget, clock, started)) if chunks else None
    if isinstance(observer, PlanObserver) and timing:
        observer.planned(timing.plan)
    if observer:
        observer.started(len(chunks))
    steps = select_passes(options, backend, templates, cache, drafter, applied.text,
                          Shown(code="\n".join(x.text for f in selected for h in f.hunks for x in h.lines),
                                other=applied.text + ("\n" + diff.pr.title + "\n" + diff.pr.body if diff.pr else ""),
                                rule_labels=guide_labels(applied.text)), bool(chunks),
                          (lambda chunk, hunk: judges_see.for_hunk(chunk.path, hunk)) if judges_see else None,
                          (lambda chunk, hunk, c: why_on_purpose(around.files, chunk.path, hunk, c)) if around else None)

    def after_draft(result: ChunkResult) -> ChunkResult:
        # right after its draft, while the KV cache still holds that chunk's prompt
        for step in steps:
            result = step(result)
        return result

    review_chunk = timing.review_chunk(after_draft, steps) if timing else (lambda i, c: after_draft(drafter.draft(c)))
    jobs = options.jobs if backend.concurrent else 1
    results = _draft_all(review_chunk, chunks, jobs, observer)
    if timing and timing.deferred:
        results = _draft_all(review_chunk, chunks, jobs, observer, timing.second_round(), results)
    if timing:
        timing.remember()
        skipped += timing.skipped(chunks)

    checked = check_files(selected, applied.line_rules)  # the style rules a line can be checked against
    drafted = [*(c for r in results for c in r.comments), *checked]
    notes: list[Note] = [n for r in results for n in r.notes]
    floor = SEVERITY_RANK[options.min_severity]
    # the floor first: a finding left out never merges its words into one that is posted
    comments, repeats = collapse_repeats(merge_duplicates([c for c in drafted if SEVERITY_RANK[c.severity] >= floor]))
    left_out = (*repeats, *merge_duplicates([c for c in drafted if SEVERITY_RANK[c.severity] < floor]),
                *(n for n in notes if SEVERITY_RANK[n.severity] < floor))
    notes = [n for n in notes if SEVERITY_RANK[n.severity] >= floor]
    failed = [Failed(r.chunk.id, r.chunk.path, r.failed) for r in results if r.failed]
    completions = [c for r in results for c in r.completions]
    stats = Stats(
        chunks=len(chunks),
        model_calls=len(completions),
        prompt_tokens=sum(c.prompt_tokens for c in completions),
        prompt_tokens_evaluated=sum(c.prompt_tokens_evaluated for c in completions),
        completion_tokens=sum(c.completion_tokens for c in completions),
        cache_hits=sum(1 for r in results if r.cached),
        seconds=round(clock() - started, 3),
        verify=any(isinstance(step, Verifier) for step in steps),
        verify_off=judge_unavailable(backend) if options.verify and chunks else "",
        planned_seconds=timing.plan.seconds if timing else None,
        budget=options.budget or None,
        not_reviewed=len(timing.not_started) if timing else 0,
        unchanged=len(unchanged),
    )
    incomplete = {r.chunk.path for r in results if r.failed}
    if timing:
        incomplete |= {c.path for c in (*timing.not_started, *timing.unverified)}
    done = {r.chunk.path for r in results} - incomplete
    reviewed_keys = tuple(sorted({keys[p] for p in done} | {keys[f.path] for f in unchanged}))
    reviewed = tuple(dict.fromkeys(r.chunk.path for r in results))
    summary = summarize(templates, reviewed, comments, notes, failed, skipped, stats, applied.pr_checks,
                        left_out, options.min_severity, since)
    return Review(
        comments=tuple(comments),
        summary=summary,
        stats=stats,
        skipped=tuple(skipped),
        failed=tuple(failed),
        notes=tuple(notes),
        files=reviewed,
        label=diff.label,
        model=model_name,
        pr=diff.pr,
        style_sources=applied.sources,
        pr_checks=applied.pr_checks,
        left_out=left_out,
        reviewed_keys=reviewed_keys,
    )


def unchanged_since(previous: Previous | None, diff: DiffInput, model_name: str) -> str:
    """The head (12 characters) whose review the unchanged files keep, or "" when none applies:
    no earlier review, one by another model, or one of this same head (a re-run of a head is a
    review of it: the result cache answers what it can)."""
    if previous is None or diff.pr is None or previous.model != model_tag(model_name):
        return ""
    if previous.head_sha.lower() == diff.pr.head_sha.lower():
        return ""
    return previous.head_sha[:12]


def select_passes(options: ReviewOptions, backend: Backend, templates: Templates, cache: ResultCache | None,
                  drafter: Drafter, style_text: str, shown: Shown, needed: bool,
                  pr_context: Callable | None = None, on_purpose: Callable | None = None) -> list[Pass]:
    """The passes each drafted chunk goes through, in order, as the options select them;
    ``pr_context`` (chunk, hunk) -> review/context.py's HunkContext, shown to the judges."""
    steps: list[Pass] = []
    noise = NoiseFilter(lambda chunk: shown) if options.noise_filter else None
    if options.confirm:
        steps.append(Confirmer(backend, templates, style_text, backend.identity, cache))
    judge = options.verify and needed and isinstance(backend, Chooser) and not judge_unavailable(backend)
    if judge:
        context = drafter.messages if options.verify_context == "chunk" else None
        steps.append(Verifier(backend, templates, backend.identity, options.verify_threshold, cache, context,
                              options.verify_judge, options.verify_guidance, options.settle_verdicts,
                              weigh_notes=options.explain == "off", question=options.judge_question,
                              pr_context=pr_context, on_purpose=on_purpose))
        if options.explain != "off":
            steps.append(Explainer(backend, templates, backend.identity, options.verify_threshold, cache,
                                   options.verify_guidance, ask_case=options.explain == "case"))
    # after the judge and the explanations (a condemned hunk's comment is the diff's words, not
    # the draft's), before the fix judge (a noise comment needs no fix written for it)
    if noise is not None:
        steps.append(noise)
    if judge and options.judge_fix:
        rewriter = Confirmer(backend, templates, style_text, backend.identity, cache)
        steps.append(FixJudge(backend, templates, backend.identity, options.verify_threshold, rewriter, cache,
                              options.verify_guidance, settle=options.settle_verdicts, pr_context=pr_context))
    return steps


def judge_unavailable(backend: Backend) -> str:
    """Why the backend cannot give verdicts ("" when it can): a server without top logprobs. The
    backend finds out once (and says so once); the stats keep it."""
    return backend.choose_unavailable() if isinstance(backend, SaysWhyNoVerdict) else ""


def _draft_all(review_chunk: Callable[[int, Chunk], ChunkResult | None], chunks: list[Chunk], jobs: int,
               observer: Observer | None, order: list[int] | None = None,
               results: list[ChunkResult] | None = None) -> list[ChunkResult]:
    """Each chunk (of ``order``: all by default) drafted and through its passes, appended to
    ``results`` (a chunk the budget did not let start adds nothing)."""
    total = len(chunks)
    order = list(range(total)) if order is None else order
    results = [] if results is None else results
    if jobs <= 1 or len(order) <= 1:
        for i in order:
            result = review_chunk(i, chunks[i])
            if result is not None:
                results.append(result)
                if observer:
                    observer.chunk_done(len(results), total, result)
        return results
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(review_chunk, i, chunks[i]) for i in order]
        for future in futures:
            result = future.result()
            if result is not None:
                results.append(result)
                if observer:
                    observer.chunk_done(len(results), total, result)
    return results
