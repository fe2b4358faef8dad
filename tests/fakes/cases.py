"""Eval case sets written for the tests, laid out as reviewer/measure/eval.py reads them: a quality set
(``bug.diff`` introduces a one-line defect, ``fix.diff`` a correct change of the same code) and a
style set (``violation.diff`` breaks a rule of ``STYLE.md`` on ``meta.lines``, ``clean.diff`` does not)."""

from __future__ import annotations

import json
from pathlib import Path

from .style import GUIDELINES

STYLE = GUIDELINES + "- Prefer the `n_` prefix over `num_` for counts\n"


def _one_line_change(path: str, line: int, old: str, new: str, before: list[str], after: list[str]) -> str:
    """A hunk replacing line ``line`` of ``path``, with three lines of context on each side."""
    start = line - len(before)
    body = "".join(f" {x}\n" for x in before) + f"-{old}\n+{new}\n" + "".join(f" {x}\n" for x in after)
    n = len(before) + len(after) + 1
    return f"diff --git a/{path} b/{path}\n--- a/{path}\n+++ b/{path}\n@@ -{start},{n} +{start},{n} @@\n{body}"


QUALITY = {
    # name: (path, line, old, bug, fix, before, after)
    "mean": ("algo/mean.py", 21, "    return total / len(xs)", "    return total / (len(xs) - 1)",
             "    return total / max(len(xs), 1)", ["def mean(xs):", "    total = 0", "    total = sum(xs)"],
             ["", "", "def median(xs):"]),
    "bucketsort": ("algo/bucketsort.py", 12, "    for i, count in enumerate(counts):",
                   "    for i, count in enumerate(arr):", "    for i, count in enumerate(counts or []):",
                   ["    counts = [0] * k", "    for x in arr:", "        counts[x] += 1"],
                   ["        sorted_arr.extend([i] * count)", "    return sorted_arr", ""]),
}
STYLE_CASES = {
    # name: (path, line, old, violation, clean, before, after)
    "count-prefix": ("src/ops.cpp", 30, "    int rows = 0;", "    int num_rows = 0;", "    int n_rows = 0;",
                     ["static int count_rows(const tensor * t) {", "    int total = 0;", "    // count"],
                     ["    return rows;", "}", ""]),
    "camel-case": ("src/graph.cpp", 8, "    int threads = 4;", "    int numThreads = 4;", "    int n_threads = 4;",
                   ["void graph_build(graph * g) {", "    int first = 0;", "    int last = 1;"],
                   ["    graph_run(g, threads);", "}", ""]),
    "struct-keyword": ("src/model.cpp", 41, "    model_context * ctx = nullptr;",
                       "    struct model_context * ctx = nullptr;", "    model_context * ctx = init();",
                       ["void model_load(const char * path) {", "    (void) path;", "    int ok = 1;"],
                       ["    model_free(ctx);", "}", ""]),
}


def write_quality_set(folder: Path) -> Path:
    for name, (path, line, old, bug, fix, before, after) in QUALITY.items():
        case = folder / name
        case.mkdir(parents=True)
        (case / "bug.diff").write_text(_one_line_change(path, line, old, bug, before, after))
        (case / "fix.diff").write_text(_one_line_change(path, line, old, fix, before, after))
        (case / "meta.json").write_text(json.dumps({"path": path, "subject": f"one-line defect in {name}"}))
    return folder


def write_style_set(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "STYLE.md").write_text(STYLE)
    for name, (path, line, old, bad, good, before, after) in STYLE_CASES.items():
        case = folder / name
        case.mkdir()
        (case / "violation.diff").write_text(_one_line_change(path, line, old, bad, before, after))
        (case / "clean.diff").write_text(_one_line_change(path, line, old, good, before, after))
        (case / "meta.json").write_text(json.dumps({"path": path, "rule": name, "lines": [line]}))
    return folder
