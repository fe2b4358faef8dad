"""GGUF models from the Hugging Face Hub: ``hf:ORG/REPO[:QUANT or FILE]``.

Downloads go through ``huggingface_hub`` into the hub's own cache (``HF_HUB_CACHE``, else
``HF_HOME/hub``, else ``~/.cache/huggingface/hub``: shared with every other tool that uses it),
from ``HF_ENDPOINT`` (a mirror) with ``HF_TOKEN`` (private and gated repositories). The file's
sha256, from the hub's LFS metadata, is checked once after the download and remembered in a
stamp, like the registry's models; offline, a file already in the cache is used (its blob is
named by that same sha256).

The selector picks the file: a name ending in ``.gguf``; else a quantisation (``Q4_K_M``,
``q8_0``: the file whose name has it); else ``Q4_K_M`` when there is one, or the only GGUF. A
model split in parts (``-00001-of-00003.gguf``) is fetched whole; llama.cpp opens the first.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ...errors import ModelError
from .store import models_dir

PREFIX = "hf:"
DEFAULT_QUANT = "Q4_K_M"
_REPO = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
_SPLIT = re.compile(r"-(\d{5})-of-(\d{5})\.gguf$", re.I)
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class HFRef:
    repo: str
    selector: str = ""  # a quantisation or a file name; "" lets the repository's files decide
    revision: str | None = None

    def __str__(self) -> str:
        return f"{PREFIX}{self.repo}" + (f":{self.selector}" if self.selector else "")


@dataclass(frozen=True)
class HFModel:
    path: Path  # the GGUF to load (the first part of a split model)
    sha256: str  # of that file, as the hub's metadata gives it: the model's identity
    ref: HFRef
    files: tuple[str, ...]  # the repository files it came from


def is_hf(name: str) -> bool:
    return name.startswith(PREFIX)


def parse_ref(name: str) -> HFRef:
    """``hf:ORG/REPO[:QUANT or FILE][@REVISION]``"""
    body = name[len(PREFIX):] if is_hf(name) else name
    revision = None
    if "@" in body:
        body, revision = body.rsplit("@", 1)
    repo, _, selector = body.partition(":")
    if not _REPO.match(repo) or not (revision is None or revision):
        raise ModelError(f"not a Hugging Face model reference: {name!r}",
                         hint="write hf:ORG/REPO, hf:ORG/REPO:Q4_K_M or hf:ORG/REPO:FILE.gguf")
    return HFRef(repo, selector.strip(), revision)


def hub_cache_dir() -> Path:
    """The hub's cache, found the way huggingface_hub finds it (read now, not at import)."""
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"]).expanduser()
    home = os.environ.get("HF_HOME") or os.path.join(os.environ.get("XDG_CACHE_HOME") or "~/.cache", "huggingface")
    return Path(home).expanduser() / "hub"


def _endpoint() -> str | None:
    return os.environ.get("HF_ENDPOINT") or None


def _offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "on", "yes", "true")


def pick(ref: HFRef, names: list[str]) -> list[str]:
    """The repository files that make the model ``ref`` names (several when it is split)."""
    ggufs = sorted(n for n in names if n.lower().endswith(".gguf") and not Path(n).name.lower().startswith("mmproj"))
    if ref.selector.lower().endswith(".gguf"):
        chosen = [n for n in ggufs if n == ref.selector or Path(n).name == ref.selector]
    else:
        quant = ref.selector or DEFAULT_QUANT
        pattern = re.compile(rf"(?<![A-Za-z0-9]){re.escape(quant)}(?![A-Za-z0-9])", re.I)
        chosen = [n for n in ggufs if pattern.search(Path(n).name)]
        if not chosen and not ref.selector and len(ggufs) == 1:
            chosen = ggufs
    if not chosen:
        have = ", ".join(Path(n).name for n in ggufs[:12]) or "no GGUF files"
        raise ModelError(f"{ref}: no GGUF file matches {ref.selector or DEFAULT_QUANT!r} in {ref.repo} ({have})",
                         hint=f"name one: {PREFIX}{ref.repo}:FILE.gguf or {PREFIX}{ref.repo}:QUANT")
    groups = {_SPLIT.sub("", n) for n in chosen}
    if len(groups) > 1:
        raise ModelError(f"{ref}: several GGUF files match: {', '.join(Path(n).name for n in chosen[:6])}",
                         hint=f"name the file: {PREFIX}{ref.repo}:FILE.gguf")
    first = chosen[0]
    if _SPLIT.search(first):  # every part of a split model, in order
        stem = _SPLIT.sub("", first)
        chosen = sorted(n for n in ggufs if _SPLIT.sub("", n) == stem and _SPLIT.search(n))
    return chosen


def fetch(name: str, progress: Progress | None = None) -> HFModel:
    """The verified local GGUF for ``hf:...``: downloaded once into the hub's cache, checked
    against the hub's sha256 once; offline, taken from the cache."""
    ref = parse_ref(name)
    if _offline():
        return _from_cache(ref, "HF_HUB_OFFLINE is set")
    try:
        import huggingface_hub  # noqa: F401
    except ImportError:  # pragma: no cover - a dependency of the package
        raise ModelError("huggingface_hub is not installed", hint="pip install huggingface_hub") from None
    try:
        files = _listing(ref)
    except _Unreachable as exc:
        return _from_cache(ref, str(exc))
    chosen = pick(ref, list(files))
    # by the revision's name, as other tools fetch it: the hub's cache then maps that name to
    # the commit (refs/), which is how the file is found offline
    paths = [_download(ref, f, ref.revision or "main", files[f], progress) for f in chosen]
    return HFModel(paths[0], files[chosen[0]][0], ref, tuple(chosen))


class _Unreachable(Exception):
    pass


def _listing(ref: HFRef) -> dict[str, tuple[str, int]]:
    """{file: (sha256, size)} of the repository's LFS files."""
    from huggingface_hub import HfApi

    api = HfApi(endpoint=_endpoint(), token=os.environ.get("HF_TOKEN") or None)
    try:
        info = api.model_info(ref.repo, revision=ref.revision, files_metadata=True)
    except Exception as exc:
        raise _hub_error(ref, exc) from None
    return {s.rfilename: (s.lfs.sha256, int(s.lfs.size)) for s in info.siblings or () if s.lfs is not None}


def _download(ref: HFRef, filename: str, revision: str, meta: tuple[str, int], progress: Progress | None) -> Path:
    from huggingface_hub import hf_hub_download

    sha256, size = meta
    try:
        path = Path(hf_hub_download(ref.repo, filename, revision=revision, cache_dir=str(hub_cache_dir()),
                                    endpoint=_endpoint(), token=os.environ.get("HF_TOKEN") or None,
                                    tqdm_class=_progress_class(progress)))
    except Exception as exc:
        error = _hub_error(ref, exc)
        raise (ModelError(str(error), hint="the download was cut off: run it again") if isinstance(error, _Unreachable)
               else error) from None
    verify(path, sha256, size, progress)
    return path


def verify(path: Path, sha256: str, size: int | None = None, progress: Progress | None = None) -> None:
    """Check ``path`` against the hub's sha256 once; a stamp (path, size, mtime) remembers it."""
    stamp = _stamp(sha256)
    real = path.resolve()
    st = real.stat()
    fingerprint = {"sha256": sha256, "path": str(real), "size": st.st_size, "mtime_ns": st.st_mtime_ns}
    try:
        if json.loads(stamp.read_text()) == fingerprint:
            return
    except (OSError, ValueError):
        pass
    if size is not None and st.st_size != size:
        raise ModelError(f"{path.name}: {st.st_size} bytes downloaded, the hub says {size}",
                         hint=f"delete {real} and fetch it again")
    digest = hashlib.sha256()
    done = 0
    with open(real, "rb") as f:
        while block := f.read(1 << 22):
            digest.update(block)
            done += len(block)
            if progress:
                progress(done, st.st_size)
    if digest.hexdigest() != sha256:
        raise ModelError(f"{path.name} has sha256 {digest.hexdigest()[:12]}..., the hub says {sha256[:12]}...",
                         hint=f"delete {real} and fetch it again")
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(json.dumps(fingerprint))


def _stamp(sha256: str) -> Path:
    return models_dir() / "hf" / f"{sha256}.verified"


def _from_cache(ref: HFRef, why: str) -> HFModel:
    """The model from the hub's cache alone (the blob of an LFS file is named by its sha256)."""
    folder = hub_cache_dir() / ("models--" + ref.repo.replace("/", "--"))
    commit = None
    if ref.revision and re.fullmatch(r"[0-9a-f]{40}", ref.revision):
        commit = ref.revision
    elif (folder / "refs" / (ref.revision or "main")).is_file():
        commit = (folder / "refs" / (ref.revision or "main")).read_text().strip()
    snapshot = folder / "snapshots" / commit if commit else None
    names = ([str(p.relative_to(snapshot)) for p in snapshot.rglob("*.gguf")]
             if snapshot is not None and snapshot.is_dir() else [])
    if not names:
        raise ModelError(f"cannot fetch {ref}: {why}, and it is not in the hub's cache ({hub_cache_dir()})",
                         hint=f"connect and run `reviewer models pull {ref}` once, or pass --model PATH to a GGUF file")
    chosen = pick(ref, names)
    paths = [snapshot / n for n in chosen]
    for p in paths:
        blob = p.resolve()
        if re.fullmatch(r"[0-9a-f]{64}", blob.name):
            verify(p, blob.name)
    sha = paths[0].resolve().name
    return HFModel(paths[0], sha if re.fullmatch(r"[0-9a-f]{64}", sha) else "", ref, tuple(chosen))


def _hub_error(ref: HFRef, exc: Exception) -> Exception:
    """huggingface_hub's exceptions as one-line errors; a network failure as ``_Unreachable``."""
    from huggingface_hub import errors

    where = _endpoint() or "huggingface.co"
    if isinstance(exc, errors.GatedRepoError):
        return ModelError(f"{ref.repo} is gated on {where}: accept its licence on the model's page",
                          hint="then set HF_TOKEN to a token of that account")
    if isinstance(exc, errors.RepositoryNotFoundError):
        return ModelError(f"no repository {ref.repo} on {where} (or it is private)",
                          hint="check the name; for a private repository set HF_TOKEN")
    if isinstance(exc, errors.RevisionNotFoundError):
        return ModelError(f"{ref.repo} has no revision {ref.revision!r} on {where}")
    if isinstance(exc, getattr(errors, "RemoteEntryNotFoundError", errors.EntryNotFoundError)):
        return ModelError(f"{ref}: a file is missing on {where}")
    names = {c.__name__ for c in type(exc).__mro__}
    if names & {"ConnectError", "ConnectionError", "TimeoutException", "Timeout", "NetworkError", "TransportError",
                "OfflineModeIsEnabled", "LocalEntryNotFoundError", "ReadTimeout", "RemoteProtocolError"}:
        return _Unreachable(f"cannot reach the Hugging Face Hub at {where}")
    if isinstance(exc, errors.HfHubHTTPError):
        status = getattr(getattr(exc, "response", None), "status_code", "?")
        return ModelError(f"{ref}: the hub at {where} answered HTTP {status}")
    return ModelError(f"{ref}: {type(exc).__name__}: {' '.join(str(exc).split())[:200]}")


def _progress_class(progress: Progress | None):
    """A tqdm for huggingface_hub that never prints and tells ``progress`` (the CLI draws)."""
    from tqdm.auto import tqdm

    class Quiet(tqdm):
        def __init__(self, *args, **kwargs):
            kwargs["disable"] = True
            super().__init__(*args, **kwargs)
            self._done, self._total = int(kwargs.get("initial") or 0), int(kwargs.get("total") or 0)

        def update(self, n=1):
            self._done += int(n or 0)
            if progress is not None and self._total:
                progress(min(self._done, self._total), self._total)

    return Quiet
