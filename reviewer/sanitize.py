"""Making untrusted text (model output, PR text) safe to show and to post.

- @mentions and team mentions are neutralised with a zero-width space after the ``@`` so
  GitHub pings nobody;
- HTML comments are removed (they hide text, and the tool's own markers are HTML comments);
- anything that looks like the tool's own hidden marker is removed, so model text cannot
  forge a fingerprint and make the tool skip or edit the wrong comment.
"""

from __future__ import annotations

import re

MARKER_PREFIX = "reviewer:"
ZWSP = "\u200b"

_HTML_COMMENT = re.compile(r"<!--.*?(-->|$)", re.S)
_MARKER_LIKE = re.compile(r"<!--\s*reviewer:[^>]*>?|reviewer:fp=[0-9a-f]+|reviewer:summary", re.I)
# an @ that starts a GitHub login or org/team (not part of an e-mail address or a word)
_MENTION = re.compile(r"(?<![\w.`/@])@(?=[A-Za-z0-9][A-Za-z0-9-]*(?:/[A-Za-z0-9_.-]+)?)")
_UNSAFE_TAGS = re.compile(r"</?(script|style|iframe|object|embed|img|details|summary)\b[^>]*>", re.I)


def neutralise_mentions(text: str) -> str:
    return _MENTION.sub("@" + ZWSP, text)


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


def clean_code(text: str) -> str:
    """A code suggestion: kept verbatim except for what could hide or forge a marker."""
    return _MARKER_LIKE.sub("", text.replace("\x00", ""))


def fence_for(code: str, char: str = "`") -> str:
    """A code fence longer than any run of fence characters inside ``code``."""
    longest = max((len(m) for m in re.findall(re.escape(char) + "+", code)), default=0)
    return char * max(3, longest + 1)
