"""The host registry: a review target goes to the host whose form it is written in."""

from __future__ import annotations

import sys
import types

import pytest

from reviewer import hosts
from reviewer.errors import InputError


def test_each_host_takes_its_own_forms():
    assert hosts.resolve("octo/demo#7").name == "github"
    assert hosts.resolve("https://ghe.example.com/octo/demo/pull/9/files").name == "github"
    assert hosts.resolve("group/sub/project!12").name == "gitlab"
    assert hosts.resolve("https://gitlab.example.com/group/project/-/merge_requests/3").name == "gitlab"


def test_no_target_is_a_local_review_unless_a_host_reads_one_from_its_ci():
    assert hosts.resolve(None) is None
    assert hosts.resolve(None, {"github": "https://api.github.com"}) is None  # GitHub needs a reference
    assert hosts.resolve(None, {"gitlab": "https://gitlab.example.com"}).name == "gitlab"  # GitLab CI's own MR


def test_a_target_no_host_reads_is_one_input_error_naming_every_form():
    with pytest.raises(InputError) as err:
        hosts.resolve("octo/demo")
    assert "not a pull request reference" in err.value.message
    assert "OWNER/REPO#NUMBER" in err.value.hint and "GROUP/PROJECT!IID" in err.value.hint


def test_a_third_host_is_one_registry_entry(monkeypatch):
    """A module with a ``HOST`` and one entry in HOSTS: its form resolves to it, the others' still to theirs."""

    class TildeHost:
        name, title, forms = "tilde", "Tilde", "PROJECT~NUMBER"

        def accepts(self, target, url):
            return target is not None and "~" in target

    module = types.ModuleType("tilde_host")
    module.HOST = TildeHost()
    monkeypatch.setitem(sys.modules, "tilde_host", module)
    monkeypatch.setitem(hosts.HOSTS, "tilde", "tilde_host")
    assert hosts.resolve("project~12").name == "tilde"
    assert hosts.resolve("octo/demo#7").name == "github" and hosts.resolve("g/p!1").name == "gitlab"
    with pytest.raises(InputError) as err:
        hosts.resolve("nothing")
    assert "PROJECT~NUMBER" in err.value.hint and "OWNER/REPO#NUMBER" in err.value.hint


def test_an_unknown_host_name_is_an_input_error():
    with pytest.raises(InputError):
        hosts.get("nowhere")


def test_the_commands_name_no_host_but_in_flags_and_messages():
    """The review command finds its host through the registry: no host package is imported there."""
    import importlib
    from pathlib import Path

    review_cli = importlib.import_module("reviewer.cli.review")  # the package's `review` is the command
    text = Path(review_cli.__file__).read_text()
    assert "hosts.github" not in text and "hosts.gitlab" not in text
