"""Reviewing the mined cases once, and scoring them at every verify threshold from the cache.

The verify threshold only decides which findings keep their severity (``p_new < threshold``);
the drafts and the judge's verdicts do not depend on it and are cached by content. So each case
is reviewed once on the model, the verdicts it used are noted on the way, and the case is then
scored again, from the cache alone, at one threshold per interval between those verdicts: the
outcome at any threshold is known exactly, without another model call. Scoring is
``reviewer eval``'s own (``eval.evaluate_case``).
"""

from __future__ import annotations

import bisect
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..cache import ResultCache
from ..errors import ModelCallError
from ..eval import Case, evaluate_case
from ..pipeline import ReviewOptions
from ..types import DiffInput, Review

ABOVE_ALL = 2.0  # a threshold above every probability: every verdict keeps its finding
VERDICT_PREFIX = "verify:"  # how verify.Verifier keys its verdicts ({"p_new": p}) in the cache


class RecordingCache:
    """The result cache as the pipeline sees it, noting each verdict read or written. Without a
    cache on disk (``--no-cache``) it keeps results in memory, so re-scoring still costs nothing."""

    def __init__(self, inner: ResultCache | None):
        self.inner = inner
        self._memory: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self.verdicts: list[float] = []

    def _note(self, key: str, value: Any) -> None:
        if key.startswith(VERDICT_PREFIX) and isinstance(value, dict) and "p_new" in value:
            with self._lock:
                self.verdicts.append(float(value["p_new"]))

    def get(self, key: str) -> dict[str, Any] | None:
        value = self._memory.get(key)
        if value is None and self.inner is not None:
            value = self.inner.get(key)
        self._note(key, value)
        return value

    def put(self, key: str, value: dict[str, Any]) -> None:
        if self.inner is not None:
            self.inner.put(key, value)
        else:
            self._memory[key] = value
        self._note(key, value)

    def file_sha256(self, path: Path) -> str:
        if self.inner is None:
            raise AttributeError("file_sha256")
        return self.inner.file_sha256(path)


class CountingBackend:
    """A backend that counts the model calls it passes on; with ``replay``, it passes none: a
    call the cache cannot answer fails as a failed call would (the first run failed it too: only
    failures are not cached)."""

    def __init__(self, inner, replay: bool = False):
        self.inner, self.replay, self.calls = inner, replay, 0
        self.concurrent = False if replay else getattr(inner, "concurrent", False)

    def identity(self) -> str:
        return self.inner.identity()

    def prepare(self, context_tokens: int) -> None:
        if not self.replay:
            self.inner.prepare(context_tokens)

    def complete(self, messages, schema, max_tokens):
        self.calls += 1
        if self.replay:
            raise ModelCallError("not in the cache")
        return self.inner.complete(messages, schema, max_tokens)

    def __getattr__(self, name: str):
        if name == "choose" and hasattr(self.inner, "choose"):  # only where the model can judge
            def choose(messages, options):
                self.calls += 1
                if self.replay:
                    raise ModelCallError("not in the cache")
                return self.inner.choose(messages, options)
            return choose
        raise AttributeError(name)

    def close(self) -> None:
        pass


# (backend, cache, threshold) -> a function that reviews one diff
Reviewer = Callable[[Any, Any, float], Callable[[DiffInput], Review]]


@dataclass(frozen=True)
class CaseSteps:
    """One case's outcome at every threshold: ``outcomes[i]`` = (caught, false alarm) for
    thresholds in (cuts[i-1], cuts[i]] (``cuts[-1]``, the last interval: above every cut)."""

    name: str
    time: int
    cuts: tuple[float, ...]
    outcomes: tuple[tuple[bool, bool], ...]
    seconds: float
    model_calls: int  # 0: everything came from the cache
    failed_chunks: int = 0

    def at(self, threshold: float) -> tuple[bool, bool]:
        return self.outcomes[bisect.bisect_left(self.cuts, threshold)]


def score_case(case: Case, time_of: int, backend, cache: RecordingCache, review_at: Reviewer,
               threshold: float) -> CaseSteps:
    """Review a case once at ``threshold`` (the model is called for what the cache lacks), then
    score it from the cache at a threshold in each interval between its verdicts."""
    counting = CountingBackend(backend)
    cache.verdicts.clear()
    first = evaluate_case(case, review_at(counting, cache, threshold))
    cuts = tuple(sorted(set(cache.verdicts)))
    replay = CountingBackend(backend, replay=True)
    outcomes = []
    for t in (*cuts, ABOVE_ALL):
        result = evaluate_case(case, review_at(replay, cache, t))
        outcomes.append((result.caught, result.alarm))
    steps = CaseSteps(case.name, time_of, cuts, tuple(outcomes), first.seconds, counting.calls, first.failed_chunks)
    if steps.at(threshold) != (first.caught, first.alarm):  # the replay must agree with the real run
        raise RuntimeError(f"{case.name}: the cached re-run disagrees with the review at {threshold}")
    return steps


def options_at(options: ReviewOptions, threshold: float) -> ReviewOptions:
    return replace(options, verify_threshold=threshold)


@dataclass(frozen=True)
class Estimate:
    seconds: float
    per_case: float
    known: int  # cases measured before for this model (expected from the cache)
    new: int
    measured: bool  # per_case comes from this project's earlier runs, not the rough default

    def fits(self, budget: float | None) -> int:
        """How many new cases the budget leaves room for."""
        if budget is None or self.per_case <= 0:
            return self.new
        return max(0, min(self.new, int(budget // self.per_case)))


# the default model on a 2-core CPU, both diffs of a case (docs/quality.md: 33-62 s): a rough
# start, replaced by this project's own figure after the first case
ROUGH_SECONDS_PER_CASE = 45.0


def estimate(names: Sequence[str], history: dict[str, float]) -> Estimate:
    known = [n for n in names if n in history]
    measured = [s for s in history.values() if s > 0]
    per_case = sum(measured) / len(measured) if measured else ROUGH_SECONDS_PER_CASE
    new = len(names) - len(known)
    return Estimate(new * per_case, per_case, len(known), new, bool(measured))


@dataclass
class Run:
    steps: list[CaseSteps]
    stopped: int = 0  # cases left unreviewed by the budget
    seconds: float = 0.0


def review_cases(cases: Sequence[tuple[Case, int]], backend, cache: RecordingCache, review_at: Reviewer,
                 threshold: float, *, history: dict[str, float], budget: float | None = None,
                 on_case: Callable[[int, int, CaseSteps, float], None] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> Run:
    """Each case in turn; with a ``budget`` (seconds), no new case is started once the time spent
    plus one more case (the mean so far) would exceed it; cases measured before (in ``history``,
    so expected in the cache) are still scored."""
    start = clock()
    run = Run([])
    fresh: list[float] = [s for s in history.values() if s > 0]
    for i, (case, time_of) in enumerate(cases, 1):
        spent = clock() - start
        expected = sum(fresh) / len(fresh) if fresh else ROUGH_SECONDS_PER_CASE
        if budget is not None and case.name not in history and spent + expected > budget:
            run.stopped += 1
            continue
        steps = score_case(case, time_of, backend, cache, review_at, threshold)
        run.steps.append(steps)
        if steps.model_calls:
            fresh.append(steps.seconds)
            history[case.name] = steps.seconds
        if on_case:
            on_case(i, len(cases), steps, clock() - start)
    run.seconds = clock() - start
    return run
