"""Comments that are not findings, recognised from their words and the change itself.

Read on real merged pull requests (docs/quality.md), a small model's comments often restate the
change, praise it, ask for docstrings no rule requires, cite a rule the style guide does not
have, claim that a name is unused or undefined when the diff shows otherwise, invent a
deprecation, or quote the prompt's own scaffolding ("the `__new hunk__` is incorrect"). Each
kind is recognised narrowly: a body that also names a problem in the code stays a finding.
Links the model wrote that appear nowhere in what it was shown are taken out of the text.

The pass demotes a noise comment to a ``note`` (kept in the report's left-out section, never
posted) and records its kind; ``noise_kind`` is also what the benchmarks count with.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from ...types import Comment, Note, traced
from .draft import ChunkResult
from .nonfinding import is_non_finding

FLAGGED = ("error", "warning")

# words that say something is wrong: a body with one of them is not a mere restatement or praise
_PROBLEM_WORDS = re.compile(
    r"\b(?:bug|wrong|incorrect|error|fail|fails|failing|crash|crashes|broken|break|breaks|leak|leaks|race|"
    r"missing|never|instead|however|should|must|cannot|can't|won't|doesn't|does not|not handled|"
    r"unhandled|uninitiali[sz]ed|not (?:initiali[sz]ed|defined|set|checked|closed|released|freed|validated|"
    r"escaped|awaited|thread-safe)|raise|raises|overflow|off-by-one|none|null|undefined|infinite|deadlock|injection|unsafe|"
    r"insecure|vulnerab\w*|lost|loses|drops?|ignored|ignores|silently|regression|typo)\b",
    re.I,
)

_SCAFFOLDING = re.compile(
    r"__(?:new|old)[ _]hunk__|\b(?:new|old)[ _]hunk\b|\bversion [AB]\b|\bpart \d+ of \d+\b|"
    r"\bthe (?:left|right) column\b|\bthe listing\b|\bthe style guide below\b|\buntrusted-(?:title|description)\b",
    re.I,
)

_PRAISE = re.compile(
    r"^\s*(?:good|great|nice|excellent|well done|looks great|this is (?:a )?(?:good|great|nice|clean|clear)|"
    r"(?:the|this) (?:change|update|refactor\w*|addition|code) (?:is|looks) (?:a )?(?:good|great|nice|clean|clear|"
    r"an improvement|correct|fine|well)|good (?:job|catch|change|practice|improvement))\b",
    re.I,
)

_RESTATES = re.compile(
    r"^\s*(?:the |this )?(?:change|commit|pr|pull request|patch|diff|update|code|new code|function|method|class|"
    r"test|line|hunk|file|`[^`]+`(?: (?:function|method|class|variable|parameter|attribute))?)\s+"
    r"(?:now\s+)?(?:adds|added|introduces|introduced|updates|updated|changes|changed|modifies|modified|removes|"
    r"removed|renames|renamed|refactors|refactored|replaces|replaced|moves|moved|uses|is now|now|has been|"
    r"was|were|have been|sets|creates|defines|implements|calls|returns|checks|handles|imports|extends)\b",
    re.I,
)

_DOCS_REQUEST = re.compile(
    r"\b(?:add(?:ing)?|missing|lacks?|lacking|consider adding|should (?:have|include)|no|needs?|without|include)"
    r"\s+(?:a |an |more |some |any |proper |detailed |the )?"
    r"(?:docstrings?|comments?|documentation|type hints?|type annotations?|annotations?|explanation)\b",
    re.I,
)
# a guide that asks for docs says so ("every public function has a docstring", "document new
# options", "type hints on public APIs"); "comments are short" is about review comments
_DOCS_RULE = re.compile(r"docstring|\bdocument(?:ed|ation|s)?\b|type hints?|annotations?|code comments?|"
                        r"comment (?:your|the|all|every|non-obvious) code", re.I)

# "`x` is not used", "the `x` parameter is not used", "`x` and `y` functions are not imported"
_KIND = (r"(?:\s+(?:function|method|class|parameter|argument|variable|attribute|property|field|import|module|type|"
         r"constant)s?)?")
_UNUSED = re.compile(rf"`([A-Za-z_][\w.]*)`{_KIND}\s+(?:is|are|seems to be|appears to be)\s+(?:unused|never used|not used)", re.I)
_UNDEFINED = re.compile(rf"`([A-Za-z_][\w.]*)`{_KIND}\s+(?:is|are)\s+(?:not defined|undefined|never defined|not declared|"
                        r"not imported)", re.I)
_DEPRECATED = re.compile(r"\bdeprecat\w*", re.I)

# "[CONTRIBUTING.md › Tests]" or "[Style › Naming]": a citation of a style guide section
_CITATION = re.compile(r"\[([^\[\]\n]{2,80}›[^\[\]\n]{1,80})\]")

# the only consequence a comment names is a vague one ("can lead to unexpected behavior")
_GENERIC = re.compile(r"\b(?:can|could|may|might|will|would)\s+(?:potentially\s+)?(?:lead\s+to|cause|result\s+in|introduce)\s+"
                      r"(?:some\s+)?(?:unexpected|potential|unintended|unforeseen|possible)\s+"
                      r"(?:behaviou?rs?|issues?|results?|problems?|errors?|bugs?|side effects?)", re.I)
_SPECIFIC = re.compile(r"\b(?:raises?|exception|crash\w*|leaks?|infinite|deadlock|overflow|injection|none|null|"
                       r"returns?|off-by-one|index|keyerror|typeerror|valueerror|attributeerror|race)\b", re.I)

URL = re.compile(r"https?://[^\s)>\]`'\"]+", re.I)


@dataclass(frozen=True)
class Shown:
    """What the model was shown, against which a comment's claims are checked."""

    code: str  # the diff's lines (added, removed and context)
    other: str = ""  # the style guide and the PR's title and description
    rule_labels: frozenset[str] = frozenset()  # the style guide's citation labels, "FILE › Section"

    @property
    def guide_asks_for_docs(self) -> bool:
        return bool(_DOCS_RULE.search(self.other))


def noise_kind(body: str, shown: Shown) -> str | None:
    """The kind of noise a comment is, or None when it is a finding."""
    if is_non_finding(body):
        return "says nothing is wrong"
    if _SCAFFOLDING.search(body):
        return "quotes the prompt"
    if body.count("`") % 2 and len(body.split()) < 8:
        return "breaks off mid-sentence"
    known = [_norm_label(x) for x in shown.rule_labels]
    for label in _CITATION.findall(body):
        cited = _norm_label(label)
        if not any(cited in k or k in cited for k in known):
            return "cites a rule the guide does not have"
    problem = bool(_PROBLEM_WORDS.search(body))
    if _PRAISE.search(body) and not problem:
        return "praise"
    if _RESTATES.search(body) and not problem:
        return "restates the change"
    if _GENERIC.search(body) and not _SPECIFIC.search(body):
        return "names no consequence but a vague one"
    if _DOCS_REQUEST.search(body) and not shown.guide_asks_for_docs:
        return "asks for docs no rule requires"
    for name in _UNUSED.findall(body):
        if _uses(shown.code, name) >= 2:
            return "claims unused, the diff uses it"
    for name in _UNDEFINED.findall(body):
        if _defined(shown.code, name):
            return "claims undefined, the diff defines it"
    if _DEPRECATED.search(body) and not _DEPRECATED.search(shown.code + "\n" + shown.other):
        return "claims a deprecation nothing shows"
    return None


def strip_invented_links(body: str, shown: Shown) -> str:
    """A URL the model wrote that is in neither the diff, the PR text nor the style guide is
    never posted as a link: it is taken out of the text."""
    seen = shown.code + "\n" + shown.other

    def keep(match: re.Match[str]) -> str:
        url = match.group(0).rstrip(".,;:")
        return match.group(0) if url in seen else "(link removed)" + match.group(0)[len(url):]

    return URL.sub(keep, body)


GUIDE_LABEL = re.compile(r"^## \[(.+)\]\s*$", re.M)


def guide_labels(guide_text: str) -> frozenset[str]:
    """The citation labels of a style guide as the model reads it (``## [FILE › Section]``)."""
    return frozenset(GUIDE_LABEL.findall(guide_text))


def _norm_label(label: str) -> str:
    return " ".join(label.replace("›", " › ").split()).lower()


def _uses(code: str, name: str) -> int:
    last = name.split(".")[-1]
    return len(re.findall(rf"(?<![\w.]){re.escape(last)}(?!\w)", code))


def _defined(code: str, name: str) -> bool:
    last = re.escape(name.split(".")[-1])
    return bool(re.search(rf"\b(?:def|class)\s+{last}\b|\b{last}\s*(?::[^=\n]+)?=(?!=)|\bimport\s+(?:[\w.]+\s+as\s+)?{last}\b|"
                          rf"\bimport\s+[^\n]*\b{last}\b|\bfor\s+{last}\b|\bas\s+{last}\b|\(\s*[^)]*\b{last}\b", code))


def same_finding(a: str, b: str) -> bool:
    """Two bodies that say the same thing (most of their words shared)."""
    wa, wb = _words(a), _words(b)
    if not wa or not wb:
        return False
    return len(wa & wb) / min(len(wa), len(wb)) >= 0.6


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z_][a-z0-9_]{2,}", text.lower())}


@dataclass
class NoiseFilter:
    """The pass: noise comments and notes become notes (left out of the review); links the
    model invented are taken out; a LEFT and a RIGHT comment on the two listings of one change
    that say the same thing become one (the RIGHT one)."""

    shown_for: object  # Callable[[Chunk], Shown]
    dismissed: list[tuple[str, Comment | Note]]

    def __init__(self, shown_for):
        self.shown_for = shown_for
        self.dismissed = []

    def __call__(self, result: ChunkResult) -> ChunkResult:
        if result.failed or not (result.comments or result.notes):
            return result
        shown = self.shown_for(result.chunk)
        comments = [self._judged(c, shown) for c in result.comments]
        comments = _merge_sides(comments, result.chunk)
        notes = [self._judged(n, shown) for n in result.notes]
        return replace(result, comments=tuple(comments), notes=tuple(notes))

    def _judged(self, item, shown: Shown):
        body = strip_invented_links(item.body, shown)
        if body != item.body:
            item = replace(item, body=body)
        if item.severity not in FLAGGED:
            return item
        kind = noise_kind(item.body, shown)
        if kind is None:
            return item
        self.dismissed.append((kind, item))
        return traced(item, "noise", "note", f"not a finding: {kind}")


def _merge_sides(comments: Iterable[Comment], chunk) -> list[Comment]:
    """Drop a LEFT comment when a RIGHT comment on the same change says the same thing."""
    comments = list(comments)
    hunk_of: dict[tuple[str, int], int] = {}
    for i, hunk in enumerate(chunk.hunks):
        for line in hunk.lines:
            hunk_of[(line.side, line.line)] = i
    right = [c for c in comments if c.side == "RIGHT"]
    out = []
    for c in comments:
        if c.side == "LEFT":
            where = hunk_of.get(("LEFT", c.line))
            if any(hunk_of.get(("RIGHT", r.line)) == where and where is not None and same_finding(c.body, r.body)
                   and (r.severity == c.severity or r.severity in FLAGGED) for r in right):
                continue
        out.append(c)
    return out
