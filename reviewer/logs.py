"""A logging filter that keeps secrets (GitHub tokens, API keys) out of every log line."""

from __future__ import annotations

import logging
import re

_PATTERNS = [
    re.compile(r"\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})\b"),
    re.compile(r"(?i)(authorization[\"']?\s*[:=]\s*[\"']?(?:token|bearer|basic)\s+)[^\s\"',}]+"),
]
_secrets: set[str] = set()


def register_secret(value: str | None) -> None:
    """Any exact value registered here is replaced by *** in every log record."""
    if value and len(value) >= 4:
        _secrets.add(value)


def redact(text: str) -> str:
    for secret in sorted(_secrets, key=len, reverse=True):
        text = text.replace(secret, "***")
    text = _PATTERNS[0].sub("***", text)
    return _PATTERNS[1].sub(lambda m: m.group(1) + "***", text)


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


def install_redaction() -> None:
    """Attach the filter to every handler of the root logger (where records are emitted)."""
    root = logging.getLogger()
    for handler in root.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
