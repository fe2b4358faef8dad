"""The portable llama-cpp-python build, and the decode check that turns a native crash into one line."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from reviewer.backends import llama_build
from reviewer.backends.llama_health import CheckResult, NativeCrash, crash_error, ensure_runs, run_check
from reviewer.cli import main
from reviewer.errors import EXIT_MODEL

XEON = {"avx", "avx2", "fma", "f16c", "avx512f", "avx512_vnni", "amx_tile", "amx_int8", "amx_bf16"}


def test_the_portable_flags_name_the_cpus_instruction_sets_and_turn_amx_off():
    args = llama_build.cmake_args("", features=XEON, machine="x86_64")
    assert args[0] == "-DGGML_NATIVE=OFF"
    assert {"-DGGML_AVX2=ON", "-DGGML_AVX512=ON", "-DGGML_FMA=ON", "-DGGML_F16C=ON"} <= set(args)
    assert {"-DGGML_AMX_TILE=OFF", "-DGGML_AMX_INT8=OFF", "-DGGML_AMX_BF16=OFF"} <= set(args)
    older = llama_build.cmake_args("", features={"avx", "avx2", "fma", "f16c"}, machine="x86_64")
    assert "-DGGML_AVX512=OFF" in older and "-DGGML_AVX2=ON" in older


def test_a_gpu_build_keeps_the_users_flags_and_a_native_choice_is_the_users():
    cuda = llama_build.cmake_args("-DGGML_CUDA=on", features=XEON, machine="x86_64")
    assert cuda[0] == "-DGGML_CUDA=on" and "-DGGML_NATIVE=OFF" in cuda
    assert llama_build.cmake_args("-DGGML_NATIVE=ON -DGGML_CUDA=on", features=XEON, machine="x86_64") == \
        ["-DGGML_NATIVE=ON", "-DGGML_CUDA=on"]
    # Apple silicon and Arm servers: the native build is the right one, Metal as the user says
    assert llama_build.cmake_args("-DGGML_METAL=on", features=set(), machine="arm64") == ["-DGGML_METAL=on"]


def test_a_wheel_is_kept_per_version_and_flags(monkeypatch, tmp_path):
    monkeypatch.setenv("REVIEWER_CACHE_DIR", str(tmp_path))
    portable = llama_build.cmake_args("", features=XEON, machine="x86_64")
    cuda = llama_build.cmake_args("-DGGML_CUDA=on", features=XEON, machine="x86_64")
    a, b = llama_build.wheel_dir("0.3.36", portable), llama_build.wheel_dir("0.3.36", cuda)
    assert a != b and a.parent == b.parent == tmp_path / "llama-wheels"
    assert llama_build.wheel_dir("0.3.37", portable) != a and llama_build.wheel_dir("0.3.36", portable) == a


def test_cpu_features_are_read_from_cpuinfo():
    text = "processor\t: 0\nflags\t\t: fpu avx avx2 amx_tile\n\nprocessor\t: 1\nflags\t\t: fpu avx\n"
    assert llama_build.cpu_features(text) == {"fpu", "avx", "avx2", "amx_tile"}


def test_the_installed_build_says_how_it_was_built():
    build = llama_build.installed_build()
    if build is None:
        pytest.skip("llama-cpp-python was not installed by reviewer/backends/llama_build.py")
    assert build["version"] == llama_build.TESTED_VERSION
    assert "-DGGML_NATIVE=OFF" in build["cmake_args"] or any("GGML_NATIVE" in a for a in build["cmake_args"])


@pytest.mark.model
def test_the_decode_check_passes_on_this_build(smollm2_path, tmp_path):
    result = run_check(smollm2_path)
    assert result.ok and result.tokens == 4 and not result.signal
    ensure_runs(smollm2_path, tmp_path)
    assert len(list(tmp_path.glob("*.json"))) == 1  # remembered: the next load asks nothing


@pytest.mark.model
def test_a_child_that_dies_of_sigsegv_is_one_line_with_its_fix(smollm2_path):
    result = run_check(smollm2_path, crash=True)
    assert not result.ok and result.signal == "SIGSEGV"
    error = crash_error(result, smollm2_path)
    assert isinstance(error, NativeCrash) and error.exit_code == EXIT_MODEL == 4
    assert str(error).startswith("llama.cpp crashed on this CPU (SIGSEGV in the first decode")
    assert "build_llama install" in str(error)


@pytest.mark.model
def test_doctor_names_the_build_and_passes(smollm2_path):
    result = CliRunner().invoke(main, ["doctor", "--model", str(smollm2_path)])
    assert result.exit_code == 0, result.output
    assert "llama-cpp-python 0.3.36" in result.output and "compiled in:" in result.output
    assert "decode check: ok" in result.output and "sha256" in result.output


@pytest.mark.model
def test_doctor_reports_a_crash_in_one_line_with_exit_4(smollm2_path):
    proc = subprocess.run([sys.executable, "-m", "reviewer", "doctor", "--model", str(smollm2_path), "--crash"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 4
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "llama.cpp crashed on this CPU (SIGSEGV" in errors[0]
    assert "Traceback" not in proc.stderr and "Segmentation fault" not in proc.stderr


def test_a_failed_check_is_asked_again_and_never_remembered(tmp_path, monkeypatch):
    model = tmp_path / "m.gguf"
    model.write_bytes(b"GGUF")
    calls = []

    def failing(path, gpu_layers=0, threads=None, timeout=0, crash=False):
        calls.append(path)
        return CheckResult(False, 0.1, signal="SIGILL")

    monkeypatch.setattr("reviewer.backends.llama_health.run_check", failing)
    for _ in range(2):
        with pytest.raises(NativeCrash, match="SIGILL"):
            ensure_runs(model, tmp_path / "memo")
    assert len(calls) == 2 and not (tmp_path / "memo").exists()
    json.dumps(CheckResult(True, 1.0).__dict__)
