"""Reviewing the mined cases once, and scoring them at every verify threshold.

The threshold is compared with the model's verdicts (verify: P(new version correct) <
threshold; the fix judge and the explain pass likewise); nothing else depends on it. So the
threshold handed to the pipeline is a ``Probe``: a float that notes every number it is compared
with. A case is reviewed at the current threshold, then again at one threshold inside each
interval between the numbers noted, until no new number appears: the outcome is then known
exactly at every threshold. Drafts and verdicts come from the result cache, so the later runs
cost model calls only for what another threshold newly asks (an explanation for a hunk only
condemned there, the fix of a finding only kept there), each once, then cached too. Scoring is
``reviewer eval``'s own (``eval.evaluate_case``).
"""

from __future__ import annotations

import bisect
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ...backends.base import Backend, Chooser, JudgingBackend
from ..eval import Case, evaluate_case
from ...review.pipeline import ReviewOptions, run_review
from ...types import DiffInput, Review

ABOVE_ALL = 2.0  # a threshold above every probability: every verdict keeps its finding
MAX_ROUNDS = 20


class Probe(float):
    """A threshold that notes each number compared with it (``p < t`` asks ``t.__gt__`` first,
    a float subclass's reflected comparison having priority), wherever the pipeline compares."""

    seen: set[float]

    def __new__(cls, value: float, seen: set[float]):
        probe = super().__new__(cls, value)
        probe.seen = seen
        return probe

    def _note(self, other: Any) -> None:
        if isinstance(other, (int, float)) and not isinstance(other, bool) and math.isfinite(other):
            self.seen.add(float(other))

    def __lt__(self, other):
        self._note(other)
        return float(self) < other

    def __le__(self, other):
        self._note(other)
        return float(self) <= other

    def __gt__(self, other):
        self._note(other)
        return float(self) > other

    def __ge__(self, other):
        self._note(other)
        return float(self) >= other

    __hash__ = float.__hash__


class MemoryCache:
    """A result cache in memory, for ``--no-cache``: re-scoring at other thresholds still reuses
    the drafts and verdicts of this run."""

    def __init__(self) -> None:
        self._values: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            return self._values.get(key)

    def put(self, key: str, value: dict[str, Any]) -> None:
        with self._lock:
            self._values[key] = value

    def file_sha256(self, path: Path) -> str:
        raise AttributeError("file_sha256")


class CountingBackend:
    """The backend, counting the model calls that pass through it."""

    def __init__(self, inner: Backend):
        self.inner, self.calls = inner, 0
        self.name, self.concurrent = inner.name, inner.concurrent

    def identity(self) -> str:
        return self.inner.identity()

    def prepare(self, context_tokens: int) -> None:
        self.inner.prepare(context_tokens)

    def complete(self, messages, schema, max_tokens):
        self.calls += 1
        return self.inner.complete(messages, schema, max_tokens)

    def close(self) -> None:
        pass


class CountingJudge(CountingBackend):
    """A counting backend whose model can judge: its verdicts are counted too."""

    inner: JudgingBackend

    def choose(self, messages, options):
        self.calls += 1
        return self.inner.choose(messages, options)


def counting(inner: Backend) -> CountingBackend:
    """A counter around ``inner``, a judge only where the model can judge."""
    return CountingJudge(inner) if isinstance(inner, Chooser) else CountingBackend(inner)


# (backend, cache, threshold) -> a function that reviews one diff
Reviewer = Callable[[Any, Any, float], Callable[[DiffInput], Review]]


@dataclass(frozen=True)
class CaseSteps:
    """One case's outcome at every threshold: ``outcomes[i]`` = (caught, false alarm) for
    thresholds in (cuts[i-1], cuts[i]] (the last: above every cut)."""

    name: str
    time: int
    cuts: tuple[float, ...]
    outcomes: tuple[tuple[bool, bool], ...]
    seconds: float  # the review at the current threshold (both diffs)
    model_calls: int  # all of the case's (0: everything came from the cache)
    failed_chunks: int = 0
    sweep_seconds: float = 0.0  # the runs at the other thresholds
    sweep_calls: int = 0  # the model calls they needed

    def at(self, threshold: float) -> tuple[bool, bool]:
        return self.outcomes[bisect.bisect_left(self.cuts, threshold)]


def inside(cuts: Sequence[float], current: float) -> list[float]:
    """One threshold strictly inside each interval between the cuts (``current`` in its own)."""
    bounds = [-math.inf, *cuts, math.inf]
    out = []
    for above, up_to in zip(bounds, bounds[1:]):
        if above < current < up_to:
            out.append(current)
        elif math.isinf(above):
            out.append(up_to - 0.5)
        elif math.isinf(up_to):
            out.append(max(above + 0.5, ABOVE_ALL))
        else:
            out.append((above + up_to) / 2)
    return out


def score_case(case: Case, time_of: int, backend, cache, review_at: Reviewer, threshold: float) -> CaseSteps:
    """Review a case at ``threshold``, then inside each interval between the numbers the
    threshold was compared with, until no new one appears."""
    seen: set[float] = set()
    counted = counting(backend)
    first = evaluate_case(case, review_at(counted, cache, Probe(threshold, seen)))
    first_calls = counted.calls
    results = {threshold: (first.caught, first.alarm)}
    started = time.perf_counter()
    for _ in range(MAX_ROUNDS):
        cuts = sorted(seen)
        for t in inside(cuts, threshold):
            if t not in results:
                result = evaluate_case(case, review_at(counted, cache, Probe(t, seen)))
                results[t] = (result.caught, result.alarm)
        if sorted(seen) == cuts:
            break
    else:  # pragma: no cover - each round only adds numbers the passes compared
        raise RuntimeError(f"{case.name}: the thresholds did not settle in {MAX_ROUNDS} rounds")
    outcomes = tuple(results[t] for t in inside(cuts, threshold))
    return CaseSteps(case.name, time_of, tuple(cuts), outcomes, first.seconds, counted.calls,
                     first.failed_chunks, time.perf_counter() - started, counted.calls - first_calls)


def options_at(options: ReviewOptions, threshold: float) -> ReviewOptions:
    """The options at ``threshold``, every verdict asked in full: a verdict settled early for one
    threshold is not the model's verdict, and the numbers it is compared with would not be either."""
    return replace(options, verify_threshold=threshold, settle_verdicts=False)


def reviewer_at(options: ReviewOptions, templates, style, model_name: str) -> Reviewer:
    """(backend, cache, threshold) -> a function that reviews one diff with those options."""
    def review_at(backend, cache, threshold):
        opts = options_at(options, threshold)
        return lambda diff: run_review(diff, backend=backend, templates=templates, style=style, options=opts,
                                       cache=cache, model_name=model_name)
    return review_at


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


# case name -> (seconds of its review at the current threshold, seconds with the other thresholds)
History = dict[str, tuple[float, float]]


def estimate(names: Sequence[str], history: History) -> Estimate:
    known = [n for n in names if n in history]
    measured = [total for _, total in history.values() if total > 0]
    per_case = sum(measured) / len(measured) if measured else ROUGH_SECONDS_PER_CASE
    new = len(names) - len(known)
    return Estimate(new * per_case, per_case, len(known), new, bool(measured))


@dataclass
class Run:
    steps: list[CaseSteps]
    stopped: int = 0  # cases left unreviewed by the budget
    seconds: float = 0.0


def review_cases(cases: Sequence[tuple[Case, int]], backend, cache, review_at: Reviewer,
                 threshold: float, *, history: History, budget: float | None = None,
                 on_case: Callable[[int, int, CaseSteps, float], None] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> Run:
    """Each case in turn; with a ``budget`` (seconds), no new case is started once the time spent
    plus one more case (the mean so far) would exceed it; cases measured before (in ``history``,
    so expected in the cache) are still scored."""
    start = clock()
    run = Run([])
    fresh: list[float] = [total for _, total in history.values() if total > 0]
    for i, (case, time_of) in enumerate(cases, 1):
        spent = clock() - start
        expected = sum(fresh) / len(fresh) if fresh else ROUGH_SECONDS_PER_CASE
        if budget is not None and case.name not in history and spent + expected > budget:
            run.stopped += 1
            continue
        steps = score_case(case, time_of, backend, cache, review_at, threshold)
        run.steps.append(steps)
        if steps.model_calls:
            history[case.name] = (steps.seconds, steps.seconds + steps.sweep_seconds)
            fresh.append(history[case.name][1])
        if on_case:
            on_case(i, len(cases), steps, clock() - start)
    run.seconds = clock() - start
    return run
