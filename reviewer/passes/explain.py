"""The comment says what the judge saw.

The verify pass decides that a hunk's new version is worse than its old one, but the words of
its findings were drafted before the judge looked, and on reading they often name another
problem, or describe the fix backwards. This pass writes the finding again from that contrast:
shown the two versions and told that the new one is worse, the model names the line, what the
new version does differently, on which input, what goes wrong, and the corrected line.

Each hunk the judge condemned gets one comment in place of its drafted findings (which stay in
the report's left-out section); a comment that names neither a concrete difference in the code
nor a concrete input is not posted. Findings that could not be placed on a line are replaced the
same way: the judge's hunk speaks for them.
"""

from __future__ import annotations

import json
import keyword
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from ..cache import ResultCache, pass_key
from ..chunk import language_of
from ..errors import ModelCallError
from ..prompt import Templates
from ..sanitize import clean_code, clean_model_text
from ..types import SEVERITY_RANK, Chunk, Comment, Completion, DiffLine, Hunk
from .draft import ChunkResult
from .judge import judge_system, versions
from .verify import hunk_index

FLAGGED = ("error", "warning")
EXPLAIN_VERSION = 1
MAX_TOKENS = 400
_FIELD = {"type": "string", "maxLength": 300}
SCHEMA = {
    "type": "object",
    "properties": {"line": {"type": "string", "maxLength": 200}, "difference": _FIELD, "input": _FIELD,
                   "wrong": _FIELD, "fix": {"type": "string", "maxLength": 300}},
    "required": ["line", "difference", "input", "wrong", "fix"],
}

# an "input" that names none
_GENERIC_INPUT = re.compile(
    r"^\s*(?:any|all|every|some|certain|various|different|n/?a|none|unknown|not applicable|no specific|"
    r"the (?:same|given) input|inputs?)\b", re.I)
# words too common in code to show that a sentence names what differs
_COMMON = {"self", "cls", "return", "none", "true", "false", "the", "and", "not", "for", "def", "if", "else",
           "elif", "in", "is", "or", "with", "as", "import", "from", "pass", "value", "result", "data"}


@dataclass(frozen=True)
class Explanation:
    line: str
    difference: str
    input: str
    wrong: str
    fix: str


def parse_explanation(text: str) -> Explanation | None:
    try:
        data = json.loads(text.strip(), strict=False)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    values = {k: data.get(k) for k in ("line", "difference", "input", "wrong", "fix")}
    if not all(isinstance(v, str) for v in values.values()):
        return None
    return Explanation(**{k: v.strip() if k != "line" and k != "fix" else v.rstrip() for k, v in values.items()})


def changed_names(hunk: Hunk) -> set[str]:
    """Names and literals of a hunk's changed lines: what a concrete comment mentions."""
    out: set[str] = set()
    for line in hunk.lines:
        if line.changed:
            for token in re.findall(r"[A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d+)?|[<>=!]=|[-+*/%]=?", line.text):
                if token.lower() not in _COMMON and not (token.isalpha() and keyword.iskeyword(token)):
                    out.add(token)
    return out


def is_concrete(explanation: Explanation, hunk: Hunk) -> bool:
    """The comment names a concrete input, and a piece of the changed code (or quotes its line)."""
    if not explanation.input or _GENERIC_INPUT.match(explanation.input) or len(explanation.input) < 2:
        return False
    if _find_line(hunk, explanation.line) is not None:
        return True
    text = f"{explanation.difference} {explanation.wrong}"
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d+)?|[<>=!]=|[-+*/%]=?", text))
    return bool(words & changed_names(hunk))


def _find_line(hunk: Hunk, quote: str) -> DiffLine | None:
    """The changed line of ``hunk`` that ``quote`` copies (added lines first)."""
    want = " ".join(quote.split())
    if not want:
        return None
    for kind in ("+", "-"):
        for line in hunk.lines:
            if line.kind == kind and " ".join(line.text.split()) == want:
                return line
    return None


def body_of(explanation: Explanation) -> str:
    difference = _sentence(explanation.difference)
    wrong = _sentence(explanation.wrong)
    given = explanation.input.rstrip(".")
    return clean_model_text(f"{difference} On {given}: {wrong[:1].lower() + wrong[1:]}")


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if not text or text[-1] in ".!?" else text + "."


@dataclass
class Explainer:
    backend: object  # complete(messages, schema, max_tokens)
    templates: Templates
    model_identity: str | Callable[[], str]
    threshold: float
    cache: ResultCache | None = None
    guidance: bool = True
    replaced: list[Comment] = field(default_factory=list)

    def __call__(self, result: ChunkResult) -> ChunkResult:
        if result.failed or not result.verdicts:
            return result
        chunk = result.chunk
        verdicts = dict(result.verdicts)
        condemned = {i for i, p in verdicts.items() if p is not None and p < self.threshold}
        spent: list[Completion] = []
        comments: list[Comment] = []
        by_hunk: dict[int, list[Comment]] = {}
        for c in result.comments:
            index = hunk_index(chunk, c)
            if c.severity in FLAGGED and index in condemned:
                by_hunk.setdefault(index, []).append(c)
            else:
                comments.append(c)
        # a finding that could not be placed is spoken for by the judge's hunks: not posted itself
        notes = [replace(n, severity="note") if n.severity in FLAGGED else n for n in result.notes]
        for index, drafted in sorted(by_hunk.items()):
            explained = self._explain(chunk, chunk.hunks[index], drafted, spent)
            comments.extend(replace(c, severity="note") for c in drafted)
            self.replaced.extend(drafted)
            if explained is not None:
                comments.append(explained)
        comments.sort(key=lambda c: (c.line, c.side))
        return replace(result, comments=tuple(comments), notes=tuple(notes),
                       completions=result.completions + tuple(spent))

    def _explain(self, chunk: Chunk, hunk: Hunk, drafted: list[Comment], spent: list[Completion]) -> Comment | None:
        pair = versions(hunk)
        if pair is None:
            return None
        explanation = self.ask(chunk.path, hunk, pair, spent)
        severity = max((c.severity for c in drafted), key=lambda s: SEVERITY_RANK[s])
        if explanation is None:
            return None
        target = _find_line(hunk, explanation.line)
        anchor = drafted[0]
        line, side = (target.line, target.side) if target is not None else (anchor.line, anchor.side)
        suggestion = None
        if target is not None and target.kind == "+" and explanation.fix.strip():
            fix = clean_code(explanation.fix.split("\n")[0])
            indent = target.text[: len(target.text) - len(target.text.lstrip())]
            fixed = indent + fix.strip()
            if fix.strip() and fixed.strip() != target.text.strip():
                suggestion = fixed
        if not is_concrete(explanation, hunk):
            severity = "note"  # says nothing a reader can check: kept in the report, not posted
        return Comment(chunk.path, line, side, severity, body_of(explanation), None, suggestion)  # type: ignore[arg-type]

    def ask(self, path: str, hunk: Hunk, pair: tuple[str, str], spent: list[Completion]) -> Explanation | None:
        language = language_of(path)
        old, new = pair
        messages = [
            {"role": "system", "content": judge_system(self.templates, language, self.guidance)},
            {"role": "user", "content": self.templates.render(
                "explain.j2", path=path, language=language, section=hunk.section, old=old, new=new).strip()},
        ]
        model = self.model_identity() if callable(self.model_identity) else self.model_identity
        key = pass_key("explain", [EXPLAIN_VERSION, model, messages])
        if self.cache is not None and (hit := self.cache.get(key)) is not None:
            return parse_explanation(json.dumps(hit))
        try:
            completion = self.backend.complete(messages, SCHEMA, MAX_TOKENS)  # type: ignore[attr-defined]
        except ModelCallError:
            return None
        spent.append(completion)
        explanation = parse_explanation(completion.text)
        if explanation is not None and self.cache is not None:
            self.cache.put(key, explanation.__dict__)
        return explanation

