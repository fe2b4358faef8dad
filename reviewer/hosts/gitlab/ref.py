"""Which merge request, on which GitLab, with which token.

- ``group/sub/project!12``: a project path (any depth of groups) and the MR's iid; the GitLab
  is ``--gitlab-url``, else ``CI_SERVER_URL``, else https://gitlab.com;
- a merge request's URL, ``https://HOST/group/project/-/merge_requests/12`` (GitLab at HOST);
- inside GitLab CI, no reference at all: ``CI_MERGE_REQUEST_PROJECT_PATH`` (else
  ``CI_PROJECT_PATH``) and ``CI_MERGE_REQUEST_IID``.

The token: ``GITLAB_TOKEN`` (a personal, project or group access token), else ``CI_JOB_TOKEN``
(GitLab CI's job token: it reads, it cannot comment).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ...errors import InputError
from ...logs import register_secret

DEFAULT_URL = "https://gitlab.com"
_SEGMENT = r"[A-Za-z0-9_.][A-Za-z0-9_.-]{0,254}"
_PATH = rf"{_SEGMENT}(?:/{_SEGMENT})+"
_SHORT = re.compile(rf"^(?P<path>{_PATH})!(?P<iid>[0-9]{{1,9}})$")
_URL_PATH = re.compile(rf"^/(?P<path>{_PATH})/-/merge_requests/(?P<iid>[0-9]{{1,9}})(?:/.*)?$")


@dataclass(frozen=True)
class MRRef:
    project: str  # "group/sub/project"
    iid: int
    url: str  # the GitLab instance, e.g. https://gitlab.example.com

    def __str__(self) -> str:
        return f"{self.project}!{self.iid}"


def is_mr_ref(text: str) -> bool:
    """Whether ``text`` is written as a GitLab merge request (not a GitHub pull request)."""
    text = text.strip()
    return bool(_SHORT.match(text)) or "/-/merge_requests/" in text


def gitlab_url(flag: str | None, env: Mapping[str, str]) -> str:
    url = (flag or env.get("CI_SERVER_URL") or DEFAULT_URL).strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"invalid GitLab URL {url!r}", hint="the instance's address, e.g. https://gitlab.example.com")
    return url.removesuffix("/api/v4")


def parse_mr_ref(text: str, flag_url: str | None = None, env: Mapping[str, str] | None = None) -> MRRef:
    env = env or {}
    text = text.strip()
    m = _SHORT.match(text)
    if m is not None and not any(s in (".", "..") for s in m["path"].split("/")):
        return MRRef(m["path"].removesuffix(".git"), _iid(m["iid"], text), gitlab_url(flag_url, env))
    parts = urlsplit(text) if "://" in text else None
    m = _URL_PATH.match(parts.path) if parts is not None and parts.scheme in ("http", "https") and parts.hostname else None
    if parts is None or m is None or any(s in (".", "..") for s in m["path"].split("/")):
        raise InputError(f"not a merge request reference: {text!r}",
                         hint="use GROUP/PROJECT!IID or https://HOST/GROUP/PROJECT/-/merge_requests/IID")
    url = gitlab_url(flag_url, {}) if flag_url else f"{parts.scheme}://{parts.netloc}"
    return MRRef(m["path"], _iid(m["iid"], text), url)


def mr_ref_from_ci(flag_url: str | None, env: Mapping[str, str]) -> MRRef:
    """The merge request of a GitLab CI merge-request pipeline."""
    # the MR's own project (a fork's pipeline runs in the fork), else the pipeline's
    project = env.get("CI_MERGE_REQUEST_PROJECT_PATH") or env.get("CI_PROJECT_PATH", "")
    iid = env.get("CI_MERGE_REQUEST_IID", "")
    if not project or not iid.isdigit():
        raise InputError("no merge request to review: give GROUP/PROJECT!IID or its URL",
                         hint="inside GitLab CI, run the job in a merge request pipeline "
                              "(rules: - if: $CI_PIPELINE_SOURCE == \"merge_request_event\")")
    return parse_mr_ref(f"{project}!{iid}", flag_url, env)


def _iid(value: str, text: str) -> int:
    if int(value) < 1:
        raise InputError(f"not a merge request reference: {text!r} (IIDs start at 1)")
    return int(value)


@dataclass(frozen=True)
class GitLabToken:
    value: str = field(repr=False)
    source: str  # GITLAB_TOKEN or CI_JOB_TOKEN

    @property
    def is_job_token(self) -> bool:
        return self.source == "CI_JOB_TOKEN"


def discover_gitlab_token(env: Mapping[str, str]) -> GitLabToken | None:
    """GITLAB_TOKEN, else CI_JOB_TOKEN; registered with the log redaction."""
    for name in ("GITLAB_TOKEN", "CI_JOB_TOKEN"):
        value = env.get(name, "").strip()
        if value:
            register_secret(value)
            return GitLabToken(value, name)
    return None
