"""What every report shares: where a comment sits (and its link on GitHub), and writing a
report file atomically. The formats themselves are in ``reviewer/formats/``."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from ..errors import InputError
from ..types import Comment, PullRequest


def line_url(pr: PullRequest | None, comment: Comment) -> str | None:
    """GitHub's link to a line of a PR's "Files changed" tab."""
    if pr is None or not pr.url:
        return None
    anchor = hashlib.sha256(comment.path.encode()).hexdigest()
    return f"{pr.url}/files#diff-{anchor}{'R' if comment.side == 'RIGHT' else 'L'}{comment.line}"


def where(comment: Comment) -> str:
    side = "" if comment.side == "RIGHT" else " (old)"
    if comment.start_line is not None:
        return f"lines {comment.start_line}-{comment.line}{side}"
    return f"line {comment.line}{side}"


def write_report(text: str, output: Path) -> None:
    """Write atomically, so a crash never leaves half a report."""
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        tmp = output.with_name(f".{output.name}.{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, output)
    except OSError as exc:
        raise InputError(f"cannot write report {output}: {exc.strerror}") from None
