"""On-target recall: of the bugs a review caught (an error or warning within 3 lines of the
change), in how many does a posted comment name the defect that the fix describes?

That is decided by reading, so this script does two things:
    python bench/on_target.py show RESULTS.json SET_DIR      # each caught case: the fix's subject,
                                                            # the change, the posted comments
    python bench/on_target.py score RESULTS.json LABELS.json  # recall, on-target recall
LABELS.json maps a case name to true (a posted comment names the defect) or false, or to
{"on": true|false, "why": "..."} with the reading behind it; the labels
used in docs/quality.md are in bench/labels/, one file per set and variant.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def caught_cases(results: dict) -> list[dict]:
    return [c for s in results["sets"] for c in s["cases"] if c["caught"]]


def show(results: dict, folder: Path) -> None:
    for case in caught_cases(results):
        meta = json.loads((folder / case["name"] / "meta.json").read_text())
        changed = [line for line in (folder / case["name"] / "bug.diff").read_text(errors="replace").splitlines()
                   if line[:1] in "+-" and not line.startswith(("+++", "---"))]
        print(f"== {case['name']}: {meta.get('subject', '')}")
        for line in changed[:8]:
            print(f"   {line}")
        for c in case["positive_comments"]:
            if c["severity"] in ("error", "warning"):
                print(f"   > {c['line']} {c['severity']}: {' '.join(c['body'].split())}")


def score(results: dict, labels: dict[str, bool]) -> None:
    cases = [c for s in results["sets"] for c in s["cases"]]
    caught = caught_cases(results)
    missing = [c["name"] for c in caught if c["name"] not in labels]
    on = sum(_on(labels.get(c["name"])) for c in caught)
    alarms = sum(c["alarm"] for c in cases)
    print(f"cases {len(cases)}: caught {len(caught)} ({len(caught) / len(cases):.2f}), on target {on} "
          f"({on / len(cases):.2f}), false alarms {alarms} ({alarms / len(cases):.2f})")
    if missing:
        print("not labelled yet: " + ", ".join(missing))


def _on(label) -> bool:
    return bool(label.get("on")) if isinstance(label, dict) else bool(label)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=("show", "score"))
    ap.add_argument("results", type=Path)
    ap.add_argument("other", type=Path, help="the set's folder (show) or the labels file (score)")
    args = ap.parse_args()
    results = json.loads(args.results.read_text())
    if args.mode == "show":
        show(results, args.other)
    else:
        score(results, json.loads(args.other.read_text()))


if __name__ == "__main__":
    main()
