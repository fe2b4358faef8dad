"""Prefill and decode speed of one llama-cpp-python build, for comparing builds in one run.

Run it with each build's Python, alternating, so that both see the same machine load:

    python bench/build_speed.py --model PATH.gguf --json           # one measurement, JSON
    python bench/build_speed.py --compare PY_A PY_B --rounds 3     # A B A B A B, a markdown table

Each measurement loads the model, evaluates a fixed prompt of real code (examples/demo.diff,
``--prompt-tokens`` long) in one batch, then decodes ``--decode`` tokens greedily, and reads
llama.cpp's own counters (``llama_perf_context``). No reviewer code is imported in the child:
only llama_cpp, so any build can be measured.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def measure(model: str, prompt_tokens: int, decode: int, threads: int | None) -> dict:
    import llama_cpp
    from llama_cpp import Llama

    llm = Llama(model_path=model, n_ctx=prompt_tokens + decode + 16, n_batch=512, verbose=False,
                **({"n_threads": threads} if threads else {}))
    text = (ROOT / "examples" / "demo.diff").read_bytes()
    tokens = llm.tokenize(text, add_bos=True)
    while len(tokens) < prompt_tokens:
        tokens += tokens
    tokens = tokens[:prompt_tokens]
    llama_cpp.llama_perf_context_reset(llm.ctx)
    llm.eval(tokens)
    for _ in range(decode):
        llm.eval([llm.sample(temp=0.0)])
    perf = llama_cpp.llama_perf_context(llm.ctx)
    info = llama_cpp.llama_print_system_info()
    info = info.decode() if isinstance(info, bytes) else str(info)
    return {"prefill_tok_s": perf.n_p_eval / (perf.t_p_eval_ms / 1000), "decode_tok_s": perf.n_eval / (perf.t_eval_ms / 1000),
            "prompt_tokens": perf.n_p_eval, "decoded": perf.n_eval,
            "features": " ".join(p.split("=")[0].split(":")[-1].strip() for p in info.split("|") if p.strip().endswith("= 1")),
            "version": llama_cpp.__version__}


def compare(pythons: list[str], model: str, rounds: int, prompt_tokens: int, decode: int) -> None:
    runs: dict[str, list[dict]] = {py: [] for py in pythons}
    for r in range(rounds):
        for py in pythons:
            out = subprocess.run([py, __file__, "--model", model, "--json", "--prompt-tokens", str(prompt_tokens),
                                  "--decode", str(decode)], capture_output=True, text=True, check=True).stdout
            runs[py].append(json.loads(out.strip().splitlines()[-1]))
            print(f"round {r + 1} {py}: {runs[py][-1]['prefill_tok_s']:.1f} / {runs[py][-1]['decode_tok_s']:.1f} tok/s",
                  file=sys.stderr)
    base = pythons[-1]
    med = {py: (statistics.median(x["prefill_tok_s"] for x in runs[py]),
                statistics.median(x["decode_tok_s"] for x in runs[py])) for py in pythons}
    print(f"| build (python) | compiled in | prefill tok/s | decode tok/s | prefill ratio | decode ratio |")
    print("|---|---|---|---|---|---|")
    for py in pythons:
        p, d = med[py]
        print(f"| `{py}` | {runs[py][0]['features']} | {p:.1f} | {d:.1f} | {p / med[base][0]:.2f} | {d / med[base][1]:.2f} |")
    print(f"\nmedians of {rounds} rounds, alternating; {prompt_tokens} prompt tokens, {decode} decoded; "
          f"ratios against the last build")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--json", action="store_true", help="one measurement with this Python's llama_cpp")
    ap.add_argument("--compare", nargs="+", metavar="PYTHON", help="the builds' Pythons, measured alternately")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--prompt-tokens", type=int, default=512)
    ap.add_argument("--decode", type=int, default=64)
    ap.add_argument("--threads", type=int)
    args = ap.parse_args()
    if args.compare:
        compare(args.compare, args.model, args.rounds, args.prompt_tokens, args.decode)
    else:
        print(json.dumps(measure(args.model, args.prompt_tokens, args.decode, args.threads)))


if __name__ == "__main__":
    main()
