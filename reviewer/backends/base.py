"""The ``Backend`` protocol: what the pipeline needs from a model, and nothing more; and
``Chooser``, what the judging passes need besides: a verdict read from next-token probabilities."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, TypedDict, runtime_checkable

from ..types import Completion


class Message(TypedDict):
    role: str
    content: str


class Backend(Protocol):
    name: str
    #: True when ``complete`` may be called from several threads at once (a server).
    concurrent: bool

    def identity(self) -> str:
        """A stable id of the model (file hash, or server + model name), for the result cache.
        Must not load the model."""

    def prepare(self, context_tokens: int) -> None:
        """A hint, before the first call, of the longest prompt + answer to expect."""

    def complete(self, messages: list[Message], schema: dict[str, Any], max_tokens: int) -> Completion:
        """Run one chat completion constrained to ``schema``; temperature comes from the backend's settings."""

    def close(self) -> None:
        ...


@dataclass(frozen=True)
class Choice:
    probs: dict[str, float]  # each option's probability as the next token
    prompt_tokens: int
    prompt_tokens_evaluated: int


@dataclass(frozen=True)
class Timings:
    """llama.cpp's own counters, summed over the calls so far (in-process: its perf counters;
    llama-server: each answer's ``timings``)."""

    load_seconds: float = 0.0
    prompt_eval_seconds: float = 0.0
    prompt_eval_tokens: int = 0
    eval_seconds: float = 0.0
    eval_tokens: int = 0


@runtime_checkable
class Chooser(Protocol):
    def choose(self, messages: list[Message], options: list[str]) -> Choice:
        """The probability of each of ``options`` (single-token labels such as "A", "B") as the
        answer's first token: one forward pass, no sampling."""


@runtime_checkable
class Timed(Protocol):
    """A backend that keeps llama.cpp's counters (in-process, llama-server, a server that sends
    ``timings``); None while it has none to give."""

    def timings(self) -> Timings | None: ...


@runtime_checkable
class SaysWhyNoVerdict(Protocol):
    """A backend that may turn out unable to choose (a server without top logprobs): why, or ""."""

    def choose_unavailable(self) -> str: ...


class JudgingBackend(Backend, Chooser, Protocol):
    """A backend that also chooses: what the passes that both write and judge need."""
