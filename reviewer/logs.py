"""Keeping secrets (GitHub and GitLab tokens, API keys) out of every log line and every message printed.

Redaction happens where a log record is made (a record factory), so it covers every handler,
including handlers that libraries or a test harness add after the CLI set logging up, and the
tracebacks a record carries; the filter on the root's handlers stays as a second net."""

from __future__ import annotations

import logging
import re

_PATTERNS = [
    # GitHub's token shapes, and GitLab's (personal/project/group access, CI job, deploy, runner)
    re.compile(r"\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|gl(?:pat|cbt|dt|rt)-[A-Za-z0-9_-]{20,})"),
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


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a bad format string is logging's error to report, later
        return record
    clean = redact(message)
    if clean != message:
        record.msg, record.args = clean, None
    if record.exc_info and not record.exc_text:
        record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
    elif record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    return record


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


_REDACTING: set = set()  # the record factories this module installed


def install_redaction() -> None:
    """Redact every log record where it is made, and filter the root logger's handlers too."""
    factory = logging.getLogRecordFactory()
    if factory not in _REDACTING:
        def redacting_factory(*args, **kwargs) -> logging.LogRecord:
            return redact_record(factory(*args, **kwargs))

        _REDACTING.add(redacting_factory)
        logging.setLogRecordFactory(redacting_factory)
    root = logging.getLogger()
    for handler in root.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
