#!/usr/bin/env bash
# A GPU figure: llama-cpp-python built with CUDA into a venv, `reviewer bench` and a timed review
# of each diff with every layer offloaded (--gpu-layers -1), a markdown table in $OUT/gpu.md.
#
# On a machine WITH PyPI (here), once:   bench/gpu.sh --prepare
#   downloads into .gpu-wheelhouse/ (git-ignored): llama-cpp-python's sdist, slimmed (its vendored
#   git pack, vocab GGUFs, docs and benches removed: 77 MB -> 12 MB; 28 MB in all), and the wheels of the
#   packages reviewer needs that a CUDA image may lack. Carry that folder and a GGUF.
# On the GPU machine (no network):        bench/gpu.sh --model PATH.gguf [--diffs DIR]
# Check it on a CPU (no build, -ngl 0):   bench/gpu.sh --cpu --venv .venv --model SmolLM2.gguf
#
# Options: --model GGUF (default: $REVIEWER_GPU_MODEL); --diffs DIR (*.diff or */pr.diff; default
# ../shared/fixtures/real-prs when present, else examples/); --limit N diffs (default 6);
# --wheelhouse DIR; --sdist FILE (--prepare: an sdist already downloaded); --venv DIR (default .venv-gpu); --cuda-arch (default native); --out DIR
# (default $OUT, else out/gpu). Idempotent: a venv whose llama_cpp already offloads is reused.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
WHEELHOUSE=.gpu-wheelhouse
VENV=.venv-gpu
MODEL=${REVIEWER_GPU_MODEL:-}
DIFFS=""
LIMIT=6
CUDA_ARCH=native
OUTDIR=${OUT:-out/gpu}
MODE=gpu
SDIST=""
LLAMA_VERSION=0.3.36
# what reviewer imports beyond a CUDA image's usual packages (numpy, jinja2, click, requests...)
DEPS="unidiff PyGithub python-gitlab requests-toolbelt platformdirs diskcache pynacl pyjwt rich huggingface_hub"

while [ $# -gt 0 ]; do
    case "$1" in
        --prepare) MODE=prepare ;;
        --cpu) MODE=cpu ;;
        --model) MODEL=$2; shift ;;
        --diffs) DIFFS=$2; shift ;;
        --limit) LIMIT=$2; shift ;;
        --wheelhouse) WHEELHOUSE=$2; shift ;;
        --sdist) SDIST=$2; shift ;;
        --venv) VENV=$2; shift ;;
        --cuda-arch) CUDA_ARCH=$2; shift ;;
        --out) OUTDIR=$2; shift ;;
        -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
        *) echo "bench/gpu.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done

if [ "$MODE" = prepare ]; then
    PY=${PYTHON:-python3}
    mkdir -p "$WHEELHOUSE"
    sdist="$WHEELHOUSE/llama_cpp_python-$LLAMA_VERSION.tar.gz"
    if [ ! -f "$sdist" ]; then
        tmp=$(mktemp -d)
        if [ -n "$SDIST" ]; then cp "$SDIST" "$tmp/"; else
            # pip prepares the sdist's metadata on the way (installs its build backend: a minute or more)
            "$PY" -m pip download --no-deps --no-binary :all: "llama-cpp-python==$LLAMA_VERSION" -d "$tmp"
        fi
        tar xzf "$tmp"/llama_cpp_python-*.tar.gz -C "$tmp"
        src="$tmp/llama_cpp_python-$LLAMA_VERSION"
        rm -rf "$src/.git" "$src"/vendor/llama.cpp/models/*.gguf "$src/vendor/llama.cpp/docs" "$src/vendor/llama.cpp/benches" \
            "$src/vendor/llama.cpp/media"
        tar czf "$sdist" -C "$tmp" "llama_cpp_python-$LLAMA_VERSION"
        rm -rf "$tmp"
    fi
    # pure-Python wheels and the manylinux ones for Python 3.12 on x86-64 (a CUDA image's)
    # shellcheck disable=SC2086
    "$PY" -m pip download -q --only-binary=:all: --python-version 3.12 --implementation cp \
        --platform manylinux_2_28_x86_64 --platform manylinux2014_x86_64 --platform any -d "$WHEELHOUSE" $DEPS
    du -sh "$WHEELHOUSE"
    exit 0
fi

if [ -z "$MODEL" ] || [ ! -f "$MODEL" ]; then echo "bench/gpu.sh: --model PATH.gguf is needed (a file)" >&2; exit 2; fi
if [ "$MODE" = cpu ]; then NGL=0; else NGL=-1; fi

# 1. the venv: llama-cpp-python with CUDA, from the carried sdist, unless it is there already
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv --system-site-packages "$VENV"   # the image's numpy, jinja2, cmake, ninja...
fi
PY="$VENV/bin/python"
offloads() { "$PY" -c 'import llama_cpp, sys; sys.exit(0 if llama_cpp.llama_supports_gpu_offload() else 1)' 2>/dev/null; }
if [ "$MODE" = gpu ] && ! offloads; then
    [ -d "$WHEELHOUSE" ] || { echo "bench/gpu.sh: no $WHEELHOUSE (run bench/gpu.sh --prepare where PyPI is reachable)" >&2; exit 2; }
    isolation=--no-build-isolation
    "$PY" -c 'import scikit_build_core' 2>/dev/null || isolation=""
    CMAKE_ARGS="-DGGML_CUDA=on -DCMAKE_CUDA_ARCHITECTURES=$CUDA_ARCH -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF" \
    CMAKE_BUILD_PARALLEL_LEVEL=$(nproc) FORCE_CMAKE=1 \
        "$PY" -m pip install -q --no-index --find-links "$WHEELHOUSE" $isolation \
        "$WHEELHOUSE/llama_cpp_python-$LLAMA_VERSION.tar.gz"
    offloads || { echo "bench/gpu.sh: the build does not offload to a GPU" >&2; exit 4; }
fi
if [ -d "$WHEELHOUSE" ]; then
    # shellcheck disable=SC2086
    "$PY" -m pip install -q --no-index --find-links "$WHEELHOUSE" $DEPS 2>/dev/null || true
fi
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
"$PY" -c 'import reviewer.cli' || { echo "bench/gpu.sh: reviewer does not import in $VENV" >&2; exit 2; }

# 2. the diffs: a folder of PRs (NAME/pr.diff), of *.diff, or the repository's own examples
if [ -z "$DIFFS" ]; then
    if [ -d ../shared/fixtures/real-prs ]; then DIFFS=../shared/fixtures/real-prs; else DIFFS=examples; fi
fi
mapfile -t FILES < <( { find "$DIFFS" -maxdepth 2 -name pr.diff; find "$DIFFS" -maxdepth 1 -name '*.diff'; } | sort | head -n "$LIMIT")
[ "${#FILES[@]}" -gt 0 ] || { echo "bench/gpu.sh: no diffs in $DIFFS" >&2; exit 2; }

mkdir -p "$OUTDIR"
REPORT="$OUTDIR/gpu.md"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export REVIEWER_CACHE_DIR="$WORK/cache"   # no result cache or KV state of an earlier run
machine=$(nvidia-smi --query-gpu=name,memory.total --format=csv,noheader 2>/dev/null | head -1 || true)
[ -n "$machine" ] || machine="CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores"
version=$("$PY" -c 'import llama_cpp; print(llama_cpp.__version__)')

{
    echo "# reviewer on $machine"
    echo
    echo "model \`$(basename "$MODEL")\`, llama-cpp-python $version, --gpu-layers $NGL, $(date -u +%Y-%m-%dT%H:%MZ)"
    echo
    echo "## reviewer bench ($(basename "${FILES[0]}"))"
    echo
    "$PY" -m reviewer bench --diff "${FILES[0]}" --model "$MODEL" --gpu-layers "$NGL"
    echo
    echo "## One review per diff (cold: no cache, no saved KV state)"
    echo
    echo "| diff | changed lines | chunks | model calls | prompt tokens | evaluated | completion tokens | s |"
    echo "|---|---|---|---|---|---|---|---|"
} > "$REPORT"
total_ms=0
for f in "${FILES[@]}"; do
    name=$(basename "$(dirname "$f")")/$(basename "$f")
    changed=$(grep -c '^[-+][^-+]' "$f" || true)
    start=$(date +%s%N)
    "$PY" -m reviewer review --diff "$f" --model "$MODEL" --gpu-layers "$NGL" --format json -o "$WORK/r.json" \
        2>"$WORK/err" || { echo "| $name | $changed | failed: $(tail -1 "$WORK/err") |" >> "$REPORT"; continue; }
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    total_ms=$(( total_ms + ms ))
    "$PY" - "$WORK/r.json" "$name" "$changed" "$ms" >> "$REPORT" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))["stats"]
print(f"| {sys.argv[2]} | {sys.argv[3]} | {s['chunks']} | {s['model_calls']} | {s['prompt_tokens']} | "
      f"{s['prompt_tokens_evaluated']} | {s['completion_tokens']} | {int(sys.argv[4]) / 1000:.1f} |")
EOF
done
printf '| **%d diffs** | | | | | | | **%d.%d** |\n' "${#FILES[@]}" $((total_ms / 1000)) $((total_ms % 1000 / 100)) >> "$REPORT"
cat "$REPORT"
