"""Whether this llama-cpp-python build can run a model on this CPU, asked in a child process.

A build made for another CPU (``-march=native`` elsewhere, or ggml's AMX kernels on a Xeon
where they crash) dies of a signal inside ``llama_decode``: in-process that is a bare
``Segmentation fault`` half way through a review. So the model is first loaded in a child
process that decodes a few tokens; a child killed by a signal becomes one ``NativeCrash`` line
with its fix. The answer is remembered per (build, CPU, model) beside the result cache, so the
check runs once, not per review. ``reviewer doctor`` runs it and shows what the build is.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from ..errors import ModelError
from .llama_build import cpu_features, installed_build

CHECK_VERSION = 1
CHECK_TIMEOUT = 600  # seconds: a 27B model's load from a cold disk fits
REBUILD = "python3 -m reviewer.cli.build_llama install"  # portable flags, AMX off


class NativeCrash(ModelError):
    """llama.cpp died of a signal (a build for another CPU): the model cannot run here."""


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    seconds: float
    tokens: int = 0
    signal: str = ""  # the signal that killed the child ("SIGSEGV"), "" when it exited
    error: str = ""  # the child's one line when it exited with an error


def build_identity() -> dict:
    """What the installed llama-cpp-python is: version, how reviewer built it (if it did), and
    the shared library's size and time (a rebuild changes them)."""
    import importlib.metadata
    import importlib.util

    try:
        version = importlib.metadata.version("llama-cpp-python")
    except importlib.metadata.PackageNotFoundError:
        version = ""
    spec = importlib.util.find_spec("llama_cpp")
    libs = []
    if spec is not None and spec.origin:
        lib_dir = Path(spec.origin).parent / "lib"
        for lib in sorted(lib_dir.glob("*.so*")) + sorted(lib_dir.glob("*.dylib")) + sorted(lib_dir.glob("*.dll")):
            st = lib.stat()
            libs.append(f"{lib.name}:{st.st_size}:{int(st.st_mtime)}")
    return {"version": version, "build": installed_build(), "libs": libs}


def check_key(model_path: Path, gpu_layers: int) -> str:
    """One check per (build, CPU, model file, offload)."""
    st = model_path.stat()
    parts = [CHECK_VERSION, build_identity(), sorted(cpu_features()), platform.machine(),
             str(model_path.resolve()), st.st_size, int(st.st_mtime), gpu_layers]
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:24]


def run_check(model_path: Path, gpu_layers: int = 0, threads: int | None = None,
              timeout: float = CHECK_TIMEOUT, crash: bool = False) -> CheckResult:
    """Load the model in a child process and decode a few tokens; ``crash`` makes the child kill
    itself with SIGSEGV where the decode would be (the path a broken build takes, for tests)."""
    with tempfile.TemporaryDirectory(prefix="reviewer-check-") as tmp:
        answer_file = Path(tmp) / "answer.json"
        cmd = [sys.executable, "-m", "reviewer.backends.llama_health", str(model_path), str(gpu_layers),
               str(threads or 0), str(answer_file), *(["--crash"] if crash else [])]
        start = time.perf_counter()
        env = dict(os.environ, OMP_WAIT_POLICY=os.environ.get("OMP_WAIT_POLICY", "PASSIVE"))
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
        except subprocess.TimeoutExpired:
            return CheckResult(False, time.perf_counter() - start, error=f"the check did not finish in {timeout:.0f} s")
        seconds = time.perf_counter() - start
        text = answer_file.read_text() if answer_file.is_file() else ""
    return _read(proc, seconds, text)


def _read(proc: subprocess.CompletedProcess, seconds: float, text: str) -> CheckResult:
    """The child's end: a signal, an error line, or its answer."""
    if proc.returncode < 0:
        try:
            name = signal.Signals(-proc.returncode).name
        except ValueError:
            name = f"signal {-proc.returncode}"
        return CheckResult(False, seconds, signal=name)
    if proc.returncode != 0 or not text.strip():
        tail = (proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1]
        return CheckResult(False, seconds, error=tail[:300])
    answer = json.loads(text)
    return CheckResult(bool(answer.get("ok")), seconds, int(answer.get("tokens", 0)), error=answer.get("error", ""))


def crash_error(result: CheckResult, model_path: Path) -> ModelError:
    """The one line for a failed check."""
    if result.signal:
        return NativeCrash(
            f"llama.cpp crashed on this CPU ({result.signal} in the first decode of {model_path.name}); "
            f"rebuild llama-cpp-python with `{REBUILD}`",
            hint="that builds with GGML_NATIVE=OFF, this CPU's AVX/AVX2/AVX-512 named and ggml's AMX kernels off "
                 "(make install does the same); `reviewer doctor` shows the build")
    return ModelError(f"the model {model_path.name} failed its first decode in a child process: {result.error}",
                      hint="`reviewer doctor` shows the build and the model")


def ensure_runs(model_path: Path, memo_dir: Path | None, gpu_layers: int = 0, threads: int | None = None) -> None:
    """Raise before a review starts when this build cannot run the model here; a passed check
    is remembered in ``memo_dir`` (a failed one is asked again: the user may have rebuilt)."""
    if not model_path.is_file():
        return  # the load itself says what is wrong with the path
    memo = None
    if memo_dir is not None:
        memo = memo_dir / f"{check_key(model_path, gpu_layers)}.json"
        if memo.is_file():
            return
    result = run_check(model_path, gpu_layers, threads)
    if not result.ok:
        raise crash_error(result, model_path)
    if memo is not None:
        memo.parent.mkdir(parents=True, exist_ok=True)
        tmp = memo.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"model": str(model_path), **asdict(result)}) + "\n")
        tmp.replace(memo)


def _child(argv: list[str]) -> int:
    """The child: load, decode a few tokens, write its answer (JSON) to the file it was given."""
    path, gpu_layers, threads, answer_file = argv[0], int(argv[1]), int(argv[2]) or None, Path(argv[3])
    from llama_cpp import Llama

    llm = Llama(model_path=path, n_ctx=256, n_batch=64, n_gpu_layers=gpu_layers, verbose=False,
                **({"n_threads": threads} if threads else {}))
    tokens = llm.tokenize(b"def add(a, b):\n    return", add_bos=True)
    if "--crash" in argv:
        os.kill(os.getpid(), signal.SIGSEGV)
    llm.eval(tokens)
    produced = 0
    for _ in range(4):
        token = llm.sample(temp=0.0)
        llm.eval([token])
        produced += 1
    answer_file.write_text(json.dumps({"ok": True, "tokens": produced}))
    return 0


if __name__ == "__main__":
    raise SystemExit(_child(sys.argv[1:]))
