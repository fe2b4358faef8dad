"""Build and install llama-cpp-python for this machine (reviewer/backends/llama_build.py says how).

Standard library only, and runnable by its path, since it runs before anything is installed::

    python3 reviewer/cli/build_llama.py install --python .venv/bin/python   # make llama
    python3 reviewer/cli/build_llama.py flags                               # the flags, the wheel's folder
    python3 -m reviewer.cli.build_llama install                             # where reviewer is installed
    python3 reviewer/cli/build_llama.py server --python .venv/bin/python    # make llama-server

``server`` builds llama.cpp's llama-server from the llama.cpp source that llama-cpp-python's sdist
vendors (the version installed for ``--python``; ``--sdist FILE`` or REVIEWER_LLAMA_SDIST: that
sdist instead of pip's download) with the same flags (reviewer/backends/server_build.py).
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


def _server_build():
    """The server's build module, likewise (it imports the wheel's build module)."""
    if __package__:
        from ..backends import server_build

        return server_build
    _llama_build()
    path = Path(__file__).resolve().parents[1] / "backends" / "server_build.py"
    spec = importlib.util.spec_from_file_location("reviewer_server_build", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[spec.name] = module  # type: ignore[union-attr]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def server(opts) -> int:
    """Build (or find cached) llama-server for the installed llama-cpp-python; print its path."""
    build = _server_build()
    version = opts.version or build.installed_version(opts.python)
    args = build.server_args(os.environ.get("CMAKE_ARGS", ""))
    if opts.flags:
        print(" ".join(args))
        print(build.server_dir(version, args))
        return 0
    sdist = opts.sdist or os.environ.get("REVIEWER_LLAMA_SDIST")
    try:
        binary = build.build_server(version, args, sdist=Path(sdist) if sdist else None, python=opts.python,
                                    jobs=opts.jobs, log=lambda m: print(m, file=sys.stderr))
    except (subprocess.CalledProcessError, OSError) as exc:
        what = " ".join(map(str, exc.cmd[:4])) + " ..." if isinstance(exc, subprocess.CalledProcessError) else str(exc)
        print(f"error: building llama-server failed: {what}", file=sys.stderr)
        return 1
    print(binary)
    return 0


def main(argv: list[str] | None = None) -> int:
    build = _llama_build()
    parser = argparse.ArgumentParser(description="Build and install llama-cpp-python for this machine.")
    parser.add_argument("command", choices=("install", "wheel", "flags", "server"))
    parser.add_argument("--python", default=sys.executable, help="the Python whose environment gets it")
    parser.add_argument("--version", default=os.environ.get("REVIEWER_LLAMA_VERSION"),
                        help=f"llama-cpp-python's version (default: {build.TESTED_VERSION}; for server: the installed one)")
    parser.add_argument("--sdist", help="server: llama-cpp-python's sdist to take llama.cpp from (default: pip download)")
    parser.add_argument("--jobs", "-j", type=int, help="server: parallel compile jobs (default: all cores)")
    parser.add_argument("--flags", action="store_true", help="server: print the flags and the binary's folder only")
    opts = parser.parse_args(argv)
    if opts.command == "server":
        return server(opts)
    opts.version = opts.version or build.TESTED_VERSION
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
