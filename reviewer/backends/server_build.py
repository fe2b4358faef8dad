"""Build llama.cpp's ``llama-server`` from the llama.cpp source that the pinned llama-cpp-python
sdist vendors (``vendor/llama.cpp``): the server then runs the same llama.cpp as the in-process
backend, with the same portable CPU flags (llama_build.cmake_args), so the two paths can be
compared token for token.

The binary is kept under the user cache dir, one folder per version and flags
(``CACHE/llama-server/VERSION-DIGEST/llama-server``, beside the wheels in ``llama-wheels``):
a build of one configuration is never used for another. It is linked statically
(``BUILD_SHARED_LIBS=OFF``) so that the one file is the whole server; no web UI, no HTTPS, no
download at build time.

Standard library only: the command that runs it (reviewer/cli/build_llama.py ``server``) may run
before the package is installed.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

try:  # part of the package
    from .llama_build import TESTED_VERSION, cache_root, cmake_args
except ImportError:  # loaded by its path (reviewer/cli/build_llama.py before installing)
    from reviewer_llama_build import TESTED_VERSION, cache_root, cmake_args  # type: ignore[no-redef]

BINARY = "llama-server"
BUILD_INFO = "reviewer-build.json"
# the server alone: no curl (older releases), no HTTPS, no tests or examples, no web UI (neither
# built with npm nor downloaded from the Hub at build time), one static binary
SERVER_FLAGS = (
    "-DLLAMA_CURL=OFF",
    "-DLLAMA_OPENSSL=OFF",
    "-DLLAMA_BUILD_SERVER=ON",
    "-DLLAMA_BUILD_TESTS=OFF",
    "-DLLAMA_BUILD_EXAMPLES=OFF",
    "-DLLAMA_BUILD_UI=OFF",
    "-DLLAMA_USE_PREBUILT_UI=OFF",
    "-DBUILD_SHARED_LIBS=OFF",
    "-DCMAKE_BUILD_TYPE=Release",
)


def server_args(user_args: str = "", **kwargs) -> list[str]:
    """The CMake arguments of the server's build: the portable flags of the wheel's build (the
    user's ``CMAKE_ARGS`` kept: a CUDA or Metal server), then the server's own."""
    return [*cmake_args(user_args, **kwargs), *SERVER_FLAGS]


def server_key(version: str, args: list[str]) -> str:
    """A binary's folder name: the version and a digest of its flags (no Python in it: the
    binary does not depend on one)."""
    digest = hashlib.sha256("\n".join([version, *args]).encode()).hexdigest()
    return f"{version}-{digest[:12]}"


def server_dir(version: str, args: list[str]) -> Path:
    return cache_root() / "llama-server" / server_key(version, args)


def built_server(version: str, args: list[str]) -> Path | None:
    """The binary built for (version, flags), when it is there."""
    binary = server_dir(version, args) / BINARY
    return binary if binary.is_file() and os.access(binary, os.X_OK) else None


def installed_version(python: str | None = None) -> str:
    """The llama-cpp-python version installed for ``python`` (this interpreter when None), else
    the tested one."""
    code = "import importlib.metadata as m; print(m.version('llama-cpp-python'))"
    if python is None:
        try:
            import importlib.metadata as metadata

            return metadata.version("llama-cpp-python")
        except Exception:
            return TESTED_VERSION
    try:
        out = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return TESTED_VERSION
    return out.stdout.strip() if out.returncode == 0 and out.stdout.strip() else TESTED_VERSION


def download_sdist(python: str, version: str, dest: Path, log=lambda message: None) -> Path:
    """llama-cpp-python's sdist of ``version``, from PyPI with pip."""
    log(f"llama-cpp-python {version}: downloading its sdist")
    subprocess.run([python, "-m", "pip", "download", "--quiet", "--no-binary", ":all:", "--no-deps", "-d", str(dest), f"llama-cpp-python=={version}"], check=True)
    found = sorted(dest.glob("llama_cpp_python-*.tar.gz"))
    if not found:
        raise SystemExit(f"error: pip downloaded no llama-cpp-python sdist into {dest}")
    return found[-1]


def extract_vendored(sdist: Path, dest: Path) -> Path:
    """``vendor/llama.cpp`` of the sdist, extracted under ``dest``; returns its folder."""
    with tarfile.open(sdist) as tar:
        members = [m for m in tar.getmembers()
                   if "/vendor/llama.cpp/" in f"/{m.name}/" and (m.isfile() or m.isdir() or m.issym())]
        if not members:
            raise SystemExit(f"error: {sdist} has no vendor/llama.cpp")
        if hasattr(tarfile, "data_filter"):  # no path outside dest, no devices (Python >= 3.12, 3.11.4)
            tar.extractall(dest, members=members, filter="data")
        else:  # pragma: no cover - older Pythons
            for m in members:
                if m.name.startswith("/") or ".." in Path(m.name).parts:
                    raise SystemExit(f"error: {sdist}: unsafe path {m.name}")
            tar.extractall(dest, members=members)
    top = members[0].name.split("/")[0]
    return dest / top / "vendor" / "llama.cpp"


def build_server(version: str, args: list[str], *, sdist: Path | None = None, python: str = sys.executable,
                 jobs: int | None = None, log=lambda message: None) -> Path:
    """The llama-server for (version, flags): the cached one, or one built now from the sdist's
    vendored llama.cpp (``sdist``, else downloaded with pip)."""
    binary = built_server(version, args)
    if binary is not None:
        log(f"llama-server {version}: cached build {binary.parent.name} ({' '.join(args)})")
        return binary
    folder = server_dir(version, args)
    folder.parent.mkdir(parents=True, exist_ok=True)
    jobs = jobs or int(os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL") or os.cpu_count() or 2)
    with tempfile.TemporaryDirectory(prefix=f".build-{folder.name}-", dir=folder.parent) as work:
        work_dir = Path(work)
        if sdist is None:
            sdist = download_sdist(python, version, work_dir)
        source = extract_vendored(sdist, work_dir / "src")
        build = work_dir / "build"
        log(f"llama-server {version}: building {source} with {' '.join(args)}")
        subprocess.run(["cmake", "-S", str(source), "-B", str(build), *args], check=True)
        subprocess.run(["cmake", "--build", str(build), "--target", BINARY, "-j", str(jobs)], check=True)
        made = build / "bin" / BINARY
        if not made.is_file():
            raise SystemExit(f"error: the build made no {made}")
        staged = work_dir / BINARY
        shutil.copy2(made, staged)
        (work_dir / BUILD_INFO).write_text(json.dumps(
            {"version": version, "cmake_args": args, "sdist": sdist.name}, indent=1) + "\n")
        folder.mkdir(exist_ok=True)
        (folder / BUILD_INFO).write_bytes((work_dir / BUILD_INFO).read_bytes())
        os.replace(staged, folder / BINARY)  # the binary last: its presence means a whole build
    log(f"llama-server {version}: built {folder / BINARY}")
    return folder / BINARY


def find_server(configured: str | None = None) -> Path | None:
    """The llama-server to start: the configured path (a file, or a name on PATH); else the
    build ``make llama-server`` made for the installed llama-cpp-python and this machine's flags;
    else ``llama-server`` on PATH."""
    if configured:
        path = Path(configured).expanduser()
        if path.is_file():
            return path
        found = shutil.which(configured)
        return Path(found) if found else None
    built = built_server(installed_version(), server_args(os.environ.get("CMAKE_ARGS", "")))
    if built is not None:
        return built
    found = shutil.which(BINARY)
    return Path(found) if found else None
