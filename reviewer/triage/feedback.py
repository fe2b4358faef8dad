"""The maintainer's decisions on drafts, kept locally in SQLite beside the cache
(``CACHE_DIR/feedback.sqlite3``): one row per draft and triage session, the latest decision.

A row holds what the decision can teach, never the PR's text: the finding's fingerprint
(``formats.findings.fingerprint``: its file, the text of its lines and its words), the file's
kind (``chunk.REVIEW_TIERS``), the draft's severity, the judge's verdict P (verify's P(the new
version is correct), None without the judge), the style rule it cites, the model, the
repository, where the draft stood (``comment``: it would have been posted; ``note``: left out or
on no diff line) and the decision (``kept``, ``edited``, ``dropped``).
``reviewer calibrate --feedback`` reads them (``calibrate/feedback.py``); ``dropped`` tells the
next triage which drafts the maintainer dropped before on the same code.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import dataclass, fields
from pathlib import Path

from ..errors import ConfigError

FEEDBACK_FILE = "feedback.sqlite3"
DECISIONS = ("kept", "edited", "dropped")
SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Decision:
    fingerprint: str
    repository: str
    model: str
    file_kind: str  # source, tests, docs
    severity: str  # the draft's, before any decision
    verdict: float | None  # verify's P(new version correct); None: no verdict
    rule: str | None  # the style rule the draft cites
    shown_as: str  # "comment" (would be posted) or "note" (left out, or on no line of the diff)
    decision: str  # kept, edited, dropped
    at: float = 0.0  # seconds since the epoch (set when recorded)


_COLUMNS = tuple(f.name for f in fields(Decision))


class FeedbackStore:
    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, timeout=30, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA busy_timeout = 30000")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS decisions (session TEXT NOT NULL, fingerprint TEXT NOT NULL, "
                "repository TEXT NOT NULL, model TEXT NOT NULL, file_kind TEXT NOT NULL, severity TEXT NOT NULL, "
                "verdict REAL, rule TEXT, shown_as TEXT NOT NULL, decision TEXT NOT NULL, at REAL NOT NULL, "
                "PRIMARY KEY (session, fingerprint))")
            self._db.execute("CREATE INDEX IF NOT EXISTS decisions_repository ON decisions (repository, fingerprint)")
            self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except (OSError, sqlite3.DatabaseError) as exc:
            raise ConfigError(f"cannot open the feedback store {path}: {exc}") from None

    def record(self, session: str, decision: Decision) -> Decision:
        """The session's decision on a draft (a later one replaces it)."""
        if decision.decision not in DECISIONS:
            raise ValueError(f"not a decision: {decision.decision!r}")
        row = {**{k: getattr(decision, k) for k in _COLUMNS}, "at": decision.at or time.time()}
        with self._lock:
            self._db.execute(
                f"INSERT OR REPLACE INTO decisions (session, {', '.join(_COLUMNS)}) "
                f"VALUES (?, {', '.join('?' for _ in _COLUMNS)})", (session, *(row[k] for k in _COLUMNS)))
        return Decision(**row)

    def forget(self, session: str, fingerprint: str) -> None:
        """The session took its decision on a draft back."""
        with self._lock:
            self._db.execute("DELETE FROM decisions WHERE session = ? AND fingerprint = ?", (session, fingerprint))

    def decisions(self, repository: str | None = None) -> list[Decision]:
        """Every recorded decision (of ``repository``), oldest first."""
        where, args = ("WHERE repository = ?", (repository,)) if repository is not None else ("", ())
        with self._lock:
            rows = self._db.execute(f"SELECT {', '.join(_COLUMNS)} FROM decisions {where} ORDER BY at, rowid",
                                    args).fetchall()
        return [Decision(*row) for row in rows]

    def repositories(self) -> dict[str, int]:
        with self._lock:
            rows = self._db.execute("SELECT repository, COUNT(*) FROM decisions GROUP BY repository").fetchall()
        return dict(rows)

    def dropped(self, repository: str) -> set[str]:
        """The fingerprints whose latest decision in ``repository`` was to drop the draft."""
        latest: dict[str, str] = {}
        for d in self.decisions(repository):
            latest[d.fingerprint] = d.decision
        return {fp for fp, decision in latest.items() if decision == "dropped"}

    def close(self) -> None:
        with self._lock:
            self._db.close()
