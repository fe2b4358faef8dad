"""Scripted model backends: answers from a list (``ScriptedBackend``), findings worded after the
prompt's own added lines (``EchoBackend``), and a judge with a known preference (``Judging``)."""

from __future__ import annotations

import json
import re

from reviewer.backends.base import Choice
from reviewer.types import Completion

_ADDED = re.compile(r"^\s*(\d+) \+(.*)$")


class ScriptedBackend:
    """Answers from a list, in order; records every prompt it was given."""

    name = "scripted"
    concurrent = False

    def __init__(self, answers):
        self.answers = list(answers)
        self.calls = []

    def identity(self):
        return "scripted-model"

    def prepare(self, context_tokens):
        self.context = context_tokens

    def complete(self, messages, schema, max_tokens):
        self.calls.append(messages)
        text = self.answers.pop(0) if self.answers else '{"comments": []}'
        return Completion(text, prompt_tokens=100, prompt_tokens_evaluated=40, completion_tokens=20)

    def close(self):
        pass


class EchoBackend:
    """A scripted model: for every chunk, one finding on each of its first ``per_chunk`` added
    lines whose text is not blank, worded after the line's text (so a finding keeps its words
    when a push moves its line). ``extra`` is appended to every body (injection tests);
    ``severities``: the findings of a chunk take these in turn (default: ``severity`` for all)."""

    name = "echo"
    concurrent = False

    def __init__(self, per_chunk: int = 2, severity: str = "warning", extra: str = "", suggestion: str | None = None,
                 severities: tuple[str, ...] = ()):
        self.per_chunk, self.severity, self.extra, self.suggestion = per_chunk, severity, extra, suggestion
        self.severities = severities or (severity,)
        self.calls: list = []

    def identity(self) -> str:
        return f"echo-{self.per_chunk}-{'+'.join(self.severities)}-{self.extra}-{self.suggestion}"

    def prepare(self, context_tokens: int) -> None:
        pass

    def complete(self, messages, schema, max_tokens) -> Completion:
        self.calls.append(messages)
        prompt = messages[-1]["content"]
        comments = []
        section = ""
        # a file window lists the file's other chunks too and names the hunks to review
        focus = re.search(r"^Review part \d+ of \d+: only the hunks? (.*)$", prompt, re.M)
        wanted = set(re.findall(r"`(@@ [^`]* @@)`", focus.group(1))) if focus else None
        in_focus = wanted is None
        for line in prompt.splitlines():
            if line.startswith("@@ ") and wanted is not None:
                in_focus = line[: line.index(" @@", 3) + 3] in wanted
            if line.startswith("__"):
                section = line
            m = _ADDED.match(line)
            if m and in_focus and section == "__new hunk__" and m.group(2).strip() and len(comments) < self.per_chunk:
                item = {"line": int(m.group(1)), "side": "RIGHT",
                        "severity": self.severities[len(comments) % len(self.severities)],
                        "body": f"Check `{m.group(2).strip()[:60]}` here.{self.extra}"}
                if self.suggestion is not None:
                    item["suggestion"] = self.suggestion
                comments.append(item)
        return Completion(json.dumps({"comments": comments}), prompt_tokens=100, prompt_tokens_evaluated=50,
                          completion_tokens=20)

    def close(self) -> None:
        pass


class Judging(ScriptedBackend):
    """Drafts from a script; as judge, prefers the version that contains `correct_line`: P("A")
    is ``p_right`` when it stands first, ``p_wrong`` when the other one does (by default a position
    bias, as real models have: "A" gets a bonus)."""

    def __init__(self, answers, correct_line, p_right: float = 0.75, p_wrong: float = 0.65):
        super().__init__(answers)
        self.correct_line = correct_line
        self.p_right, self.p_wrong = p_right, p_wrong
        self.judged = []

    def choose(self, messages, options):
        prompt = messages[-1]["content"]
        self.judged.append(prompt)
        a = prompt.split("Version A:")[1].split("Version B:")[0]
        p_a = self.p_right if self.correct_line in a else self.p_wrong
        return Choice({"A": p_a, "B": 1 - p_a}, prompt_tokens=50, prompt_tokens_evaluated=10)


class FakeClock:
    """A clock that moves only when told: ``run_review(clock=...)`` and the timed backends share it."""

    def __init__(self, start: float = 1000.0):
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class TimedBackend(EchoBackend):
    """An EchoBackend whose calls take time on a fake clock: the whole prompt (no prefix reuse)
    at ``prefill`` tokens a second, the answer at ``decode``; a token is 4 bytes."""

    name = "timed"

    def __init__(self, clock: FakeClock, prefill: float = 200.0, decode: float = 20.0, **kw):
        super().__init__(**kw)
        self.clock, self.prefill, self.decode = clock, prefill, decode

    def identity(self) -> str:
        return f"timed-{super().identity()}"

    def complete(self, messages, schema, max_tokens) -> Completion:
        text = super().complete(messages, schema, max_tokens).text
        prompt = sum(len(m["content"]) for m in messages) // 4
        out = max(1, len(text) // 4)
        seconds = prompt / self.prefill + out / self.decode
        self.clock.advance(seconds)
        return Completion(text, prompt, prompt, out, seconds)


class TimedJudge(TimedBackend):
    """A TimedBackend that judges too (no preference), its verdicts taking prefill time."""

    def __init__(self, clock: FakeClock, **kw):
        super().__init__(clock, **kw)
        self.judged: list = []

    def choose(self, messages, options):
        self.judged.append(messages)
        prompt = sum(len(m["content"]) for m in messages) // 4
        self.clock.advance(prompt / self.prefill)
        return Choice({o: 1 / len(options) for o in options}, prompt_tokens=prompt, prompt_tokens_evaluated=prompt)


class Capable:
    """A scripted capable model. Drafting, it flags each added line that a case's bug brought
    in (``defects``: the line's text -> the defect its fix describes, in a reviewer's words), and
    any line of ``suspicious`` (a correct change it questions anyway); as judge it is sure of
    itself whatever the order: P(the version that holds one of the ``correct`` lines) = 0.99."""

    name = "capable"
    concurrent = False

    def __init__(self, defects: dict[str, str], correct: list[str], suspicious: dict[str, str] | None = None):
        self.defects, self.correct, self.suspicious = defects, correct, suspicious or {}
        self.judged: list[str] = []

    def identity(self) -> str:
        return "capable-" + "|".join(sorted(self.defects)) + "|" + "|".join(sorted(self.suspicious))

    def prepare(self, context_tokens: int) -> None:
        pass

    def complete(self, messages, schema, max_tokens) -> Completion:
        comments = []
        section = ""
        for line in messages[-1]["content"].splitlines():
            if line.startswith("__"):
                section = line
            m = _ADDED.match(line)
            if not m or section != "__new hunk__":
                continue
            text = m.group(2).strip()
            for found, severity in ((self.defects, "error"), (self.suspicious, "warning")):
                if text in found:
                    comments.append({"line": int(m.group(1)), "side": "RIGHT", "severity": severity,
                                     "body": found[text]})
        return Completion(json.dumps({"comments": comments}), prompt_tokens=100, prompt_tokens_evaluated=50,
                          completion_tokens=20)

    def choose(self, messages, options):
        prompt = messages[-1]["content"]
        self.judged.append(prompt)
        a, b = prompt.split("Version A:")[1].split("Version B:")
        p_a = 0.99 if any(x in a for x in self.correct) else 0.01 if any(x in b for x in self.correct) else 0.5
        return Choice({"A": p_a, "B": 1 - p_a}, prompt_tokens=50, prompt_tokens_evaluated=10)

    def close(self) -> None:
        pass
