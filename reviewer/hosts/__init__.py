"""Code hosts: the registry that resolves a review target (``owner/repo#N``, a pull request's
URL, ``group/project!N``...) to the host it belongs to. A host is one package (``reviewer/hosts/github/``,
``reviewer/hosts/gitlab/``) with a ``HOST`` object in its ``host`` module, and one entry in ``HOSTS``;
the commands know nothing more of it.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from ..config import Settings
from ..errors import InputError
from ..sinks import CommentSink
from ..sources import DiffSource
from ..style import StyleRoot

# name -> the module whose ``HOST`` implements ``Host``; ``resolve`` asks them in this order
HOSTS: dict[str, str] = {
    "github": "reviewer.hosts.github.host",
    "gitlab": "reviewer.hosts.gitlab.host",
}
DEFAULT_HOST = "github"  # for the commands that name a repository, not a pull request (`style learn`)


class Target(Protocol):
    """One pull (or merge) request on its host, with a client for the host's API."""

    label: str  # e.g. ``octo/demo#7``
    client: Any

    def source(self) -> DiffSource:
        """The request's diff and what is known of it."""

    def style_root(self, settings: Settings, cwd: Path) -> StyleRoot | None:
        """Where the repository's own rules are read for this request (never its head), or None."""

    def sink(self, settings: Settings, diff_text: str) -> CommentSink:
        """Posts a review of ``diff_text`` to the request."""


class Host(Protocol):
    name: str
    title: str  # for people: "GitHub"
    forms: str  # the target forms it reads, for people ("OWNER/REPO#NUMBER or https://...")

    def accepts(self, target: str | None, url: str | None) -> bool:
        """Whether ``target`` is written in one of this host's forms (``None``: no target given,
        which a host may read from its CI's environment when ``url``, its API flag, is given)."""

    def open(self, target: str | None, settings: Settings, *, post: bool, url: str | None = None,
             env: Mapping[str, str] | None = None, token: Any = None) -> Target:
        """The target with a client (token and API URL found here); ``post``: a token is required."""


def get(name: str) -> Host:
    if name not in HOSTS:
        raise InputError(f"unknown host {name!r}", hint=f"one of {', '.join(HOSTS)}")
    return importlib.import_module(HOSTS[name]).HOST


def resolve(target: str | None, urls: Mapping[str, str | None] | None = None) -> Host | None:
    """The host ``target`` belongs to (``urls``: each host's API URL flag, by host name); None
    when there is no target and no host reads one from its environment."""
    urls = urls or {}
    for name in HOSTS:
        host = get(name)
        if host.accepts(target, urls.get(name)):
            return host
    if target is None:
        return None
    forms = " or ".join(get(name).forms for name in HOSTS)
    raise InputError(f"not a pull request reference: {target.strip()!r}", hint=f"use {forms}")
