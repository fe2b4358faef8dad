"""GitLab as a host of the registry (reviewer/hosts/): ``GROUP/PROJECT!IID``, a merge request's
URL, or (no target, with --gitlab-url or inside GitLab CI's environment) the pipeline's MR."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ...config import Settings
from ...errors import GitLabError
from ...style import StyleRoot
from ...types import Previous
from .client import GitLabClient
from .previous import read_previous
from .ref import MRRef, discover_gitlab_token, is_mr_ref, mr_ref_from_ci, parse_mr_ref
from .sink import GitLabReviewSink
from .source import MergeRequestSource
from .style_root import GitLabRefRoot


@dataclass
class MergeRequestTarget:
    """A merge request to review: its client, its reference and its diff source (one object: the
    sink anchors on the ``diff_refs`` the source fetched)."""

    client: GitLabClient
    ref: MRRef
    merge_request: MergeRequestSource

    @property
    def label(self) -> str:
        return str(self.ref)

    def source(self) -> MergeRequestSource:
        return self.merge_request

    def style_root(self, settings: Settings, cwd: Path) -> StyleRoot | None:
        """The target branch's rules, read through the API (never the MR's source branch)."""
        if settings.style or not settings.discover_style:
            return None
        source = self.merge_request
        return GitLabRefRoot(self.client, self.ref.project, lambda: source.diff_refs.get("base_sha", ""),
                             lambda: source.changed_paths)

    def previous(self) -> Previous | None:
        """The state the tool's last summary note on this merge request records (gitlab/previous.py)."""
        return read_previous(self.client, self.ref)

    def sink(self, settings: Settings, diff_text: str) -> GitLabReviewSink:
        return GitLabReviewSink(self.client, self.ref, diff_text, self.merge_request.diff_refs,
                                max_comments=settings.max_comments, inline_notes=settings.inline_notes)


class GitLabHost:
    name, title, forms = "gitlab", "GitLab", "GROUP/PROJECT!IID or https://HOST/GROUP/PROJECT/-/merge_requests/IID"

    def accepts(self, target: str | None, url: str | None) -> bool:
        return is_mr_ref(target) if target is not None else bool(url)

    def open(self, target: str | None, settings: Settings, *, post: bool, url: str | None = None,
             env: Mapping[str, str] | None = None, token=None) -> MergeRequestTarget:
        """The token from GITLAB_TOKEN, else CI_JOB_TOKEN."""
        env = os.environ if env is None else env
        ref = parse_mr_ref(target, url, env) if target is not None else mr_ref_from_ci(url, env)
        token = token if token is not None else discover_gitlab_token(env)
        if token is None and post:
            raise GitLabError("--post needs a GitLab token",
                              hint="set GITLAB_TOKEN (an access token with the api scope)")
        client = GitLabClient(ref.url, token, max_wait=settings.gitlab_max_wait, timeout=settings.gitlab_timeout,
                              write_pause=settings.gitlab_write_pause)
        return MergeRequestTarget(client, ref, MergeRequestSource(client, ref))


HOST = GitLabHost()
