"""The maintainer's style: the rules the review enforces, from trusted files only.

Where the rules come from, first match wins:

1. ``--style FILE`` (repeatable) or ``style = [...]`` in the config: these files, and nothing
   discovered (explicit replaces discovery);
2. discovery in the trusted checkout (``discover.py``), unless ``discover_style = false``;
3. the default guide, ``templates/style.md``.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import ConfigError
from ..prompt import Templates
from .discover import MAX_STYLE_BYTES, DirectoryRoot, GitRefRoot, StyleRoot, _Found, add_file, discover
from .guide import STYLE_SHARE, PathRules, StyleGuide, fit_sections, render
from .sections import Section, parse_sections

__all__ = [
    "MAX_STYLE_BYTES", "STYLE_SHARE", "DirectoryRoot", "GitRefRoot", "PathRules", "Section", "StyleGuide",
    "StyleRoot", "default_guide", "discover", "fit_sections", "guide_from_files", "load_style", "parse_sections",
    "read_style_file", "render",
]

DEFAULT_SOURCE = "templates/style.md (default)"


def read_style_file(path: Path) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"style file not found: {path}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read style file {path}: {exc.strerror}") from None
    if len(data) > MAX_STYLE_BYTES:
        raise ConfigError(f"style file {path} is larger than {MAX_STYLE_BYTES >> 10} KiB")
    return data.decode("utf-8", errors="replace")


def _citation_name(name: str) -> str:
    """A configured path as comments cite it: relative paths as written, others by file name."""
    path = Path(name)
    if path.is_absolute() or ".." in path.parts or name.startswith("~"):
        return path.name
    return path.as_posix()


def guide_from_files(paths: tuple[str, ...], base: Path | None = None) -> StyleGuide:
    """The configured style files, in order (an ``applyTo`` front matter makes a file path-specific)."""
    found = _Found([], [], [], [])
    for name in paths:
        path = Path(name).expanduser()
        if base is not None and not path.is_absolute():
            path = base / path
        before = len(found.sources)
        add_file(found, _citation_name(name), read_style_file(path))
        if len(found.sources) > before:
            found.sources[-1] = found.sources[-1].replace(_citation_name(name), name, 1)
    return StyleGuide(tuple(found.general), tuple(found.path_rules), tuple(found.pr), tuple(found.sources))


def default_guide(templates: Templates) -> StyleGuide:
    return StyleGuide.from_text(templates.default_style(), DEFAULT_SOURCE)


def load_style(paths: tuple[str, ...], templates: Templates, base: Path | None = None,
               root: StyleRoot | None = None) -> StyleGuide:
    """The configured style files; else what ``root`` holds (when given); else the default guide."""
    if paths:
        return guide_from_files(paths, base)
    if root is not None:
        found = discover(root)
        if found is not None and (found.sections or found.path_rules or found.pr_sections):
            return found
        if found is not None:  # only skipped files: say so, and use the default
            default = default_guide(templates)
            return StyleGuide(default.sections, sources=(*found.sources, *default.sources))
    return default_guide(templates)
