"""A slipped-prs result file read case by case: each posted comment (catch or noise) and each
drafted finding left out near a bug line, with its trace (which pass left it out and why).

    python bench/slipped_read.py out/slipped-base.json ../shared/fixtures/slipped-prs [--left-out]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from reviewer.diff.parse import parse_diff
from reviewer.measure.eval import on_bug_line


def steps(item: dict) -> str:
    return " > ".join(f"{s['stage']}:{s['severity']}" + (f"(p={s['p']:.2f})" if s.get("p") is not None else "")
                      + (f" [{s['reason'][:70]}]" if s["stage"] != "draft" else "") for s in item.get("trace", []))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("results", type=Path)
    ap.add_argument("folder", type=Path)
    ap.add_argument("--left-out", action="store_true", help="also the drafts left out near a bug line")
    args = ap.parse_args()
    data = json.loads(args.results.read_text())
    caught = noise = 0
    for s in data["sets"]:
        for case in s["cases"]:
            meta = json.loads((args.folder / case["name"] / "meta.json").read_text())
            files = parse_diff((args.folder / case["name"] / "pr.diff").read_text(errors="replace"))
            caught += case["caught"]
            noise += case["noise"]
            for c in case["negative_comments"]:
                kind = "CATCH" if on_bug_line(files, c, meta["bug_lines"]) else "noise"
                print(f"{case['name']} {kind} {c['path']}:{c['line']} {c['severity']}: {' '.join(c['body'].split())[:220]}")
                print(f"    {steps(c)}")
            if args.left_out:
                for c in case.get("left_out", []):
                    if on_bug_line(files, {**c, "severity": "note"}, meta["bug_lines"]):
                        print(f"{case['name']} left-out-near-bug {c['path']}:{c['line']}: {' '.join(c['body'].split())[:220]}")
                        print(f"    {steps(c)}")
    n = sum(len(s["cases"]) for s in data["sets"])
    print(f"\n{caught} of {n} caught, {noise} noise comments ({noise / n if n else 0:.2f} per PR)")


if __name__ == "__main__":
    main()
