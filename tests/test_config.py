"""Settings precedence: flag > REVIEWER_* env > repo config file > default."""

from __future__ import annotations

import pytest

from reviewer.config import Settings, load_settings
from reviewer.errors import ConfigError


def test_precedence_flag_env_file_default(tmp_path):
    (tmp_path / ".reviewer.toml").write_text('model = "from-file"\ncontext = 4096\nmax-comments = 7\nstyle = ["a.md", "b.md"]\n')
    env = {"REVIEWER_CONTEXT": "2048", "REVIEWER_MODEL": "from-env"}
    s = load_settings({"model": "from-flag"}, env=env, cwd=tmp_path)
    assert s.model == "from-flag" and s.origins["model"] == "flag"
    assert s.context == 2048 and s.origins["context"] == "env"
    assert s.max_comments == 7 and s.origins["max_comments"].endswith(".reviewer.toml")
    assert s.style == ("a.md", "b.md")
    assert s.chunk_tokens == Settings().chunk_tokens and s.origins["chunk_tokens"] == "default"


def test_pyproject_tool_table(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n[tool.reviewer]\nfail-on = "warning"\nignore = ["docs/**"]\n')
    s = load_settings({}, env={}, cwd=tmp_path)
    assert s.fail_on == "warning" and s.ignore == ("docs/**",)


def test_env_lists_and_bools(tmp_path):
    s = load_settings({}, env={"REVIEWER_STYLE": "x.md, y.md", "REVIEWER_CACHE": "off", "REVIEWER_FLASH_ATTN": "1"}, cwd=tmp_path)
    assert s.style == ("x.md", "y.md") and s.cache is False and s.flash_attn is True


@pytest.mark.parametrize(
    "content, message",
    [
        ('modle = "typo"', "unknown setting 'modle'"),
        ('context = "big"', "invalid value"),
        ('fail-on = "sometimes"', "fail_on must be one of"),
        ('api-key = "sk-secret"', "must not be kept in a config file"),
        ("context = [", "not valid TOML"),
        ("context = 100", "context must be at least 512"),
    ],
)
def test_bad_config_is_a_config_error(tmp_path, content, message):
    (tmp_path / ".reviewer.toml").write_text(content)
    with pytest.raises(ConfigError, match=message.replace("[", r"\[")):
        load_settings({}, env={}, cwd=tmp_path)


def test_explicit_config_path_and_env_config(tmp_path):
    other = tmp_path / "elsewhere.toml"
    other.write_text('model = "m1"\n')
    assert load_settings({}, env={}, config_path=other, cwd=tmp_path).model == "m1"
    assert load_settings({}, env={"REVIEWER_CONFIG": str(other)}, cwd=tmp_path).model == "m1"
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_settings({}, env={}, config_path=tmp_path / "missing.toml", cwd=tmp_path)


def test_openai_backend_needs_a_url(tmp_path):
    with pytest.raises(ConfigError, match="base-url"):
        load_settings({"backend": "openai"}, env={}, cwd=tmp_path)
