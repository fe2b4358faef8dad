"""Content-addressed result cache in SQLite: a chunk the same model has already reviewed
with the same prompt is never sent to the model again.

The key covers the model, the system prompt (templates, style, PR text), the settings that
shape the answer and the chunk's content *without* its line numbers, so a rebase that only
moves a hunk still hits; findings are stored by their position inside the chunk and mapped
back to the current line numbers. SQLite in WAL mode makes it safe for several processes;
each write is one transaction, so a crash leaves no half-written entry.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from ..types import Chunk, FileDiff

CACHE_VERSION = 1


def chunk_key(model: str, system_prompt: str, template_hash: str, settings: dict[str, Any], chunk: Chunk) -> str:
    digest = hashlib.sha256()
    header = json.dumps([CACHE_VERSION, model, template_hash, settings, chunk.path, chunk.old_path, chunk.status], sort_keys=True)
    digest.update(header.encode())
    digest.update(b"\0" + system_prompt.encode() + b"\0")
    for hunk in chunk.hunks:
        digest.update(f"@@{hunk.section}\n".encode())
        for line in hunk.lines:
            digest.update(f"{line.kind}{line.text}\n".encode())
    return digest.hexdigest()


def file_key(f: FileDiff) -> str:
    """A file's change by its content alone (path, status, the hunks' lines, no line numbers): the
    same key means the same review input, whatever the rest of the diff or the base did."""
    digest = hashlib.sha256(json.dumps([CACHE_VERSION, f.path, f.old_path, f.status]).encode())
    for hunk in f.hunks:
        digest.update(f"@@{hunk.section}\n".encode())
        for line in hunk.lines:
            digest.update(f"{line.kind}{line.text}\n".encode())
    return digest.hexdigest()[:16]


def model_tag(model: str) -> str:
    """A model's label, hashed: what a posted state records of it."""
    return hashlib.sha256(model.encode()).hexdigest()[:12]


def pass_key(kind: str, parts: list[Any]) -> str:
    """The cache key of a model pass's answer (a verdict, a rewrite, an explanation): its kind,
    then the hash of everything that shapes the answer, version constant first."""
    return kind + ":" + hashlib.sha256(json.dumps(parts).encode()).hexdigest()


@runtime_checkable
class RatesStore(Protocol):
    """A cache that also remembers what this machine measured of a backend (the budget's rates)."""

    def rates(self, key: str) -> dict[str, Any] | None: ...

    def put_rates(self, key: str, value: dict[str, Any]) -> None: ...


class ResultCache:
    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = self._open()
        except sqlite3.DatabaseError:
            # a damaged file (not a crash mid-write: that cannot corrupt WAL) is set aside
            path.rename(path.with_name(path.name + f".corrupt-{int(time.time())}"))
            self._db = self._open()

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, check_same_thread=False, isolation_level=None)
        db.execute("PRAGMA busy_timeout = 30000")
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
        db.execute(
            "CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, value TEXT NOT NULL, created REAL NOT NULL)"
        )
        # what this machine has measured of a backend + model (reviewer/review/budget/rates.py): one JSON row each
        db.execute("CREATE TABLE IF NOT EXISTS rates (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated REAL NOT NULL)")
        db.execute("CREATE TABLE IF NOT EXISTS file_hashes (path TEXT, size INTEGER, mtime_ns INTEGER, sha256 TEXT, PRIMARY KEY (path, size, mtime_ns))")
        return db

    def get(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM results WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        try:
            value = json.loads(row[0])
        except ValueError:
            return None
        return value if isinstance(value, dict) else None

    def put(self, key: str, value: dict[str, Any]) -> None:
        data = json.dumps(value, sort_keys=True)
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO results (key, value, created) VALUES (?, ?, ?)", (key, data, time.time())
            )

    def rates(self, key: str) -> dict[str, Any] | None:
        """The speeds remembered for ``key`` (a backend and model), or None."""
        with self._lock:
            row = self._db.execute("SELECT value FROM rates WHERE key = ?", (key,)).fetchone()
        try:
            value = json.loads(row[0]) if row else None
        except ValueError:
            return None
        return value if isinstance(value, dict) else None

    def put_rates(self, key: str, value: dict[str, Any]) -> None:
        data = json.dumps(value, sort_keys=True)
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO rates (key, value, updated) VALUES (?, ?, ?)",
                             (key, data, time.time()))

    def file_sha256(self, path: Path) -> str:
        """sha256 of a (large) file, remembered by path, size and mtime so it is read once."""
        st = path.stat()
        ident = (str(path.resolve()), st.st_size, st.st_mtime_ns)
        with self._lock:
            row = self._db.execute(
                "SELECT sha256 FROM file_hashes WHERE path = ? AND size = ? AND mtime_ns = ?", ident
            ).fetchone()
        if row:
            return row[0]
        digest = hashlib.sha256()
        with open(path, "rb") as f:
            while block := f.read(1 << 22):
                digest.update(block)
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO file_hashes VALUES (?, ?, ?, ?)", (*ident, digest.hexdigest()))
        return digest.hexdigest()

    def __len__(self) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM results").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self._db.close()
