"""How much signal the pairwise judge gives on a quality set, before any pipeline around it.

For each case the judge sees the two versions of each modified hunk (in both orders) and gives
p_new, the probability that the new version is the correct one. On bug.diff the new version is
the buggy one; fix.diff holds the same two versions swapped, so p_new(fix) = 1 - p_new(bug) and
one pass per case measures both. Prints the per-case p_new(bug) and the ROC AUC of "bug" vs "fix".

    python bench/judge_signal.py ../shared/fixtures/quality-quixbugs --model qwen2.5-coder-1.5b
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

from reviewer.backends.llama import LlamaBackend, LlamaOptions
from reviewer.diff.files import language_of
from reviewer.diff.parse import parse_diff
from reviewer.measure.eval import load_cases
from reviewer.review.passes.judge import judge_hunk, judge_messages, versions
from reviewer.backends.modelfiles.registry import resolve
from reviewer.prompt import Templates


def auc(pos: list[float], neg: list[float]) -> float:
    """P(score of a random positive > score of a random negative), ties half."""
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg)) if pos and neg else float("nan")


REASON = ("Before you answer, compare the two versions: say in at most five short sentences what each "
          "version does differently, on a typical input and on an edge case. Do not give a verdict yet.")


def reason_verdict(backend, templates, path, language, hunk, max_tokens, guidance) -> float | None:
    """The judge reasons in free text first (one order at a time), then answers A or B after
    its own reasoning; P(new version correct) averaged over both orders."""
    pair = versions(hunk)
    if pair is None:
        return None
    old, new = pair
    votes = []
    for a, b, new_label in ((new, old, "A"), (old, new, "B")):
        messages = judge_messages(templates, path, language, hunk.section, a, b, guidance=guidance)
        question = messages[-1]["content"]
        cut = question.rindex("Which version is correct?")
        messages[-1] = {"role": "user", "content": question[:cut] + REASON}
        thought = backend.complete(messages, None, max_tokens).text.strip()
        messages += [{"role": "assistant", "content": thought},
                     {"role": "user", "content": "Which version is correct? Answer with one letter: A or B."}]
        votes.append(backend.choose(messages, ["A", "B"]).probs[new_label])
    return sum(votes) / len(votes)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("folder", type=Path)
    ap.add_argument("--model", default="qwen2.5-coder-1.5b")
    ap.add_argument("--limit", type=int)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--threads", type=int)
    ap.add_argument("--method", choices=["pairwise", "likelihood", "reason"], default="pairwise")
    ap.add_argument("--reason-tokens", type=int, default=160)
    ap.add_argument("--questions", default="correct", help="comma-separated: correct, buggy")
    ap.add_argument("--labels", default="A,B", help="the two answer labels, e.g. 1,2")
    ap.add_argument("--guidance", action="store_true", help="the language's checklist in the judge's system prompt")
    args = ap.parse_args()
    path, _ = resolve(args.model)
    backend = LlamaBackend(path, LlamaOptions(context=4096, threads=args.threads))
    templates = Templates()
    rows = []
    start = time.perf_counter()
    questions = tuple(args.questions.split(","))
    # a verdict over both orders of the same prompt is symmetric: p_new(fix) = 1 - p_new(bug).
    # The "shared" form always shows the old version first, so fix.diff is judged on its own.
    symmetric = questions != ("shared",)

    def judge_diff(diff: Path) -> tuple[list[float], list]:
        ps, votes = [], []
        for f in parse_diff(diff.read_text(encoding="utf-8", errors="replace")):
            for hunk in f.hunks:
                if args.method == "likelihood":
                    pair = versions(hunk)
                    if pair is not None:
                        old, new = pair
                        ll_old, _ = backend.loglik(f"# {f.path}\n", old + "\n")
                        ll_new, _ = backend.loglik(f"# {f.path}\n", new + "\n")
                        ps.append(1 / (1 + math.exp(max(-50.0, min(50.0, ll_old - ll_new)))))
                    continue
                if args.method == "reason":
                    p = reason_verdict(backend, templates, f.path, language_of(f.path), hunk, args.reason_tokens,
                                       args.guidance)
                    if p is not None:
                        ps.append(p)
                    continue
                verdict = judge_hunk(backend, templates, f.path, language_of(f.path), hunk,
                                     questions, tuple(args.labels.split(",")), guidance=args.guidance)
                if verdict is not None:
                    ps.append(verdict.p_new)
                    votes.append(verdict.votes)
        return ps, votes

    for case in load_cases(args.folder)[: args.limit]:
        ps, votes = judge_diff(case.positive)
        if not ps:
            continue
        p_bug = min(ps)  # the hunk whose new version looks worst
        if symmetric:
            p_fix = min(1 - p for p in ps)  # fix.diff: the same versions, swapped
        else:
            fix_ps, fix_votes = judge_diff(case.negative)
            p_fix = min(fix_ps) if fix_ps else 1.0
            votes = [*votes, *fix_votes]
        rows.append({"case": case.name, "p_new_bug": round(p_bug, 3), "p_new_fix": round(p_fix, 3), "votes": votes})
        print(f"{case.name}: p_new(bug)={p_bug:.3f}", flush=True)
    seconds = time.perf_counter() - start
    bug = [1 - r["p_new_bug"] for r in rows]  # score = how bad the new version looks
    fix = [1 - r["p_new_fix"] for r in rows]
    acc = sum(r["p_new_bug"] < r["p_new_fix"] for r in rows) / len(rows)
    print(f"cases {len(rows)}  AUC {auc(bug, fix):.2f}  pairwise accuracy {acc:.2f}  {seconds / len(rows):.1f} s/case")
    if args.out:
        args.out.write_text(json.dumps({"model": args.model, "rows": rows, "auc": auc(bug, fix), "accuracy": acc}, indent=1))


if __name__ == "__main__":
    main()
