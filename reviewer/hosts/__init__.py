"""Code hosts: the registry that resolves a review target (``owner/repo#N``, a pull request's
URL, ``group/project!N``...) to the host it belongs to. A host is one package (``github/``,
``gitlab/``) with a ``HOST`` object in its ``host`` module, and one entry in ``HOSTS``; the
commands know nothing more of it. ``base``: the Host and Target protocols and the capabilities;
``common/``: what every host's client and sink share (retries, error lines, markers).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping

from ..errors import InputError
from .base import (CommentSink, HasCheckRuns, Host, Published, ReadsReviewComments, RemembersReviews,
                   Target)

__all__ = ["CommentSink", "DEFAULT_HOST", "HOSTS", "HasCheckRuns", "Host", "Published", "ReadsReviewComments",
           "RemembersReviews", "Target", "get", "resolve"]

# name -> the module whose ``HOST`` implements ``Host``; ``resolve`` asks them in this order
HOSTS: dict[str, str] = {
    "github": "reviewer.hosts.github.host",
    "gitlab": "reviewer.hosts.gitlab.host",
}
DEFAULT_HOST = "github"  # for the commands that name a repository, not a pull request (`style learn`)


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
