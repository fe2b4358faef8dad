"""What a reviewer reads before judging a hunk: the pull request around it.

A hunk judged alone is judged out of its reasons: a parameter dropped from a call looks like a
bug until one sees that the same PR dropped it from the callee; a helper removed looks careless
until the changelog says it was retired. This step gives each hunk a small, bounded context:

- the PR's intent: its title, the first lines of its description, and the changelog or news
  lines the PR adds;
- the PR itself: the other hunks (any file: code, tests, docs) whose changed lines define,
  remove or use the names that this hunk's changed lines touch, the ones that define a name first.

Everything here is text from the pull request: untrusted data. The templates put it in the
prompt's data section with a sentence saying so (templates/judge.j2), never as instructions.
Only targeted context, within a token budget: bulk context makes models worse.
"""

from __future__ import annotations

import builtins
import io
import keyword
import re
import tokenize
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from .chunk import estimate_tokens

from ..diff.files import is_test_path, language_of
from ..types import FileDiff, Hunk, PullRequest

INTENT_TOKENS = 160  # the title, description and changelog lines together
RELATED_TOKENS = 320  # the other hunks shown with one hunk
MAX_RELATED = 3
_CHANGELOG = re.compile(r"(^|/)(CHANGE(S|LOG)|HISTORY|NEWS|RELEASE[_-]?NOTES)([._-][^/]*)?$|"
                        r"(^|/)(changes|changelog\.d|newsfragments|\.changeset)/", re.I)
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def is_changelog(path: str) -> bool:
    """A changelog or news file (CHANGES.rst, HISTORY.md, newsfragments/123.bugfix)."""
    return bool(_CHANGELOG.search(path))
_DEFINES = re.compile(r"^\s*(?:async\s+)?(?:def|class)\s+([A-Za-z_]\w*)|^\s*([A-Za-z_]\w*)\s*(?::[^=]*)?=[^=]")
# names too common to tie two hunks together
_COMMON = frozenset(dir(builtins)) | frozenset(keyword.kwlist) | frozenset(
    "self cls args kwargs value values name names key keys data result results item items path "
    "text line lines self_ obj func arg res ret out err exc msg tmp val var str int bool none "
    "true false test tests assert the and for not this that with from import return".split())


@dataclass(frozen=True)
class HunkContext:
    """The context one hunk is judged with (empty: the prompt is exactly today's)."""

    intent: str = ""
    related: tuple[str, ...] = ()  # other hunks of the PR, each "path (section):" and its changed lines
    names: tuple[str, ...] = ()  # the names that tied them to this hunk
    # the repository at the PR's base (review/repo.py): definitions this code uses, callers of
    # what it changes, a line each
    base: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.intent or self.related or self.base)

    def text(self) -> str:
        """The context as the judge's prompt shows it."""
        blocks = [self.intent] if self.intent else []
        if self.related:
            blocks.append("Other changes in the same pull request that share names with this code:\n\n"
                          + "\n\n".join(self.related))
        if self.base:
            blocks.append("In the repository before this pull request (its base), the code this change "
                          "uses and the code that calls what it changes:\n" + "\n".join(self.base))
        return "\n\n".join(blocks)

    def summary(self) -> str:
        """One line for the trace: what the verdict saw besides the hunk."""
        parts = []
        if self.intent:
            parts.append("the PR's intent")
        if self.related:
            heads = [r.split("\n", 1)[0].rstrip(":") for r in self.related]
            parts.append(f"{len(self.related)} related hunk(s) ({'; '.join(heads)}) via {', '.join(self.names)}")
        if self.base:
            parts.append(f"{len(self.base)} line(s) of the repository at base")
        return ", ".join(parts)


def identifiers(text: str, python: bool) -> list[str]:
    """The names in one line of code, strings and comments left out (Python read by ``tokenize``;
    other languages: words outside quotes)."""
    if python:
        try:
            return [t.string for t in tokenize.generate_tokens(io.StringIO(text.strip() + "\n").readline)
                    if t.type == tokenize.NAME]
        except (tokenize.TokenError, IndentationError, SyntaxError):
            pass
    bare = re.sub(r"(\"[^\"]*\"|'[^']*'|#.*$|//.*$)", " ", text)
    return _WORD.findall(bare)


def interesting(name: str) -> bool:
    """A name specific enough to tie code together (not `self`, `data`, a builtin, a keyword)."""
    return len(name) >= 3 and name.lower() not in _COMMON and not name.isupper() or len(name) >= 6


def touched_names(path: str, hunk: Hunk) -> set[str]:
    """The names this hunk's changed lines use, define or remove."""
    python = language_of(path) == "python"
    return {n for x in hunk.lines if x.changed for n in identifiers(x.text, python) if interesting(n)}


def defined_names(path: str, hunk: Hunk) -> set[str]:
    """The names a hunk's changed lines define (``def``/``class``/an assignment), either side."""
    out = set()
    for x in hunk.lines:
        if x.changed and (m := _DEFINES.match(x.text)):
            out.add(m.group(1) or m.group(2))
    return out


def _render_hunk(path: str, hunk: Hunk, budget: int) -> str:
    head = f"{path}" + (f" ({hunk.section.strip()})" if hunk.section.strip() else "") + ":"
    body: list[str] = []
    used = estimate_tokens(head)
    for x in hunk.lines:
        if not x.changed or not x.text.strip():
            continue
        line = f"{x.kind}{x.text.rstrip()}"
        cost = estimate_tokens(line)
        if used + cost > budget:
            body.append(" ...")
            break
        body.append(line)
        used += cost
    return "\n".join([head, *body])


def _clip(text: str, tokens: int) -> str:
    if estimate_tokens(text) <= tokens:
        return text
    return text[: tokens * 3].rsplit(" ", 1)[0] + " ..."


class ContextOfHunks:
    """What a context source answers, once per (file, hunks): a chunk's or a hunk's context."""

    _memo: dict[tuple[str, tuple[int, ...]], HunkContext]

    def for_chunk(self, path: str, hunks: Sequence[Hunk]) -> HunkContext:
        return self._memoized(path, tuple(hunks))

    def for_hunk(self, path: str, hunk: Hunk) -> HunkContext:
        return self._memoized(path, (hunk,))

    def _memoized(self, path: str, hunks: tuple[Hunk, ...]) -> HunkContext:
        key = (path, tuple(id(h) for h in hunks))
        if key not in self._memo:
            self._memo[key] = self._context(path, hunks)
        return self._memo[key]

    def _context(self, path: str, hunks: tuple[Hunk, ...]) -> HunkContext:
        raise NotImplementedError


class PullRequestContext(ContextOfHunks):
    """Built once per review from the whole diff (every file, the unreviewed ones too)."""

    def __init__(self, files: Sequence[FileDiff], pr: PullRequest | None, *, intent: bool = True,
                 related: bool = True) -> None:
        self.files = list(files)
        self.pr = pr
        self.use_intent = intent
        self.use_related = related
        self._memo: dict[tuple[str, tuple[int, ...]], HunkContext] = {}

    @cached_property
    def intent(self) -> str:
        if not self.use_intent:
            return ""
        lines = []
        if self.pr is not None and self.pr.title.strip():
            lines.append(f"Title: {' '.join(self.pr.title.split())}")
        if self.pr is not None and self.pr.body.strip():
            first = " ".join(self.pr.body.strip().split("\n\n", 1)[0].split())
            lines.append(f"Description: {first}")
        news = [x.text.strip() for f in self.files if is_changelog(f.path)
                for h in f.hunks for x in h.lines if x.kind == "+" and x.text.strip().strip("-=~*#")]
        if news:
            lines.append("Changelog lines it adds: " + " / ".join(news))
        return _clip("\n".join(lines), INTENT_TOKENS)

    @cached_property
    def _hunks(self) -> list[tuple[str, Hunk, set[str], set[str]]]:
        return [(f.path, h, touched_names(f.path, h), defined_names(f.path, h))
                for f in self.files if not is_changelog(f.path) for h in f.hunks]

    def _context(self, path: str, hunks: tuple[Hunk, ...]) -> HunkContext:
        """A chunk's context: the PR's other hunks that share names with any of its hunks."""
        return self._build(path, hunks)

    def _ranked(self, path: str, hunks: tuple[Hunk, ...]) -> list[tuple[int, str, int, Hunk, list[str]]]:
        """The PR's other hunks (not ``hunks``) that share names with ``hunks``, best first."""
        own, starts = {id(h) for h in hunks}, {h.new_start for h in hunks}
        names = set().union(*(touched_names(path, h) for h in hunks))
        scored = []
        for other_path, other, touched, defined in self._hunks:
            if id(other) in own or (other_path == path and other.new_start in starts):
                continue
            shared = names & touched
            if not shared:
                continue
            # a hunk that defines a shared name explains it best; then the tests changed with it
            score = 3 * len(shared & defined) + len(shared) + (1 if is_test_path(other_path) else 0)
            scored.append((-score, other_path, other.new_start, other, sorted(shared)))
        scored.sort(key=lambda s: s[:3])
        return scored

    def _build(self, path: str, hunks: tuple[Hunk, ...]) -> HunkContext:
        related: list[str] = []
        tied: list[str] = []
        if self.use_related:
            budget = RELATED_TOKENS
            for _, other_path, _, other, shared in self._ranked(path, hunks)[:MAX_RELATED]:
                text = _render_hunk(other_path, other, min(budget, RELATED_TOKENS // 2))
                cost = estimate_tokens(text)
                if cost > budget:
                    break
                related.append(text)
                tied.extend(n for n in shared if n not in tied)
                budget -= cost
        return HunkContext(self.intent, tuple(related), tuple(tied[:6]))
