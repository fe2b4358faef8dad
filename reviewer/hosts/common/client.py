"""The retry policy every host's API client runs its calls through, and the one-line error for
an HTTP answer, written once for GitHub and GitLab.

The host libraries' own retries are off: waiting is decided here, so that ``Retry-After`` and
the rate-limit reset headers are honoured and the total wait of one call has a ceiling
(``max_wait``, the host's own setting, named in the hint) after which the run stops with a clear
message. Rate limits are waited out; 5xx and network errors are retried for idempotent calls;
401, 403 and 404 are one clear line each. The token never appears in a message.
"""

from __future__ import annotations

import email.utils
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import requests

from ...errors import HostError

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_ATTEMPTS = 6
DEFAULT_RATE_WAIT = 60.0  # without a hint from the host, a rate limit is waited out for a minute


@dataclass(frozen=True)
class Answer:
    """A failed request's HTTP answer, as every host's library reports it differently."""

    status: int
    headers: Mapping[str, str]  # lower-case names
    message: str  # one line, redacted


@dataclass(frozen=True)
class Wording:
    """What a host's errors say where the hosts differ."""

    title: str  # "GitHub"
    error: type[HostError]  # GitHubError, GitLabError
    wait_setting: str  # the environment variable that raises ``max_wait``
    url_hint: str  # where the API URL comes from: "--github-url / GITHUB_API_URL"
    login_hint: str  # no token: how to give one
    what_missing: str  # "repository or PR", "project or merge request"
    not_found_hint: str
    forbidden_hint: str  # a 403 that is no rate limit


def header(headers: Mapping[str, Any] | None, name: str) -> str | None:
    for key, value in (headers or {}).items():
        if key.lower() == name:
            return str(value)
    return None


class RetryingClient:
    """``call`` runs one logical request (the host library's calls in ``fn``) under the policy;
    a host's client says how its library reports an answer (``answer``) and how it words its
    errors (``wording``)."""

    wording: Wording
    host_errors: tuple[type[BaseException], ...] = ()  # the library's exceptions that carry an answer
    # the host's settings' defaults (config.DEFAULTS): seconds of waiting a call may spend, between
    # writes, without an answer
    default_max_wait: float = 60.0
    default_write_pause: float = 0.0
    default_timeout: float = 30.0

    def __init__(self, api_url: str, token: Any, *, max_wait: float | None = None, write_pause: float | None = None,
                 timeout: float | None = None, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.time):
        """``token``: None, or the host's token (its ``value``, and its ``source`` for messages)."""
        self.api_url, self.token = api_url, token
        self.token_source: str | None = token.source if token is not None else None
        self.max_wait = self.default_max_wait if max_wait is None else max_wait
        self.write_pause = self.default_write_pause if write_pause is None else write_pause
        self.sleep, self.clock = sleep, clock
        self.connect(self.default_timeout if timeout is None else timeout)

    def connect(self, timeout: float) -> None:
        """Make the host library's client (its own retries and waiting off)."""
        raise NotImplementedError

    def answer(self, exc: BaseException) -> Answer:
        """The HTTP answer one of ``host_errors`` reports."""
        raise NotImplementedError

    def call(self, what: str, fn: Callable[[], T], *, idempotent: bool = True, target: str = "") -> T:
        """Run ``fn``; rate limits are waited out, 5xx and network errors are retried when
        ``idempotent``, all within ``max_wait`` seconds; anything else becomes the host's error.
        ``write_pause``: seconds slept after a write, when the library does not pause itself."""
        w = self.wording
        waited, attempt = 0.0, 0
        while True:
            attempt += 1
            try:
                result = fn()
                if not idempotent and self.write_pause > 0:
                    self.sleep(self.write_pause)
                return result
            except self.host_errors as exc:
                answer = self.answer(exc)
                delay, why = self.delay(answer, attempt, idempotent)
                if delay is None:
                    raise self.error(answer, what, target, exc) from None
            except (requests.Timeout, requests.ConnectionError) as exc:
                kind = "timed out" if isinstance(exc, requests.Timeout) else "connection failed"
                if not idempotent or attempt >= 3 or waited + 2 ** (attempt - 1) > self.max_wait:
                    raise w.error(f"cannot reach {w.title} at {self.api_url} while {what} ({kind})",
                                  hint=f"check {w.url_hint} and the network") from None
                delay, why = float(2 ** (attempt - 1)), f"request {kind}"
            if attempt >= MAX_ATTEMPTS:
                raise w.error(f"gave up {what} after {attempt} tries: {why}", hint="try again later") from None
            if waited + delay > self.max_wait:
                raise w.error(f"gave up {what}: {why}; waiting {delay:.0f} s more would pass the "
                              f"{self.max_wait:g} s limit (waited {waited:.0f} s)",
                              hint=f"try again later, or raise {w.wait_setting}") from None
            log.warning("%s: %s while %s; retrying in %.1f s", w.title, why, what, delay)
            self.sleep(delay)
            waited += delay

    def limit_name(self, remaining: str | None) -> str:
        """How the host's documentation names the limit hit (GitHub: primary or secondary)."""
        return "rate limit"

    def delay(self, answer: Answer, attempt: int, idempotent: bool) -> tuple[float | None, str]:
        """Seconds to wait before trying again and why, or None: no retry."""
        status, headers = answer.status, answer.headers
        retry_after = headers.get("retry-after")
        remaining = headers.get("x-ratelimit-remaining", headers.get("ratelimit-remaining"))
        reset = headers.get("x-ratelimit-reset", headers.get("ratelimit-reset"))
        limited = status == 429 or (status == 403 and (retry_after is not None or remaining == "0"
                                                       or "rate limit" in answer.message.lower()))
        if limited:
            kind = self.limit_name(remaining)
            if retry_after is not None:
                return self.seconds(retry_after), f"{kind} ({status}, Retry-After {retry_after})"
            if remaining == "0" and reset is not None and reset.isdigit():
                return max(1.0, int(reset) - self.clock() + 1), f"{kind} ({status}, reset at {reset})"
            return DEFAULT_RATE_WAIT, f"{kind} ({status})"
        if status >= 500 and idempotent:  # a 503 may say when to come back
            if retry_after is not None:
                return self.seconds(retry_after), f"server error {status}, Retry-After {retry_after}"
            return float(2 ** (attempt - 1)), f"server error {status}"
        return None, ""

    def seconds(self, value: str) -> float:
        """``Retry-After``: seconds, or an HTTP date."""
        try:
            return max(0.0, float(value))
        except ValueError:
            try:
                when = email.utils.parsedate_to_datetime(value) if value else None
            except (TypeError, ValueError):
                when = None
            return max(0.0, when.timestamp() - self.clock()) if when is not None else DEFAULT_RATE_WAIT

    def error(self, answer: Answer, what: str, target: str = "", exc: BaseException | None = None) -> HostError:
        """The one-line error for an answer; it keeps the HTTP status as its ``status``."""
        w, status, message = self.wording, answer.status, answer.message
        source = self.token_source
        if status == 401:
            if source is None:
                return w.error(f"{w.title} requires authentication while {what} (401)", hint=w.login_hint,
                               status=status)
            return w.error(f"{w.title} rejected the token from {source} while {what} (401 {message})",
                           hint=f"check or renew the token in {source}", status=status)
        if status == 404:
            return w.error(f"{w.what_missing} not found, or the token cannot see it: {target or what} (404)",
                           hint=w.not_found_hint, status=status)
        if status == 403:
            return w.error(f"{w.title} refused the request while {what} (403 {message})",
                           hint=self.forbidden_hint(), status=status)
        if status == 429:
            return w.error(f"{w.title} rate limit while {what} (429)", hint="try again later", status=status)
        if status >= 500:
            return w.error(f"{w.title} server error while {what} ({status} {message})",
                           hint=f"{w.title} is failing; try again later", status=status)
        return w.error(f"{w.title} answered {status} while {what} ({message})", status=status)

    def forbidden_hint(self) -> str:
        return self.wording.forbidden_hint
