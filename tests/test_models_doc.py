"""docs/models.md stays true: its `.reviewer.toml` preset loads, and says what the text says."""

from __future__ import annotations

import re

from fakes.common import ROOT

from reviewer.config import load_settings


def test_the_preset_config_in_docs_models_loads(tmp_path):
    text = (ROOT / "docs" / "models.md").read_text()
    (block,) = re.findall(r"```toml\n(.*?)```", text, re.S)
    config = tmp_path / ".reviewer.toml"
    config.write_text(block)
    settings = load_settings({}, env={}, config_path=config)
    assert settings.backend == "openai" and settings.base_url == "http://127.0.0.1:8080"
    assert settings.jobs == 4 and settings.context == 8192
    assert "-c 32768 -np 4" in text  # llama-server's context = the tool's context x its parallel slots
