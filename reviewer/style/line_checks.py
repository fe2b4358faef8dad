"""Rules about the text of a line, checked on the added lines without the model.

A small model reading a style guide does not see that `int numThreads` breaks "use snake_case"
or that `ggml_tensor* t` breaks "`void * ptr`": it comments on every line or on none (measured in
docs/quality.md). These rules are lexical, so a check finds them exactly. A check runs only
when a rule of the style guide states it (recognised from the rule's own words and examples,
as pr_checks does for PR rules), only on the languages it understands (C, C++, CUDA), and its
comment quotes the rule and cites its section:

- pointer and reference spacing, from an example such as `void * ptr` / `int & a` (or `T *p`,
  `T* p`): a declaration spaced otherwise;
- braces on the same line ("brackets on the same line"): a `{` alone on the line after an
  `if`/`for`/function header;
- the optional `struct` / `enum` keyword in C++ ("omit optional `struct` ... keyword"):
  `struct foo * p` used as a type;
- `snake_case` names: a camelCase or PascalCase name declared on an added line;
- a preferred prefix ("prefer the `n_` prefix over `num_`"): a declared name with the other one.

Names that the change did not introduce (they appear on a context or removed line) are not the
author's choice and are left alone; each name is reported once, where it is first declared.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from ..diff.files import language_of
from ..types import Comment, DiffLine, FileDiff
from .pr_checks import rule_lines
from .sections import Section

C_FAMILY = {"c", "cpp", "cuda"}
CPP = {"cpp", "cuda"}

_KEYWORDS = {
    "return", "else", "case", "goto", "new", "delete", "throw", "sizeof", "typedef", "using", "namespace",
    "co_return", "co_yield", "co_await", "operator", "template", "typename", "decltype", "alignof", "static_assert",
    "if", "for", "while", "switch", "do", "define", "include", "and", "or", "not", "public", "private", "protected",
}
_IDENT = r"[A-Za-z_]\w*"
# a declaration: at the start of a statement, after `(`/`,` or a qualifier, a type word (not a
# keyword), */& or spaces, the declared name, then what may follow a declared name
_QUALIFIERS = r"const|static|inline|extern|volatile|unsigned|signed|constexpr|mutable|register|struct|enum"
_DECL = re.compile(rf"(?:^|[(,;{{]|\b(?:{_QUALIFIERS})\b)\s*({_IDENT})(\s*[*&]+\s*|\s+)(?:const\s+)?({_IDENT})"
                   rf"\s*(?=[=;,)\[({{]|:(?!:)|$)")
_CAMEL = re.compile(r"^(?:[a-z][a-z0-9]*[A-Z]\w*|[A-Z][a-z0-9]+[A-Z]\w*)$")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'')
_BLOCK_COMMENT = re.compile(r"/\*.*?\*/")
_EXAMPLE = re.compile(r"`([^`\n]+)`")
_POINTER_EXAMPLE = re.compile(rf"^(?:const\s+)?{_IDENT}(\s*)([*&])(\s*){_IDENT}$")
_BRACES = re.compile(r"\b(brackets|braces)\b[^.]*\bsame line\b", re.I)
_OMIT_KEYWORD = re.compile(r"\bomit\b[^.]*\boptional\b[^.]*\bkeywords?\b", re.I)
_SNAKE = re.compile(r"\bsnake_case\b[^.]*\b(functions?|variables?|types?)\b", re.I)
_PREFIX = re.compile(r"\bprefer\b[^.]*?`(\w+)`\s*(?:prefix\s+)?over\s+(?:the\s+)?`(\w+)`", re.I)
_HEADER = re.compile(r"^\s*(?:\}\s*)?(?:if|for|while|switch|else\b|do\b|catch|struct|class|enum|union|namespace)\b|\)\s*(?:const\s*)?(?:override\s*)?$")


@dataclass(frozen=True)
class Rule:
    kind: str  # pointer, braces, keyword, snake_case, prefix
    label: str  # the section, as a comment cites it
    text: str  # the rule's words, quoted in the comment
    params: tuple[str, ...] = ()


def find_rules(sections: Iterable[Section]) -> list[Rule]:
    """The checkable rules the style guide states (at most one of each kind)."""
    found: dict[str, Rule] = {}
    for section, line in rule_lines(sections):
        quote = line if len(line) <= 160 else line[:157] + "..."
        for example in _EXAMPLE.findall(line):
            m = _POINTER_EXAMPLE.match(example.strip())
            if m and "pointer" not in found:
                found["pointer"] = Rule("pointer", section.label, quote, (m.group(1), m.group(3)))
        if _BRACES.search(line) and "own line" not in line.lower():
            found.setdefault("braces", Rule("braces", section.label, quote))
        if _OMIT_KEYWORD.search(line):
            keywords = tuple(k for k in ("struct", "enum") if re.search(rf"`?\b{k}\b`?", line))
            if keywords:
                found.setdefault("keyword", Rule("keyword", section.label, quote, keywords))
        if _SNAKE.search(line):
            found.setdefault("snake_case", Rule("snake_case", section.label, quote))
        m = _PREFIX.search(line)
        if m:
            found.setdefault("prefix", Rule("prefix", section.label, quote, (m.group(1), m.group(2))))
    return list(found.values())


def code_of(text: str) -> str:
    """The line without its string literals and comments (a `//` tail, `/* */` spans)."""
    text = _STRING.sub('""', text)
    text = _BLOCK_COMMENT.sub(" ", text)
    cut = text.find("//")
    if cut >= 0:
        text = text[:cut]
    stripped = text.lstrip()
    if stripped.startswith(("*", "/*", "#")):
        return ""  # a comment's continuation or a preprocessor line
    return text


def check_files(files: Sequence[FileDiff], rules_for: Callable[[str], Sequence[Rule]]) -> list[Comment]:
    """The comments of the checkable rules (``rules_for(path)``) on the added lines of ``files``."""
    comments: list[Comment] = []
    for f in files:
        language = language_of(f.path)
        rules = rules_for(f.path) if language in C_FAMILY else ()
        if not rules:
            continue
        existing = _existing_names(f)
        reported: set[str] = set()
        for hunk in f.hunks:
            previous = ""
            for line in hunk.lines:
                code = code_of(line.text)
                if line.kind == "+":
                    for rule in rules:
                        comments.extend(_check(rule, f.path, language, line, code, previous, existing, reported))
                if line.kind != "-" and code.strip():
                    previous = code
    return comments


def _existing_names(f: FileDiff) -> set[str]:
    names: set[str] = set()
    for hunk in f.hunks:
        for line in hunk.lines:
            if line.kind != "+":
                names.update(re.findall(_IDENT, code_of(line.text)))
    return names


def _comment(path: str, line: DiffLine, rule: Rule, what: str, suggestion: str | None = None) -> Comment:
    body = f"[{rule.label}] {what} The rule: \"{rule.text}\""
    return Comment(path, line.line, line.side, "warning", body, None, suggestion)


def _declarations(code: str) -> Iterable[re.Match[str]]:
    for m in _DECL.finditer(code):
        if m.group(1) not in _KEYWORDS and m.group(3) not in _KEYWORDS:
            yield m


def _check(rule: Rule, path: str, language: str, line: DiffLine, code: str, previous: str,
           existing: set[str], reported: set[str]) -> list[Comment]:
    if not code.strip():
        return []
    if rule.kind == "pointer":
        return _check_pointer(rule, path, line, code)
    if rule.kind == "braces":
        if code.strip() == "{" and _HEADER.search(previous):
            return [_comment(path, line, rule, "The opening brace belongs at the end of the line above.")]
        return []
    if rule.kind == "keyword":
        if language not in CPP:
            return []
        for keyword in rule.params:
            m = re.search(rf"\b{keyword}\s+({_IDENT})\b\s*(?:[*&]|{_IDENT}\b\s*[=;,)\[])", code)
            if m:
                fixed = line.text.replace(f"{keyword} {m.group(1)}", m.group(1), 1)
                return [_comment(path, line, rule, f"In C++ the `{keyword}` keyword is not needed here: write "
                                 f"`{m.group(1)}`, not `{keyword} {m.group(1)}`.",
                                 fixed if fixed != line.text else None)]
        return []
    out = []
    for m in _declarations(code):
        name = m.group(3)
        if name in existing or name in reported:
            continue
        if rule.kind == "snake_case" and _CAMEL.match(name):
            reported.add(name)
            out.append(_comment(path, line, rule, f"`{name}` is not snake_case: `{snake(name)}`."))
        elif rule.kind == "prefix" and name.startswith(rule.params[1]) and len(name) > len(rule.params[1]):
            reported.add(name)
            better = rule.params[0] + name[len(rule.params[1]):]
            out.append(_comment(path, line, rule, f"`{name}`: prefer `{better}`."))
    return out


def _check_pointer(rule: Rule, path: str, line: DiffLine, code: str) -> list[Comment]:
    """Only a spacing on one side is judged: `a * b` and `a*b` may be a multiplication."""
    before, after = rule.params
    for m in _declarations(code):
        spacing = m.group(2)
        star = spacing.strip()
        if not star:
            continue
        left, right = bool(spacing[: spacing.index(star)]), bool(spacing[spacing.index(star) + len(star):])
        if left != right and (left, right) != (bool(before), bool(after)):
            want = f"{m.group(1)}{' ' if before else ''}{star}{' ' if after else ''}{m.group(3)}"
            return [_comment(path, line, rule, f"Write `{want}`, not `{m.group(1)}{spacing}{m.group(3)}`.")]
    return []


def snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()
