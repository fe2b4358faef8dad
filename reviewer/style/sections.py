"""Markdown style files -> titled sections, the unit a review cites and the budget keeps or drops.

A section starts at a markdown heading (``#``..``######``, or a setext heading), or at a
line such as ``Coding:`` directly followed by a list (how ggml's ``.pi/gg/SYSTEM.md`` is
written). Headings inside code fences are code. HTML comments are not rules and are dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ATX = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_LABEL = re.compile(r"^([A-Z][\w ()/&,'+.-]{0,60}):[ \t]*$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+\S")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_FRONTMATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)
LABEL_LEVEL = 7  # a "Coding:" line sits below every real heading


@dataclass(frozen=True)
class Section:
    """Rules under one heading of one file. ``titles`` is the heading path (parents first)."""

    source: str  # the file, as the review cites it: "CONTRIBUTING.md", ".pi/gg/SYSTEM.md"
    titles: tuple[str, ...]
    text: str

    @property
    def title(self) -> str:
        return " › ".join(self.titles)

    @property
    def label(self) -> str:
        """How a comment cites it: ``CONTRIBUTING.md › Naming guidelines``."""
        return f"{self.source} › {self.title}" if self.titles else self.source


def split_frontmatter(text: str) -> tuple[dict[str, str], str]:
    """``---``-delimited ``key: value`` lines at the top (the ``.instructions.md`` header) and
    the rest. Only flat string values are read; quotes around a value are removed."""
    m = _FRONTMATTER.match(text)
    if m is None:
        return {}, text
    meta: dict[str, str] = {}
    for line in m.group(1).splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() and not key.startswith((" ", "\t", "#")):
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            meta[key.strip()] = value
    return meta, text[m.end():]


def strip_comments(text: str) -> str:
    return _COMMENT.sub("", text)


def _clean_title(title: str) -> str:
    return title.strip().rstrip(":").strip()


def parse_sections(text: str, source: str) -> list[Section]:
    """The file's sections in order; the text before the first heading is an untitled section.
    Sections with no text of their own (a heading directly followed by a sub-heading) are left
    out; their titles stay in their children's ``titles``."""
    lines = strip_comments(text).replace("\r\n", "\n").split("\n")
    sections: list[Section] = []
    stack: list[tuple[int, str]] = []  # (level, title) of the open headings
    body: list[str] = []
    fence: str | None = None

    def close() -> None:
        content = "\n".join(body).strip("\n")
        if content.strip():
            sections.append(Section(source, tuple(t for _, t in stack), _dedent_blank(content)))
        body.clear()

    def open_heading(level: int, title: str) -> None:
        close()
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, title))

    i = 0
    while i < len(lines):
        line = lines[i]
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        m = _FENCE.match(line)
        if m:
            marker = m.group(1)
            if fence is None:
                fence = marker[0] * 3
            elif marker.startswith(fence):
                fence = None
            body.append(line)
        elif fence is not None:
            body.append(line)
        elif (h := _ATX.match(line)) and h.group(2).strip():
            open_heading(len(h.group(1)), _clean_title(h.group(2)))
        elif (line.strip() and not _LIST_ITEM.match(line) and not line.startswith((" ", "\t", ">", "|"))
              and (s := _SETEXT.match(nxt)) and not _is_body_end(body)):
            open_heading(1 if s.group(1)[0] == "=" else 2, _clean_title(line))
            i += 1
        elif (lab := _LABEL.match(line)) and _LIST_ITEM.match(nxt):
            open_heading(LABEL_LEVEL, _clean_title(lab.group(1)))
        else:
            body.append(line)
        i += 1
    close()
    return sections


def _is_body_end(body: list[str]) -> bool:
    """A setext underline only makes a heading of a line that starts a paragraph."""
    return bool(body) and bool(body[-1].strip())


def _dedent_blank(text: str) -> str:
    """Runs of blank lines become one."""
    return re.sub(r"\n[ \t]*\n(?:[ \t]*\n)+", "\n\n", text)
