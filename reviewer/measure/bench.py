"""`reviewer bench`: what a review costs, measured in one run so the figures compare.

Three reviews of the same diff with the same model and settings:
  1. the normal path: prefix reuse on, a fresh result cache;
  2. prefix reuse off (the KV cache is cleared before every chunk);
  3. a re-run answered from the cache of run 1;
plus llama.cpp's own timings of run 1 (the compute the model cannot avoid) for comparison.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

from ..backends.llama import LlamaBackend, LlamaOptions, Timings
from ..review.cache import ResultCache
from ..review.pipeline import ReviewOptions, run_review
from ..prompt import Templates
from ..style import StyleGuide
from ..types import DiffInput, Review


@dataclass(frozen=True)
class Run:
    label: str
    review: Review
    wall: float
    timings: Timings
    loaded: bool


@dataclass(frozen=True)
class BenchResult:
    model: str
    diff: str
    runs: tuple[Run, ...]

    def run(self, label: str) -> Run:
        return next(r for r in self.runs if r.label == label)


def _one(label: str, diff: DiffInput, model_path: Path, options: LlamaOptions, identity: str,
         templates: Templates, style: str | StyleGuide, review_options: ReviewOptions, cache: ResultCache | None) -> Run:
    backend = LlamaBackend(model_path, options, identity=identity)
    start = time.perf_counter()
    try:
        review = run_review(diff, backend=backend, templates=templates, style=style, options=review_options, cache=cache)
        wall = time.perf_counter() - start
        timings = backend.timings()
        loaded = backend._llm is not None
    finally:
        backend.close()
    return Run(label, review, wall, timings, loaded)


def bench(diff: DiffInput, model_path: Path, identity: str, options: LlamaOptions, review_options: ReviewOptions,
          templates: Templates, style: str | StyleGuide, model_label: str) -> BenchResult:
    with tempfile.TemporaryDirectory(prefix="reviewer-bench-") as tmp:
        cache = ResultCache(Path(tmp) / "bench.sqlite3")
        try:
            reuse = _one("prefix reuse", diff, model_path, options, identity, templates, style, review_options, cache)
            no_reuse = _one("no prefix reuse", diff, model_path, replace(options, prefix_reuse=False), identity,
                            templates, style, review_options, None)
            cached = _one("cached re-run", diff, model_path, options, identity, templates, style, review_options, cache)
        finally:
            cache.close()
    return BenchResult(model_label, diff.label, (reuse, no_reuse, cached))


def rate(tokens: int, seconds: float) -> float:
    return tokens / seconds if seconds > 0 else 0.0


def report_lines(result: BenchResult) -> list[str]:
    """A markdown table and the ratios, as docs/benchmarks.md records them."""
    lines = [
        f"model `{result.model}`, diff `{result.diff}`",
        "",
        "| run | wall s | model load s | chunks | calls | prompt tokens | evaluated | evaluated/total | prefill tok/s | decode tok/s | llama.cpp compute s |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in result.runs:
        s, t = r.review.stats, r.timings
        ratio = s.prompt_tokens_evaluated / s.prompt_tokens if s.prompt_tokens else 0.0
        compute = t.prompt_eval_seconds + t.eval_seconds
        lines.append(
            f"| {r.label} | {r.wall:.1f} | {t.load_seconds:.2f} | {s.chunks} | {s.model_calls} | {s.prompt_tokens} | "
            f"{s.prompt_tokens_evaluated} | {ratio:.2f} | {rate(t.prompt_eval_tokens, t.prompt_eval_seconds):.0f} | "
            f"{rate(t.eval_tokens, t.eval_seconds):.1f} | {compute:.1f} |"
        )
    reuse, no_reuse, cached = result.runs
    compute = reuse.timings.prompt_eval_seconds + reuse.timings.eval_seconds + reuse.timings.load_seconds
    lines += [
        "",
        f"- prefix reuse: wall {no_reuse.wall / reuse.wall:.2f}x faster than without it "
        f"(evaluated/total prompt tokens {reuse.review.stats.prompt_tokens_evaluated / max(1, reuse.review.stats.prompt_tokens):.2f} "
        f"vs {no_reuse.review.stats.prompt_tokens_evaluated / max(1, no_reuse.review.stats.prompt_tokens):.2f})",
        f"- cached re-run: {reuse.wall / max(cached.wall, 1e-6):.0f}x faster, {cached.review.stats.model_calls} model calls, "
        f"model loaded: {'yes' if cached.loaded else 'no'}, comments identical: "
        f"{'yes' if cached.review.comments == reuse.review.comments else 'no'}",
        f"- overhead over llama.cpp's own load + compute time: wall / compute = {reuse.wall / max(compute, 1e-6):.2f}",
    ]
    return lines
