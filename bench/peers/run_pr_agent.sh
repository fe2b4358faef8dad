#!/usr/bin/env bash
# PR-Agent's `review` on reviewer's eval sets, on the same local GGUF, scored by reviewer's scorer
# (docs/peers.md). Idempotent: the venv is made once; each run writes OUT/results.json, OUT/table.md.
#
#   bench/peers/run_pr_agent.sh --set ../shared/fixtures/quality-quixbugs --limit 3 --out out/peers
#
# Options: --set DIR (repeatable), --limit N, --out DIR (default out/peers), --model NAME|PATH (a
# registry name or a GGUF; default qwen2.5-coder-1.5b), --context N (8192), --threads N (all
# cores), --port N, --timeout S (one PR-Agent run; 7200).
# Environment: PY312 (a Python >= 3.12 for PR-Agent), PEERS_HOME (where its venv lives,
# default ~/.cache/reviewer-peers), REVIEWER_PYTHON (default .venv/bin/python of this checkout);
# CONFIG__*/PR_REVIEWER__* variables reach PR-Agent as its own settings.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
PR_AGENT_VERSION=0.49.0
PEERS_HOME="${PEERS_HOME:-$HOME/.cache/reviewer-peers}"
VENV="$PEERS_HOME/pr-agent-$PR_AGENT_VERSION"
REVIEWER_PYTHON="${REVIEWER_PYTHON:-$ROOT/.venv/bin/python}"

missing() { echo "run_pr_agent.sh: missing: $*" >&2; exit 3; }

# 1. a Python >= 3.12 (PR-Agent 0.49 requires it): $PY312, python3.12/3.13 on PATH, or pyenv's
find_python() {
    local c
    for c in "${PY312:-}" python3.12 python3.13 \
             "$(pyenv root 2>/dev/null)"/versions/3.12*/bin/python3.12 \
             "$(pyenv root 2>/dev/null)"/versions/3.13*/bin/python3.13; do
        [ -n "$c" ] || continue
        c="$(command -v "$c" 2>/dev/null)" || continue
        if "$c" -c 'import sys, ssl, sqlite3, zlib, ctypes; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
            echo "$c"; return 0
        fi
    done
    return 1
}

# 2. PR-Agent's own venv, made once
if ! "$VENV/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('pr-agent') != '$PR_AGENT_VERSION')" 2>/dev/null; then
    PY="$(find_python)" || missing "a Python >= 3.12 with ssl, sqlite3, zlib and ctypes (PR-Agent $PR_AGENT_VERSION needs it; this machine's python3 is $(python3 -V 2>&1)). Set PY312=/path/to/python3.12."
    echo "making PR-Agent's venv with $PY ($("$PY" -V)) in $VENV" >&2
    rm -rf "$VENV"
    "$PY" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    "$VENV/bin/python" -m pip install --quiet "pr-agent==$PR_AGENT_VERSION" \
        || missing "pr-agent==$PR_AGENT_VERSION from the package index (pip failed above)"
fi

# 3. reviewer's Python with llama_cpp.server (make install: the [server] extra)
"$REVIEWER_PYTHON" -c "import reviewer, llama_cpp.server.app" 2>/dev/null \
    || missing "reviewer's Python with llama_cpp.server at $REVIEWER_PYTHON ('make install' makes it; or set REVIEWER_PYTHON)"

# 4. the model (--model NAME|PATH, default the registry's qwen2.5-coder-1.5b) is resolved and
#    verified by reviewer itself, in pr_agent_eval.py
args=("$@")
[[ " $* " == *" --out "* ]] || args+=(--out "$ROOT/out/peers")
[[ " $* " == *" --set "* ]] || missing "--set DIR (an eval set, e.g. ../shared/fixtures/quality-quixbugs)"

cd "$ROOT"
exec env PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}" \
    "$REVIEWER_PYTHON" bench/peers/pr_agent_eval.py --pr-agent "$VENV/bin/python" "${args[@]}"
