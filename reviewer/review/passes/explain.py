"""The comment says what the judge saw.

The verify pass decides that a hunk's new version is worse than its old one, but the words of
its findings were drafted before the judge looked, and on reading they often name another
problem, or describe the fix backwards. This pass writes the finding again from that contrast:
the difference is stated in the diff's own words ("This change replaces `a` with `b`"), and the
model, shown the two versions and told that the new one is worse, names the line, an input on
which they differ, and what each version does on it. The suggestion is the part's old lines:
the version the judge preferred.

Each hunk the judge condemned gets one comment in place of its drafted findings (which stay in
the report's left-out section); a comment that names neither a concrete difference in the code
nor a concrete input is not posted. Findings that could not be placed on a line are replaced the
same way: the judge's hunk speaks for them.

What the comment says, in order:
- for Python, when the change classifier (``consequence``) recognises the kind of change, its
  sentence leads: what now happens differently, and on which inputs, in names and values taken
  from the code ("`size == limit` now takes the other branch: ...");
- then the contrast in the diff's own words, and what the judge found ("the code before this
  change looks right and this does not"), or the model's case (``explain = case``);
- a capable model's own reason is kept (``kept_reason``): when the judge condemned the hunk with
  confidence, and a drafted finding flagged this part's changed lines with a body that names
  code the change touches and is not noise. The contrast leads it, its words follow in place of
  "Please check it.", and the classifier's sentence (if any) comes after them: a model that
  names the consequence itself speaks first, and the exact sentence stays as a check on it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from ...backends.base import Backend
from ..cache import ResultCache, pass_key
from ...diff.files import language_of
from ...errors import ModelCallError
from ...prompt import Templates
from ...sanitize import clean_model_text
from ...types import SEVERITY_RANK, Chunk, Comment, Completion, DiffLine, Hunk, traced
from .consequence import Consequence, classify
from .draft import ChunkResult
from .judge import condemns, judge_system, versions
from .noise import Shown, noise_kind, same_finding
from .verify import hunk_index

FLAGGED = ("error", "warning")
EXPLAIN_VERSION = 4  # 4: the consequence sentence leads; a confident judge keeps the draft's reason
# a drafted reason is kept only where the judge condemned the hunk at least this clearly (p_new at
# most this): Qwen2.5-Coder-1.5B's verdicts sit close to 0.5 and its words named the defect in 4
# of 18 caught QuixBugs cases (docs/quality.md); a capable model's verdicts are sharp
REASON_CONFIDENCE = 0.25
MAX_TOKENS = 400
_FIELD = {"type": "string", "maxLength": 300}
SCHEMA = {
    "type": "object",
    "properties": {"line": {"type": "string", "maxLength": 200}, "input": {"type": "string", "maxLength": 160},
                   "old_result": _FIELD, "new_result": _FIELD},
    "required": ["line", "input", "old_result", "new_result"],
}

# an "input" that names none
_GENERIC_INPUT = re.compile(
    r"^\s*(?:any|all|every|some|certain|various|different|n/?a|none|unknown|not applicable|no specific|"
    r"the (?:same|given) input|inputs?)\b", re.I)
_SPAN = 80  # longest code quoted in a comment's first sentence


@dataclass(frozen=True)
class Part:
    """One run of changed lines in a hunk: what the change removed and what it added there."""

    removed: tuple[DiffLine, ...]
    added: tuple[DiffLine, ...]
    # which of them are code (not blank, a comment or in a docstring), read over the whole hunk
    removed_code: tuple[DiffLine, ...] = ()
    added_code: tuple[DiffLine, ...] = ()

    @property
    def changes_code(self) -> bool:
        return bool(self.removed_code or self.added_code)

    def view(self) -> dict[str, list[str]]:
        return {"removed": [x.text.strip() for x in self.removed], "added": [x.text.strip() for x in self.added]}


def changed_parts(hunk: Hunk) -> list[Part]:
    code = {id(x) for side in ("-", "+") for x in code_lines([x for x in hunk.lines if x.kind != side])}
    parts: list[Part] = []
    removed: list[DiffLine] = []
    added: list[DiffLine] = []
    for line in (*hunk.lines, None):
        if line is not None and line.changed:
            (removed if line.kind == "-" else added).append(line)
            continue
        if removed or added:
            parts.append(Part(tuple(removed), tuple(added), tuple(x for x in removed if id(x) in code),
                              tuple(x for x in added if id(x) in code)))
            removed, added = [], []
    return parts


_COMMENT = ("#", "//", "/*", "*", "--")
_DOCSTRING = ('"""', "'''")


def code_lines(lines: list[DiffLine]) -> list[DiffLine]:
    """The lines of one side of a hunk (context included, in order) that are code: not blank, not
    a comment, not in a docstring (the quote names the line that does something: `self.close()`,
    not the docstring above it). A hunk may begin inside a docstring, so both readings are tried
    and the one whose code lines read more like code is kept."""
    readings = [_code_lines(lines, inside) for inside in (False, True)]
    return max(readings, key=lambda code: sum(map(_code_like, (x.text for x in code))))


def _code_lines(lines: list[DiffLine], inside: bool) -> list[DiffLine]:
    out = []
    for line in lines:
        text = line.text.strip()
        marks = sum(text.count(q) for q in _DOCSTRING)
        if inside or text.startswith(_DOCSTRING):
            inside = inside != (marks % 2 == 1)
            continue
        if text and not text.startswith(_COMMENT):
            out.append(line)
        inside = marks % 2 == 1
    return out


_CONTEXTS = ("{}", "{} pass", "def _f():\n {}", "def _f():\n {} pass", "if 1: pass\n{} pass", "try: pass\n{} pass")


def _code_like(text: str) -> bool:
    """Whether one line reads as code (a statement or a clause of one), not as a sentence."""
    line = text.strip()
    if line.endswith(("(", "[", "{", ",", "\\")) or line.startswith((")", "]", "}")):
        return True
    for context in _CONTEXTS:
        try:
            compile(context.format(line), "<line>", "exec")
        except (SyntaxError, ValueError):
            continue
        return True
    return False


def difference(part: Part) -> str:
    """What the change does there, in words taken from the diff itself (never the model's)."""
    def quote(lines: tuple[DiffLine, ...], code: tuple[DiffLine, ...]) -> str:
        text = (code[0] if code else next((x for x in lines if x.text.strip()), lines[0])).text.strip()
        text = text if len(text) <= _SPAN else text[: _SPAN - 3] + "..."
        others = len(lines) - 1
        more = f" (and {others} more line{'s' if others > 1 else ''})" if others else ""
        return f"`{text.replace('`', chr(39))}`{more}"

    if part.removed and part.added:
        return f"This change replaces {quote(part.removed, part.removed_code)} with {quote(part.added, part.added_code)}"
    if part.removed:
        return f"This change removes {quote(part.removed, part.removed_code)}"
    return f"This change adds {quote(part.added, part.added_code)}"


@dataclass(frozen=True)
class Explanation:
    line: str
    input: str
    old_result: str
    new_result: str


def parse_explanation(text: str) -> Explanation | None:
    try:
        data = json.loads(text.strip(), strict=False)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    values = {k: data.get(k) for k in ("line", "input", "old_result", "new_result")}
    if not all(isinstance(v, str) for v in values.values()):
        return None
    return Explanation(**{k: " ".join(v.split()) for k, v in values.items()})


_FILLER = {"the", "old", "new", "version", "code", "change", "this", "it", "which", "is", "was", "would", "will",
           "correct", "correctly", "incorrect", "incorrectly", "wrong", "right", "because", "returns", "return",
           "does", "not", "and", "a", "an", "of", "to", "in", "on", "that", "be", "with"}


# the worked example the prompt shows (a case outside every scored set); an answer that copies
# it says nothing about the code under review
EXAMPLE = {"change": ("return total / len(xs)", "return total / (len(xs) - 1)"),
           "answer": {"line": "return total / (len(xs) - 1)", "input": "mean([2, 4])", "old_result": "returns 3.0",
                      "new_result": "returns 6.0, not the mean of the two values"}}


def is_concrete(explanation: Explanation) -> bool:
    """The answer names a concrete input of its own (not the prompt's example, not "any input")."""
    given = explanation.input
    if len(given) < 2 or _GENERIC_INPUT.match(given):
        return False
    example = EXAMPLE["answer"]
    return " ".join(given.split()) != example["input"] and explanation.new_result != example["new_result"]


def _degenerate(text: str) -> bool:
    """A result that ran away (the same token over and over, as a small model's list can)."""
    return bool(re.search(r"(\b[\w.'\"]+[,;]?\s+)\1{7,}", text + " "))


def results_differ(explanation: Explanation) -> bool:
    """The model says the two versions do different things on its input (not the same words with
    "correct" and "incorrect" swapped): only then are the two results worth a reader's time."""
    if _degenerate(explanation.new_result) or _degenerate(explanation.old_result):
        return False
    new, old = _content(explanation.new_result), _content(explanation.old_result)
    return bool(new) and (not old or len(new & old) / len(new | old) < 0.75)


def _content(text: str) -> set[str]:
    return {w.strip(".,;:!?") for w in re.findall(r"[\w.\[\]()'\"-]+", text.lower())} - _FILLER - {""}


def pick_part(parts: list[Part], quote: str) -> tuple[Part, DiffLine | None]:
    """The part whose changed line ``quote`` copies (and that line), else the first part."""
    want = " ".join(quote.strip().strip("`").split())
    for part in parts:
        for line in (*part.added, *part.removed):
            if want and " ".join(line.text.split()) == want:
                return part, line
    return parts[0], None


def body_of(part: Part, explanation: Explanation | None, consequence: Consequence | None = None,
            reason: str | None = None) -> str:
    """The comment's words. The consequence sentence (when the change's kind is recognised)
    leads; then the difference in the diff's own words, and the case the model gave: the input,
    what the new code does on it, what the old code did (those two only when they differ).
    Without a case of its own, the comment says what the judge found and no more. With a kept
    ``reason`` (a capable model's drafted words), the difference leads, the reason follows, and
    the consequence sentence comes last, unless the reason already says the same."""
    lead = f"{consequence.sentence} " if consequence is not None else ""
    if reason is not None:
        after = "" if consequence is None or same_finding(reason, consequence.sentence) else f" {consequence.sentence}"
        return clean_model_text(f"{_contrast(part)} {_sentence(reason)}{after}")
    if explanation is None or not is_concrete(explanation):
        return clean_model_text(f"{lead}{_contrast(part)} Please check it.")
    lines = [f"{lead}{difference(part)}, which breaks this case:", f"- input: {explanation.input.rstrip('.:')}"]
    if results_differ(explanation):
        lines.append(f"- with this change: {_sentence(explanation.new_result)}")
        if explanation.old_result.strip(" ."):
            lines.append(f"- before it: {_sentence(explanation.old_result)}")
    return clean_model_text("\n".join(lines))


# what a drafted reason may not claim to be kept: whether it holds depends on more than the hunk
# (the whole diff, the style guide), which the noise pass checks later; kept, it would take the
# comment down with it
_NEEDS_CONTEXT = re.compile(r"\bunused\b|\bnever used\b|\bnot used\b|undefined|not defined|never defined|"
                            r"not declared|deprecat|›|docstring|documentation|type hint|annotation|"
                            r"\bcomments?\b", re.I)
_CODE_SPAN = re.compile(r"`([^`\n]+)`")
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+|[A-Za-z_]\w*(?=\()|[A-Za-z]*_\w+|[a-z]+[A-Z]\w*")


def names_code(body: str, lines: tuple[DiffLine, ...], version: str = "") -> bool:
    """Whether a finding's body names the code: a quoted span, or an identifier (dotted, called,
    snake_case or camelCase), that these lines contain; or a quoted expression made only of
    names the hunk's ``version`` uses (`prices[n - 1]` where the code reads `prices` and `n`)."""
    code = " ".join(" ".join(x.text.split()) for x in lines)
    spans = [" ".join(x.split()) for x in _CODE_SPAN.findall(body)]
    if any(len(x) >= 2 and re.search(r"\w", x) and x in code for x in spans):
        return True
    known = set(re.findall(r"[A-Za-z_]\w*", version))
    if any((names := set(re.findall(r"[A-Za-z_]\w*", x))) and names <= known for x in spans):
        return True
    words = set(_IDENTIFIER.findall(_CODE_SPAN.sub(" ", body)))
    return any(re.search(rf"(?<![\w.]){re.escape(w)}(?!\w)", code) for w in words)


def kept_reason(part: Part, drafted: list[Comment], p_new: float | None, hunk_code: str,
                new_version: str = "") -> str | None:
    """The drafted reason a condemned part's comment keeps (None: the judge's words alone): the
    judge was confident, a drafted finding flagged one of the part's changed lines, its body
    names code the part changes (its added lines; its removed lines for a pure removal) or an
    expression of the names the new version uses (``names_code``), and it
    is not noise, alone or after the contrast as it will be posted (the noise pass reads it
    next: what it would demote is not kept)."""
    if p_new is None or p_new > REASON_CONFIDENCE:
        return None
    right = {x.line for x in part.added}
    left = {x.line for x in part.removed}
    target = part.added or part.removed
    for c in sorted(drafted, key=lambda c: -SEVERITY_RANK[c.severity]):
        lines = set(range(c.start_line or c.line, c.line + 1))
        if not lines & (right if c.side == "RIGHT" else left):
            continue
        reason = " ".join(c.body.split())
        if not reason or _NEEDS_CONTEXT.search(reason) or not names_code(reason, target, new_version):
            continue
        shown = Shown(code=hunk_code)
        if noise_kind(reason, shown) is None and noise_kind(f"{_contrast(part)} {reason}", shown) is None:
            return reason
    return None


def _contrast(part: Part) -> str:
    return f"{difference(part)}: compared side by side, the code before this change looks right and this does not."


def revert(part: Part) -> str | None:
    """The part's old lines, as a suggestion for its added lines (None: nothing to put them on)."""
    if not part.added:
        return None
    return "\n".join(x.text for x in part.removed)


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if not text or text[-1] in ".!?" else text + "."


@dataclass
class Explainer:
    backend: Backend
    templates: Templates
    model_identity: str | Callable[[], str]
    threshold: float
    cache: ResultCache | None = None
    guidance: bool = True
    ask_case: bool = False  # ask the model for a failing input (else the diff and the verdict speak alone)
    replaced: list[Comment] = field(default_factory=list)

    def __call__(self, result: ChunkResult) -> ChunkResult:
        if result.failed:
            return result
        # a finding that could not be placed is spoken for by the judge's hunks: not posted itself
        notes = tuple(traced(n, "explain", "note", "not placed on a line: its chunk's condemned hunks speak for it")
                      if n.severity in FLAGGED else n for n in result.notes)
        if not result.verdicts:
            return replace(result, notes=notes)
        chunk = result.chunk
        verdicts = dict(result.verdicts)
        condemned = {i for i, p in verdicts.items() if condemns(p, self.threshold)}
        spent: list[Completion] = []
        comments: list[Comment] = []
        by_hunk: dict[int, list[Comment]] = {}
        for c in result.comments:
            index = hunk_index(chunk, c)
            if c.severity in FLAGGED and index in condemned:
                by_hunk.setdefault(index, []).append(c)
            else:
                comments.append(c)
        for index, drafted in sorted(by_hunk.items()):
            explained = self._explain(chunk, chunk.hunks[index], drafted, spent, verdicts.get(index))
            comments.extend(traced(c, "explain", "note", "replaced by the comment written for its condemned hunk")
                            for c in drafted)
            self.replaced.extend(drafted)
            if explained is not None:
                comments.append(traced(replace(explained, trace=drafted[0].trace), "explain", explained.severity,
                                       f"written for the hunk the judge condemned (P(new)={verdicts[index]:.2f})",
                                       verdicts[index]))
        comments.sort(key=lambda c: (c.line, c.side))
        return replace(result, comments=tuple(comments), notes=notes,
                       completions=result.completions + tuple(spent))

    def _explain(self, chunk: Chunk, hunk: Hunk, drafted: list[Comment], spent: list[Completion],
                 p_new: float | None = None) -> Comment | None:
        pair = versions(hunk)
        # a part that changes only comments, docstrings or blank lines does nothing the code does:
        # a judge that prefers the old words has found no defect (seen on real-prs: a docstring
        # reworded, condemned)
        parts = [p for p in changed_parts(hunk) if p.changes_code]
        if pair is None or not parts:
            return None
        explanation = self.ask(chunk.path, hunk, pair, parts, spent) if self.ask_case else None
        severity = max((c.severity for c in drafted), key=lambda s: SEVERITY_RANK[s])
        if explanation is not None:
            part, _ = pick_part(parts, explanation.line)
        else:  # the part nearest the drafted findings
            part = min(parts, key=lambda p: min(abs(x.line - c.line) for x in (*p.added, *p.removed)
                                                for c in drafted))
        # the comment covers the part's added lines and suggests its old lines back (the judge
        # preferred them); a part that only removed lines is commented on its first removed line
        if part.added:
            target, start = part.added[-1], (part.added[0].line if len(part.added) > 1 else None)
        else:
            target, start = part.removed[0], None
        # what the change does differently, read from the code (Python only): the comment's lead
        consequence = classify(*pair) if language_of(chunk.path) == "python" else None
        reason = kept_reason(part, drafted, p_new, "\n".join(x.text for x in hunk.lines), pair[1])
        body = body_of(part, explanation, consequence, reason)
        return Comment(chunk.path, target.line, target.side, severity, body,  # type: ignore[arg-type]
                       start, revert(part))

    def ask(self, path: str, hunk: Hunk, pair: tuple[str, str], parts: list[Part],
            spent: list[Completion]) -> Explanation | None:
        language = language_of(path)
        old, new = pair
        messages = [
            {"role": "system", "content": judge_system(self.templates, language, self.guidance)},
            {"role": "user", "content": self.templates.render(
                "explain.j2", path=path, language=language, section=hunk.section, old=old, new=new,
                parts=[p.view() for p in parts], example=EXAMPLE,
                example_answer=json.dumps(EXAMPLE["answer"])).strip()},
        ]
        model = self.model_identity() if callable(self.model_identity) else self.model_identity
        key = pass_key("explain", [EXPLAIN_VERSION, model, messages])
        if self.cache is not None and (hit := self.cache.get(key)) is not None:
            return parse_explanation(json.dumps(hit))
        try:
            completion = self.backend.complete(messages, SCHEMA, MAX_TOKENS)
        except ModelCallError:
            return None
        spent.append(completion)
        explanation = parse_explanation(completion.text)
        if explanation is not None and self.cache is not None:
            self.cache.put(key, explanation.__dict__)
        return explanation

