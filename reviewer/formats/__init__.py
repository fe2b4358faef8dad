"""Report formats, registered by name: a new format is one entry in ``FORMATS`` and one module.

Each entry names the function that renders a ``Review`` (``module:function`` in this package,
imported when the format is used), so the settings can list the names without importing any
renderer. ``config.CHOICES["format"]`` and the ``--format`` flag are this registry's names.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ..prompt import Templates
    from ..style import StyleGuide
    from ..types import Review


@dataclass(frozen=True)
class ReportFormat:
    name: str
    renderer: str  # "module:function" in this package
    help: str


FORMATS: dict[str, ReportFormat] = {f.name: f for f in (
    ReportFormat("markdown", "markdown:render", "for people (the default)"),
    ReportFormat("json", "json_report:render", "the review as one JSON object (README: The JSON report)"),
    ReportFormat("sarif", "sarif:render", "SARIF 2.1.0, for GitHub code scanning's upload-sarif"),
    ReportFormat("rdjson", "rdjson:render", "reviewdog's Diagnostic Format (one DiagnosticResult)"),
    ReportFormat("rdjsonl", "rdjson:render_lines", "reviewdog's Diagnostic Format, one Diagnostic a line"),
)}
FORMAT_NAMES: tuple[str, ...] = tuple(FORMATS)


@dataclass(frozen=True)
class ReportContext:
    """What a format may need besides the review: the templates (markdown), the reviewed diff
    (the line text SARIF fingerprints hash) and the style guide (the cited rules' text)."""

    templates: Templates | None = None
    diff_text: str = ""
    style: StyleGuide | None = None


class Renderer(Protocol):
    def __call__(self, review: Review, context: ReportContext) -> str: ...


def renderer(name: str) -> Renderer:
    fmt = FORMATS[name]  # the settings only let registered names through
    module, function = fmt.renderer.split(":")
    return getattr(importlib.import_module(f"{__name__}.{module}"), function)


def render(review: Review, name: str, context: ReportContext | None = None) -> str:
    return renderer(name)(review, context or ReportContext())
