"""Decode speed of the in-process backend: the JSON grammar on or off, prompt-lookup decoding on
or off, on the draft prompts of a few real chunks, with the answers compared at temperature 0.

    python bench/decode_speed.py                       # SmolLM2-free default: the registry's default model
    python bench/decode_speed.py --model PATH.gguf --chunks 3 --lookup 10

Each configuration loads the model once and asks each chunk twice: the first call evaluates the
prompt (prefill) and decodes, the second finds the prompt in the KV cache and only decodes, so
its seconds are decode time. Prints a markdown table: prefill and decode tokens per second, and
how many answers are identical to the default's (grammar on, lookup off). The chunks: the
diffs given with --diff, else examples/demo.diff and, when ../shared is there, QuixBugs bugs.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reviewer.backends.llama import LlamaBackend, LlamaOptions  # noqa: E402
from reviewer.review.chunk import make_chunks  # noqa: E402
from reviewer.diff.files import select_files  # noqa: E402
from reviewer.diff.parse import parse_diff  # noqa: E402
from reviewer.backends.modelfiles.registry import resolve  # noqa: E402
from reviewer.review.passes.draft import output_schema  # noqa: E402
from reviewer.prompt import Templates  # noqa: E402

QUIXBUGS = ROOT.parent / "shared" / "fixtures" / "quality-quixbugs"


def default_diffs() -> list[Path]:
    found = [ROOT / "examples" / "demo.diff"]
    if QUIXBUGS.is_dir():
        found += [d / "bug.diff" for d in sorted(QUIXBUGS.iterdir()) if (d / "bug.diff").is_file()][:4]
    return found


def prompts(diffs: list[Path], count: int, style: str) -> list[list[dict]]:
    templates = Templates()
    system = templates.system_prompt(style or templates.default_style(), None)
    out: list[list[dict]] = []
    for path in diffs:
        files, _ = select_files(parse_diff(path.read_text(encoding="utf-8", errors="replace")))
        for chunk in make_chunks(files, budget=1536, target=1536):
            out.append([{"role": "system", "content": system},
                        {"role": "user", "content": templates.chunk_prompt(chunk)}])
            if len(out) == count:
                return out
    return out


def measure(model: Path, grammar: bool, lookup: int, chats: list[list[dict]], max_tokens: int, threads: int | None):
    backend = LlamaBackend(model, LlamaOptions(context=8192, prompt_lookup=lookup, threads=threads))
    schema = output_schema(4) if grammar else None
    backend.prepare(4096)
    texts, prefill_tokens, prefill_s, decoded, decode_s = [], 0, 0.0, 0, 0.0
    try:
        for messages in chats:
            first = backend.complete(messages, schema, max_tokens)
            start = time.perf_counter()
            again = backend.complete(messages, schema, max_tokens)  # the prompt is cached: decode only
            seconds = time.perf_counter() - start
            texts.append(first.text)
            decoded += again.completion_tokens
            decode_s += seconds
            prefill_tokens += first.prompt_tokens_evaluated
            prefill_s += max(0.0, first.seconds - seconds)
            if again.text != first.text:
                texts[-1] += "\n[the cached re-ask answered differently]"
    finally:
        backend.close()
    return texts, prefill_tokens / max(prefill_s, 1e-9), decoded / max(decode_s, 1e-9), decoded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="qwen2.5-coder-1.5b", help="a GGUF path or a registry name")
    parser.add_argument("--diff", action="append", type=Path, help="a diff to take chunks from (repeatable)")
    parser.add_argument("--chunks", type=int, default=3)
    parser.add_argument("--max-tokens", type=int, default=256)
    parser.add_argument("--lookup", type=int, default=10, help="draft tokens per step when lookup is on")
    parser.add_argument("--style", type=Path, help="a style guide (default: templates/style.md)")
    parser.add_argument("--threads", type=int)
    args = parser.parse_args()
    model, _ = resolve(args.model)
    chats = prompts(args.diff or default_diffs(), args.chunks, args.style.read_text() if args.style else "")
    rows, baseline = [], None
    for grammar in (True, False):
        for lookup in (0, args.lookup):
            texts, prefill, decode, decoded = measure(model, grammar, lookup, chats, args.max_tokens, args.threads)
            baseline = baseline or texts
            same = sum(a == b for a, b in zip(texts, baseline))
            rows.append(f"| {'on' if grammar else 'off'} | {lookup or 'off'} | {prefill:.0f} | {decode:.1f} | "
                        f"{decoded} | {same}/{len(texts)} |")
            print(f"grammar {'on' if grammar else 'off'}, lookup {lookup or 'off'}: decode {decode:.1f} tok/s",
                  file=sys.stderr)
    print(f"model `{model.name}`, {len(chats)} chunks, max_tokens {args.max_tokens}\n")
    print("| grammar | prompt lookup | prefill tok/s | decode tok/s | tokens decoded | answers identical to grammar on, lookup off |")
    print("|---|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
