"""Same model, same review? The in-process backend against a managed llama-server (and, with
--draft-model, the server with speculative decoding), on the first N PRs of a set, each review
run as a user runs it (`reviewer review --diff PR --format json --no-cache`), one after the
other, in one run:

    python bench/server_same_review.py ../shared/fixtures/real-prs --cases 5 [--draft-model qwen2.5-coder-0.5b]
    python bench/server_same_review.py ../shared/fixtures/real-prs --names flask-4718 uvicorn-2598

Prints per PR the comments posted (path, line, severity) by each backend, whether they agree,
the prompt tokens sent and evaluated, and the seconds; then the totals and the ratios.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path


def review(diff: Path, backend: list[str], model: str) -> dict:
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "reviewer", "review", "--diff", str(diff), "--format", "json",
                          "--no-cache", "--fail-on", "never", "-m", model, *backend],
                         capture_output=True, text=True, timeout=3600)
    if out.returncode != 0:
        raise SystemExit(f"{diff}: {out.stderr.strip().splitlines()[-1:]}")
    report = json.loads(out.stdout)
    report["wall"] = time.perf_counter() - start
    return report


def posted(report: dict) -> list[tuple]:
    return sorted((c["path"], c.get("line"), c.get("side"), c["severity"]) for c in report["comments"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--cases", type=int, default=5)
    parser.add_argument("--model", default="qwen2.5-coder-1.5b")
    parser.add_argument("--draft-model")
    parser.add_argument("--names", nargs="*", help="these cases of the folder instead of the first --cases")
    args = parser.parse_args()
    variants = {"in-process": ["--backend", "llama"], "llama-server": ["--backend", "llama-server"]}
    if args.draft_model:
        variants["llama-server + draft"] = ["--backend", "llama-server", "--draft-model", args.draft_model]
    cases = sorted(p for p in args.folder.iterdir() if (p / "pr.diff").exists())[: args.cases]
    if args.names:
        cases = [args.folder / name for name in args.names]
    totals = {name: {"sent": 0, "evaluated": 0, "seconds": 0.0} for name in variants}
    agree = 0
    for case in cases:
        reports = {name: review(case / "pr.diff", flags, args.model) for name, flags in variants.items()}
        same = len({tuple(posted(r)) for r in reports.values()}) == 1
        agree += same
        print(f"{case.name}: {'same' if same else 'DIFFERENT'}")
        for name, r in reports.items():
            s = r["stats"]
            totals[name]["sent"] += s["prompt_tokens"]
            totals[name]["evaluated"] += s["prompt_tokens_evaluated"]
            totals[name]["seconds"] += s["seconds"]
            print(f"  {name}: {posted(r)}; prompt {s['prompt_tokens']} sent, {s['prompt_tokens_evaluated']} "
                  f"evaluated; {s['seconds']:.1f} s")
    base = totals["in-process"]
    print(f"\n{agree} of {len(cases)} PRs: the same comments at the same severities")
    for name, t in totals.items():
        print(f"{name}: {t['sent']} sent ({t['sent'] / max(1, base['sent']):.2f}x), {t['evaluated']} evaluated "
              f"({t['evaluated'] / max(1, base['evaluated']):.2f}x), {t['seconds']:.1f} s "
              f"({t['seconds'] / max(1e-9, base['seconds']):.2f}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
