"""`--model hf:ORG/REPO[:QUANT or FILE]` and `reviewer models pull` against a fake Hugging Face Hub
on 127.0.0.1 (HF_ENDPOINT) serving the real SmolLM2 GGUF."""

from __future__ import annotations

import hashlib
import json
import socket

import pytest
from click.testing import CliRunner
from fakes.common import FAST
from fakes.hub import FakeHub
from fakes.diffs import SMALL_DIFF

from reviewer.backends.modelfiles import hf
from reviewer.cli import main
from reviewer.errors import ModelError

REPO = "HuggingFaceTB/SmolLM2-135M-Instruct-GGUF"
FILE = "smollm2-135m-instruct-q4_1.gguf"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def hub_env(tmp_path, monkeypatch):
    """A clean hub cache, no token, no telemetry; ``point_at(url)`` sets HF_ENDPOINT."""
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf" / "hub"))
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
    for name in ("HF_TOKEN", "HF_HUB_OFFLINE", "HF_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    import huggingface_hub.constants

    # read at its import: no telemetry call (it would go to huggingface.co, not to HF_ENDPOINT)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_DISABLE_TELEMETRY", True)

    def point_at(url: str) -> None:
        monkeypatch.setenv("HF_ENDPOINT", url)

    return point_at


@pytest.fixture
def hub(smollm2_path, hub_env):
    with FakeHub() as fake:
        fake.add(REPO, {FILE: smollm2_path, "smollm2-135m-instruct-q8_0.gguf": smollm2_path})
        hub_env(fake.url)
        yield fake


def pull(*names: str):
    return CliRunner().invoke(main, ["models", "pull", *names])


def test_pull_downloads_into_the_hub_cache_once_and_checks_the_sha256(hub, smollm2_path, tmp_path):
    first = pull(f"hf:{REPO}:Q4_1")
    assert first.exit_code == 0, first.output
    path = first.stdout.strip()
    assert path.startswith(str(tmp_path / "hf" / "hub")) and path.endswith(FILE)
    want = hashlib.sha256(smollm2_path.read_bytes()).hexdigest()
    assert hashlib.sha256(open(path, "rb").read()).hexdigest() == want
    assert "verified" in first.stderr and want[:12] in first.stderr
    again = pull(f"hf:{REPO}:{FILE}")
    assert again.exit_code == 0 and again.stdout.strip() == path
    assert len(hub.downloads()) == 1  # the second pull found it in the cache


def test_no_token_leaves_the_hub_for_the_storage_host(hub, smollm2_path, monkeypatch):
    hub.add("acme/private-gguf", {FILE: smollm2_path}, private_token="hf_" + "x" * 30)
    refused = pull("hf:acme/private-gguf")
    assert refused.exit_code == 4 and "no repository acme/private-gguf" in refused.stderr
    assert "HF_TOKEN" in refused.stderr and "Traceback" not in refused.output
    monkeypatch.setenv("HF_TOKEN", "hf_" + "x" * 30)
    result = pull("hf:acme/private-gguf")
    assert result.exit_code == 0, result.output
    assert "hf_" not in result.output  # the token is never printed
    api = [r for r in hub.requests if r[1].startswith("/api/models/acme")]
    assert api and all(r[2].get("authorization") == "Bearer hf_" + "x" * 30 for r in api[1:])
    assert hub.downloads() and all("authorization" not in r[2] for r in hub.downloads())


def test_a_corrupt_download_is_refused(smollm2_path, hub_env):
    with FakeHub(corrupt=True) as fake:
        fake.add(REPO, {FILE: smollm2_path})
        hub_env(fake.url)
        result = pull(f"hf:{REPO}")
    assert result.exit_code == 4, result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and "sha256" in lines[0] and "the hub says" in lines[0]


def test_offline_uses_the_cache_and_says_so_in_one_line_when_it_cannot(hub, hub_env, monkeypatch):
    assert pull(f"hf:{REPO}:Q4_1").exit_code == 0
    hub_env(f"http://127.0.0.1:{free_port()}")  # nothing listens there
    cached = pull(f"hf:{REPO}:Q4_1")
    assert cached.exit_code == 0 and cached.stdout.strip().endswith(FILE), cached.output
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert pull(f"hf:{REPO}:Q4_1").exit_code == 0
    missing = pull("hf:acme/not-fetched:Q4_K_M")
    assert missing.exit_code == 4
    error = [line for line in missing.stderr.splitlines() if line.startswith("error:")]
    assert len(error) == 1 and "not in the hub's cache" in error[0] and "Traceback" not in missing.output
    assert "reviewer models pull hf:acme/not-fetched:Q4_K_M" in missing.stderr
    monkeypatch.delenv("HF_HUB_OFFLINE")
    unreachable = pull("hf:acme/not-fetched")
    assert unreachable.exit_code == 4 and "cannot reach the Hugging Face Hub" in unreachable.stderr


def test_unknown_repository_and_no_matching_quant_are_one_line_errors(hub):
    gone = pull("hf:acme/nothing-here")
    assert gone.exit_code == 4 and "no repository acme/nothing-here" in gone.stderr
    quant = pull(f"hf:{REPO}:Q6_K")
    assert quant.exit_code == 4 and "no GGUF file matches 'Q6_K'" in quant.stderr and FILE in quant.stderr


@pytest.mark.model
def test_review_with_a_hub_model_downloads_once_verifies_and_reviews(hub, tmp_path, monkeypatch):
    for key, value in FAST.items():
        monkeypatch.setenv(key, value)
    diff = tmp_path / "d.diff"
    diff.write_text(SMALL_DIFF)
    args = ["review", "--diff", str(diff), "--model", f"hf:{REPO}:Q4_1", "--format", "json"]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    report = json.loads(first.stdout)
    assert report["model"] == f"hf:{REPO}:Q4_1" and report["stats"]["model_calls"] >= 1
    second = CliRunner().invoke(main, args)
    assert second.exit_code == 0 and json.loads(second.stdout)["comments"] == report["comments"]
    assert len(hub.downloads()) == 1


def test_pick_chooses_the_file_a_reference_names():
    names = ["README.md", "m-Q4_K_M.gguf", "m-Q8_0.gguf", "mmproj-m-f16.gguf", "big/m-Q6_K-00002-of-00002.gguf",
             "big/m-Q6_K-00001-of-00002.gguf", "m-IQ4_XS.gguf"]
    ref = hf.parse_ref
    assert hf.pick(ref("hf:o/r"), names) == ["m-Q4_K_M.gguf"]  # the default quantisation
    assert hf.pick(ref("hf:o/r:q8_0"), names) == ["m-Q8_0.gguf"]
    assert hf.pick(ref("hf:o/r:Q6_K"), names) == ["big/m-Q6_K-00001-of-00002.gguf", "big/m-Q6_K-00002-of-00002.gguf"]
    assert hf.pick(ref("hf:o/r:m-IQ4_XS.gguf"), names) == ["m-IQ4_XS.gguf"]
    assert hf.pick(ref("hf:o/r"), ["only.gguf", "mmproj-x.gguf"]) == ["only.gguf"]
    with pytest.raises(ModelError, match="several GGUF files"):
        hf.pick(ref("hf:o/r:Q4"), ["a-Q4.gguf", "b-Q4.gguf"])
    with pytest.raises(ModelError, match="no GGUF file matches"):
        hf.pick(ref("hf:o/r"), ["a-Q8_0.gguf", "b-Q5_K.gguf"])
    assert ref("hf:o/r:Q4_K_M@v1.0") == hf.HFRef("o/r", "Q4_K_M", "v1.0")
    with pytest.raises(ModelError, match="not a Hugging Face model reference"):
        ref("hf:no-slash")
