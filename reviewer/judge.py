"""A second opinion on a finding: is the new version of a hunk worse than the old one?

A small model asked "is there a bug in this change?" says yes to almost every change, correct
or not. Asked instead to pick the correct one of two versions, in both orders (so that its
preference for the first or the second answer cancels out), its choice carries signal; the
verdict is read from the next-token probabilities, one forward pass per order, no sampling.
A finding on a modified hunk whose new version the model prefers is kept as a ``note``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from .backends.base import Message
from .prompt import Templates
from .types import Hunk


class Chooser(Protocol):
    def choose(self, messages: list[Message], options: list[str]): ...


@dataclass(frozen=True)
class Verdict:
    p_new: float  # probability that the new version is the correct one
    prompt_tokens: int
    prompt_tokens_evaluated: int
    calls: int


def versions(hunk: Hunk) -> tuple[str, str] | None:
    """The old and the new text of a hunk; None when one side is empty (nothing to compare)."""
    old = [line.text for line in hunk.lines if line.kind != "+"]
    new = [line.text for line in hunk.lines if line.kind != "-"]
    if not any(line.kind == "-" for line in hunk.lines) or not any(line.kind == "+" for line in hunk.lines):
        return None
    return "\n".join(old), "\n".join(new)


def judge_messages(templates: Templates, path: str, language: str, section: str, a: str, b: str) -> list[Message]:
    return [
        {"role": "system", "content": templates.render("judge_system.j2", language=language).strip()},
        {"role": "user", "content": templates.render("judge.j2", path=path, language=language, section=section, a=a, b=b).strip()},
    ]


def judge_hunk(backend: Chooser, templates: Templates, path: str, language: str, hunk: Hunk) -> Verdict | None:
    pair = versions(hunk)
    if pair is None:
        return None
    old, new = pair
    first = backend.choose(judge_messages(templates, path, language, hunk.section, new, old), ["A", "B"])
    second = backend.choose(judge_messages(templates, path, language, hunk.section, old, new), ["A", "B"])
    p_new = (first.probs["A"] + second.probs["B"]) / 2
    return Verdict(
        p_new=p_new,
        prompt_tokens=first.prompt_tokens + second.prompt_tokens,
        prompt_tokens_evaluated=first.prompt_tokens_evaluated + second.prompt_tokens_evaluated,
        calls=2,
    )
