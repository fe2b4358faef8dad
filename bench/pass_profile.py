"""Where a review's time goes, pass by pass: runs a `reviewer` command in-process with the
llama backend's calls timed and tagged by the pass that made them, and each verdict's votes kept.

    python bench/pass_profile.py --out profile.json -- eval SET_DIR --model PATH.gguf
    python bench/pass_profile.py --show profile.json [more.json ...]

The table: per pass (draft, verify, fixjudge, confirm, explain) the calls, seconds, prompt
tokens, tokens evaluated (past the KV cache's prefix) and tokens generated; then each verdict's
votes (P(new version) in each order asked) and its mean. docs/benchmarks.md uses it for the cold
reviews of real PRs.
"""

from __future__ import annotations

import argparse
import atexit
import inspect
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _caller() -> str:
    """The pass (module.function under reviewer/review/passes/, the judge's helpers skipped) that called."""
    for frame in inspect.stack()[2:]:
        module = frame.frame.f_globals.get("__name__", "")
        if module.startswith("reviewer.review.passes.") and module != "reviewer.review.passes.judge":
            return module.rsplit(".", 1)[-1]
    return "?"


def instrument(records: list[dict]) -> None:
    from reviewer.backends import llama
    from reviewer.review.passes import judge

    for name in ("complete", "choose"):
        original = getattr(llama.LlamaBackend, name)

        def timed(self, *args, _original=original, _name=name, **kwargs):
            start = time.perf_counter()
            out = _original(self, *args, **kwargs)
            records.append({"call": _name, "by": _caller(), "s": round(time.perf_counter() - start, 2),
                            "prompt": out.prompt_tokens, "eval": out.prompt_tokens_evaluated,
                            "out": getattr(out, "completion_tokens", 0)})
            return out

        setattr(llama.LlamaBackend, name, timed)
    original_vote = judge.vote

    def vote(*args, **kwargs):
        verdict = original_vote(*args, **kwargs)
        records.append({"verdict": _caller(), "votes": list(verdict.votes), "p": verdict.p_new,
                        "asked": verdict.calls})
        return verdict

    judge.vote = vote


def table(records: list[dict]) -> list[str]:
    rows: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0, 0, 0])
    for r in records:
        if "call" in r:
            row = rows[r["by"]]
            for i, value in enumerate((1, r["s"], r["prompt"] or 0, r["eval"] or 0, r.get("out") or 0)):
                row[i] += value
    out = ["| pass | calls | s | prompt tokens | evaluated | generated |", "|---|---|---|---|---|---|"]
    for name, (calls, seconds, prompt, evaluated, generated) in sorted(rows.items(), key=lambda kv: -kv[1][1]):
        out.append(f"| {name} | {calls} | {seconds:.1f} | {prompt} | {evaluated} | {generated} |")
    total = sum(row[1] for row in rows.values())
    out.append(f"| all | {sum(row[0] for row in rows.values())} | {total:.1f} | | | |")
    verdicts = [r for r in records if "votes" in r]
    if verdicts:
        out += ["", "verdicts (votes for the new version, in the order asked -> mean):"]
        out += [f"- {r['verdict']}: {', '.join(f'{v:.3f}' for v in r['votes'])} -> {r['p']:.3f}" for r in verdicts]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, help="where the calls are written (JSON)")
    ap.add_argument("--show", nargs="+", type=Path, help="print the tables of profiles written before")
    ap.add_argument("command", nargs=argparse.REMAINDER, help="-- then a reviewer command and its arguments")
    args = ap.parse_args(argv)
    if args.show:
        for path in args.show:
            print(f"## {path}\n")
            print("\n".join(table(json.loads(path.read_text()))) + "\n")
        return 0
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command or args.out is None:
        ap.error("give --out FILE and, after --, a reviewer command (or --show FILE)")
    records: list[dict] = []
    instrument(records)
    atexit.register(lambda: args.out.write_text(json.dumps(records, indent=0)))
    from reviewer.cli import main as reviewer

    sys.argv = ["reviewer", *command]
    reviewer()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
