"""Did a refactor change what the review says? Every case of the given sets reviewed with a
deterministic scripted model (tests/fakes' EchoBackend drafts a finding on a chunk's first added
lines, at severities in turn; its verdicts are a hash of the prompt), every pass on, and one
digest printed per case: its comments, notes and left-out findings, their severities and words,
and the model calls made. Run it at two commits and compare the outputs:

    python bench/same_output.py ../shared/fixtures/quality-cases ../shared/fixtures/real-prs > new.txt
    (cd /tmp/old-worktree && PYTHONPATH=. python /path/to/bench/same_output.py SETS... > old.txt)
    diff old.txt new.txt && echo "the same review"

No model runs: it checks the pipeline's decisions, not a model's quality.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, os.getcwd())

from fakes.backends import EchoBackend  # noqa: E402

from reviewer.measure.eval import load_cases  # noqa: E402
from reviewer.prompt import Templates  # noqa: E402
from reviewer.review.pipeline import ReviewOptions, run_review  # noqa: E402
from reviewer.types import DiffInput  # noqa: E402


class HashJudge(EchoBackend):
    """EchoBackend whose verdicts are a hash of the prompt: deterministic, spread over (0, 1)."""

    def choose(self, messages, options):
        from reviewer.backends.base import Choice

        digest = hashlib.sha256(json.dumps(messages, sort_keys=True).encode()).digest()
        p = (int.from_bytes(digest[:4], "big") + 1) / (2 ** 32 + 2)
        probs = {options[0]: p, options[1]: 1 - p, **{o: 0.0 for o in options[2:]}}
        return Choice(probs, prompt_tokens=100, prompt_tokens_evaluated=50)


def digest(review) -> str:
    rows = [("comment", c.path, c.line, c.side, c.severity, c.body, c.suggestion) for c in review.comments]
    rows += [("note", n.path, n.line, n.severity, n.body) for n in review.notes]
    rows += [("left-out", x.path, x.line, x.severity, x.body) for x in review.left_out]
    rows.append(("calls", review.stats.model_calls))
    return hashlib.sha256(json.dumps(rows, sort_keys=True, default=str).encode()).hexdigest()[:16]


def main() -> int:
    for folder in map(Path, sys.argv[1:]):
        for case in load_cases(folder):
            for diff in filter(None, (case.positive, case.negative)):
                backend = HashJudge(per_chunk=2, severities=("error", "warning", "note"), suggestion=None)
                review = run_review(DiffInput(diff.read_text(encoding="utf-8", errors="replace"), diff.name),
                                    backend=backend, templates=Templates(), style="",
                                    options=ReviewOptions(context=4096), cache=None)
                print(f"{folder.name}/{case.name}/{diff.name} {digest(review)} "
                      f"{len(review.comments)}c {len(review.notes)}n {len(review.left_out)}l")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
