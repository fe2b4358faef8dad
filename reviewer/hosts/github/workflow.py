"""What ``reviewer action`` hands back to the GitHub Actions runner: the job summary (kept under
GitHub's 1 MiB per step), step outputs in the multiline-safe ``name<<DELIMITER`` syntax, and
``::warning`` annotation lines escaped per GitHub's workflow-command rules. Nothing here prints.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path

from ...errors import InputError
from ...types import Comment, Note, Review

SUMMARY_LIMIT = 1024 * 1024  # GitHub refuses a step summary above 1 MiB
TRUNCATED = "\n\n> **The report was cut here**: the job summary is limited to 1 MiB. Full report: `{path}`.\n"


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str, **props: str | int | None) -> str:
    """One workflow command line, e.g. ``::warning file=a.py,line=3,title=x::message``."""
    given = ",".join(f"{k}={escape_property(str(v))}" for k, v in props.items() if v is not None)
    return f"::{name}{' ' + given if given else ''}::{escape_data(message)}"


def annotation(finding: Comment | Note) -> str:
    line, start = finding.line, finding.start_line if isinstance(finding, Comment) else None
    if isinstance(finding, Comment) and finding.side == "LEFT":  # a line of the old file: none in the checkout
        line = start = None
    return command("warning", finding.body, file=finding.path, line=start if start is not None else line,
                   endLine=line if start is not None else None, title=f"reviewer ({finding.severity})")


def annotations(review: Review, limit: int) -> list[str]:
    findings: list[Comment | Note] = [*review.comments, *review.notes]
    return [annotation(f) for f in findings[:limit]]


def fit_summary(text: str, footer: str, *, path: Path | str, used: int = 0, limit: int = SUMMARY_LIMIT) -> str:
    """``text`` + ``footer`` in at most ``limit - used`` UTF-8 bytes; the text is cut at a line
    boundary (with a note naming ``path``) when it is too long."""
    room = limit - used - len(footer.encode())
    if len(text.encode()) <= room:
        return text + footer
    note = TRUNCATED.format(path=path)
    room -= len(note.encode())
    if room <= 0:
        return ""
    cut = text.encode()[:room].decode("utf-8", errors="ignore")
    if "\n" in cut:
        cut = cut[: cut.rindex("\n")]
    return cut + note + footer


def append_summary(path: Path, text: str, footer: str = "", *, report: Path | str = "") -> int:
    """Append to the job summary file; returns the bytes written."""
    used = path.stat().st_size if path.exists() else 0
    body = fit_summary(text, footer, path=report, used=used)
    try:
        with path.open("a", encoding="utf-8") as f:
            f.write(body)
    except OSError as exc:
        raise InputError(f"cannot write the job summary {path}: {exc.strerror}") from None
    return len(body.encode())


def output_block(values: Mapping[str, str]) -> str:
    """Step outputs in GitHub's ``name<<DELIMITER`` syntax, safe for any value."""
    parts = []
    for name, value in values.items():
        delimiter = f"ghadelimiter_{secrets.token_hex(8)}"
        while delimiter in value:  # pragma: no cover - 64 random bits
            delimiter = f"ghadelimiter_{secrets.token_hex(8)}"
        parts.append(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")
    return "".join(parts)


def write_outputs(path: Path, values: Mapping[str, str]) -> None:
    try:
        with path.open("a", encoding="utf-8") as f:
            f.write(output_block(values))
    except OSError as exc:
        raise InputError(f"cannot write the step outputs {path}: {exc.strerror}") from None
