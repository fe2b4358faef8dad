"""Rules about the pull request rather than the code, checked once per PR without the model.

A check runs only when a rule of the style guide states it, and its result cites that rule:

- title format: a rule that mentions PR titles and gives a pattern in backticks with
  placeholders, e.g. ggml's "PR and commit titles format: `<module> : <title>`";
- description: a rule that mentions the PR's description; fails on an empty one (a PR
  template left as HTML comments counts as empty);
- tests: a rule that asks for tests with changes ("New behaviour comes with a test"); fails
  when code changed and no test file did.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Sequence

from ..diff.files import is_test_path, language_of
from ..types import FileDiff, PRCheck, PullRequest
from .guide import StyleGuide
from .sections import Section, strip_comments

_PR = re.compile(r"\b(PRs?|pull[ -]requests?)\b", re.I)
_TITLE = re.compile(r"\btitles?\b", re.I)
_TEMPLATE = re.compile(r"`([^`\n]*<[A-Za-z][\w -]*>[^`\n]*)`")
_PLACEHOLDER = re.compile(r"<[A-Za-z][\w -]*>")
_DESCRIPTION = re.compile(r"\bdescription\b", re.I)
_TESTS = re.compile(r"\btests?\b", re.I)
_ASKS_FOR_TESTS = re.compile(r"\b(new|adds?|added|adding|comes?|include[sd]?|alongside|with|cover(?:s|ed)?|"
                             r"requires?|required|must|should|need(?:s|ed)?)\b", re.I)
CODE_LANGUAGES = {"python", "c", "cpp", "cuda", "objective-c", "metal", "rust", "go", "javascript", "typescript",
                  "java", "kotlin", "swift", "ruby", "php", "csharp", "shell"}


def rule_lines(sections: Iterable[Section]) -> list[tuple[Section, str]]:
    """Each rule (a list item with its wrapped lines, or a paragraph line) with its section."""
    out: list[tuple[Section, str]] = []
    for section in sections:
        in_fence = False
        for line in section.text.splitlines():
            if line.lstrip().startswith(("```", "~~~")):
                in_fence = not in_fence
                continue
            if not in_fence and line.strip():
                out.append((section, line.strip().lstrip("-*+ ").strip()))
    return out


def title_regex(template: str) -> re.Pattern[str]:
    """``<module> : <title>`` -> each placeholder is some non-blank text, the rest is literal."""
    parts = _PLACEHOLDER.split(template.strip())
    return re.compile(r"\s*" + r"\S.*?".join(re.escape(p) for p in parts) + r"\s*\Z", re.S)


def is_code_path(path: str) -> bool:
    return language_of(path) in CODE_LANGUAGES and not posixpath.basename(path).startswith(".")


def check_pr(pr: PullRequest | None, files: Sequence[FileDiff], guide: StyleGuide) -> list[PRCheck]:
    """The failed PR-level rules (an empty list when every stated rule holds or none is stated)."""
    if pr is None:
        return []
    rules = rule_lines((*guide.sections, *guide.pr_sections))
    checks: list[PRCheck] = []

    for section, line in rules:
        m = _TEMPLATE.search(line)
        if m and _TITLE.search(line) and _PR.search(line):
            if not title_regex(m.group(1)).match(pr.title):
                checks.append(PRCheck("title", f"the title does not follow the format `{m.group(1)}`",
                                      section.label, line))
            break

    described = next(((s, x) for s, x in rules if _DESCRIPTION.search(x) and _PR.search(x)), None)
    if described and not strip_comments(pr.body or "").strip():
        checks.append(PRCheck("description", "the pull request has no description", described[0].label,
                              described[1]))

    tests_rule = next(((s, x) for s, x in rules if _TESTS.search(x) and _ASKS_FOR_TESTS.search(x)), None)
    if tests_rule:
        code = [f.path for f in files if f.added > 0 and is_code_path(f.path) and not is_test_path(f.path)]
        if code and not any(is_test_path(f.path) for f in files):
            shown = ", ".join(f"`{p}`" for p in code[:3]) + (f" and {len(code) - 3} more" if len(code) > 3 else "")
            checks.append(PRCheck("tests", f"code changed ({shown}) but no test was added or changed",
                                  tests_rule[0].label, tests_rule[1]))
    return checks
