"""One python-gitlab client whose every call goes through a bounded retry policy and ends, on
failure, in one ``GitLabError`` line.

python-gitlab's own waiting is off: it would sleep for whatever ``Retry-After`` says. Here a 429
is waited out (``Retry-After``, else ``RateLimit-Reset``) only while the call's total wait stays
under ``max_wait``; 5xx and network errors are retried for idempotent calls; 401/403/404 are
one clear line each. The token never appears in a message (it is registered for redaction).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import gitlab
import requests
from gitlab.exceptions import GitlabError as _PythonGitlabError

from ...errors import GitLabError
from ...logs import redact
from .ref import GitLabToken

log = logging.getLogger(__name__)
T = TypeVar("T")
MAX_ATTEMPTS = 6
DEFAULT_RATE_WAIT = 60.0


class _Gitlab(gitlab.Gitlab):
    """python-gitlab with its own retries off: ``GitLabClient.call`` decides."""

    def http_request(self, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.update(obey_rate_limit=False, retry_transient_errors=False, max_retries=0)
        return super().http_request(*args, **kwargs)


class GitLabClient:
    def __init__(self, url: str, token: GitLabToken | None, *, max_wait: float = 60.0, timeout: float = 30.0,
                 write_pause: float = 0.0, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.time):
        self.url, self.token = url, token
        self.max_wait, self.write_pause, self.sleep, self.clock = max_wait, write_pause, sleep, clock
        self.session = requests.Session()
        self.last_headers: Mapping[str, str] = {}
        self.session.hooks["response"].append(self._remember)
        auth: dict[str, str] = {}
        if token is not None:
            auth = {"job_token": token.value} if token.is_job_token else {"private_token": token.value}
        self.gl = _Gitlab(url, timeout=max(1.0, timeout), per_page=100, session=self.session, **auth)

    def _remember(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self.last_headers = response.headers

    def call(self, what: str, fn: Callable[[], T], *, idempotent: bool = True, target: str = "") -> T:
        waited, attempt = 0.0, 0
        while True:
            attempt += 1
            try:
                result = fn()
                if not idempotent and self.write_pause > 0:
                    self.sleep(self.write_pause)
                return result
            except _PythonGitlabError as exc:
                status = getattr(exc, "response_code", None) or 0
                delay, why = self._delay(status, attempt, idempotent)
                if delay is None:
                    raise self.error(status, _message(exc), what, target) from None
            except (requests.Timeout, requests.ConnectionError) as exc:
                kind = "timed out" if isinstance(exc, requests.Timeout) else "connection failed"
                if not idempotent or attempt >= 3 or waited + 2 ** (attempt - 1) > self.max_wait:
                    raise GitLabError(f"cannot reach GitLab at {self.url} while {what} ({kind})",
                                      hint="check --gitlab-url / CI_SERVER_URL and the network") from None
                delay, why = float(2 ** (attempt - 1)), f"request {kind}"
            if attempt >= MAX_ATTEMPTS:
                raise GitLabError(f"gave up {what} after {attempt} tries: {why}", hint="try again later") from None
            if waited + delay > self.max_wait:
                raise GitLabError(f"gave up {what}: {why}; waiting {delay:.0f} s more would pass the "
                                  f"{self.max_wait:g} s limit (waited {waited:.0f} s)",
                                  hint="try again later, or raise REVIEWER_GITHUB_MAX_WAIT") from None
            log.warning("GitLab: %s while %s; retrying in %.1f s", why, what, delay)
            self.sleep(delay)
            waited += delay

    def _delay(self, status: int, attempt: int, idempotent: bool) -> tuple[float | None, str]:
        headers = {k.lower(): v for k, v in self.last_headers.items()}
        if status == 429:
            if (after := headers.get("retry-after")) is not None:
                return _seconds(after, DEFAULT_RATE_WAIT), f"rate limit (429, Retry-After {after})"
            if (reset := headers.get("ratelimit-reset", "")).isdigit():
                return max(1.0, int(reset) - self.clock()), f"rate limit (429, RateLimit-Reset {reset})"
            return DEFAULT_RATE_WAIT, "rate limit (429)"
        if status >= 500 and idempotent:
            return float(2 ** (attempt - 1)), f"server error {status}"
        return None, ""

    def error(self, status: int, message: str, what: str, target: str = "") -> GitLabError:
        err = self._error(status, message, what, target)
        err.status = status  # type: ignore[attr-defined]
        return err

    def _error(self, status: int, message: str, what: str, target: str) -> GitLabError:
        source = self.token.source if self.token is not None else None
        if status == 401:
            if source is None:
                return GitLabError(f"GitLab requires authentication while {what} (401)",
                                   hint="set GITLAB_TOKEN (an access token with the api scope)")
            return GitLabError(f"GitLab rejected the token from {source} while {what} (401 {message})",
                               hint=f"check or renew the token in {source}")
        if status == 403:
            hint = ("CI_JOB_TOKEN can read a merge request but not comment on it: set GITLAB_TOKEN "
                    "(a project access token with the api scope)") if source == "CI_JOB_TOKEN" else \
                "the token needs the api scope and at least the Reporter role to comment"
            return GitLabError(f"GitLab refused the request while {what} (403 {message})", hint=hint)
        if status == 404:
            return GitLabError(f"project or merge request not found, or the token cannot see it: "
                               f"{target or what} (404)",
                               hint="check the reference, --gitlab-url, and that the token may read the project")
        if status == 429:
            return GitLabError(f"GitLab rate limit while {what} (429)", hint="try again later")
        if status >= 500:
            return GitLabError(f"GitLab server error while {what} ({status} {message})",
                               hint="GitLab is failing; try again later")
        return GitLabError(f"GitLab answered {status} while {what} ({message})")


def _message(exc: _PythonGitlabError) -> str:
    text = exc.error_message
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    text = " ".join(redact(str(text or "")).split())
    return text[:200] or "no message"


def _seconds(value: str, default: float) -> float:
    try:
        return max(0.0, float(value))
    except ValueError:
        return default
