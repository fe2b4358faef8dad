"""The style guide of one review: general sections (the system prompt, the same for every
chunk), path-specific rule sets (the prompt of a chunk whose path they match) and the
PR-level sections (checked once per pull request, never sent with the code).

When the rules are longer than their token budget, the sections that mention a language of
the change are kept first, then the ones that mention no language, then the rest; what was
left out is listed with the sources, so the report says so.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..review.chunk import estimate_tokens

from ..diff.files import language_of
from .applyto import applies
from .sections import Section

# the share of the context the general rules may take; path rules get half of that again
STYLE_SHARE = 4

# sections about the pull request or the commits rather than the code
_PR_TITLE = re.compile(r"\b(pull[ -]requests?|PRs?|commits?|branch(?:es)?|merg(?:e|ing)|releases?)\b", re.I)

_FAMILY = {"c": "c", "cpp": "c", "cuda": "c", "metal": "c", "objective-c": "c", "python": "python",
           "rust": "rust", "go": "go", "javascript": "js", "typescript": "js", "shell": "shell",
           "cmake": "cmake", "java": "java", "kotlin": "java", "swift": "swift", "ruby": "ruby",
           "php": "php", "csharp": "csharp"}
# how a rule says which language it is about (deliberately cautious: unmarked rules are general)
_MENTIONS = {
    "c": re.compile(r"\bC\+\+|\bC/C\+\+|\bC\b(?![#+])|(?i:\bcpp\b|\bSTL\b|\bclang(?:-format|-tidy)?\b|\bCUDA\b"
                    r"|\bheaders?\b|\.(?:h|c|cpp|hpp|cc|cu)\b|\bpointers?\b|\btypedef\b|\bstructs?\b|\bggml\b)"),
    "python": re.compile(r"(?i:\bpython\b|\bPEP ?8\b|\bpytest\b|\.pyi?\b|\bdocstrings?\b|\btype hints?\b|\bmypy\b"
                         r"|\bruff\b|\bflake8\b|\bpip\b)"),
    "rust": re.compile(r"(?i:\brust\b|\bcargo\b|\bclippy\b|\.rs\b)"),
    "go": re.compile(r"\bGo\b|\bGolang\b|(?i:\bgofmt\b|\.go\b)"),
    "js": re.compile(r"(?i:\bjavascript\b|\btypescript\b|\bnode(?:\.js)?\b|\bnpm\b|\beslint\b|\.[jt]sx?\b)"),
    "shell": re.compile(r"(?i:\bshell\b|\bbash\b|\.sh\b)"),
    "cmake": re.compile(r"\bCMake\b"),
    "java": re.compile(r"\bJava\b|\bKotlin\b"),
    "swift": re.compile(r"\bSwift\b"),
    "ruby": re.compile(r"\bRuby\b"),
    "php": re.compile(r"\bPHP\b"),
    "csharp": re.compile(r"\bC#|\.NET\b"),
}


def language_family(language: str) -> str | None:
    return _FAMILY.get(language)


def mentioned_families(section: Section) -> set[str]:
    text = f"{section.title}\n{section.text}"
    return {family for family, pattern in _MENTIONS.items() if pattern.search(text)}


def is_pr_section(section: Section) -> bool:
    return any(_PR_TITLE.search(t) for t in section.titles)


@dataclass(frozen=True)
class PathRules:
    """Rules for the files that ``globs`` match (``applyTo``, or a nested ``AGENTS.md``)."""

    source: str
    globs: tuple[str, ...]
    sections: tuple[Section, ...]

    def matches(self, path: str) -> bool:
        return applies(self.globs, path)


def render(sections: Sequence[Section], *, labelled: bool = True) -> str:
    """Sections as the model reads them: each under its citation label in brackets."""
    parts = []
    for s in sections:
        parts.append(f"## [{s.label}]\n{s.text.strip()}" if labelled else s.text.strip())
    return "\n\n".join(parts)


@dataclass(frozen=True)
class StyleGuide:
    sections: tuple[Section, ...] = ()
    path_rules: tuple[PathRules, ...] = ()
    pr_sections: tuple[Section, ...] = ()
    sources: tuple[str, ...] = ()
    left_out: tuple[str, ...] = ()  # labels of sections dropped to fit the budget

    @classmethod
    def from_text(cls, text: str, source: str) -> StyleGuide:
        """One unstructured text (the default guide, or a ``style: str`` from an older caller)."""
        text = text.strip()
        return cls((Section(source, (), text),) if text else (), sources=(source,))

    @property
    def text(self) -> str:
        """The general rules for the system prompt. A guide that is one untitled text (the
        default guide) is given as it is; anything else is labelled for citation."""
        plain = len(self.sections) == 1 and not self.sections[0].titles and len(self.sources) <= 1
        return render(self.sections, labelled=not plain)

    def report_sources(self) -> tuple[str, ...]:
        if not self.left_out:
            return self.sources
        return (*self.sources, f"left out to fit the style budget: {', '.join(self.left_out)}")

    def rules_for(self, path: str) -> tuple[Section, ...]:
        return tuple(s for rules in self.path_rules if rules.matches(path) for s in rules.sections)

    def path_text(self, path: str, budget: int | None = None) -> str:
        """The path-specific rules for one file (the chunk prompt), at most ``budget`` tokens."""
        sections = self.rules_for(path)
        if budget is not None:
            sections, _ = fit_sections(sections, budget, [language_of(path)])
        return render(sections)

    def fitted(self, budget: int, languages: Iterable[str]) -> StyleGuide:
        """The guide with its general sections cut to ``budget`` tokens for a change in ``languages``."""
        kept, dropped = fit_sections(self.sections, budget, languages)
        if not dropped:
            return self
        return dataclasses.replace(self, sections=tuple(kept), left_out=(*self.left_out, *(s.label for s in dropped)))


def fit_sections(sections: Sequence[Section], budget: int,
                 languages: Iterable[str]) -> tuple[list[Section], list[Section]]:
    """The sections that fit in ``budget`` tokens, in their order, and the ones left out.
    When all do not fit, they are taken in this order while they fit: those that mention a
    language of the change, then those that mention no language, then the rest (earlier
    sections first within each group)."""
    sections = list(sections)
    if estimate_tokens(render(sections)) <= budget:
        return sections, []
    families = {f for f in (language_family(x) for x in languages) if f}

    def rank(i: int) -> tuple[int, int]:
        mentioned = mentioned_families(sections[i])
        return (0 if mentioned & families else 1 if not mentioned else 2), i

    chosen: set[int] = set()
    left = budget
    for i in sorted(range(len(sections)), key=rank):
        cost = estimate_tokens(render([sections[i]])) + 1  # and the blank line between sections
        if cost <= left:
            chosen.add(i)
            left -= cost
    kept = [s for i, s in enumerate(sections) if i in chosen]
    return kept, [s for i, s in enumerate(sections) if i not in chosen]
