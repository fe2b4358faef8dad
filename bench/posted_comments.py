"""What a review would post, read back from `reviewer eval --results FILE` on a set: every posted
comment with its case, place, the kind of noise it is (passes/noise.py's recogniser) or
"finding", and counts per kind. For reading the comments themselves, not only their number.

    python bench/posted_comments.py out/prs.json ../shared/fixtures/real-prs [--markdown]
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from reviewer.review.passes.noise import Shown, guide_labels, noise_kind
from reviewer.prompt import Templates


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("results", type=Path)
    ap.add_argument("folder", type=Path, help="the case set the results are of (for the diffs)")
    ap.add_argument("--markdown", action="store_true", help="one table row per comment")
    args = ap.parse_args()
    data = json.loads(args.results.read_text())
    guide = Templates().default_style()
    kinds: Counter[str] = Counter()
    cases = 0
    for s in data["sets"]:
        for case in s["cases"]:
            cases += 1
            diff = args.folder / case["name"] / ("pr.diff" if case["kind"] == "prs" else "fix.diff")
            code = "\n".join(line[1:] for line in diff.read_text(errors="replace").splitlines()
                             if line[:1] in "+- " and not line.startswith(("+++", "---")))
            shown = Shown(code=code, other=guide, rule_labels=guide_labels(guide))
            for c in case["negative_comments"]:
                if c["severity"] not in ("error", "warning"):
                    continue
                kind = noise_kind(c["body"], shown) or "finding"
                kinds[kind] += 1
                body = " ".join(c["body"].split())
                if args.markdown:
                    print(f"| {case['name']} | `{c.get('path', '')}:{c['line']}` | {c['severity']} | "
                          f"{body[:160].replace('|', '/')} | {kind} |")
                else:
                    print(f"{case['name']} {c.get('path', '')}:{c['line']} {c['severity']} [{kind}] {body[:200]}")
    total = sum(kinds.values())
    print(f"\n{total} posted on {cases} cases ({total / cases if cases else 0:.2f} per case): "
          + ", ".join(f"{k} {n}" for k, n in kinds.most_common()))


if __name__ == "__main__":
    main()
