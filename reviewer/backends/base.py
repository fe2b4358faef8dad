"""The ``Backend`` protocol: what the pipeline needs from a model, and nothing more."""

from __future__ import annotations

from typing import Any, Protocol, TypedDict

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
