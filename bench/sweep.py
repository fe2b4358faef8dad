"""Recall and false alarms of the default passes at every verify threshold, exactly, on case sets.

    python bench/sweep.py ../shared/fixtures/quality-quixbugs ../shared/fixtures/quality-cases

Each case is reviewed as `reviewer eval` reviews it (the settings come from the environment and
the config file, as for the CLI), with the threshold that notes every verdict compared with it
(reviewer/measure/calibrate/run.py); then again inside each interval between those verdicts. So the
table below is exact for every threshold, not sampled. Drafts and verdicts come from the result
cache: after an eval of the same sets only what another threshold newly asks is a model call
(a rewrite and a verdict for a finding that survives only there).

Prints a row where some set's counts change: from that threshold up to the next row's, each\nset's bugs caught and false alarms (counts and rates).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from reviewer.measure.calibrate.card import intervals
from reviewer.measure.calibrate.run import MemoryCache, reviewer_at, score_case
from reviewer.config import load_settings
from reviewer.measure.eval import load_cases
from reviewer.style import load_style
from reviewer.app.wiring import make_backend, make_cache, make_templates, review_options


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("sets", nargs="+", type=Path)
    ap.add_argument("--limit", type=int)
    args = ap.parse_args()
    settings = load_settings({})
    templates = make_templates(settings)
    style = load_style(settings.style, templates)
    disk = make_cache(settings)
    cache = disk if disk is not None else MemoryCache()
    backend, label = make_backend(settings, disk, False)
    options = review_options(settings)

    review_at = reviewer_at(options, templates, style, label)

    steps = {}
    try:
        for folder in args.sets:
            cases = load_cases(folder)[: args.limit]
            steps[folder.name] = []
            for i, case in enumerate(cases, 1):
                s = score_case(case, 0, backend, cache, review_at, settings.verify_threshold)
                steps[folder.name].append(s)
                print(f"[{folder.name} {i}/{len(cases)}] {case.name}: {s.model_calls} model calls", file=sys.stderr)
    finally:
        backend.close()
    every = [s for group in steps.values() for s in group]
    print(f"{label}, current threshold {settings.verify_threshold:g}\n")
    print("| threshold | " + " | ".join(f"{name}: caught, false alarms" for name in steps) + " |")
    print("|---|" + "---|" * len(steps))
    last = None
    for above, up_to in intervals(every):
        cells = []
        for group in steps.values():
            at = [s.at(up_to) for s in group]
            caught, alarms = sum(c for c, _ in at), sum(a for _, a in at)
            cells.append(f"{caught} ({caught / len(group):.2f}), {alarms} ({alarms / len(group):.2f})")
        if cells != last:  # a row where some set's counts change
            print(f"| above {above:.4f} | " + " | ".join(cells) + " |")
        last = cells


if __name__ == "__main__":
    main()
