"""chunk -> draft -> one ``Review``, for any diff source and any backend.

Knows nothing of GitHub or of the terminal: progress goes to an optional observer.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol

from .backends.base import Backend, Chooser
from .cache import ResultCache
from .chunk import DEFAULT_IGNORE, estimate_tokens, file_windows, in_scope, make_chunks, select_files
from .config import DEFAULTS
from .diffparse import parse_diff
from .passes import Pass
from .passes.draft import ChunkResult, Drafter
from .passes.explain import Explainer
from .passes.fixjudge import FixJudge
from .passes.noise import NoiseFilter, Shown, guide_labels
from .prompt import Templates
from .style import StyleGuide
from .style.applied import apply_style
from .style.line_checks import check_files
from .passes.confirm import Confirmer
from .passes.verify import Verifier
from .types import SEVERITY_RANK, Chunk, Comment, DiffInput, Failed, Note, Review, Stats

# room for the chat template's own tokens around the messages
TEMPLATE_OVERHEAD = 64
WINDOW_OVERHEAD = 128  # a file window's own lines: its heading and the "review part k" request


class Observer(Protocol):
    def started(self, total: int) -> None: ...

    def chunk_done(self, index: int, total: int, result: ChunkResult) -> None: ...


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
    scope: str = DEFAULTS.scope
    file_context: int = DEFAULTS.file_context


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
        )
    return sorted(merged.values(), key=lambda c: (c.path, c.line, c.side))


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def summarize(templates: Templates, files, comments, notes, failed, skipped, stats, pr_checks=(),
              left_out=(), min_severity=DEFAULTS.min_severity) -> str:
    counts = [(s, n) for s in ("error", "warning", "note") if (n := sum(1 for c in comments if c.severity == s))]
    return templates.render(
        "summary.j2", files=files, comments=comments, notes=notes, failed=failed, skipped=skipped,
        stats=stats, counts=counts, pr_checks=pr_checks, left_out=left_out, min_severity=min_severity,
    ).strip()


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
) -> Review:
    started = clock()
    parsed = parse_diff(diff.text)
    selected, skipped = select_files(parsed, (*DEFAULT_IGNORE, *options.ignore))
    files, undrafted = in_scope(selected, options.scope)  # the style's line checks still see them all
    skipped = [*diff.skipped, *skipped, *undrafted]
    applied = apply_style(style, selected, parsed, diff.pr, options.context, style_sources)
    rules_tokens = applied.rules_tokens
    system_prompt = templates.system_prompt(applied.text, diff.pr)
    system_tokens = estimate_tokens(system_prompt) + TEMPLATE_OVERHEAD
    budget = max(64, options.context - system_tokens - rules_tokens - options.max_tokens - TEMPLATE_OVERHEAD)
    chunks = make_chunks(files, budget=budget, target=options.chunk_tokens)
    window_budget = min(options.file_context, budget - WINDOW_OVERHEAD)
    windows = file_windows(chunks, window_budget) if options.file_context > 0 else {}

    drafter = Drafter(
        backend, templates, system_prompt, max_items=options.comments_per_chunk,
        max_tokens=options.max_tokens, cache=cache, answer_settings={"temperature": options.temperature},
        path_rules=applied.path_rules, windows=windows,
    )
    if chunks:
        listing = max(sum(w.tokens for w in windows[c.id]) + WINDOW_OVERHEAD if c.id in windows else c.tokens
                      for c in chunks)
        longest = listing + system_tokens + options.max_tokens + 2 * TEMPLATE_OVERHEAD
        longest += rules_tokens
        backend.prepare(min(longest, options.context))
    if observer:
        observer.started(len(chunks))
    steps = select_passes(options, backend, templates, cache, drafter, applied.text,
                          Shown(code="\n".join(x.text for f in selected for h in f.hunks for x in h.lines),
                                other=applied.text + ("\n" + diff.pr.title + "\n" + diff.pr.body if diff.pr else ""),
                                rule_labels=guide_labels(applied.text)), bool(chunks))

    def after_draft(result: ChunkResult) -> ChunkResult:
        # right after its draft, while the KV cache still holds that chunk's prompt
        for step in steps:
            result = step(result)
        return result

    results = _draft_all(drafter, chunks, options.jobs if backend.concurrent else 1, observer, after_draft)

    checked = check_files(selected, applied.line_rules)  # the style rules a line can be checked against
    drafted = [*(c for r in results for c in r.comments), *checked]
    notes: list[Note] = [n for r in results for n in r.notes]
    floor = SEVERITY_RANK[options.min_severity]
    # the floor first: a finding left out never merges its words into one that is posted
    comments = merge_duplicates([c for c in drafted if SEVERITY_RANK[c.severity] >= floor])
    left_out = (*merge_duplicates([c for c in drafted if SEVERITY_RANK[c.severity] < floor]),
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
    )
    reviewed = tuple(dict.fromkeys(c.path for c in chunks))
    summary = summarize(templates, reviewed, comments, notes, failed, skipped, stats, applied.pr_checks,
                        left_out, options.min_severity)
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
    )


def select_passes(options: ReviewOptions, backend: Backend, templates: Templates, cache: ResultCache | None,
                  drafter: Drafter, style_text: str, shown: Shown, needed: bool) -> list[Pass]:
    """The passes each drafted chunk goes through, in order, as the options select them."""
    steps: list[Pass] = []
    noise = NoiseFilter(lambda chunk: shown) if options.noise_filter else None
    if options.confirm:
        steps.append(Confirmer(backend, templates, style_text, backend.identity, cache))
    judge = options.verify and needed and isinstance(backend, Chooser) and not judge_unavailable(backend)
    if judge:
        context = drafter.messages if options.verify_context == "chunk" else None
        steps.append(Verifier(backend, templates, backend.identity, options.verify_threshold, cache, context,
                              options.verify_judge, options.verify_guidance))
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
                              options.verify_guidance))
    return steps


def judge_unavailable(backend: Backend) -> str:
    """Why the backend cannot give verdicts ("" when it can): a server without top logprobs. The
    backend finds out once (and says so once); the stats keep it."""
    return getattr(backend, "choose_unavailable", lambda: "")()


def _draft_all(drafter: Drafter, chunks: list[Chunk], jobs: int, observer: Observer | None,
               after: Callable[[ChunkResult], ChunkResult] = lambda r: r) -> list[ChunkResult]:
    total = len(chunks)
    if jobs <= 1 or total <= 1:
        results = []
        for i, chunk in enumerate(chunks, 1):
            result = after(drafter.draft(chunk))
            results.append(result)
            if observer:
                observer.chunk_done(i, total, result)
        return results
    done = 0
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(lambda c: after(drafter.draft(c)), chunk) for chunk in chunks]
        results = []
        for future in futures:
            result = future.result()
            results.append(result)
            done += 1
            if observer:
                observer.chunk_done(done, total, result)
    return results
