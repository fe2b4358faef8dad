"""`reviewer doctor`: what this machine and this llama.cpp build are, and whether the model runs.

The decode check runs in a child process, so a build that crashes on this CPU is reported in
one line with its fix (exit 4) instead of taking the command down with a bare segfault.
"""

from __future__ import annotations

import hashlib
import platform
from pathlib import Path

import click

from .. import __version__
from ..backends.llama_build import TESTED_VERSION, X86_FEATURES, cpu_features, is_x86
from ..backends.llama_health import build_identity, crash_error, run_check
from ..errors import ModelError
from ..backends.modelfiles.hf import fetch as fetch_hf, is_hf
from ..backends.modelfiles.registry import resolve
from .common import guarded
from .options import settings_from

# the CPU features that matter to ggml on x86, as /proc/cpuinfo names them
SHOWN_FEATURES = ("avx", "avx2", "fma", "f16c", "avx512f", "avx512_vnni", "avx512_bf16", "amx_tile", "amx_int8")


def _system_info() -> str:
    import llama_cpp

    raw = llama_cpp.llama_print_system_info()
    return (raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw)).strip()


def _compiled_in(info: str) -> list[str]:
    """The features the build has on, from llama.cpp's own system info (``AVX2 = 1 | ...``)."""
    out = []
    for part in info.replace("\n", "|").split("|"):
        name, _, value = part.rpartition("=")
        name = name.split(":")[-1].strip()
        if name and value.strip() == "1":
            out.append(name)
    return out


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@click.command("doctor")
@click.option("--model", "-m", metavar="PATH|NAME", help="The model to check (default: the configured one).")
@click.option("--gpu-layers", type=int, metavar="N", help="Layers to offload in the check (default: the configured value).")
@click.option("--no-check", is_flag=True, help="Only describe the build; decode nothing.")
@click.option("--crash", is_flag=True, hidden=True, help="The child kills itself with SIGSEGV (tests the crash path).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), help="Config file.")
@click.option("-v", "--verbose", is_flag=True)
@guarded
def doctor_cmd(model, gpu_layers, no_check, crash, config_path, verbose):
    """Describe the machine and the llama.cpp build, and decode a few tokens of the model in a
    child process (a crash there is one line with its fix, exit 4)."""
    settings = settings_from({"model": model, "gpu_layers": gpu_layers}, config_path)
    say = click.echo
    say(f"reviewer {__version__} on Python {platform.python_version()}, {platform.system()} {platform.machine()}")
    ident = build_identity()
    if not ident["version"]:
        raise ModelError("llama-cpp-python is not installed", hint="make install (or python3 -m reviewer.cli.build_llama install)")
    built = ident["build"]
    tested = "tested" if ident["version"] == TESTED_VERSION else f"untested; tested: {TESTED_VERSION}"
    say(f"llama-cpp-python {ident['version']} ({tested})")
    say("  built by: " + (f"reviewer's build, CMAKE_ARGS {' '.join(built['cmake_args'])}" if built
                          else "pip's own build or a wheel (not reviewer's; `reviewer doctor` cannot tell its flags)"))
    info = _system_info()
    say(f"  compiled in: {' '.join(_compiled_in(info)) or info}")
    import llama_cpp

    say(f"  GPU offload: {'yes' if llama_cpp.llama_supports_gpu_offload() else 'no (a CPU build)'}")
    have = cpu_features()
    if is_x86():
        present = [f for f in SHOWN_FEATURES if f in have]
        say(f"CPU features present: {' '.join(present) or 'unknown'}")
        if built is None and {"amx_tile", "amx_int8"} & have:
            say("  warning: this CPU has AMX; a native build (pip's default) can crash here, "
                "`python3 -m reviewer.cli.build_llama install` builds a portable one")
        missing = [option for cpu, option in X86_FEATURES if option in " ".join(built["cmake_args"] if built else ())
                   and f"-D{option}=ON" in built["cmake_args"] and cpu not in have]
        if missing:
            say(f"  warning: built with {' '.join(missing)} that this CPU lacks: rebuild here")
    if is_hf(settings.model):
        path, sha = fetch_hf(settings.model).path, ""
    else:
        path, spec = resolve(settings.model)
        sha = spec.sha256 if spec is not None else ""
    actual = _sha256(path)
    verified = " (matches the registry)" if sha and sha == actual else (" (DOES NOT match the registry)" if sha else "")
    say(f"model: {path} ({path.stat().st_size / 1e6:.0f} MB), sha256 {actual}{verified}")
    if no_check:
        return
    result = run_check(path, settings.gpu_layers, settings.threads, crash=crash)
    if not result.ok:
        raise crash_error(result, path)
    say(f"decode check: ok, {result.tokens} tokens in a child process ({result.seconds:.1f} s with the load)")
