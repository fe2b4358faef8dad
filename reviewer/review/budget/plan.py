"""What a review will cost before the model starts (``Plan``, from the rates), and the ``Gate``
that starts no call that would end past a budget."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .rates import Rates


@dataclass(frozen=True)
class Plan:
    """The estimate before the model starts."""

    chunks: int  # chunks the model reviews
    cached: int  # chunks the result cache answers
    prefill_tokens: int  # prompt tokens to evaluate, drafts and passes
    output_tokens: int  # tokens to generate
    seconds: float
    rates: Rates
    budget: float | None = None
    per_chunk: tuple[float, ...] = ()  # each chunk's expected seconds (0: cached)
    tokens: tuple[int, ...] = ()  # each chunk's estimated new prompt tokens (``new_tokens``)
    load: float = 0.0  # the model's load, when it is still to come


def make_plan(tokens: Sequence[int], cached: Sequence[bool], rates: Rates, budget: float | None = None,
              loaded: bool = True) -> Plan:
    """``loaded``: whether the model is loaded already (else its remembered load time is added)."""
    drafted = [t for t, hit in zip(tokens, cached) if not hit]
    load = rates.load if drafted and not loaded else 0.0
    passes = rates.flagged * len(drafted)
    prefill = sum(t * rates.prefill_ratio for t in drafted) + passes * rates.pass_prefill
    output = len(drafted) * rates.draft_output + passes * rates.pass_output
    per_chunk = tuple(0.0 if hit else rates.chunk_seconds(t) for t, hit in zip(tokens, cached))
    return Plan(len(drafted), len(cached) - len(drafted), round(prefill), round(output),
                round(load + sum(per_chunk), 1), rates, budget, per_chunk, tuple(tokens), load)


class Gate:
    """Whether the next call may start: never once ``seconds`` have gone by since ``started``,
    nor, once the rates are measured (before, or in this run), when it is expected to end past
    them (a smaller one after it may still fit). Without measured rates, only the time gone by
    counts."""

    def __init__(self, seconds: float | None, clock: Callable[[], float] = time.monotonic,
                 started: float | None = None):
        self.seconds = seconds or None
        self.clock = clock
        self.started = clock() if started is None else started
        self.stopped = False  # the time is up: nothing starts any more
        self.refused = 0  # calls refused

    def spent(self) -> float:
        return self.clock() - self.started

    def allows(self, expected: float, measured: bool) -> bool:
        if self.seconds is None:
            return True
        spent = self.spent()
        self.stopped |= spent >= self.seconds
        ok = not self.stopped and (not measured or spent + expected <= self.seconds)
        self.refused += not ok
        return ok
