"""Settings, and the one place where their precedence is decided:

    command-line flag  >  REVIEWER_* environment variable  >  repo config file  >  default

The repo config file is ``.reviewer.toml`` or ``[tool.reviewer]`` in ``pyproject.toml`` at the
root of the trusted checkout (the directory the tool runs in, i.e. the base branch), or the
file named by ``--config``. It is never read from a pull request's head.
"""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar

from .errors import ConfigError
from .formats import FORMAT_NAMES
from .logs import register_secret

# verify keeps an error/warning when P(new version is the correct one) is below this: the judge
# must prefer the old version by a margin (0.49: the fewest false alarms on both quality sets;
# the sweep is in docs/quality.md). The library's defaults read it from here too.
VERIFY_THRESHOLD = 0.49

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

T = TypeVar("T")
ENV_PREFIX = "REVIEWER_"
CONFIG_FILE = ".reviewer.toml"

CHOICES: dict[str, tuple[str, ...]] = {
    "backend": ("llama", "openai", "llama-server"),
    "fail_on": ("error", "warning", "never"),
    "format": FORMAT_NAMES,  # the report-format registry (reviewer/formats/)
    "verify_context": ("hunk", "chunk"),
    "verify_judge": ("pairwise", "shared"),
    "min_severity": ("note", "warning", "error"),
    "explain": ("diff", "case", "off"),
    "judge_question": ("old-new", "fit", "both"),
    "review_context": ("none", "diff", "pr", "repo"),
    "scope": ("code", "all"),
    "review_event": ("COMMENT", "REQUEST_CHANGES_ON_ERROR", "APPROVE_WHEN_CLEAN"),
}


@dataclass(frozen=True)
class Settings:
    model: str = "qwen2.5-coder-1.5b"
    backend: str = "llama"
    base_url: str | None = None
    api_key: str | None = None
    style: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    fail_on: str = "never"
    format: str = "markdown"
    max_comments: int = 30
    comments_per_chunk: int = 4
    context: int = 8192
    chunk_tokens: int = 1536
    max_tokens: int = 768
    threads: int | None = None
    gpu_layers: int = -1
    batch: int = 512
    flash_attn: bool = False
    jobs: int = 1
    # --backend llama-server: the binary (None: the one `make llama-server` built for the installed
    # llama-cpp-python and this machine, else llama-server on PATH), and a smaller GGUF of the same
    # family as draft model for speculative decoding (a path or registry name; None: none)
    llama_server: str | None = None
    draft_model: str | None = None
    # tokens a thinking model's draft may think before it answers (0: thinking off; the judge
    # always answers with thinking off): llama-server's reasoning budget, in-process a think phase
    think: int = 0
    cache: bool = True
    cache_dir: str | None = None
    # warm starts: MiB of prompt-prefix KV states kept beside the result cache (cache_dir/kv),
    # the least recently used evicted first; 0: none kept (docs/benchmarks.md, "Warm starts")
    kv_cache_mb: int = 2048
    # prompt-lookup decoding (in-process backend): tokens guessed per step from n-grams of the
    # prompt, checked in one batch; 0: off (the measurement in docs/benchmarks.md, "Decoding")
    prompt_lookup: int = 0
    result_cache: str | None = None  # the result cache's SQLite file (default: CACHE_DIR/results.sqlite3)
    templates: str | None = None
    temperature: float = 0.0
    verify: bool = True  # second opinion: keep error/warning only where the new code looks worse
    verify_threshold: float = VERIFY_THRESHOLD
    verify_context: str = "hunk"  # hunk: the judge sees the two versions; chunk: after the draft's listing
    # pairwise: the two versions in both orders; shared: always old first, the labels swapped
    # after them (the code is evaluated once per verdict)
    verify_judge: str = "pairwise"
    verify_guidance: bool = True  # templates/guidance/LANGUAGE.md in the judge's system prompt
    min_severity: str = "warning"  # findings below it (the notes) are left out of the review
    file_context: int = 4096  # tokens of a file's other chunks shown with each chunk (0: none)
    confirm: bool = False  # self-check: drop a finding on an added line the model would not change
    noise_filter: bool = True  # comments that are not findings (restating, praise, scaffolding...) become notes
    # a hunk the judge condemns gets one comment from that contrast: "diff" the difference in the
    # diff's own words and the judge's preference; "case" also the model's failing input (wrong in
    # 12 of 14 QuixBugs answers with the 1.5B model: docs/quality.md); "off" the draft's words
    explain: str = "diff"
    judge_fix: bool = True  # a finding stands only when the judge prefers the code with its fix
    # which verdict weighs a finding (passes/verify.py): "old-new" the old/new verdict for all;
    # "fit" a finding on code the change adds goes to its fix verdict instead (old against new
    # rewards the feature and acquits its bug); "both" an acquitted finding goes on to its fix verdict
    judge_question: str = "old-new"
    # what the review reads besides the hunk: "none" the hunk alone; "diff" the rest of the PR's
    # diff says why a change is on purpose (review/deliberate.py: a removal nothing left uses, calls
    # that follow a signature the PR changes), then no old/new verdict is asked; "pr" also shows the
    # judges the PR's intent (title, description, changelog lines) and its other hunks that share
    # names with the hunk (review/context.py); "repo" instead shows them the repository at the PR's
    # base (review/repo.py: definitions the hunk uses, callers of what it changes), read from
    # the checkout of a --git range or the Action. "diff" measured best (docs/quality.md)
    review_context: str = "diff"
    # the draft is shown the same context as the judges (review_context = "pr"), after its listing
    draft_context: bool = False
    # code: tests and prose (docs, changelogs) are not drafted: neither judge can weigh a finding
    # there, so with the judges on none would be posted (measured on real-prs: docs/quality.md);
    # all: every file is drafted
    scope: str = "code"
    review_event: str = "COMMENT"
    # seconds a review may take (600, "90s", "10m", "1h"; None or 0: no limit): the files that
    # matter first, no new call that would end past it, the rest reported as skipped
    budget: float | None = None
    only_changed: bool = True  # a posted PR re-run reviews only the files changed since its last review
    inline_notes: bool = False  # post `note` findings as inline comments (default: in the review body)
    github_max_wait: float = 60.0  # seconds one GitHub call may spend waiting out rate limits and 5xx
    github_write_pause: float = 1.0  # seconds between two writes to GitHub (its secondary-limit advice)
    github_timeout: float = 30.0  # seconds without an answer before a GitHub request counts as failed
    gitlab_max_wait: float = 60.0  # seconds one GitLab call may spend waiting out rate limits and 5xx
    gitlab_write_pause: float = 1.0  # seconds after each write to GitLab
    gitlab_timeout: float = 30.0  # seconds without an answer before a GitLab request counts as failed
    discover_style: bool = True
    review_drafts: bool = False  # `reviewer action`: review draft PRs too
    review_closed: bool = False  # `reviewer action`: let `/review` run on closed PRs
    origins: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)


DEFAULTS = Settings()  # the one default of each setting; the library's options classes take theirs from here
_FIELDS = {f.name: f for f in fields(Settings) if f.name != "origins"}


def options_from(cls: type[T], settings: Settings, **extra: Any) -> T:
    """An options dataclass ``cls`` (``ReviewOptions``, ``LlamaOptions``...) built from the
    settings of the same names; ``extra`` gives its fields that are not settings (or overrides)."""
    names = [f.name for f in fields(cls) if f.init and f.name in _FIELDS and f.name not in extra]  # type: ignore[arg-type]
    return cls(**{name: getattr(settings, name) for name in names}, **extra)
DURATIONS = {"budget"}  # settings written as durations: 600, 600s, 10m, 1.5h


def parse_duration(text: str | float | int) -> float:
    """``600``, ``600s``, ``10m``, ``1.5h`` -> seconds; ValueError when it is none of these."""
    if isinstance(text, bool):
        raise ValueError(text)
    if isinstance(text, (int, float)):
        return float(text)
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*", str(text).lower())
    if not match:
        raise ValueError(text)
    return float(match.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[match.group(2)]


# Secrets are taken from flags and the environment only: a config file is committed.
_NOT_IN_FILE = {"api_key"}


def _convert(name: str, value: Any, origin: str) -> Any:
    kind = _FIELDS[name].type
    try:
        if value is None:
            return None
        if name in DURATIONS:
            try:
                return parse_duration(value)
            except ValueError:
                raise ConfigError(f"{origin}: {name} must be a duration (600, 90s, 10m, 1.5h), not {value!r}") from None
        if "tuple" in kind:
            if isinstance(value, str):
                items = [v.strip() for v in value.split(",")]
            elif isinstance(value, (list, tuple)):
                items = [str(v) for v in value]
            else:
                raise TypeError
            return tuple(v for v in items if v)
        if kind.startswith("bool"):
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off"):
                return False
            raise ValueError
        if kind.startswith("int"):
            if isinstance(value, bool):
                raise TypeError
            return int(value)
        if kind.startswith("float"):
            return float(value)
        if not isinstance(value, (str, int, float)):
            raise TypeError
        text = str(value)
        choices = CHOICES.get(name)
        if choices and text not in choices:
            raise ConfigError(f"{origin}: {name} must be one of {', '.join(choices)}, not {text!r}")
        return text
    except (TypeError, ValueError):
        raise ConfigError(f"{origin}: invalid value {value!r} for {name} ({kind})") from None


def repo_root(cwd: Path) -> Path:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"], cwd=cwd, capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.TimeoutExpired):
        return cwd
    return Path(out.stdout.strip()) if out.returncode == 0 and out.stdout.strip() else cwd


def read_config_file(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("reviewer", {})
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: [tool.reviewer] must be a table")
    return data


def find_config_file(root: Path) -> Path | None:
    candidate = root / CONFIG_FILE
    if candidate.is_file():
        return candidate
    pyproject = root / "pyproject.toml"
    if pyproject.is_file() and read_config_file(pyproject):
        return pyproject
    return None


def load_settings(
    flags: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    config_path: Path | None = None,
    cwd: Path | None = None,
) -> Settings:
    """Resolve every setting once: flag > REVIEWER_* env > config file > default."""
    flags = flags or {}
    env = os.environ if env is None else env
    if config_path is None and env.get(ENV_PREFIX + "CONFIG"):
        config_path = Path(env[ENV_PREFIX + "CONFIG"])
    if config_path is None:
        config_path = find_config_file(repo_root(cwd or Path.cwd()))
    file_values: dict[str, Any] = {}
    if config_path is not None:
        for key, value in read_config_file(config_path).items():
            name = key.replace("-", "_")
            if name not in _FIELDS:
                raise ConfigError(f"{config_path}: unknown setting {key!r}")
            if name in _NOT_IN_FILE:
                raise ConfigError(f"{config_path}: {key} must not be kept in a config file; use {ENV_PREFIX}{name.upper()}")
            file_values[name] = value

    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for name in _FIELDS:
        env_name = ENV_PREFIX + name.upper()
        if flags.get(name) is not None and flags.get(name) != ():
            values[name], origins[name] = _convert(name, flags[name], f"--{name.replace('_', '-')}"), "flag"
        elif env.get(env_name, "") != "":
            values[name], origins[name] = _convert(name, env[env_name], env_name), "env"
        elif name in file_values:
            values[name], origins[name] = _convert(name, file_values[name], str(config_path)), str(config_path)
        else:
            origins[name] = "default"
    settings = dataclasses.replace(Settings(), **values, origins=origins)
    register_secret(settings.api_key)  # never in a log line or an error message
    _check(settings)
    return settings


def _check(s: Settings) -> None:
    for name in ("max_comments", "comments_per_chunk", "context", "chunk_tokens", "max_tokens", "batch", "jobs"):
        if getattr(s, name) < 1:
            raise ConfigError(f"{name} must be at least 1 (got {getattr(s, name)})")
    for name in ("github_max_wait", "github_write_pause", "gitlab_max_wait", "gitlab_write_pause", "file_context",
                 "budget", "think"):
        if (getattr(s, name) or 0) < 0:
            raise ConfigError(f"{name} must not be negative (got {getattr(s, name)})")
    for name in ("github_timeout", "gitlab_timeout"):
        if getattr(s, name) < 1:
            raise ConfigError(f"{name} must be at least 1 second (got {getattr(s, name)})")
    if s.context < 512:
        raise ConfigError(f"context must be at least 512 tokens (got {s.context})")
    if s.backend == "openai" and not s.base_url:
        raise ConfigError("the openai backend needs --base-url (or REVIEWER_BASE_URL)")
