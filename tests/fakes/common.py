"""What many tests share besides fixtures: where the project and ../shared are, the fake
GitHub's token and repository, the pipeline on a scripted backend, pull request #7 of the command
tests, a client of the fake GitHub, and the check that a JSON report is well formed."""

from __future__ import annotations

from pathlib import Path

import pytest

from fakes.diffs import modified_file, new_file
from reviewer.diff.anchor import DiffIndex
from reviewer.diff.parse import parse_diff
from reviewer.hosts.github.client import GitHubClient, Token
from reviewer.prompt import Templates
from reviewer.diff.files import select_files
from reviewer.review.pipeline import ReviewOptions, run_review
from reviewer.types import DiffInput

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "fixtures"
TOKEN = "ghp_" + "T0ken" * 8  # shaped like a real token, so the redaction patterns see it too
REPO = "octo/demo"
# small answers keep the tiny model fast; the pipeline is the same
FAST = {"REVIEWER_MAX_TOKENS": "160", "REVIEWER_COMMENTS_PER_CHUNK": "2", "REVIEWER_CONTEXT": "4096"}
STAT_KEYS = {"chunks", "model_calls", "prompt_tokens", "prompt_tokens_evaluated", "completion_tokens", "cache_hits",
             "seconds"}
COMMENT_KEYS = {"path", "line", "side", "start_line", "severity", "body", "suggestion"}


def shared(*parts: str) -> Path:
    """A path under ../shared/fixtures; the test is skipped, with the reason, when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent: the shared fixtures live next to the checkout (../shared)")
    return path


def real_diffs() -> list[Path]:
    folder = SHARED / "real-diffs"
    return sorted(folder.glob("*.diff")) if folder.is_dir() else []


def review(diff: str | DiffInput, backend, cache=None, style: str = "be strict", *, observer=None, clock=None,
           **options):
    """The pipeline on ``diff`` with a scripted backend (4096 tokens of context unless given): the
    one way the tests run it; each test file names only the options it is about."""
    given = diff if isinstance(diff, DiffInput) else DiffInput(diff, "t")
    extra = {"observer": observer} if observer is not None else {}
    if clock is not None:
        extra["clock"] = clock
    return run_review(given, backend=backend, templates=Templates(), style=style,
                      options=ReviewOptions(**{"context": 4096, **options}), cache=cache, **extra)


# the pull request the command tests review: a one-line change and a new file
PR7 = f"{REPO}#7"
PR7_HEAD = "b" * 40
PR7_DIFF = modified_file("calc.py", ["return total / len(values)"], ["return total / (len(values) - 1)", "log(total)"]) \
    + new_file("util.py", ["def helper(x):", "    return x * 2"])


def make_client(fake, token: str = TOKEN, *, max_wait: float = 2.0, sleep=None) -> GitHubClient:
    """A client of the fake GitHub without pacing."""
    kw = {"sleep": sleep} if sleep is not None else {}
    return GitHubClient(fake.base_url, Token(token, "GITHUB_TOKEN"), max_wait=max_wait, write_pause=0, **kw)


def check_report(report: dict, diff_text: str) -> None:
    """A JSON report is well formed and every comment sits on a line of the diff."""
    assert {"comments", "summary", "stats", "skipped"} <= set(report)
    assert set(report["stats"]) >= STAT_KEYS
    files, _ = select_files(parse_diff(diff_text))
    index = DiffIndex(files)
    for c in report["comments"]:
        assert set(c) == COMMENT_KEYS
        assert c["side"] in ("RIGHT", "LEFT") and c["severity"] in ("error", "warning", "note")
        assert index.hunk_of(c["path"], c["side"], c["line"]) is not None, c
        if c["start_line"] is not None:
            assert index.hunk_of(c["path"], c["side"], c["start_line"]) == index.hunk_of(c["path"], c["side"], c["line"])
    assert all({"path", "reason"} == set(s) for s in report["skipped"])
