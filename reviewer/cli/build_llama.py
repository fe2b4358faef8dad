"""Build and install llama-cpp-python for this machine (reviewer/backends/llama_build.py says how).

Standard library only, and runnable by its path, since it runs before anything is installed::

    python3 reviewer/cli/build_llama.py install --python .venv/bin/python   # make llama
    python3 reviewer/cli/build_llama.py flags                               # the flags, the wheel's folder
    python3 -m reviewer.cli.build_llama install                             # where reviewer is installed
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
from pathlib import Path


def _llama_build():
    """The build module, as part of the package or, run by path before installing, by its file."""
    if __package__:
        from ..backends import llama_build

        return llama_build
    path = Path(__file__).resolve().parents[1] / "backends" / "llama_build.py"
    spec = importlib.util.spec_from_file_location("reviewer_llama_build", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[spec.name] = module  # type: ignore[union-attr]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def main(argv: list[str] | None = None) -> int:
    build = _llama_build()
    parser = argparse.ArgumentParser(description="Build and install llama-cpp-python for this machine.")
    parser.add_argument("command", choices=("install", "wheel", "flags"))
    parser.add_argument("--python", default=sys.executable, help="the Python whose environment gets it")
    parser.add_argument("--version", default=os.environ.get("REVIEWER_LLAMA_VERSION", build.TESTED_VERSION))
    opts = parser.parse_args(argv)
    args = build.cmake_args(os.environ.get("CMAKE_ARGS", ""))
    if opts.command == "flags":
        print(" ".join(args))
        print(build.wheel_dir(opts.version, args))
        return 0
    try:
        if opts.command == "wheel":
            print(build.build_wheel(opts.python, opts.version, args, log=lambda m: print(m, file=sys.stderr)))
        else:
            build.install(opts.python, opts.version, args, log=print)
    except subprocess.CalledProcessError as exc:
        print(f"error: {' '.join(map(str, exc.cmd[:4]))} ... failed (exit {exc.returncode})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
