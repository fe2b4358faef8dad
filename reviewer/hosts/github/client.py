"""GitHub access: the token, and one PyGithub client whose every call goes through a bounded retry policy and ends in a one-line GitHubError.

PyGithub's own retries are off (``retry=None``): waiting is decided here, so that
``Retry-After`` and ``X-RateLimit-Reset`` are honoured and the total wait of a call has
a ceiling (``max_wait``) after which the run stops with a clear message.
"""

from __future__ import annotations

import email.utils
import logging
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import requests
from github import Auth, Github, GithubException

from ...config import DEFAULTS
from ...errors import GitHubError, PostError
from ...logs import redact, register_secret

log = logging.getLogger(__name__)
T = TypeVar("T")

TOKEN_VARS = ("GITHUB_TOKEN", "GH_TOKEN")
# without a hint from GitHub, a secondary rate limit is waited out for a minute (GitHub's advice)
SECONDARY_DEFAULT_WAIT = 60.0
MAX_ATTEMPTS = 6


class UnprocessableError(PostError):
    """GitHub answered 422: the request was understood and refused (e.g. an anchor outside the diff)."""

    def __init__(self, message: str, errors: list[Any]):
        super().__init__(message)
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


def _header(headers: Mapping[str, Any] | None, name: str) -> str | None:
    for key, value in (headers or {}).items():
        if key.lower() == name:
            return str(value)
    return None


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


class GitHubClient:
    """A PyGithub ``Github`` plus the retry policy; ``call`` runs one logical request."""

    def __init__(self, api_url: str, token: Token | None, *, max_wait: float = DEFAULTS.github_max_wait,
                 write_pause: float = DEFAULTS.github_write_pause, timeout: float = DEFAULTS.github_timeout, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.time):
        self.api_url, self.token = api_url, token
        self.max_wait, self.sleep, self.clock = max_wait, sleep, clock
        auth = Auth.Token(token.value) if token is not None else None
        self.github = Github(base_url=api_url, auth=auth, retry=None, timeout=int(max(1, timeout)), per_page=100,
                             lazy=True, seconds_between_requests=None,
                             seconds_between_writes=write_pause if write_pause > 0 else None)

    @property
    def requester(self):
        return self.github.requester

    def call(self, what: str, fn: Callable[[], T], *, idempotent: bool = True, target: str = "") -> T:
        """Run ``fn`` (PyGithub calls); rate limits are waited out, 5xx and network errors are retried
        when ``idempotent``, all within ``max_wait`` seconds; anything else becomes a GitHubError."""
        waited, attempt = 0.0, 0
        while True:
            attempt += 1
            try:
                return fn()
            except GithubException as exc:
                delay, why = self._delay(exc, attempt, idempotent)
                if delay is None:
                    raise self.error(exc, what, target) from None
            except (requests.Timeout, requests.ConnectionError) as exc:
                kind = "timed out" if isinstance(exc, requests.Timeout) else "connection failed"
                unreachable = GitHubError(f"cannot reach GitHub at {self.api_url} while {what} ({kind})",
                                          hint="check --github-url / GITHUB_API_URL and the network")
                if not idempotent or attempt >= 3 or waited + 2 ** (attempt - 1) > self.max_wait:
                    raise unreachable from None
                delay, why = float(2 ** (attempt - 1)), f"request {kind}"
            if attempt >= MAX_ATTEMPTS:
                raise GitHubError(f"gave up {what} after {attempt} tries: {why}",
                                  hint="try again later") from None
            if waited + delay > self.max_wait:
                raise GitHubError(
                    f"gave up {what}: {why}; waiting {delay:.0f} s more would pass the {self.max_wait:g} s "
                    f"limit (waited {waited:.0f} s)", hint="try again later, or raise REVIEWER_GITHUB_MAX_WAIT"
                ) from None
            log.warning("GitHub: %s while %s; retrying in %.1f s", why, what, delay)
            self.sleep(delay)
            waited += delay

    def _delay(self, exc: GithubException, attempt: int, idempotent: bool) -> tuple[float | None, str]:
        status, headers = exc.status, exc.headers
        retry_after = _header(headers, "retry-after")
        remaining, reset = _header(headers, "x-ratelimit-remaining"), _header(headers, "x-ratelimit-reset")
        message = _message(exc).lower()
        limited = status == 429 or (status == 403 and (retry_after is not None or remaining == "0"
                                                       or "rate limit" in message))
        if limited:
            kind = "primary" if remaining == "0" else "secondary"
            if retry_after is not None:
                return self._seconds(retry_after), f"{kind} rate limit ({status}, Retry-After {retry_after})"
            if remaining == "0" and reset is not None and reset.isdigit():
                return max(1.0, int(reset) - self.clock() + 1), f"{kind} rate limit ({status}, reset at {reset})"
            return SECONDARY_DEFAULT_WAIT, f"{kind} rate limit ({status})"
        if status >= 500 and idempotent:  # a 503 may say when to come back
            if retry_after is not None:
                return self._seconds(retry_after), f"server error {status}, Retry-After {retry_after}"
            return float(2 ** (attempt - 1)), f"server error {status}"
        return None, ""

    def _seconds(self, value: str) -> float:
        try:
            return max(0.0, float(value))
        except ValueError:
            when = email.utils.parsedate_to_datetime(value) if value else None
            return max(0.0, when.timestamp() - self.clock()) if when is not None else SECONDARY_DEFAULT_WAIT

    def error(self, exc: GithubException, what: str, target: str = "") -> GitHubError:
        """The one-line error for a GitHub answer; it keeps the HTTP status as ``.status``."""
        err = self._error(exc, what, target)
        err.status = exc.status  # type: ignore[attr-defined]
        return err

    def _error(self, exc: GithubException, what: str, target: str) -> GitHubError:
        status, message = exc.status, _message(exc)
        source = self.token.source if self.token is not None else None
        if status == 401:
            if source is None:
                return GitHubError(f"GitHub requires authentication while {what} (401)",
                                   hint="set GITHUB_TOKEN or GH_TOKEN, or log in with `gh auth login`")
            return GitHubError(f"GitHub rejected the token from {source} while {what} (401 {message})",
                               hint=f"check or renew the token in {source}")
        if status == 404:
            return GitHubError(f"repository or PR not found, or the token cannot see it: {target or what} (404)",
                               hint="check the reference and that the token may read the repository")
        if status == 422:
            return UnprocessableError(f"GitHub refused the request while {what} (422 {message})", _errors(exc))
        if status == 403:
            return GitHubError(f"GitHub refused the request while {what} (403 {message})",
                               hint="posting needs a token with pull-requests: write and issues: write")
        if status >= 500:
            return GitHubError(f"GitHub server error while {what} ({status} {message})",
                               hint="GitHub is failing; try again later")
        return GitHubError(f"GitHub answered {status} while {what} ({message})")


def _errors(exc: GithubException) -> list[Any]:
    data = exc.data if isinstance(exc.data, dict) else {}
    errors = data.get("errors")
    return list(errors) if isinstance(errors, list) else []
