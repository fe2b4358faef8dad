"""Pull-request references on GitHub (``owner/repo#N``, a PR's URL) and the API URL they imply."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from ...errors import InputError

DEFAULT_API = "https://api.github.com"
_OWNER = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})"
_REPO = r"[A-Za-z0-9._-]{1,100}"
_SHORT_REF = re.compile(rf"^(?P<owner>{_OWNER})/(?P<repo>{_REPO})#(?P<number>[0-9]{{1,9}})$")
LOGIN = re.compile(rf"^{_OWNER}(?:\[bot\])?$")  # a user or an app's bot
FULL_NAME = re.compile(rf"^{_OWNER}/{_REPO}$")  # owner/repo
_URL_PATH = re.compile(rf"^/(?P<owner>{_OWNER})/(?P<repo>{_REPO})/pulls?/(?P<number>[0-9]{{1,9}})(?:/.*)?$")


@dataclass(frozen=True)
class PRRef:
    owner: str
    repo: str
    number: int
    host: str | None = None  # the web host, when the reference was a URL

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.repo}"

    def __str__(self) -> str:
        return f"{self.full_name}#{self.number}"


FORMS = "OWNER/REPO#NUMBER or https://github.com/OWNER/REPO/pull/NUMBER"


def match_pr_ref(text: str) -> PRRef | None:
    """``owner/repo#123`` or a pull request's URL (github.com or a GitHub Enterprise host); None
    when ``text`` is neither."""
    text = text.strip()
    m = _SHORT_REF.match(text)
    if m is None and "://" in text:
        parts = urlsplit(text)
        m = _URL_PATH.match(parts.path) if parts.scheme in ("http", "https") and parts.hostname else None
        host = parts.netloc if m else None
    else:
        host = None
    if m is None or m["repo"] in (".", "..") or int(m["number"]) < 1:
        return None
    return PRRef(m["owner"], m["repo"].removesuffix(".git"), int(m["number"]), host)


def parse_pr_ref(text: str) -> PRRef:
    """``match_pr_ref``, or an InputError."""
    ref = match_pr_ref(text)
    if ref is None:
        raise InputError(f"not a pull request reference: {text.strip()!r}", hint=f"use {FORMS}")
    return ref


def api_base_url(flag: str | None, env: Mapping[str, str], ref: PRRef | None = None) -> str:
    """--github-url, else GITHUB_API_URL, else https://HOST/api/v3 for a GitHub Enterprise PR URL,
    else api.github.com."""
    url = flag or env.get("GITHUB_API_URL") or ""
    if not url and ref is not None and ref.host and ref.host.lower() not in ("github.com", "www.github.com"):
        url = f"https://{ref.host}/api/v3"
    url = (url or DEFAULT_API).rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"invalid GitHub API URL {url!r}", hint="e.g. https://api.github.com or https://HOST/api/v3")
    return url


def web_host(api_url: str) -> str:
    host = urlsplit(api_url).netloc
    return "github.com" if host == "api.github.com" else host
