"""Jinja2 templates, rendered in a sandbox: PR text is untrusted input to them.

The default templates live in ``templates/`` (shipped inside the wheel as
``reviewer/templates``); a user's template directory, when configured, overrides files
of the same name. Templates are only ever read from the installed package or from a
path the user configured, never from a pull request.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Sequence
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from .errors import ConfigError
from .sanitize import code_span, neutralise_mentions
from .types import Chunk, DiffLine, Hunk, PullRequest

TEMPLATE_NAMES = ("system.j2", "chunk.j2", "summary.j2", "report.md.j2", "style.md")


def default_template_dir() -> Path:
    here = Path(__file__).resolve().parent
    for candidate in (here / "templates", here.parent / "templates"):
        if (candidate / "system.j2").is_file():
            return candidate
    raise ConfigError(f"the default templates are missing (looked in {here / 'templates'})")


@dataclass(frozen=True)
class NumberedLine:
    number: int
    marker: str
    text: str


def hunk_view(hunk: Hunk) -> dict[str, Any]:
    """PR-Agent's layout: new-file numbers on added and context lines (``__new hunk__``),
    old-file numbers on removed lines (``__old hunk__``), so no number is ambiguous."""
    new = [NumberedLine(x.new_line, "+" if x.kind == "+" else " ", x.text) for x in hunk.lines if x.new_line is not None]
    old = [NumberedLine(x.old_line, "-", x.text) for x in hunk.lines if x.kind == "-" and x.old_line is not None]
    return {
        "old_start": hunk.old_start,
        "old_count": hunk.old_count,
        "new_start": hunk.new_start,
        "new_count": hunk.new_count,
        "section": hunk.section,
        "new": new,
        "old": old,
    }


class Templates:
    def __init__(self, override_dir: Path | None = None):
        dirs = [str(override_dir)] if override_dir else []
        dirs.append(str(default_template_dir()))
        self.dirs = tuple(dirs)
        self._guidance: dict[str, str] = {}
        self.env = ImmutableSandboxedEnvironment(
            loader=FileSystemLoader(dirs),
            undefined=StrictUndefined,
            autoescape=False,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        # for the reports: file paths and the PR's title are the PR author's text
        self.env.filters["code"] = code_span
        self.env.filters["no_mentions"] = neutralise_mentions

    def render(self, name: str, **context: Any) -> str:
        try:
            return self.env.get_template(name).render(**context)
        except TemplateError as exc:
            raise ConfigError(f"template {name}: {exc}") from None

    def source(self, name: str) -> str:
        for d in self.dirs:
            path = Path(d) / name
            if path.is_file():
                return path.read_text(encoding="utf-8")
        raise ConfigError(f"template {name} not found in {', '.join(self.dirs)}")

    def fingerprint(self) -> str:
        """Hash of the templates that shape the model's answer (part of the cache key)."""
        digest = hashlib.sha256()
        for name in ("system.j2", "chunk.j2"):
            digest.update(name.encode() + b"\0" + self.source(name).encode() + b"\0")
        return digest.hexdigest()

    def guidance(self, language: str) -> str:
        """templates/guidance/LANGUAGE.md (a user's template directory first), or "". Read once
        per language: the judge asks for it on every verdict."""
        if language not in self._guidance:
            text = ""
            if language.replace("-", "").isalnum():
                try:
                    text = self.source(f"guidance/{language}.md")
                except ConfigError:
                    pass
            self._guidance[language] = text
        return self._guidance[language]

    def default_style(self) -> str:
        return self.source("style.md")

    def system_prompt(self, style: str, pr: PullRequest | None) -> str:
        return self.render("system.j2", style=style.strip(), pr=pr).strip() + "\n"

    def chunk_prompt(self, chunk: Chunk, rules: str = "", window: Sequence[Chunk] = ()) -> str:
        """``rules``: the style rules for this chunk's path only (empty: the prompt is unchanged).
        ``window``: the chunks of the file reviewed together with this one (chunk.file_windows):
        their whole listing comes first, the same for each of them, and the part to review last."""
        hunks = [hunk_view(h) for h in chunk.hunks]
        if len(window) > 1:
            view = {"hunks": [hunk_view(h) for c in window for h in c.hunks], "count": len(window),
                    "index": 1 + [c.id for c in window].index(chunk.id)}
            return self.render("chunk_window.j2", chunk=chunk, hunks=hunks, rules=rules.strip(),
                               window=view).strip("\n") + "\n"
        return self.render("chunk.j2", chunk=chunk, hunks=hunks, rules=rules.strip()).strip("\n") + "\n"


def numbered(line: DiffLine) -> str:
    return f"{line.line:>5} {line.kind}{line.text}"
