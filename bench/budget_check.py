"""The budget's accuracy on one diff: `reviewer review --diff DIFF --budget N --format json`, and
what it planned (the estimate before the model started, for the whole review) against what it
took (the review's own seconds, and the whole command's wall clock with the model's load), with
the files the budget left. `--full` first runs the same review without a budget: the estimate's
accuracy on the whole review.

No result is taken from the result cache (each run gets an empty one), but the speeds the
estimate is made from are: they are copied from your result cache into the run's, and what the
run measured is copied back (the next estimate learns from it).

    python bench/budget_check.py ../shared/fixtures/real-prs/flask-4992/pr.diff --budget 60 --full \
        --model qwen2.5-coder-1.5b
    python bench/budget_check.py examples/demo.diff --budget 20 --model smollm2-135m -- --context 4096

Prints one line a run and, with --json, the figures as one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from reviewer.review.cache import ResultCache
from reviewer.config import load_settings
from reviewer.app.wiring import make_cache


def copy_rates(source: ResultCache, target: ResultCache) -> int:
    rows = source._db.execute("SELECT key, value FROM rates").fetchall()  # noqa: SLF001 - a bench's look inside
    for key, value in rows:
        target.put_rates(key, json.loads(value))
    return len(rows)


def review_once(diff: str, budget: str | None, model: str | None, extra: list[str], rates: ResultCache | None) -> dict:
    with tempfile.TemporaryDirectory(prefix="budget-check-") as folder:
        results = Path(folder) / "results.sqlite3"
        run_cache = ResultCache(results)
        if rates is not None:
            copy_rates(rates, run_cache)
        cmd = [sys.executable, "-m", "reviewer", "review", "--diff", diff, "--format", "json",
               *(["--budget", budget] if budget else []), *(["--model", model] if model else []), *extra]
        env = {**os.environ, "REVIEWER_RESULT_CACHE": str(results)}
        started = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True, env=env)
        wall = time.perf_counter() - started
        if done.returncode not in (0, 1):
            sys.exit(f"reviewer review failed ({done.returncode}): {done.stderr.strip()[-400:]}")
        if rates is not None:
            copy_rates(ResultCache(results), rates)
    report = json.loads(done.stdout)
    stats = report["stats"]
    estimate = next((line for line in done.stderr.splitlines() if line.startswith("estimate:")), "")
    return {"budget": stats.get("budget"), "planned": stats.get("planned_seconds"), "seconds": stats["seconds"],
            "wall": round(wall, 1), "chunks": stats["chunks"], "not_reviewed": stats.get("not_reviewed", 0),
            "model_calls": stats["model_calls"], "estimate": estimate,
            "left": [s for s in report["skipped"] if s["reason"].startswith("budget")]}


def line(name: str, r: dict) -> str:
    budget = f"budget {r['budget']:g} s, " if r["budget"] else ""
    return (f"{name}: {budget}planned {r['planned']} s, review took {r['seconds']:.1f} s "
            f"(command {r['wall']:.1f} s with the load), {r['chunks']} chunks, {r['not_reviewed']} not reviewed, "
            f"{r['model_calls']} model calls")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("diff")
    parser.add_argument("--budget", required=True, help="seconds or a duration (60, 90s, 10m)")
    parser.add_argument("--model")
    parser.add_argument("--full", action="store_true", help="first, the same review without a budget")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("extra", nargs="*", help="more `reviewer review` flags, after --")
    args = parser.parse_args()
    rates = make_cache(load_settings({}))
    out = {}
    if args.full:
        out["full"] = review_once(args.diff, None, args.model, args.extra, rates)
        print(line("full", out["full"]))
    out["budget"] = review_once(args.diff, args.budget, args.model, args.extra, rates)
    print(line("budget", out["budget"]))
    print(out["budget"]["estimate"])
    for s in out["budget"]["left"]:
        print(f"  left: {s['path']}: {s['reason']}")
    if args.json:
        print(json.dumps(out))


if __name__ == "__main__":
    main()
