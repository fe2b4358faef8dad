"""What a changed file is, by its path alone: source, test, documentation, a dependency list.

Mining keeps commits that change one to three source files; a commit whose files are all tests,
all documentation or all dependency lists is not a bug fix the review could be measured on.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence

from ...diff.files import DEFAULT_IGNORE, language_of, matches

# languages whose files are code a review reads (chunk.LANGUAGES); markup, data and build files
# are not
CODE_LANGUAGES = frozenset({
    "python", "c", "cpp", "cuda", "objective-c", "metal", "rust", "go", "javascript", "typescript",
    "java", "kotlin", "swift", "ruby", "php", "csharp", "shell",
})

TEST_DIRS = frozenset({"test", "tests", "testing", "__tests__", "spec", "specs", "testdata", "test_data"})
_TEST_NAME = re.compile(r"^(test_.*|.*_tests?\.[^.]+|.*\.(test|spec)\.[^.]+|conftest\.py|tests?\.[^.]+)$", re.I)

DOC_DIRS = frozenset({"doc", "docs", "documentation", "man"})
DOC_SUFFIXES = frozenset({".md", ".rst", ".txt", ".adoc", ".asciidoc", ".texi", ".1"})
_DOC_NAME = re.compile(r"^(readme|changes|changelog|history|news|license|licence|authors|contributing|"
                       r"contributors|notice|copying|code_of_conduct|security)([._-].*)?$", re.I)

_DEPENDENCY_NAME = re.compile(
    r"^(requirements.*\.(txt|in)|constraints.*\.txt|pipfile(\.lock)?|poetry\.lock|uv\.lock|pdm\.lock|"
    r"package(-lock)?\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|go\.(mod|sum)|cargo\.(toml|lock)|"
    r"gemfile(\.lock)?|composer\.(json|lock)|.*\.lock|environment\.ya?ml|vcpkg\.json|conanfile\.(txt|py))$",
    re.I,
)


# build and packaging scripts: code, but not what a review of the project's logic is about
BUILD_SCRIPTS = frozenset({"setup.py", "noxfile.py", "fabfile.py", "build.rs"})

_HASH_COMMENTS = frozenset({"python", "shell", "ruby"})


def is_comment(path: str, text: str) -> bool:
    """A line that is a comment and nothing else (``#`` or ``//``, ``/* ... */`` lines)."""
    stripped = text.strip()
    if language_of(path) in _HASH_COMMENTS:
        return stripped.startswith("#")
    return stripped.startswith(("//", "/*", "*/", "* ")) or stripped == "*"


def _parts(path: str) -> list[str]:
    return [p.lower() for p in path.split("/")[:-1]]


def is_test(path: str) -> bool:
    return any(p in TEST_DIRS or p.startswith("test_") for p in _parts(path)) or bool(
        _TEST_NAME.match(posixpath.basename(path)))


def is_dependency(path: str) -> bool:
    return bool(_DEPENDENCY_NAME.match(posixpath.basename(path)))


def is_doc(path: str) -> bool:
    name = posixpath.basename(path)
    if is_dependency(path) or name == "CMakeLists.txt":
        return False
    suffix = posixpath.splitext(name)[1].lower()
    return suffix in DOC_SUFFIXES or bool(_DOC_NAME.match(name)) or any(p in DOC_DIRS for p in _parts(path))


def is_source(path: str, ignore: Sequence[str] = ()) -> bool:
    """Code a review reads: a programming language, not a test, not under docs/, not a file the
    review skips anyway (lockfiles, vendored and generated code, the project's ``ignore``)."""
    if language_of(path) not in CODE_LANGUAGES or is_test(path) or is_doc(path):
        return False
    if posixpath.basename(path) in BUILD_SCRIPTS:
        return False
    return not any(matches(path, pattern) for pattern in (*DEFAULT_IGNORE, *ignore))
