"""A review's timing: the plan before the model starts, what each drafted chunk measures, and
the budget's decisions, chunk by chunk: which chunk may start, which waits for a second round
(nothing measured yet, and expected past the budget at the default rates), which chunk's
findings may still be verified, and what the budget left out. The rates and the gate are
rates.py's and plan.py's; this is where the pipeline asks them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import replace

from ...backends.base import Backend
from .plan import Gate, Plan, make_plan
from .rates import Meter, Rates, new_tokens, rates_key, read_speed, tokens_after
from ..cache import RatesStore, ResultCache
from ..passes import Pass
from ..passes.draft import ChunkResult, Drafter
from ..passes.noise import NoiseFilter
from ...types import Chunk, Skipped


class Timing:
    """A review's plan, what it measures, and its budget: which chunk may start, which chunk's
    findings may be verified, and what the budget left out."""

    def __init__(self, drafter: Drafter, chunks: list[Chunk], backend: Backend, cache: ResultCache | None,
                 gate: Gate):
        self.drafter, self.backend, self.gate = drafter, backend, gate
        self.hits = [drafter.cached(c) is not None for c in chunks]
        self.store = cache if isinstance(cache, RatesStore) else None
        self.key = rates_key(backend) if self.store is not None else ""
        remembered = Rates.from_dict(self.store.rates(self.key)) if self.store is not None else Rates()
        self.prompts = [None if hit else _prompt_text(drafter.messages(c)) for c, hit in zip(chunks, self.hits)]
        self.tokens = new_tokens(self.prompts)  # in the review's order: the plan's
        self._held = ""  # the prompt of the last chunk drafted: what a draft's prefix reuse finds
        drafting = not all(self.hits)
        speed = read_speed(backend) if drafting else None
        loaded = speed is None or speed.load_seconds > 0  # a backend without the counter: nothing to add
        self.plan: Plan = make_plan(self.tokens, self.hits, remembered, gate.seconds, loaded=loaded)
        self.meter = Meter(remembered, speed)
        self.not_started: list[Chunk] = []
        self.unverified: list[Chunk] = []
        # chunks passed over while no rate was measured (expected past the budget at the cautious
        # defaults): asked again once the others have run and measured this machine
        self.deferred: list[int] = []
        self._second_round = False
        self._lock = threading.Lock()

    def review_chunk(self, after: Callable[[ChunkResult], ChunkResult], steps: Sequence[Pass]):
        free = [step for step in steps if isinstance(step, NoiseFilter)]  # the passes without a model call
        costly = len(free) < len(steps)

        def run(index: int, chunk: Chunk) -> ChunkResult | None:
            hit = self.hits[index]
            with self._lock:
                rates = self.meter.current(self._speed())
                # past what the model holds now (a chunk passed over shares nothing with the next)
                tokens = 0 if hit else tokens_after(self._held, self.prompts[index] or "")
                expected = rates.chunk_seconds(tokens)
                if not hit and self._defers(expected, rates.measured):
                    self.deferred.append(index)
                    return None
                go = hit or self.gate.allows(expected, rates.measured)
            if not go:
                with self._lock:
                    self.not_started.append(chunk)
                return None
            began = self.gate.clock()
            result = self.drafter.draft(chunk)
            if result.cached:
                return after(result)
            found = bool(result.comments)
            with self._lock:
                self.meter.draft(tokens, result.completions, found)
                self._held = self.prompts[index] or self._held
                rates = self.meter.current(self._speed())
                verify = not (found and costly) or self.gate.allows(rates.pass_seconds(), rates.measured)
            if not verify:  # no time for the second opinion: what the draft found stays a note
                with self._lock:
                    self.unverified.append(chunk)
                for step in free:
                    result = step(result)
                with self._lock:
                    self.meter.took(self.gate.clock() - began)
                return replace(result, comments=tuple(replace(c, severity="note") for c in result.comments))
            drafted = len(result.completions)
            result = after(result)
            with self._lock:
                if found:
                    self.meter.passes(result.completions[drafted:])
                self.meter.took(self.gate.clock() - began)
            return result

        return run

    def _defers(self, expected: float, measured: bool) -> bool:
        """On the first round, with no rate measured yet, a chunk expected past the time left at
        the default rates waits for the second round: a smaller one after it may fit, and run
        first, and measure this machine (without this, a first chunk of 2,000 tokens ran 79 s
        of a 60 s budget on the default model)."""
        gate = self.gate
        return (gate.seconds is not None and not measured and not self._second_round
                and gate.spent() + expected > gate.seconds)

    def second_round(self) -> list[int]:
        """The chunks passed over on the first round, to ask again: now with the rates the first
        round measured, or, if nothing ran, the first of them starts as a first chunk does."""
        self._second_round = True
        order, self.deferred = self.deferred, []
        return order

    def _speed(self):
        return read_speed(self.backend) if self.meter.start_speed is not None else None

    def remember(self) -> None:
        """This run's measurements, weighed into the rates kept for the next estimate."""
        if self.store is not None and self.meter.drafted:
            speed = read_speed(self.backend)
            self.store.put_rates(self.key, self.meter.current(speed).to_dict())

    def skipped(self, chunks: list[Chunk]) -> list[Skipped]:
        """The files the budget left out, or left unverified, in the review's order."""
        limit = f"budget ({self.gate.seconds or 0:g} s) reached"
        out: list[Skipped] = []
        for path in dict.fromkeys(c.path for c in [*self.not_started, *self.unverified]):
            parts = [c for c in chunks if c.path == path]
            left = [c for c in self.not_started if c.path == path]
            if len(left) == len(parts):
                out.append(Skipped(path, f"{limit}: not reviewed"))
            elif left:
                out.append(Skipped(path, f"{limit}: {len(left)} of {len(parts)} parts not reviewed"))
            if any(c.path == path for c in self.unverified):
                out.append(Skipped(path, f"{limit} before the second opinion: what the draft found is kept as notes"))
        return out


def _prompt_text(messages) -> str:
    return "\0".join(m["content"] for m in messages)
