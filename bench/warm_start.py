"""Warm starts measured: the second review of a DIFFERENT diff with the same style guide, cold
(no saved KV state) against warm (the state a review of another diff saved), same model, no
result cache.

    python bench/warm_start.py --model qwen2.5-coder-1.5b \\
        --style ../shared/fixtures/maintainer-style/llama.cpp.CONTRIBUTING.guidelines.md \\
        --first examples/demo.diff --second ../shared/fixtures/quality-quixbugs/quixbugs-bucketsort/bug.diff

Three reviews, each in a fresh backend: (1) the second diff with an empty state directory
(cold); (2) the first diff, which saves the system prompt's state; (3) the second diff again,
which loads it (warm). Each review carries a pull request's title and description (different
for the two diffs, as two PRs of one repository), so the warm run shares the prompt up to the
PR text; --no-pr reviews them as local diffs (the whole system prompt shared). Prints a markdown
table: prompt tokens evaluated, llama.cpp's prefill seconds, wall seconds, tokens loaded from
disk, and whether the warm review's comments are the cold one's.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the suite's small diff, when ../shared is absent

from reviewer.backends.llama import LlamaBackend, LlamaOptions  # noqa: E402
from reviewer.backends.modelfiles.registry import resolve  # noqa: E402
from reviewer.review.pipeline import ReviewOptions, run_review  # noqa: E402
from reviewer.prompt import Templates  # noqa: E402
from reviewer.types import DiffInput, PullRequest  # noqa: E402
from fakes.diffs import SMALL_DIFF as FALLBACK  # noqa: E402

SHARED = ROOT.parent / "shared" / "fixtures"
GUIDE = SHARED / "maintainer-style" / "llama.cpp.CONTRIBUTING.guidelines.md"
SECOND = SHARED / "quality-quixbugs" / "quixbugs-bucketsort" / "bug.diff"


def pr(n: int, title: str) -> PullRequest:
    return PullRequest(repo="octo/demo", number=n, title=title, body=f"{title}. Tested locally.", author="someone",
                       base_sha="b" * 40, head_sha=f"{n:040d}", url=f"https://github.com/octo/demo/pull/{n}")


def review(label: str, diff: DiffInput, model: Path, kv: Path, style: str, options: LlamaOptions) -> dict:
    backend = LlamaBackend(model, replace(options, kv_dir=str(kv)))
    start = time.perf_counter()
    try:
        result = run_review(diff, backend=backend, templates=Templates(), style=style,
                            options=ReviewOptions(context=options.context))
        wall = time.perf_counter() - start
        timings = backend.timings()
    finally:
        backend.close()
    return {"label": label, "review": result, "wall": wall, "prefill_s": timings.prompt_eval_seconds,
            "loaded": backend.warm_tokens}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="qwen2.5-coder-1.5b", help="a GGUF path or a registry name")
    parser.add_argument("--style", type=Path, action="append", help="style guide file(s); default: llama.cpp's")
    parser.add_argument("--first", type=Path, default=ROOT / "examples" / "demo.diff")
    parser.add_argument("--second", type=Path, help="default: a QuixBugs bug from ../shared, else a built-in diff")
    parser.add_argument("--no-pr", action="store_true", help="local diffs: no pull-request text in the prompt")
    parser.add_argument("--context", type=int, default=8192)
    parser.add_argument("--threads", type=int)
    args = parser.parse_args()
    model, _ = resolve(args.model)
    styles = args.style or ([GUIDE] if GUIDE.is_file() else [])
    style = "\n\n".join(p.read_text(encoding="utf-8") for p in styles) or Templates().default_style()
    second_text = args.second.read_text() if args.second else SECOND.read_text() if SECOND.is_file() else FALLBACK
    first = DiffInput(args.first.read_text(), str(args.first), pr=None if args.no_pr else pr(1, "Parse hunk headers"))
    second = DiffInput(second_text, "second", pr=None if args.no_pr else pr(2, "Fix the bucket sort"))
    options = LlamaOptions(context=args.context, threads=args.threads)
    with tempfile.TemporaryDirectory(prefix="reviewer-warm-") as tmp:
        cold = review("cold: second diff, no saved state", second, model, Path(tmp) / "cold", style, options)
        prime = review("first diff (saves the state)", first, model, Path(tmp) / "warm", style, options)
        warm = review("warm: second diff, the first's state", second, model, Path(tmp) / "warm", style, options)
    print(f"model `{model.name}`, style {', '.join(p.name for p in styles) or 'templates/style.md'}, "
          f"{'no PR text' if args.no_pr else 'PR text after the guide'}\n")
    print("| review | prompt tokens | evaluated | loaded from disk | prefill s | wall s |")
    print("|---|---|---|---|---|---|")
    for r in (cold, prime, warm):
        s = r["review"].stats
        print(f"| {r['label']} | {s.prompt_tokens} | {s.prompt_tokens_evaluated} | {r['loaded']} | "
              f"{r['prefill_s']:.1f} | {r['wall']:.1f} |")
    same = warm["review"].comments == cold["review"].comments and warm["review"].notes == cold["review"].notes
    print(f"\n- warm against cold: {cold['review'].stats.prompt_tokens_evaluated - warm['review'].stats.prompt_tokens_evaluated}"
          f" fewer tokens evaluated, {cold['prefill_s'] - warm['prefill_s']:.1f} s less prefill, "
          f"{cold['wall'] - warm['wall']:.1f} s less wall; comments identical: {'yes' if same else 'NO'}")


if __name__ == "__main__":
    main()
