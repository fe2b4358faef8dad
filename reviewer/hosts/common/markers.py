"""The hidden markers every host's posts carry, written once: a finding's fingerprint (so a
re-run posts only new findings), the summary's marker (so it is edited in place) and the state
the summary records (the head reviewed, the model, the content keys of the files reviewed in
full: a re-run on a new head reviews only what changed since).

A fingerprint is the finding's file, severity and words, never its line (lines move). GitLab's
markers posted before this module hashed the text of the finding's lines instead of its
severity (``line_fingerprint``); a GitLab sink reads both, so those stay recognised.
"""

from __future__ import annotations

import hashlib
import re

from ...review.cache import model_tag
from ...formats.findings import DiffLines
from ...formats.findings import fingerprint as report_fingerprint
from ...sanitize import MARKER_PREFIX
from ...types import Comment, Note, Previous, Review

FP_RE = re.compile(r"<!-- " + re.escape(MARKER_PREFIX) + r"fp=([0-9a-f]{16}) -->")
SUMMARY_MARKER = f"<!-- {MARKER_PREFIX}summary -->"
STATE_RE = re.compile(r"<!-- " + re.escape(MARKER_PREFIX)
                      + r"state head=([0-9a-f]{40}|[0-9a-f]{64}) model=([0-9a-f]{12}) files=((?:[0-9a-f]{16})*) -->")
MAX_STATE_FILES = 2000  # 32 KB of keys at most; a file left out is only reviewed again


def fp_marker(fp: str) -> str:
    return f"<!-- {MARKER_PREFIX}fp={fp} -->"


def fingerprints_in(text: str | None) -> set[str]:
    return set(FP_RE.findall(text or ""))


def _norm(text: str) -> str:
    return " ".join(text.replace("\u200b", "").lower().split())


def fingerprint(path: str, severity: str, body: str) -> str:
    """Identity of a finding across runs: its file, severity and words, not its line (lines move)."""
    return hashlib.sha256(f"{path}\0{severity}\0{_norm(body)}".encode()).hexdigest()[:16]


def finding_fingerprint(item: Comment | Note) -> str:
    return fingerprint(item.path, item.severity, item.body)


def line_fingerprint(item: Comment | Note, diff: DiffLines) -> str:
    """The identity GitLab's earlier markers carry: the file, the text of the finding's lines and
    its words (the reports' fingerprint, cut to 16 digits)."""
    return report_fingerprint(item, diff)[:16]


def state_marker(review: Review, head_sha: str) -> str:
    keys = "".join(k for k in review.reviewed_keys[:MAX_STATE_FILES] if re.fullmatch(r"[0-9a-f]{16}", k))
    return f"<!-- {MARKER_PREFIX}state head={head_sha.lower()} model={model_tag(review.model)} files={keys} -->"


def parse_state(text: str) -> Previous | None:
    m = STATE_RE.search(text or "")
    if m is None:
        return None
    keys = m.group(3)
    return Previous(m.group(1), m.group(2), frozenset(keys[i:i + 16] for i in range(0, len(keys), 16)))
