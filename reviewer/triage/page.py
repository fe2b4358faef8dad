"""The review page: each file's diff with its drafts inline, rendered by Jinja2 with autoescape
on (templates/triage/page.html.j2), in a sandbox, from the package's own templates only.

Everything the PR and the model wrote (paths, code, bodies, suggestions, the judge's reasons)
reaches the page as escaped text; the page's script (triage.js) sets text with ``textContent``
only. The page loads nothing from another host.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ..diff.parse import parse_diff
from ..errors import InputError
from ..prompt import default_template_dir
from ..types import Comment, DiffLine
from .board import Board, Draft

STATIC = {"triage.js": "text/javascript; charset=utf-8", "triage.css": "text/css; charset=utf-8"}
SHORTCUTS = (("j", "next draft"), ("k", "previous draft"), ("y", "keep (promote a note)"), ("e", "edit"),
             ("d", "drop"), ("u", "undecided again"), ("P", "post"), ("S", "save"), ("?", "these keys"))
KIND_LABEL = {"comment": "would be posted", "unplaced": "not on a line of the diff: in the summary",
              "left_out": "left-out note"}


def template_dir() -> Path:
    return default_template_dir() / "triage"


@dataclass
class Row:
    line: DiffLine
    drafts: list[Draft] = field(default_factory=list)


@dataclass
class FileView:
    path: str
    status: str = "modified"
    hunks: list[tuple[str, list[Row]]] = field(default_factory=list)  # (header, rows)
    off_diff: list[Draft] = field(default_factory=list)  # notes, and comments on no line shown

    @property
    def drafts(self) -> int:
        return len(self.off_diff) + sum(len(r.drafts) for _, rows in self.hunks for r in rows)


def file_views(board: Board) -> list[FileView]:
    """The diff's files, those with drafts first (in the diff's order), each draft after the line
    it sits on; drafts on no line shown stand at the top of their file."""
    try:
        files = parse_diff(board.diff_text) if board.diff_text else []
    except InputError:
        files = []
    views: dict[str, FileView] = {}
    at: dict[tuple[str, str, int], Row] = {}
    for f in files:
        view = views.setdefault(f.path, FileView(f.path, f.status))
        for h in f.hunks:
            rows = [Row(x) for x in h.lines]
            for r in rows:
                if r.line.kind == "-":
                    at[(f.path, "LEFT", r.line.old_line or 0)] = r
                else:
                    at[(f.path, "RIGHT", r.line.new_line or 0)] = r
            header = f"@@ -{h.old_start},{h.old_count} +{h.new_start},{h.new_count} @@ {h.section}".rstrip()
            view.hunks.append((header, rows))
    for d in board.drafts:
        view = views.setdefault(d.item.path, FileView(d.item.path))
        row = at.get((d.item.path, d.item.side, d.item.line)) if isinstance(d.item, Comment) else None
        (row.drafts if row is not None else view.off_diff).append(d)
    ordered = [v for v in views.values() if v.drafts] + [v for v in views.values() if not v.drafts]
    return ordered


def environment() -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(loader=FileSystemLoader(str(template_dir())), autoescape=True,
                                        undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["p"] = lambda p: "" if p is None else f"{p:.2f}"
    return env


def render_page(board: Board, *, token: str, can_post: bool, target: str, model: str) -> str:
    choices = {d.id: board.choice(d.id) for d in board.drafts}
    context: dict[str, Any] = {
        "token": token, "can_post": can_post, "target": target, "model": model, "files": file_views(board),
        "choices": choices, "counts": board.counts(), "kinds": KIND_LABEL, "shortcuts": SHORTCUTS,
        "summary": board.review.summary, "no_diff": not board.diff_text,
        "title": board.review.pr.title if board.review.pr is not None else "",
    }
    return environment().get_template("page.html.j2").render(**context)


def static_file(name: str) -> bytes | None:
    if name not in STATIC:
        return None
    return (template_dir() / name).read_bytes()
