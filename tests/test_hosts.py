"""The host registry: a review target goes to the host whose form it is written in."""

from __future__ import annotations

import sys
import types

import pytest

from reviewer import hosts
from reviewer.errors import InputError
from reviewer.github.ref import PRRef


def test_github_forms_resolve_to_github():
    host, ref = hosts.resolve("octo/demo#7")
    assert host.name == "github" and ref == PRRef("octo", "demo", 7)
    host, ref = hosts.resolve("https://ghe.example.com/octo/demo/pull/9/files")
    assert host.name == "github" and (ref.full_name, ref.number, ref.host) == ("octo/demo", 9, "ghe.example.com")


def test_a_target_no_host_reads_is_one_input_error_naming_every_form():
    with pytest.raises(InputError) as err:
        hosts.resolve("octo/demo!7")
    assert "not a pull request reference" in err.value.message
    assert "OWNER/REPO#NUMBER" in err.value.hint


def test_a_second_host_is_one_registry_entry(monkeypatch):
    """A module with a ``HOST`` and one entry in HOSTS: its forms resolve to it, GitHub's still to GitHub."""

    class BangHost:
        name, forms = "bang", "GROUP/PROJECT!NUMBER"

        def match(self, target):
            group, _, number = target.partition("!")
            return PRRef(*group.split("/"), int(number)) if number.isdigit() and "/" in group else None

    module = types.ModuleType("bang_host")
    module.HOST = BangHost()
    monkeypatch.setitem(sys.modules, "bang_host", module)
    monkeypatch.setitem(hosts.HOSTS, "bang", "bang_host")
    host, ref = hosts.resolve("group/project!12")
    assert host.name == "bang" and ref.number == 12
    assert hosts.resolve("octo/demo#7")[0].name == "github"
    with pytest.raises(InputError) as err:
        hosts.resolve("nothing")
    assert "GROUP/PROJECT!NUMBER" in err.value.hint and "OWNER/REPO#NUMBER" in err.value.hint


def test_an_unknown_host_name_is_an_input_error():
    with pytest.raises(InputError):
        hosts.get("nowhere")
