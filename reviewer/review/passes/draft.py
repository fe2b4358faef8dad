"""One chunk -> anchored comments: render the prompt, ask the model (or the cache), parse,
and put every finding on a real diff line or, failing that, into the summary notes."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ...diff.anchor import place, to_comment
from ...backends.base import Backend, Message
from ..cache import ResultCache, chunk_key
from ...errors import ModelCallError
from .nonfinding import is_non_finding
from ...prompt import Templates
from ...sanitize import clean_code, clean_model_text
from ...types import SEVERITIES, Chunk, Comment, Completion, Note, traced


def output_schema(max_items: int) -> dict[str, Any]:
    """The JSON the model must produce; the backend turns it into a grammar.
    The explanation (``body``) comes before the verdict (``severity``)."""
    return {
        "type": "object",
        "properties": {
            "comments": {
                "type": "array",
                "maxItems": max_items,
                "items": {
                    "type": "object",
                    "properties": {
                        "line": {"type": "integer"},
                        "side": {"type": "string", "enum": ["RIGHT", "LEFT"]},
                        "body": {"type": "string", "maxLength": 500},
                        "severity": {"type": "string", "enum": list(SEVERITIES)},
                        "suggestion": {"type": "string", "maxLength": 300},
                    },
                    "required": ["line", "side", "body", "severity"],
                },
            }
        },
        "required": ["comments"],
    }


class AnswerError(ValueError):
    """The model's answer does not follow the schema."""


@dataclass(frozen=True)
class RawFinding:
    line: int
    side: str
    severity: str
    body: str
    start_line: int | None = None
    suggestion: str | None = None


def parse_answer(text: str, max_items: int) -> list[RawFinding]:
    """Parse and validate the model's JSON; lenient on form, strict on meaning."""
    stripped = text.strip()
    fenced = re.match(r"^```(?:json)?\s*(.*?)\s*```$", stripped, re.S)
    if fenced:
        stripped = fenced.group(1)
    try:
        data = json.loads(stripped, strict=False)  # raw tabs/newlines inside strings are fine
    except ValueError as exc:
        data = salvage(stripped)
        if data is None:
            raise AnswerError(f"not valid JSON ({exc.msg} at char {exc.pos})") from None
    if isinstance(data, list):
        data = {"comments": data}
    if not isinstance(data, dict) or not isinstance(data.get("comments"), list):
        raise AnswerError('expected an object with a "comments" list')
    findings = []
    for i, item in enumerate(data["comments"][:max_items]):
        if not isinstance(item, dict):
            raise AnswerError(f"comment {i} is not an object")
        try:
            line = int(item.get("line"))
        except (TypeError, ValueError, OverflowError):  # OverflowError: "line": 1e999 is infinity
            raise AnswerError(f"comment {i} has no integer line") from None
        body = item.get("body")
        if not isinstance(body, str) or not body.strip():
            raise AnswerError(f"comment {i} has an empty body")
        severity = str(item.get("severity", "note")).lower()
        if severity not in SEVERITIES:
            severity = "note"
        side = str(item.get("side", "RIGHT")).upper()
        side = side if side in ("RIGHT", "LEFT") else "RIGHT"
        start = item.get("start_line")
        try:
            start_line = int(start) if start is not None else None
        except (TypeError, ValueError, OverflowError):
            start_line = None
        suggestion = item.get("suggestion")
        suggestion = suggestion if isinstance(suggestion, str) and suggestion.strip() else None
        findings.append(RawFinding(line, side, severity, body.strip(), start_line, suggestion))
    return findings


def salvage(text: str) -> dict[str, Any] | None:
    """An answer cut off by the token limit: keep the findings that were complete."""
    if '"comments"' not in text:
        return None
    end = len(text)
    for _ in range(50):
        end = text.rfind("}", 0, end)
        if end < 0:
            return None
        try:
            data = json.loads(text[: end + 1] + "]}", strict=False)
        except ValueError:
            continue
        return data if isinstance(data, dict) else None
    return None


@dataclass(frozen=True)
class ChunkResult:
    chunk: Chunk
    comments: tuple[Comment, ...] = ()
    notes: tuple[Note, ...] = ()
    completions: tuple[Completion, ...] = ()
    cached: bool = False
    failed: str | None = None
    raw: tuple[str, ...] = field(default=(), compare=False)
    # the judge's P(new version correct) for the hunks it was asked about (index into chunk.hunks;
    # None: no verdict, e.g. a new file has no old version): set by the verify pass
    verdicts: tuple[tuple[int, float | None], ...] = field(default=(), compare=False)


def _offsets(chunk: Chunk) -> dict[tuple[str, int], int]:
    return {(line.side, line.line): i for i, line in enumerate(chunk.lines)}


def place_findings(chunk: Chunk, findings: list[RawFinding],
                   elsewhere: frozenset[tuple[str, int]] = frozenset()) -> tuple[list[Comment], list[Note]]:
    """``elsewhere``: (side, line) of the other chunks shown with this one (a file window); a
    finding on one of those lines is theirs to make, so it is dropped here."""
    comments: list[Comment] = []
    notes: list[Note] = []
    own = {(line.side, line.line) for line in chunk.lines}
    for f in findings:
        body = clean_model_text(f.body)
        if not body or is_non_finding(body):
            continue  # empty, or a verdict of "nothing wrong" written as a comment
        if (f.side, f.line) in elsewhere and (f.side, f.line) not in own:
            continue
        suggestion = clean_code(f.suggestion) if f.suggestion is not None else None
        if suggestion is not None and (_norm(suggestion) == _norm(f.body) or _norm(suggestion) in SEVERITIES):
            suggestion = None  # prose in the code field
        placement = place(chunk, f.line, f.side, f.start_line)  # type: ignore[arg-type]
        if placement.line is None:
            notes.append(Note(path=chunk.path, severity=f.severity, body=body, line=f.line))  # type: ignore[arg-type]
            continue
        if placement.moved or (suggestion is not None and placement.start is None
                               and _norm(suggestion) == _norm(placement.line.text)):
            suggestion = None  # written for another line, or a no-op
        comments.append(to_comment(chunk, placement, f.severity, body, suggestion))
    return comments, notes


def _norm(text: str) -> str:
    return " ".join(text.split()).lower()


def _drafted(comments: list[Comment], notes: list[Note]) -> tuple[tuple[Comment, ...], tuple[Note, ...]]:
    """The draft's findings, each with its first step: the severity the model gave it."""
    return (tuple(traced(c, "draft", c.severity, "drafted") for c in comments),
            tuple(traced(n, "draft", n.severity, "drafted, not placed on a diff line") for n in notes))


def _to_cache(chunk: Chunk, comments: list[Comment], notes: list[Note]) -> dict[str, Any]:
    where = _offsets(chunk)
    return {
        "comments": [
            {
                "at": where[(c.side, c.line)],
                "start": where.get((c.side, c.start_line)) if c.start_line is not None else None,
                "severity": c.severity,
                "body": c.body,
                "suggestion": c.suggestion,
            }
            for c in comments
        ],
        "notes": [{"severity": n.severity, "body": n.body} for n in notes],
    }


def _from_cache(chunk: Chunk, value: dict[str, Any]) -> tuple[list[Comment], list[Note]]:
    lines = chunk.lines
    comments = []
    for c in value.get("comments", []):
        if is_non_finding(c["body"]):
            continue  # stored by an older version that kept such comments
        target = lines[c["at"]]
        start = lines[c["start"]].line if c.get("start") is not None else None
        comments.append(
            Comment(chunk.path, target.line, target.side, c["severity"], c["body"], start, c.get("suggestion"))
        )
    notes = [Note(chunk.path, n["severity"], n["body"]) for n in value.get("notes", []) if not is_non_finding(n["body"])]
    return comments, notes


class Drafter:
    """Drafts the comments for chunks of one review (one system prompt, one backend)."""

    def __init__(
        self,
        backend: Backend,
        templates: Templates,
        system_prompt: str,
        *,
        max_items: int = 4,
        max_tokens: int = 768,
        cache: ResultCache | None = None,
        model_identity: Callable[[], str] | None = None,
        answer_settings: dict[str, Any] | None = None,
        path_rules: Callable[[str], str] | None = None,
        windows: Mapping[str, tuple[Chunk, ...]] | None = None,
        pr_context: Callable[[Chunk], str] | None = None,
    ):
        self.backend = backend
        self.templates = templates
        self.system_prompt = system_prompt
        self.max_items = max_items
        self.max_tokens = max_tokens
        self.schema = output_schema(max_items)
        self.cache = cache
        self._identity = model_identity or backend.identity
        self._template_hash = templates.fingerprint()
        self._window_template = templates.source("chunk_window.j2")
        self._answer_settings = {**(answer_settings or {}), "max_items": max_items, "max_tokens": max_tokens}
        self.path_rules = path_rules  # the style rules for one path only (the chunk prompt)
        # chunk id -> the chunks of its file reviewed with it (chunk.file_windows); absent: alone
        self.windows = dict(windows or {})
        # the PR around the chunk (review/context.py), after the listing; None or "": none shown
        self.pr_context = pr_context

    def rules(self, chunk: Chunk) -> str:
        return self.path_rules(chunk.path) if self.path_rules is not None else ""

    def around(self, chunk: Chunk) -> str:
        return self.pr_context(chunk) if self.pr_context is not None else ""

    def messages(self, chunk: Chunk) -> list[Message]:
        prompt = self.templates.chunk_prompt(chunk, self.rules(chunk), self.windows.get(chunk.id, ()))
        if around := self.around(chunk):
            prompt = prompt.rstrip() + "\n\n" + self.templates.render("chunk_context.j2", pr_context=around).strip()
        return [{"role": "system", "content": self.system_prompt}, {"role": "user", "content": prompt}]

    def key(self, chunk: Chunk) -> str:
        rules = self.rules(chunk)
        prompt = self.system_prompt + ("\0" + rules if rules else "")  # no rules: the key is as before
        window = self.windows.get(chunk.id)
        if window:  # what the prompt shows around the chunk, without line numbers (rebases still hit)
            prompt += "\0window\0" + self._window_template + json.dumps([[c.id == chunk.id, [[(x.kind, x.text) for x in h.lines]
                                                                      for h in c.hunks]] for c in window])
        if around := self.around(chunk):  # none: the key is as before
            prompt += "\0context\0" + self.templates.source("chunk_context.j2") + around
        return chunk_key(self._identity(), prompt, self._template_hash, self._answer_settings, chunk)

    def _elsewhere(self, chunk: Chunk) -> frozenset[tuple[str, int]]:
        return frozenset((line.side, line.line) for c in self.windows.get(chunk.id, ()) if c.id != chunk.id
                         for line in c.lines)

    def cached(self, chunk: Chunk) -> ChunkResult | None:
        if self.cache is None:
            return None
        value = self.cache.get(self.key(chunk))
        if value is None:
            return None
        try:
            comments, notes = _from_cache(chunk, value)
        except (KeyError, IndexError, TypeError):
            return None  # an entry from an incompatible version: review again
        return ChunkResult(chunk, *_drafted(comments, notes), cached=True)

    def draft(self, chunk: Chunk) -> ChunkResult:
        hit = self.cached(chunk)
        if hit is not None:
            return hit
        messages = self.messages(chunk)
        completions: list[Completion] = []
        raw: list[str] = []
        error = ""
        for attempt in range(2):
            try:
                completion = self.backend.complete(messages, self.schema, self.max_tokens)
            except ModelCallError as exc:
                return ChunkResult(chunk, completions=tuple(completions), failed=f"model call failed: {exc}", raw=tuple(raw))
            completions.append(completion)
            raw.append(completion.text)
            try:
                findings = parse_answer(completion.text, self.max_items)
            except AnswerError as exc:
                error = str(exc)
                # one retry, telling the model what was wrong with its answer
                messages = messages + [
                    {"role": "assistant", "content": completion.text[:2000]},
                    {"role": "user", "content": f"That answer is unusable: {error}. Answer again with JSON only, "
                     'in the form {"comments": [{"line": N, "side": "RIGHT", "body": "...", "severity": "note"}]}.'},
                ]
                continue
            comments, notes = place_findings(chunk, findings, self._elsewhere(chunk))
            if self.cache is not None:
                self.cache.put(self.key(chunk), _to_cache(chunk, comments, notes))
            return ChunkResult(chunk, *_drafted(comments, notes), tuple(completions), raw=tuple(raw))
        return ChunkResult(chunk, completions=tuple(completions), failed=f"model answer failed the schema twice: {error}", raw=tuple(raw))

