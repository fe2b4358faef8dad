"""GitHub access: the token, and one PyGithub client whose every call goes through the hosts'
bounded retry policy (hosts/common/client.py) and ends in a one-line GitHubError.

PyGithub's own retries are off (``retry=None``): waiting is decided by the policy, so that
``Retry-After`` and ``X-RateLimit-Reset`` are honoured and the total wait of a call has a
ceiling (``max_wait``: ``REVIEWER_GITHUB_MAX_WAIT``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from github import Auth, Github, GithubException

from ...config import DEFAULTS
from ...errors import GitHubError, HostError, PostError
from ...logs import redact, register_secret
from ..common.client import Answer, RetryingClient, Wording

TOKEN_VARS = ("GITHUB_TOKEN", "GH_TOKEN")


class UnprocessableError(PostError):
    """GitHub answered 422: the request was understood and refused (e.g. an anchor outside the diff)."""

    def __init__(self, message: str, errors: list[Any]):
        super().__init__(message, status=422)
        self.errors = errors


@dataclass(frozen=True)
class Token:
    value: str = field(repr=False)
    source: str  # GITHUB_TOKEN, GH_TOKEN or `gh auth token`


def discover_token(env: Mapping[str, str] | None = None, host: str = "github.com",
                   gh: str | None = "gh", timeout: float = 10.0, given: str | None = None,
                   given_source: str = "") -> Token | None:
    """``given`` (a token handed over explicitly, e.g. an Action input, named ``given_source``),
    then GITHUB_TOKEN, then GH_TOKEN, then `gh auth token` (unless ``gh`` is None); registered
    with the log redaction."""
    env = os.environ if env is None else env
    token = Token(given.strip(), given_source) if given and given.strip() else None
    for name in TOKEN_VARS:
        if token is None and env.get(name, "").strip():
            token = Token(env[name].strip(), name)
    if token is None and gh is not None and shutil.which(gh):
        try:
            out = subprocess.run([gh, "auth", "token", "--hostname", host], capture_output=True, text=True,
                                 timeout=timeout, stdin=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired):
            out = None
        value = out.stdout.strip() if out is not None and out.returncode == 0 else ""
        if value and "\n" not in value:
            token = Token(value, "`gh auth token`")
    if token is not None:
        register_secret(token.value)
    return token


def _message(exc: GithubException) -> str:
    data = exc.data if isinstance(exc.data, dict) else {}
    text = str(data.get("message") or "").strip()
    errors = data.get("errors")
    if isinstance(errors, list) and errors:
        first = errors[0]
        detail = first.get("message") or first.get("code") if isinstance(first, dict) else str(first)
        if detail:
            text = f"{text}: {detail}" if text else str(detail)
    text = " ".join(redact(text).split())
    return text[:200] or "no message"


GITHUB = Wording(
    title="GitHub", error=GitHubError, wait_setting="REVIEWER_GITHUB_MAX_WAIT",
    url_hint="--github-url / GITHUB_API_URL", login_hint="set GITHUB_TOKEN or GH_TOKEN, or log in with `gh auth login`",
    what_missing="repository or PR", not_found_hint="check the reference and that the token may read the repository",
    forbidden_hint="posting needs a token with pull-requests: write and issues: write")


class GitHubClient(RetryingClient):
    """A PyGithub ``Github`` plus the retry policy (hosts/common/client.py); ``call`` runs one
    logical request."""

    wording = GITHUB
    host_errors = (GithubException,)

    default_max_wait, default_timeout = DEFAULTS.github_max_wait, DEFAULTS.github_timeout
    default_write_pause = DEFAULTS.github_write_pause

    def connect(self, timeout: float) -> None:
        auth = Auth.Token(self.token.value) if self.token is not None else None
        pause, self.write_pause = self.write_pause, 0.0  # PyGithub paces its writes itself
        self.github = Github(base_url=self.api_url, auth=auth, retry=None, timeout=int(max(1, timeout)), per_page=100,
                             lazy=True, seconds_between_requests=None,
                             seconds_between_writes=pause if pause > 0 else None)

    @property
    def requester(self):
        return self.github.requester

    def answer(self, exc: BaseException) -> Answer:
        assert isinstance(exc, GithubException)
        headers = {str(k).lower(): str(v) for k, v in (exc.headers or {}).items()}
        return Answer(exc.status, headers, _message(exc))

    def limit_name(self, remaining: str | None) -> str:
        return f"{'primary' if remaining == '0' else 'secondary'} rate limit"

    def error(self, answer: Answer, what: str, target: str = "", exc: BaseException | None = None) -> HostError:
        if answer.status == 422:
            errors = _errors(exc) if isinstance(exc, GithubException) else []
            return UnprocessableError(f"GitHub refused the request while {what} (422 {answer.message})", errors)
        return super().error(answer, what, target, exc)


def _errors(exc: GithubException) -> list[Any]:
    data = exc.data if isinstance(exc.data, dict) else {}
    errors = data.get("errors")
    return list(errors) if isinstance(errors, list) else []
