"""A self-check of findings on added lines: the model is asked to rewrite the line so that the
finding no longer applies. A finding whose line comes back unchanged is not confirmed and is
dropped; a confirmed one gets the rewrite as its suggestion when it has none.

This is the test a maintainer applies to a nit: "what would you have me write instead?".
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property

from ...backends.base import Backend
from ..cache import ResultCache, pass_key
from ...diff.files import language_of
from .draft import ChunkResult
from ...errors import ModelCallError
from ...prompt import Templates
from ...types import Chunk, Comment, Completion, DiffLine

SCHEMA = {"type": "object", "properties": {"line": {"type": "string", "maxLength": 400}}, "required": ["line"]}
CONFIRM_VERSION = 1
CONTEXT_LINES = 3


@dataclass
class Confirmer:
    backend: Backend
    templates: Templates
    style: str
    model_identity: str | Callable[[], str]
    cache: ResultCache | None = None
    dismissed: list[Comment] = field(default_factory=list)

    @cached_property
    def system(self) -> str:
        """The rewrite prompt's system message, rendered once per review."""
        return self.templates.render("confirm_system.j2", style=self.style).strip()

    def confirm(self, result: ChunkResult) -> ChunkResult:
        if result.failed or not result.comments:
            return result
        spent: list[Completion] = []
        kept = []
        for comment in result.comments:
            target = _added_line(result.chunk, comment)
            if target is None:
                kept.append(comment)
                continue
            rewrite = self.rewrite(result.chunk, comment, target, spent)
            if rewrite is None:  # no answer: keep the finding as it is
                kept.append(comment)
            elif rewrite.strip() == target.text.strip():
                self.dismissed.append(comment)
            else:
                indent = target.text[: len(target.text) - len(target.text.lstrip())]
                suggestion = comment.suggestion if comment.suggestion is not None else indent + rewrite.strip()
                kept.append(replace(comment, suggestion=suggestion))
        return replace(result, comments=tuple(kept), completions=result.completions + tuple(spent))

    __call__ = confirm  # a pass: ChunkResult -> ChunkResult

    def rewrite(self, chunk: Chunk, comment: Comment, target: DiffLine, spent: list[Completion]) -> str | None:
        lines = [x for h in chunk.hunks for x in h.lines if x.new_line is not None]
        at = next(i for i, x in enumerate(lines) if x is target)
        context = [x.text for x in lines[max(0, at - CONTEXT_LINES): at + CONTEXT_LINES + 1]]
        user = self.templates.render(
            "confirm.j2", path=chunk.path, number=target.line, body=comment.body, line=target.text,
            context=context, language=language_of(chunk.path),
        ).strip()
        messages = [{"role": "system", "content": self.system}, {"role": "user", "content": user}]
        model = self.model_identity() if callable(self.model_identity) else self.model_identity
        key = pass_key("confirm", [CONFIRM_VERSION, model, messages])
        if self.cache is not None and (hit := self.cache.get(key)) is not None:
            return hit.get("line")
        try:
            completion = self.backend.complete(messages, SCHEMA, 160)
        except ModelCallError:
            return None
        spent.append(completion)
        try:
            line = json.loads(completion.text, strict=False).get("line")
        except (ValueError, AttributeError):
            return None
        if not isinstance(line, str):
            return None
        line = line.split("\n")[0]
        if self.cache is not None:
            self.cache.put(key, {"line": line})
        return line


def _added_line(chunk: Chunk, comment: Comment) -> DiffLine | None:
    if comment.side != "RIGHT" or comment.start_line is not None:
        return None
    for hunk in chunk.hunks:
        for line in hunk.lines:
            if line.kind == "+" and line.new_line == comment.line:
                return line
    return None
