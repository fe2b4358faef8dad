"""Can a small model find style-rule breaks when asked about style alone? A measurement for the
style pass that is not built yet (docs/quality.md), before building it.

For each style case, the added lines of violation.diff and of clean.diff (each on its own) are
shown to the model with the style guide as the system prompt, and it lists the lines that break
a rule, each with the rule and the line rewritten. Three filters are scored, as the set's README
scores a review (a candidate within 2 lines of a rule-breaking line catches it; any candidate on
a clean commit is noise):
- raw: every candidate on an added line;
- rewrite: only candidates whose rewrite differs from the line;
- judge >= T: the rewrite, shown against the line as written in both orders ("which line follows
  the style guide?"), wins with probability >= T.
meta.json is read for scoring only.

    python bench/style_signal.py ../shared/fixtures/style-cases --style ../shared/fixtures/style-cases/STYLE.md --limit 8
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from reviewer.backends.llama import LlamaBackend, LlamaOptions
from reviewer.diff.parse import parse_diff
from reviewer.measure.eval import STYLE_DISTANCE, load_cases
from reviewer.backends.modelfiles.registry import resolve

SYSTEM = """You check code changes against the style guide below, and nothing else: not bugs,
not design. Report an added line only when it clearly breaks one of the guide's rules; most
changes break none, and then the right answer is an empty list.

# Style guide
{style}"""

ASK = """Added lines of `{path}` (new-file line numbers):

{listing}

List the lines that break a rule of the style guide. For each: "line" (the number), "rule" (the
rule, quoted from the guide) and "fix" (the whole line rewritten to follow the rule).
Answer with JSON only: {{"violations": [{{"line": N, "rule": "...", "fix": "..."}}]}}"""

JUDGE = """Two versions of one line of `{path}`:

Version A:
```
{a}
```

Version B:
```
{b}
```

Which version follows the style guide? Answer with one letter: A or B."""

SCHEMA = {
    "type": "object",
    "properties": {"violations": {"type": "array", "maxItems": 4, "items": {
        "type": "object",
        "properties": {"line": {"type": "integer"}, "rule": {"type": "string", "maxLength": 200},
                       "fix": {"type": "string", "maxLength": 300}},
        "required": ["line", "rule", "fix"]}}},
    "required": ["violations"],
}
MAX_LINES = 120


def added_blocks(diff_text: str) -> list[tuple[str, list[tuple[int, str]]]]:
    out = []
    for f in parse_diff(diff_text):
        lines = [(x.new_line, x.text) for h in f.hunks for x in h.lines if x.kind == "+" and x.new_line]
        for i in range(0, len(lines), MAX_LINES):
            out.append((f.path, lines[i:i + MAX_LINES]))
    return out


def candidates(backend, system: str, diff_text: str, stats: dict) -> list[dict]:
    found = []
    for path, lines in added_blocks(diff_text):
        listing = "\n".join(f"{n:5d} {text}" for n, text in lines)
        messages = [{"role": "system", "content": system},
                    {"role": "user", "content": ASK.format(path=path, listing=listing)}]
        completion = backend.complete(messages, SCHEMA, 400)
        stats["calls"] += 1
        try:
            items = json.loads(completion.text, strict=False).get("violations", [])
        except (ValueError, AttributeError):
            continue
        by_number = dict(lines)
        for item in items:
            if not isinstance(item, dict) or item.get("line") not in by_number:
                continue
            original = by_number[item["line"]]
            fix = str(item.get("fix", ""))
            found.append({"path": path, "line": item["line"], "rule": str(item.get("rule", ""))[:120],
                          "original": original, "fix": fix,
                          "differs": fix.strip() != original.strip() and bool(fix.strip())})
    for c in found:
        if c["differs"]:
            c["p_fix"] = judge(backend, system, c, stats)
    return found


def judge(backend, system: str, c: dict, stats: dict) -> float:
    votes = []
    for a, b, fix_label in ((c["fix"], c["original"], "A"), (c["original"], c["fix"], "B")):
        messages = [{"role": "system", "content": system},
                    {"role": "user", "content": JUDGE.format(path=c["path"], a=a.strip(), b=b.strip())}]
        votes.append(backend.choose(messages, ["A", "B"]).probs[fix_label])
        stats["calls"] += 1
    return sum(votes) / len(votes)


def keep(c: dict, how: str) -> bool:
    if how == "raw":
        return True
    if how == "rewrite":
        return c["differs"]
    return c["differs"] and c.get("p_fix", 0.0) >= float(how)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("folder", type=Path)
    ap.add_argument("--model", default="qwen2.5-coder-1.5b")
    ap.add_argument("--style", type=Path, required=True)
    ap.add_argument("--limit", type=int)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    path, _ = resolve(args.model)
    backend = LlamaBackend(path, LlamaOptions(context=8192))
    system = SYSTEM.format(style=args.style.read_text(encoding="utf-8"))
    stats = {"calls": 0}
    rows = []
    start = time.perf_counter()
    for case in load_cases(args.folder)[: args.limit]:
        t0 = time.perf_counter()
        positive = candidates(backend, system, case.positive.read_text(encoding="utf-8", errors="replace"), stats)
        negative = candidates(backend, system, case.negative.read_text(encoding="utf-8", errors="replace"), stats)
        rows.append({"case": case.name, "path": case.meta.get("path"), "lines": case.meta.get("lines", []),
                     "positive": positive, "negative": negative, "seconds": time.perf_counter() - t0})
        print(f"{case.name}: {len(positive)} candidates on the violation, {len(negative)} on the clean commit", flush=True)
    seconds = (time.perf_counter() - start) / max(1, len(rows))
    for how in ("raw", "rewrite", "0.5", "0.6", "0.7"):
        caught = sum(any(keep(c, how) and c["path"] == r["path"]
                         and any(abs(c["line"] - n) <= STYLE_DISTANCE for n in r["lines"]) for c in r["positive"])
                     for r in rows)
        noisy = sum(any(keep(c, how) for c in r["negative"]) for r in rows)
        print(f"filter {how:>7}: recall {caught / len(rows):.2f}  noise {noisy / len(rows):.2f}")
    print(f"cases {len(rows)}  {seconds:.1f} s/case  {stats['calls']} model calls")
    if args.out:
        args.out.write_text(json.dumps({"model": args.model, "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
