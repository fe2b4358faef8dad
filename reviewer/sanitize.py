"""Making untrusted text (model output, PR text) safe to show and to post.

- @mentions and team mentions are neutralised with a zero-width space after the ``@`` so
  GitHub pings nobody: every ``@`` that GitHub could read as one, inside code spans too (what
  GitHub's renderer takes for code is where sanitisers go wrong: a backtick also closes a span),
  and the HTML entities of ``@`` (``&#64;``, ``&commat;``) that its renderer would decode;
- HTML comments are removed (they hide text, and the tool's own markers are HTML comments);
- anything that looks like the tool's own hidden marker is removed, so model text cannot
  forge a fingerprint and make the tool skip or edit the wrong comment;
- text posted to a host (``for_posting``: GitHub, GitLab, reviewdog) also has every ``<``
  outside code escaped, so no HTML tag, of any kind, reaches the page.
"""

from __future__ import annotations

import re

MARKER_PREFIX = "reviewer:"
ZWSP = "\u200b"

_HTML_COMMENT = re.compile(r"<!--.*?(-->|$)", re.S)
_PROMPT_TAGS = re.compile(r"</?\s*untrusted-[a-z-]*\s*>", re.I)  # the prompt's own delimiters
_MARKER_LIKE = re.compile(r"<!--\s*reviewer:[^>]*>?|reviewer:fp=[0-9a-f]+|reviewer:summary", re.I)
# an @ that GitHub may take for a mention of a login or an org/team. GitHub looks for "@login"
# not after an ASCII word character in the rendered text, where markdown's "_" and "*" are gone
# and character references are decoded; so every "@" not after an ASCII letter or digit (an
# e-mail's name@host stays) and before a letter, a digit or a "&" (as in "@&#111;ctocat") is,
# even after a backtick, a dot, a slash or a non-ASCII letter
_MENTION = re.compile(r"(?<![A-Za-z0-9])@(?=[A-Za-z0-9&])")
# "@" written as an HTML character reference, which GitHub's renderer turns back into "@"
_AT_ENTITY = re.compile(r"&(?:#0*64(?![0-9])|#[xX]0*40(?![0-9A-Fa-f])|commat);?")
# what GitHub renders as code, recognised conservatively: whatever is taken for code here is code
# for GitHub too (the other misread, code taken for prose, only shows a "&lt;" in it). A fenced
# block between two fence lines of the same character (lines end at "\n" only; a backtick
# fence's opening line has no other backtick), or a backtick span on one line, with no pipe (a
# table cell ends at "|", even inside a span) and not opened by an escaped backtick.
_FENCE_OPEN = re.compile(r"^ {0,3}(`{3,}(?=[^`\n]*\n?$)|~{3,})")
_FENCE_CLOSE = re.compile(r"^ {0,3}(`{3,}|~{3,})[ \t]*\r?\n?$")
_CODE_SPAN = re.compile(r"(?<![`\\])(`+)(?!`)[^\n|]*?(?<!`)\1(?!`)")
_UNSAFE_TAGS = re.compile(r"</?(script|style|iframe|object|embed|img|details|summary)\b[^>]*>", re.I)


def neutralise_mentions(text: str) -> str:
    text = _AT_ENTITY.sub("@", text)
    return _MENTION.sub("@" + ZWSP, text)


def _code_regions(text: str) -> list[tuple[int, int]]:
    """(start, end) of the fenced blocks and code spans of ``text``, in order."""
    regions: list[tuple[int, int]] = []
    lines = re.findall(r"[^\n]*\n|[^\n]+$", text)
    offset, i, prose_start = 0, 0, 0
    starts = []
    for line in lines:
        starts.append(offset)
        offset += len(line)
    starts.append(offset)

    def spans(lo: int, hi: int) -> None:
        regions.extend(m.span() for m in _CODE_SPAN.finditer(text, lo, hi))  # lookbehinds see before lo

    closers = [(m.group(1)[0], len(m.group(1))) if (m := _FENCE_CLOSE.match(line)) else None for line in lines]
    unclosed: dict[str, int] = {}  # fence character -> shortest fence found with no closing line after it
    while i < len(lines):
        m = _FENCE_OPEN.match(lines[i])
        if m and len(m.group(1)) < unclosed.get(m.group(1)[0], 1 << 30):
            char, size = m.group(1)[0], len(m.group(1))
            end = next((j for j in range(i + 1, len(lines)) if (c := closers[j]) and c[0] == char and c[1] >= size),
                       None)
            if end is None:
                unclosed[char] = size  # a later fence as long or longer has no closing line either
            else:
                spans(prose_start, starts[i])
                regions.append((starts[i], starts[end + 1]))
                i = end + 1
                prose_start = starts[i]
                continue
        i += 1
    spans(prose_start, len(text))
    return regions


def escape_html(text: str) -> str:
    """Every ``<`` outside code becomes ``&lt;``: no tag, comment or autolink survives."""
    out, last = [], 0
    for start, end in _code_regions(text):
        out.append(text[last:start].replace("<", "&lt;"))
        out.append(text[start:end])
        last = end
    out.append(text[last:].replace("<", "&lt;"))
    return "".join(out)


def for_posting(text: str, limit: int = 4000) -> str:
    """Model or PR-author text as it may be posted on a host (markdown): cleaned, and no HTML at all."""
    return escape_html(clean_model_text(text, limit=limit))


def clean_model_text(text: str, limit: int = 4000) -> str:
    """Model-written text before it goes into a report or onto GitHub."""
    text = _HTML_COMMENT.sub("", text)
    text = _MARKER_LIKE.sub("", text)
    text = _UNSAFE_TAGS.sub("", text)
    text = neutralise_mentions(text)
    text = text.replace("\x00", "").strip()
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def untrusted(text: str | None, limit: int) -> str:
    """PR-author text (a title, a description) for the prompt: no hidden HTML comments, no
    forged prompt delimiters, no NUL, at most ``limit`` characters."""
    text = _PROMPT_TAGS.sub("", _HTML_COMMENT.sub("", text or "")).replace("\x00", "").strip()
    return text[:limit]


def clean_code(text: str) -> str:
    """A code suggestion: kept verbatim except for what could hide or forge a marker."""
    return _MARKER_LIKE.sub("", text.replace("\x00", ""))


def code_span(text: str) -> str:
    """``text`` (a file path: the PR author's choice) as one inline code span, whatever backticks
    it holds; no marker-shaped text, no newline, no live mention in it."""
    text = neutralise_mentions(clean_code(text)).replace("\n", " ").replace("\r", " ")
    ticks = "`" * (max((len(m) for m in re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def fence_for(code: str, char: str = "`") -> str:
    """A code fence longer than any run of fence characters inside ``code``."""
    longest = max((len(m) for m in re.findall(re.escape(char) + "+", code)), default=0)
    return char * max(3, longest + 1)


def sections_within(sections, budget: int) -> list[str]:
    """A posted summary's sections (title, lines) as markdown lines, each line kept while it fits
    in ``budget`` characters (a host caps a body's length), and a last line saying how many did
    not: they are in the local report."""
    out: list[str] = []
    dropped = 0
    for title, items in sections:
        if not items:
            continue
        out += ["", f"#### {title}", ""]
        for item in items:
            if len(item) + 1 > budget:
                dropped += 1
                continue
            budget -= len(item) + 1
            out.append(item)
    if dropped:
        out += ["", f"({dropped} more findings did not fit here; they are in the local report.)"]
    return out
