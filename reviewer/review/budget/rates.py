"""The rates this backend has shown on this machine (``Rates``, remembered next to the result
cache) and what this run measures (``Meter``): a chunk's cost is the prompt tokens the model
evaluates for it (its prompt less the prefix it shares with the chunk before, which a backend
with prefix reuse keeps) at the prefill rate, plus the tokens a draft generates at the decode
rate, plus, for a chunk the draft finds something in, the passes after it (the judge's prompts).
Every rate and ratio is learnt: the defaults are a cautious guess for a 1.5B model on a small
CPU, used until something is measured.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from ..chunk import estimate_tokens
from ...backends.base import Backend, Timed
from ...types import Completion

HISTORY_WEIGHT = 50  # at most this many earlier drafts weigh against a run's own measurements


@dataclass(frozen=True)
class Rates:
    prefill: float = 40.0  # prompt tokens evaluated per second
    decode: float = 8.0  # tokens generated per second
    prefill_ratio: float = 1.0  # tokens evaluated / the estimate of a chunk's new prompt tokens
    draft_output: float = 160.0  # tokens a chunk's draft generates (its retry included)
    flagged: float = 0.5  # share of drafted chunks with findings (the passes after the draft run on those)
    pass_prefill: float = 600.0  # prompt tokens the passes evaluate for a chunk with findings
    pass_output: float = 40.0  # tokens they generate for it
    # wall-clock seconds per second the rates account for: what the calls' token counts do not
    # show (grammar set-up, KV states saved, the passes' own work)
    overhead: float = 1.0
    load: float = 0.0  # seconds the model takes to load (added while it is not loaded)
    samples: int = 0  # drafts measured so far (0: nothing yet, the defaults)

    @property
    def measured(self) -> bool:
        return self.samples > 0

    def seconds(self, prefill_tokens: float, output_tokens: float) -> float:
        return self.overhead * self.token_seconds(prefill_tokens, output_tokens)

    def token_seconds(self, prefill_tokens: float, output_tokens: float) -> float:
        return prefill_tokens / self.prefill + output_tokens / self.decode

    def draft_seconds(self, new_tokens: int) -> float:
        """A draft whose prompt adds ``new_tokens`` (estimated) to what the model holds."""
        return self.seconds(new_tokens * self.prefill_ratio, self.draft_output)

    def pass_seconds(self) -> float:
        """The passes after a draft that found something."""
        return self.seconds(self.pass_prefill, self.pass_output)

    def chunk_seconds(self, new_tokens: int) -> float:
        """A chunk on average: its draft, and the passes as often as drafts find something."""
        return self.draft_seconds(new_tokens) + self.flagged * self.pass_seconds()

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Rates:
        """Remembered rates; anything missing or nonsensical takes its default."""
        out: dict[str, Any] = {}
        for f in fields(cls):
            value = (data or {}).get(f.name)
            if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
                out[f.name] = int(value) if f.name == "samples" else float(value)
        rates = cls(**out)
        if rates.prefill <= 0 or rates.decode <= 0 or rates.prefill_ratio <= 0 or rates.overhead <= 0:
            return cls()
        return rates


def rates_key(backend: Backend) -> str:
    """Where a backend's rates are kept: its kind and its model's identity."""
    return f"{backend.name}:{backend.identity()}"


def new_tokens(prompts: Sequence[str | None]) -> list[int]:
    """Each prompt's estimated tokens past the prefix it shares with the prompt before it (None:
    a cache hit, no call: 0, and the model keeps what it held)."""
    out, previous = [], ""
    for prompt in prompts:
        if prompt is None:
            out.append(0)
            continue
        out.append(tokens_after(previous, prompt))
        previous = prompt
    return out


def tokens_after(previous: str, prompt: str) -> int:
    """A prompt's estimated tokens past the prefix it shares with the one the model holds."""
    return estimate_tokens(prompt[len(os.path.commonprefix([previous, prompt])):])


@dataclass(frozen=True)
class Speed:
    """llama.cpp's own counters (``LlamaBackend.timings()``), summed since the model loaded."""

    prompt_seconds: float
    prompt_tokens: int
    eval_seconds: float
    eval_tokens: int
    load_seconds: float = 0.0


def read_speed(backend: object) -> Speed | None:
    """The backend's counters, when it keeps them (in-process llama.cpp does, a server does not)."""
    if not isinstance(backend, Timed):
        return None
    try:
        t = backend.timings()
        if t is None:
            return None
        return Speed(float(t.prompt_eval_seconds), int(t.prompt_eval_tokens), float(t.eval_seconds),
                     int(t.eval_tokens), float(t.load_seconds or 0.0))
    except Exception:  # noqa: BLE001 - a backend without these counters: fit from the calls instead
        return None


class Meter:
    """What this run measures, and the rates it makes of them with the remembered ones."""

    def __init__(self, remembered: Rates, speed: Speed | None = None):
        self.remembered = remembered
        self.start_speed = speed
        self.estimated = 0  # estimated new prompt tokens of the drafted chunks
        self.drafts: list[Completion] = []
        self.drafted = 0
        self.flagged = 0
        self.pass_calls: list[Completion] = []
        self.pass_chunks = 0
        self.wall = 0.0  # seconds the drafted chunks took, their passes and any load included

    def draft(self, new_tokens: int, completions: Sequence[Completion], found: bool) -> None:
        self.estimated += new_tokens
        self.drafts += completions
        self.drafted += 1
        self.flagged += found

    def passes(self, completions: Sequence[Completion]) -> None:
        self.pass_calls += completions
        self.pass_chunks += 1

    def took(self, seconds: float) -> None:
        """The wall-clock time of one drafted chunk, its passes included."""
        self.wall += seconds

    def current(self, speed: Speed | None = None) -> Rates:
        """The remembered rates with this run's measurements weighed in."""
        if not self.drafted:
            return self.remembered
        old = self.remembered
        run: dict[str, float] = {}
        prefill, decode = self._speeds(speed)
        if prefill and decode:
            run.update(prefill=prefill, decode=decode)
        evaluated = sum(c.prompt_tokens_evaluated for c in self.drafts)
        if self.estimated and evaluated:
            run["prefill_ratio"] = evaluated / self.estimated
        run["draft_output"] = sum(c.completion_tokens for c in self.drafts) / self.drafted
        run["flagged"] = self.flagged / self.drafted
        if self.pass_chunks:
            run["pass_prefill"] = sum(c.prompt_tokens_evaluated for c in self.pass_calls) / self.pass_chunks
            run["pass_output"] = sum(c.completion_tokens for c in self.pass_calls) / self.pass_chunks
        load = self._load(speed)
        if load:
            run["load"] = load
        if self.wall > 0 and prefill and decode:
            spent = [*self.drafts, *self.pass_calls]
            accounted = sum(c.prompt_tokens_evaluated for c in spent) / prefill \
                + sum(c.completion_tokens for c in spent) / decode
            if accounted > 0:
                run["overhead"] = max(1.0, (self.wall - load) / accounted)
        weight = min(old.samples, HISTORY_WEIGHT)
        mixed = {name: (getattr(old, name) * weight + value * self.drafted) / (weight + self.drafted)
                 for name, value in run.items()}
        return replace(old, **mixed, samples=old.samples + self.drafted)

    def _load(self, speed: Speed | None) -> float:
        """Seconds this run spent loading the model (the backend's counter), else 0."""
        if speed is None or self.start_speed is None:
            return 0.0
        return max(0.0, speed.load_seconds - self.start_speed.load_seconds)

    def _speeds(self, speed: Speed | None) -> tuple[float | None, float | None]:
        """Prefill and decode tokens per second: from the backend's counters when it has them,
        else fitted to the drafts' seconds (seconds = prompt / prefill + generated / decode)."""
        if speed is not None and self.start_speed is not None:
            p_s = speed.prompt_seconds - self.start_speed.prompt_seconds
            p_n = speed.prompt_tokens - self.start_speed.prompt_tokens
            e_s = speed.eval_seconds - self.start_speed.eval_seconds
            e_n = speed.eval_tokens - self.start_speed.eval_tokens
            if p_s > 0 and p_n > 0 and e_s > 0 and e_n > 0:
                return p_n / p_s, e_n / e_s
        timed = [c for c in self.drafts if c.seconds > 0]
        if not timed:
            return None, None
        pp = sum(c.prompt_tokens_evaluated ** 2 for c in timed)
        dd = sum(c.completion_tokens ** 2 for c in timed)
        pd = sum(c.prompt_tokens_evaluated * c.completion_tokens for c in timed)
        ps = sum(c.prompt_tokens_evaluated * c.seconds for c in timed)
        ds = sum(c.completion_tokens * c.seconds for c in timed)
        det = pp * dd - pd * pd
        if det > 1e-9 * max(pp * dd, 1):
            a, b = (ps * dd - ds * pd) / det, (pp * ds - pd * ps) / det
            if a > 0 and b > 0:
                return 1 / a, 1 / b
        # too few or too alike to tell the two apart: the remembered proportion, scaled to the time
        old = self.remembered
        predicted = sum(old.seconds(c.prompt_tokens_evaluated, c.completion_tokens) for c in timed)
        scale = sum(c.seconds for c in timed) / predicted if predicted > 0 else 0
        return (old.prefill / scale, old.decode / scale) if scale > 0 else (None, None)
