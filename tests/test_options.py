"""One default per setting: what the command line runs with, when nothing is configured, is what
the library's options classes default to; flags, choices and Action inputs come from the config."""

from __future__ import annotations

import dataclasses

import click
import pytest
from click.testing import CliRunner
from fakes.common import ROOT
from fakes.backends import EchoBackend
from fakes.diffs import new_file

from reviewer.app import wiring
from reviewer.backends.llama import LlamaOptions
from reviewer.backends.openai import OpenAIOptions
from reviewer.cli import main
from reviewer.config import CHOICES, DEFAULTS, Settings, load_settings, options_from
from reviewer.hosts.github.action import INPUT_SETTINGS
from reviewer.hosts.github.client import GitHubClient
from reviewer.hosts.github.host import PullRequestTarget
from reviewer.hosts.github.ref import PRRef
from reviewer.hosts.github.sink import GitHubReviewSink
from reviewer.review.pipeline import ReviewOptions


@pytest.fixture
def effective(monkeypatch, tmp_path, echo):
    """Run `reviewer review` with ``args`` on a small diff; returns the ReviewOptions it ran with."""
    seen: list[ReviewOptions] = []
    build = wiring.review_options
    monkeypatch.setattr(wiring, "review_options", lambda settings: seen.append(build(settings)) or seen[-1])
    monkeypatch.chdir(tmp_path)  # no config file of the developer's
    patch = tmp_path / "change.diff"
    patch.write_text(new_file("a.py", ["x = 1", "y = 2"]))

    def run(*args: str) -> ReviewOptions:
        result = CliRunner().invoke(main, ["review", "--diff", str(patch), "--no-cache", *args])
        assert result.exit_code == 0, result.output
        return seen[-1]

    return run


def test_the_command_line_runs_the_library_defaults(effective):
    assert effective() == ReviewOptions()


def test_each_options_class_defaults_to_the_settings_defaults():
    settings = load_settings({}, env={})
    assert options_from(ReviewOptions, settings) == ReviewOptions()
    assert options_from(LlamaOptions, settings) == LlamaOptions()
    # a server's model is its own default unless one is configured (wiring.make_backend)
    server = options_from(OpenAIOptions, settings, base_url="http://127.0.0.1:1", model="")
    assert server == OpenAIOptions("http://127.0.0.1:1")
    shared = [f.name for cls in (ReviewOptions, LlamaOptions, OpenAIOptions) for f in dataclasses.fields(cls)
              if f.name in {s.name for s in dataclasses.fields(Settings)} and f.name not in ("base_url", "model")]
    assert len(shared) > 15
    for cls in (ReviewOptions, LlamaOptions, OpenAIOptions):
        for f in dataclasses.fields(cls):
            if f.name in shared:
                assert f.default == getattr(DEFAULTS, f.name), (cls.__name__, f.name)


def test_the_github_sink_and_client_default_to_the_settings():
    client = GitHubClient("http://127.0.0.1:1", None)
    assert (client.max_wait, client.github.requester._Requester__timeout) == (DEFAULTS.github_max_wait,
                                                                             int(DEFAULTS.github_timeout))
    request = PullRequestTarget(PRRef("octo", "demo", 7), client)
    made, plain = request.sink(load_settings({}, env={}), ""), GitHubReviewSink(client, "")
    for name in ("max_comments", "review_event", "inline_notes"):
        assert getattr(made, name) == getattr(plain, name) == getattr(DEFAULTS, name)


def test_min_severity_is_a_flag(effective):
    assert effective("--min-severity", "note").min_severity == "note"
    assert effective("--min-severity", "error").min_severity == "error"


def test_every_choice_flag_offers_the_settings_own_choices():
    commands = [main.commands[name] for name in ("review", "eval", "bench")]  # those that take the settings' flags
    flags = {p.opts[0].removeprefix("--").replace("-", "_"): p for c in commands for p in c.params
             if isinstance(p.type, click.Choice)}
    assert {"format", "fail_on", "backend", "min_severity"} <= set(flags)
    for name, param in flags.items():
        assert tuple(param.type.choices) == CHOICES[name]
    for name, choices in CHOICES.items():
        assert getattr(DEFAULTS, name) in choices


def test_action_inputs_are_settings_named_as_the_config_file_names_them():
    yaml = pytest.importorskip("yaml")
    spec = yaml.safe_load((ROOT / "action.yml").read_text())
    for name, setting in INPUT_SETTINGS.items():
        assert name == setting.replace("_", "-") and setting in {f.name for f in dataclasses.fields(Settings)}
        assert name in spec["inputs"]
        if setting in CHOICES:  # the description lists the values the setting takes
            assert all(c in spec["inputs"][name]["description"] for c in CHOICES[setting]), name
    assert "min-severity" in spec["inputs"]


def test_an_action_input_reaches_the_settings():
    from reviewer.hosts.github.action import settings_flags

    flags = settings_flags({"min-severity": "note", "max-comments": "5", "style": "a.md\nb.md"})
    settings = load_settings(flags, env={})
    assert (settings.min_severity, settings.max_comments, settings.style) == ("note", 5, ("a.md", "b.md"))
    assert settings.origins["min_severity"] == "flag"


def test_backends_are_registered_under_the_settings_names_and_all_choose():
    from reviewer.backends.base import Chooser
    from reviewer.backends.llama import LlamaBackend
    from reviewer.backends.openai import OpenAIBackend

    assert tuple(wiring.BACKENDS) == CHOICES["backend"]
    for cls in (LlamaBackend, OpenAIBackend, wiring.LazyBackend):
        assert issubclass(cls, Chooser), cls
    assert not isinstance(EchoBackend(), Chooser)  # a backend without verdicts: the judging passes are skipped


# the one default the Action sets for itself: a CI job has a time limit, a maintainer's review has none
ACTION_OWN_DEFAULTS = {"budget": "20m"}


def test_the_action_declares_no_default_of_its_own_but_the_time_budget():
    """A setting's default lives in the settings table: action.yml leaves each setting's input
    empty (not given), so the Action, the CLI and the library run the same defaults."""
    yaml = pytest.importorskip("yaml")
    spec = yaml.safe_load((ROOT / "action.yml").read_text())
    for name, setting in INPUT_SETTINGS.items():
        default = str(spec["inputs"][name].get("default", "") or "")
        assert default == ACTION_OWN_DEFAULTS.get(setting, ""), name
    from reviewer.hosts.github.action import settings_flags

    flags = settings_flags({name: str(spec["inputs"][name].get("default", "") or "") for name in INPUT_SETTINGS
                            if spec["inputs"][name].get("default")})
    assert load_settings(flags, env={}).budget == 20 * 60
    assert load_settings({}, env={}).budget == DEFAULTS.budget is None
