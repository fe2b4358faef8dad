"""KV states of llama.cpp's sequence 0: taken in memory, kept on disk between runs.

A ``Snapshot`` is the KV cache of one prompt prefix (the tokens and llama.cpp's own bytes for
sequence 0: no logits, which llama-cpp-python's ``save_state`` copies as well, hundreds of MB
for a large vocabulary). ``KVStore`` keeps snapshots in files next to the result cache, keyed by
what makes a state valid elsewhere (the model file, llama.cpp's version and the context settings
that shape the values) and the exact tokens; bounded in size, the least recently used evicted
first; a file that is damaged, truncated or of another model or settings is never loaded.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import json
import os
import struct
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MAGIC = b"reviewer-kv\x00"
VERSION = 1
SUFFIX = ".kv"


@dataclass(frozen=True)
class Snapshot:
    tokens: tuple[int, ...]
    data: bytes  # llama_state_seq_get_data of sequence 0


def capture(llm: Any) -> Snapshot:
    """The KV state of ``llm``'s current tokens."""
    import llama_cpp

    size = llama_cpp.llama_state_seq_get_size(llm.ctx, 0)
    buf = (ctypes.c_uint8 * size)()
    n = llama_cpp.llama_state_seq_get_data(llm.ctx, buf, size, 0)
    return Snapshot(tuple(int(t) for t in llm._input_ids), bytes(memoryview(buf)[:n]))


def restore(llm: Any, snapshot: Snapshot, n_tokens: int | None = None) -> bool:
    """Load ``snapshot`` into ``llm``, keeping its first ``n_tokens`` (all by default). False,
    with the model's memory cleared, when llama.cpp refuses the bytes (another model, another
    layout, a damaged file)."""
    import llama_cpp

    n = len(snapshot.tokens) if n_tokens is None else min(n_tokens, len(snapshot.tokens))
    if n <= 0 or n > llm.n_ctx():
        return False
    buf = (ctypes.c_uint8 * len(snapshot.data)).from_buffer_copy(snapshot.data)
    llm.n_tokens = 0
    llm._requires_eval = True
    if llama_cpp.llama_state_seq_set_data(llm.ctx, buf, len(snapshot.data), 0) != len(snapshot.data):
        llm._ctx.kv_cache_seq_rm(-1, 0, -1)
        return False
    if n < len(snapshot.tokens) and not llm._ctx.kv_cache_seq_rm(-1, n, -1):
        llm._ctx.kv_cache_seq_rm(-1, 0, -1)
        return False
    llm.input_ids[:n] = snapshot.tokens[:n]
    llm.n_tokens = n
    return True


def common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


@dataclass(frozen=True)
class Entry:
    path: Path
    tokens: tuple[int, ...]
    data_offset: int
    data_len: int
    data_sha256: str


class KVStore:
    """Snapshots on disk under ``root``; ``key``: what a state is only valid with (checked, not
    trusted to the file name); ``max_bytes``: the bound on all ``*.kv`` files in ``root``."""

    def __init__(self, root: Path, key: Mapping[str, Any], max_bytes: int):
        self.root = Path(root)
        self.key = json.loads(json.dumps(dict(key), sort_keys=True))
        self.max_bytes = max_bytes
        self._key_text = json.dumps(self.key, sort_keys=True)

    def name(self, tokens: Sequence[int]) -> str:
        digest = hashlib.sha256(self._key_text.encode() + b"\0" + _pack(tokens))
        return digest.hexdigest()[:40] + SUFFIX

    # -- reading ----------------------------------------------------------------------------
    def entries(self) -> Iterator[Entry]:
        """The readable files of this key (others: another model or settings, damaged, being
        written) are passed over."""
        if not self.root.is_dir():
            return
        for path in sorted(self.root.glob("*" + SUFFIX)):
            entry = self._header(path)
            if entry is not None:
                yield entry

    def _header(self, path: Path) -> Entry | None:
        try:
            with open(path, "rb") as f:
                if f.read(len(MAGIC)) != MAGIC:
                    return None
                (length,) = struct.unpack("<Q", f.read(8))
                if length > 1 << 20:
                    return None
                header = json.loads(f.read(length))
                if not isinstance(header, dict) or header.get("version") != VERSION or header.get("key") != self.key:
                    return None
                count = int(header["n_tokens"])
                raw = f.read(4 * count)
                if len(raw) != 4 * count or hashlib.sha256(raw).hexdigest() != header["tokens_sha256"]:
                    return None
                offset = len(MAGIC) + 8 + length + 4 * count
                data_len = int(header["data_len"])
                if path.stat().st_size != offset + data_len or data_len <= 0 or count <= 0:
                    return None
                tokens = struct.unpack(f"<{count}i", raw)
                return Entry(path, tokens, offset, data_len, str(header["data_sha256"]))
        except (OSError, ValueError, KeyError, TypeError, struct.error):
            return None

    def best(self, tokens: Sequence[int], grid: int) -> tuple[Entry, int] | None:
        """The entry to start ``tokens`` from, and how many of its tokens to keep: all of them
        when the entry is exactly ``tokens``; else its longest common prefix with them cut down
        to a multiple of ``grid`` (llama.cpp's batch: those tokens were evaluated in exactly the
        batches a cold run evaluates them in, so the values are the same)."""
        found: tuple[Entry, int] | None = None
        for entry in self.entries():
            if entry.tokens == tuple(tokens):
                return entry, len(tokens)
            n = common_prefix(entry.tokens, tokens)
            n = min(n, len(tokens) - 1) // grid * grid
            if n > 0 and (found is None or n > found[1]):
                found = (entry, n)
        return found

    def load(self, entry: Entry) -> Snapshot | None:
        try:
            with open(entry.path, "rb") as f:
                f.seek(entry.data_offset)
                data = f.read(entry.data_len)
        except OSError:
            return None
        if len(data) != entry.data_len or hashlib.sha256(data).hexdigest() != entry.data_sha256:
            return None
        with contextlib.suppress(OSError):
            os.utime(entry.path)  # used: the last to be evicted
        return Snapshot(entry.tokens, data)

    # -- writing ----------------------------------------------------------------------------
    def save(self, snapshot: Snapshot) -> Path | None:
        """Write ``snapshot`` (atomically: a reader sees the whole file or none), then evict the
        least recently used files until all fit in ``max_bytes``. None when it alone does not fit."""
        raw = _pack(snapshot.tokens)
        header = json.dumps({
            "version": VERSION, "key": self.key, "n_tokens": len(snapshot.tokens),
            "tokens_sha256": hashlib.sha256(raw).hexdigest(), "data_len": len(snapshot.data),
            "data_sha256": hashlib.sha256(snapshot.data).hexdigest(),
        }, sort_keys=True).encode()
        size = len(MAGIC) + 8 + len(header) + len(raw) + len(snapshot.data)
        if size > self.max_bytes or not snapshot.tokens:
            return None
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            target = self.root / self.name(snapshot.tokens)
            fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".writing-", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(MAGIC + struct.pack("<Q", len(header)) + header + raw)
                    f.write(snapshot.data)
                os.replace(tmp, target)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
        except OSError:
            return None  # a read-only or full cache directory: the run stays cold, nothing fails
        self.evict(keep=target)
        return target

    def evict(self, keep: Path | None = None) -> None:
        files = []
        for path in self.root.glob("*" + SUFFIX):
            with contextlib.suppress(OSError):
                st = path.stat()
                files.append((st.st_mtime_ns, path, st.st_size))
        total = sum(size for _, _, size in files)
        for _, path, size in sorted(files):
            if total <= self.max_bytes:
                break
            if path == keep:
                continue
            with contextlib.suppress(OSError):
                path.unlink()
                total -= size


def _pack(tokens: Sequence[int]) -> bytes:
    return struct.pack(f"<{len(tokens)}i", *tokens)
