"""What the change classifier (reviewer/review/passes/consequence) says about each case, no model run.

    python bench/consequence_labels.py show SET_DIR [--labels LABELS.json]   # every case's hunks:
        # the kind and the sentence, per hunk of bug.diff (a set of cases) or pr.diff (real PRs)
    python bench/consequence_labels.py count SET_DIR...                       # how often each kind fired
    python bench/consequence_labels.py score LABELS.json                      # the labels' totals

The sentences are read against the diff and labelled by hand in bench/labels/consequence-*.json:
{case: {"kind", "sentence", "true", "says_what_goes_wrong", "caught_today"}} (docs/quality.md).
Only Python files are classified (the explain pass asks for a consequence only there).
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from reviewer.diff.parse import parse_diff
from reviewer.review.passes.consequence import classify
from reviewer.review.passes.judge import versions


def case_diff(case: Path) -> Path | None:
    for name in ("bug.diff", "pr.diff"):
        if (case / name).is_file():
            return case / name
    return None


def sentences(diff: Path) -> list[tuple[str, int, str, str]]:
    """(file, hunk number, kind, sentence) for every hunk of a Python file the classifier names."""
    out = []
    for file in parse_diff(diff.read_text(errors="replace")):
        if not file.path.endswith((".py", ".pyi")):
            continue
        for i, hunk in enumerate(file.hunks):
            pair = versions(hunk)
            found = classify(*pair) if pair is not None else None
            if found is not None:
                out.append((file.path, i, found.kind, found.sentence))
    return out


def cases(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_dir() and case_diff(p) is not None)


def show(folder: Path, labels: dict) -> None:
    for case in cases(folder):
        found = sentences(case_diff(case))  # type: ignore[arg-type]
        caught = labels.get(case.name, {}).get("caught_today")
        mark = "" if caught is None else (" (caught today)" if caught else " (not caught)")
        print(f"== {case.name}{mark}: {len(found)} sentence{'s' if len(found) != 1 else ''}")
        for path, index, kind, sentence in found:
            print(f"   {path} hunk {index}: [{kind}] {sentence}")


def count(folders: list[Path]) -> None:
    for folder in folders:
        kinds: Counter[str] = Counter()
        fired = 0
        total = cases(folder)
        for case in total:
            found = sentences(case_diff(case))  # type: ignore[arg-type]
            fired += bool(found)
            kinds.update(kind for _, _, kind, _ in found)
        print(f"{folder.name}: {len(total)} cases, a sentence in {fired}; " +
              ", ".join(f"{k} {n}" for k, n in sorted(kinds.items(), key=lambda x: (-x[1], x[0]))))


def score(labels: dict) -> None:
    caught = {k: v for k, v in labels.items() if v.get("caught_today")}
    fired = [v for v in labels.values() if v.get("kind")]
    false = [k for k, v in labels.items() if v.get("kind") and not v.get("true")]
    good = [k for k, v in caught.items() if v.get("kind") and v.get("true") and v.get("says_what_goes_wrong")]
    named = f" ({', '.join(false)})" if false else ""
    print(f"cases {len(labels)}: a sentence in {len(fired)}, false {len(false)}{named}; "
          f"caught today {len(caught)}, of which a true sentence that says what goes wrong {len(good)} "
          f"({len(good) / max(len(caught), 1):.2f})")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=("show", "count", "score"))
    ap.add_argument("paths", type=Path, nargs="+")
    ap.add_argument("--labels", type=Path)
    args = ap.parse_args()
    if args.mode == "show":
        labels = json.loads(args.labels.read_text()) if args.labels else {}
        for folder in args.paths:
            show(folder, labels)
    elif args.mode == "count":
        count(args.paths)
    else:
        for path in args.paths:
            print(f"{path.name}: ", end="")
            score(json.loads(path.read_text()))


if __name__ == "__main__":
    main()
