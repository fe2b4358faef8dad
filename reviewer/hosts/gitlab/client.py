"""One python-gitlab client whose every call goes through the hosts' bounded retry policy
(hosts/common/client.py) and ends, on failure, in one ``GitLabError`` line.

python-gitlab's own waiting is off: it would sleep for whatever ``Retry-After`` says. Here a 429
is waited out (``Retry-After``, else ``RateLimit-Reset``) only while the call's total wait stays
under ``max_wait`` (``REVIEWER_GITLAB_MAX_WAIT``). The token never appears in a message (it is
registered for redaction).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import gitlab
import requests
from gitlab.exceptions import GitlabError as _PythonGitlabError

from ...config import DEFAULTS
from ...errors import GitLabError
from ...logs import redact
from ..common.client import Answer, RetryingClient, Wording
from .ref import GitLabToken


class _Gitlab(gitlab.Gitlab):
    """python-gitlab with its own retries off: ``GitLabClient.call`` decides."""

    def http_request(self, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.update(obey_rate_limit=False, retry_transient_errors=False, max_retries=0)
        return super().http_request(*args, **kwargs)


GITLAB = Wording(
    title="GitLab", error=GitLabError, wait_setting="REVIEWER_GITLAB_MAX_WAIT", url_hint="--gitlab-url / CI_SERVER_URL",
    login_hint="set GITLAB_TOKEN (an access token with the api scope)", what_missing="project or merge request",
    not_found_hint="check the reference, --gitlab-url, and that the token may read the project",
    forbidden_hint="the token needs the api scope and at least the Reporter role to comment")


class GitLabClient(RetryingClient):
    """python-gitlab plus the hosts' retry policy (hosts/common/client.py)."""

    wording = GITLAB
    host_errors = (_PythonGitlabError,)

    default_max_wait, default_timeout = DEFAULTS.gitlab_max_wait, DEFAULTS.gitlab_timeout
    default_write_pause = DEFAULTS.gitlab_write_pause
    token: GitLabToken | None

    def connect(self, timeout: float) -> None:
        self.url = self.api_url
        self.session = requests.Session()
        self.last_headers: Mapping[str, str] = {}
        self.session.hooks["response"].append(self._remember)
        auth: dict[str, str] = {}
        if self.token is not None:
            auth = {"job_token": self.token.value} if self.token.is_job_token else {"private_token": self.token.value}
        self.gl = _Gitlab(self.url, timeout=max(1.0, timeout), per_page=100, session=self.session, **auth)

    def _remember(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self.last_headers = response.headers

    def answer(self, exc: BaseException) -> Answer:
        """python-gitlab's error keeps the status, not the headers: those of the last response."""
        assert isinstance(exc, _PythonGitlabError)
        headers = {str(k).lower(): str(v) for k, v in self.last_headers.items()}
        return Answer(exc.response_code or 0, headers, _message(exc))

    def forbidden_hint(self) -> str:
        if self.token_source == "CI_JOB_TOKEN":
            return ("CI_JOB_TOKEN can read a merge request but not comment on it: set GITLAB_TOKEN "
                    "(a project access token with the api scope)")
        return self.wording.forbidden_hint


def _message(exc: _PythonGitlabError) -> str:
    text = exc.error_message
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    text = " ".join(redact(str(text or "")).split())
    return text[:200] or "no message"
