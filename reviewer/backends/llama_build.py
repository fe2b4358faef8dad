"""Build and install llama-cpp-python so that it runs on the machine it is built on.

llama-cpp-python ships as an sdist; its default build is ``GGML_NATIVE=ON`` (``-march=native``),
which on an Intel Xeon with AMX turns on ggml's AMX kernels, and those segfault at the first
decode. This module chooses a portable configuration instead: ``GGML_NATIVE=OFF`` with the
x86 instruction sets this CPU has named one by one, the AMX kernels off. A GPU build stays the
user's through ``CMAKE_ARGS`` (``-DGGML_CUDA=on``, ``-DGGML_METAL=on``): those flags are kept and
the CPU flags added; a ``CMAKE_ARGS`` that names ``GGML_NATIVE`` itself is used as given.

pip caches a built wheel by the sdist alone, whatever ``CMAKE_ARGS`` say, so the wheel is built
here with pip's cache off and kept in a folder of its own named by version and flags: a build of
one configuration is never reused for another.

Standard library only: the command that runs it (reviewer/cli/build_llama.py) runs before
anything else is installed.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shlex
import subprocess
import sys
from pathlib import Path

# The release the suite and the benchmarks ran on, and the range pyproject.toml accepts.
TESTED_VERSION = "0.3.36"
SUPPORTED_RANGE = ">=0.3.16,<0.4"
BUILD_INFO = "reviewer-build.json"

# x86 instruction sets named one by one: (the CPU flag in /proc/cpuinfo, the ggml CMake option)
X86_FEATURES = (
    ("avx", "GGML_AVX"),
    ("avx2", "GGML_AVX2"),
    ("fma", "GGML_FMA"),
    ("f16c", "GGML_F16C"),
    ("avx512f", "GGML_AVX512"),
)
# never on in the portable build: the AMX kernels are the ones that crash
AMX_OFF = ("GGML_AMX_TILE", "GGML_AMX_INT8", "GGML_AMX_BF16")


def cpu_features(cpuinfo: str | None = None) -> set[str]:
    """The CPU's feature flags (Linux /proc/cpuinfo; empty where it cannot be read)."""
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text(errors="replace")
        except OSError:
            return set()
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "flags":
            return set(value.split())
    return set()


def is_x86(machine: str | None = None) -> bool:
    return (machine or platform.machine()).lower() in {"x86_64", "amd64", "i686", "i386"}


def cmake_args(user_args: str = "", *, features: set[str] | None = None, machine: str | None = None) -> list[str]:
    """The CMake arguments of the build: the user's own, then the portable CPU flags on x86.

    The user's ``CMAKE_ARGS`` come first and stay (a GPU build); where they name ``GGML_NATIVE``
    they are the whole configuration. Off x86 (Apple silicon, Arm servers) the native build is
    the right one and nothing is added.
    """
    given = shlex.split(user_args)
    if any("GGML_NATIVE" in arg for arg in given) or not is_x86(machine):
        return given
    have = cpu_features() if features is None else features
    flags = ["-DGGML_NATIVE=OFF"]
    flags += [f"-D{option}={'ON' if cpu in have else 'OFF'}" for cpu, option in X86_FEATURES]
    flags += [f"-D{option}=OFF" for option in AMX_OFF]
    return given + flags


def build_key(version: str, args: list[str]) -> str:
    """A wheel folder's name: the version and a digest of the flags it was built with."""
    digest = hashlib.sha256("\n".join([version, platform.python_version(), *args]).encode()).hexdigest()
    return f"{version}-{digest[:12]}"


def cache_root() -> Path:
    """Beside the review's own cache (REVIEWER_CACHE_DIR, else the user cache dir)."""
    base = os.environ.get("REVIEWER_CACHE_DIR")
    if base:
        return Path(base)
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "reviewer"
    if os.name == "nt":
        return Path(os.environ.get("LOCALAPPDATA", Path.home())) / "reviewer" / "Cache"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "reviewer"


def wheel_dir(version: str, args: list[str]) -> Path:
    return cache_root() / "llama-wheels" / build_key(version, args)


def _wheel_in(folder: Path) -> Path | None:
    wheels = sorted(folder.glob("llama_cpp_python-*.whl")) if folder.is_dir() else []
    return wheels[-1] if wheels else None


def build_wheel(python: str, version: str, args: list[str], log=lambda message: None) -> Path:
    """The wheel for (version, flags): the cached one, or one built now with pip's cache off."""
    folder = wheel_dir(version, args)
    wheel = _wheel_in(folder)
    if wheel is not None:
        log(f"llama-cpp-python {version}: cached build {folder.name} ({' '.join(args)})")
        return wheel
    folder.mkdir(parents=True, exist_ok=True)
    log(f"llama-cpp-python {version}: building from source with {' '.join(args) or 'its defaults'}")
    env = dict(os.environ, CMAKE_ARGS=" ".join(args), FORCE_CMAKE="1")
    env.setdefault("CMAKE_BUILD_PARALLEL_LEVEL", str(os.cpu_count() or 2))
    subprocess.run(
        [python, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-cache-dir",
         "--no-binary", "llama-cpp-python", "-w", str(folder), f"llama-cpp-python=={version}"],
        env=env, check=True,
    )
    wheel = _wheel_in(folder)
    if wheel is None:
        raise SystemExit(f"error: pip built no llama-cpp-python wheel in {folder}")
    (folder / BUILD_INFO).write_text(json.dumps({"version": version, "cmake_args": args}, indent=1) + "\n")
    return wheel


def install(python: str, version: str, args: list[str], log=lambda message: None) -> Path:
    """Build (or reuse) the wheel for these flags and install it into ``python``'s environment."""
    wheel = build_wheel(python, version, args, log)
    # this build replaces any other of the same version (pip would call that one satisfied), then
    # its dependencies (numpy, diskcache, ...) come as usual
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--no-deps", "--force-reinstall", str(wheel)],
                   check=True)
    subprocess.run([python, "-m", "pip", "install", "--quiet", str(wheel)], check=True)
    # the installed package says how it was built (reviewer doctor reads it)
    site = subprocess.run([python, "-c", "import importlib.util, os; "
                           "print(os.path.dirname(importlib.util.find_spec('llama_cpp').origin))"],
                          capture_output=True, text=True, check=True).stdout.strip()
    Path(site, BUILD_INFO).write_text(json.dumps(
        {"version": version, "cmake_args": args, "wheel": str(wheel)}, indent=1) + "\n")
    log(f"llama-cpp-python {version} installed from {wheel}")
    return wheel


def installed_build() -> dict | None:
    """How the installed llama-cpp-python was built, where this module installed it."""
    try:
        import importlib.util
        spec = importlib.util.find_spec("llama_cpp")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin:
        return None
    info = Path(spec.origin).parent / BUILD_INFO
    try:
        return json.loads(info.read_text())
    except (OSError, ValueError):
        return None
