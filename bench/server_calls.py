"""Call by call, in-process against a managed llama-server: one review of a diff run both ways
with the default settings (no result cache), and each model call printed side by side: its kind,
its messages' hash, the prompt tokens sent and evaluated, and the answer where the two differ
(a draft's text, a verdict's probabilities). Where docs/benchmarks.md's "same review" comes from:

    python bench/server_calls.py ../shared/fixtures/real-prs/flask-4718/pr.diff
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from reviewer.app import wiring
from reviewer.config import load_settings
from reviewer.measure.calibrate.run import CountingJudge
from reviewer.prompt import Templates
from reviewer.review.pipeline import run_review
from reviewer.types import DiffInput


class Recorded(CountingJudge):
    """The backend, each call recorded: (kind, messages hash, sent, evaluated, answer)."""

    def __init__(self, inner):
        super().__init__(inner)
        self.rows: list[tuple] = []

    def complete(self, messages, schema, max_tokens):
        c = self.inner.complete(messages, schema, max_tokens)
        self.rows.append(("draft", _hash(messages), c.prompt_tokens, c.prompt_tokens_evaluated, c.text))
        return c

    def choose(self, messages, options):
        c = self.inner.choose(messages, options)
        probs = json.dumps({k: round(v, 3) for k, v in c.probs.items()})
        self.rows.append(("verdict", _hash(messages), c.prompt_tokens, c.prompt_tokens_evaluated, probs))
        return c

    def close(self) -> None:
        self.inner.close()  # the counter's close leaves the model to its owner; here this is the owner


def _hash(messages) -> str:
    return hashlib.sha256(json.dumps(messages).encode()).hexdigest()[:8]


def main() -> int:
    diff = Path(sys.argv[1]).read_text(encoding="utf-8", errors="replace")
    runs = {}
    for backend in ("llama", "llama-server"):
        settings = load_settings({"backend": backend}, env={})
        model, _ = wiring.make_backend(settings, None, False)
        recorded = Recorded(model)
        try:
            review = run_review(DiffInput(diff, "diff"), backend=recorded, templates=Templates(), style="",
                                options=wiring.review_options(settings), cache=None)
        finally:
            recorded.close()
        runs[backend] = recorded.rows
        print(f"{backend}: {sum(r[2] for r in recorded.rows)} sent, {sum(r[3] for r in recorded.rows)} evaluated; "
              f"posted {[(c.path, c.line, c.severity) for c in review.comments]}")
    ours, theirs = runs["llama"], runs["llama-server"]
    for i in range(max(len(ours), len(theirs))):
        a = ours[i] if i < len(ours) else None
        b = theirs[i] if i < len(theirs) else None
        same = a is not None and b is not None and a[1] == b[1] and a[4] == b[4]
        print(i, a[:4] if a else None, "|", b[:4] if b else None, "" if same else "<- differs")
        if a and b and a[4] != b[4]:
            print("   in-process:", a[4][:300], "\n   server:    ", b[4][:300])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
