"""GitHub as a host of the registry (reviewer/hosts/): its target forms, its client, source,
style root and sink."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from ...config import Settings
from ...errors import GitHubError
from ...style import StyleRoot
from ...style.learn import Fetched
from ...style.roots import make_style_root
from .checks import GitHubCheckSink
from .client import GitHubClient, Token, discover_token
from ...types import Previous
from .learn import check_names, fetch_review_comments
from .previous import read_previous
from .ref import FORMS, PRRef, api_base_url, match_pr_ref, web_host
from .sink import GitHubReviewSink
from .source import PullRequestSource


@dataclass
class PullRequestTarget:
    ref: PRRef
    client: GitHubClient

    @property
    def label(self) -> str:
        return str(self.ref)

    def source(self) -> PullRequestSource:
        return PullRequestSource(self.client, self.ref)  # stateless: a new one each time

    def style_root(self, settings: Settings, cwd: Path) -> StyleRoot | None:
        """The checkout's rules, when the checkout is one of the PR's repository."""
        return make_style_root(settings, cwd, pr_repo=self.ref.full_name)

    def previous(self) -> Previous | None:
        """The state the tool's last summary on this pull request records (github/previous.py)."""
        return read_previous(self.client, self.ref.full_name, self.ref.number)

    def check_sink(self, settings: Settings, diff_text: str) -> GitHubCheckSink:
        """``--post check``: one check run with annotations on the head commit."""
        return GitHubCheckSink(self.client, diff_text, fail_on=settings.fail_on)

    def sink(self, settings: Settings, diff_text: str) -> GitHubReviewSink:
        return GitHubReviewSink(self.client, diff_text, max_comments=settings.max_comments,
                                review_event=settings.review_event, inline_notes=settings.inline_notes)


class GitHubHost:
    name, title, forms = "github", "GitHub", FORMS

    def accepts(self, target: str | None, url: str | None) -> bool:
        return target is not None and match_pr_ref(target) is not None

    def open(self, target: str | PRRef | None, settings: Settings, *, post: bool, url: str | None = None,
             env: Mapping[str, str] | None = None, token: Token | None = None) -> PullRequestTarget:
        ref = target if isinstance(target, PRRef) else match_pr_ref(target or "")
        if ref is None:
            raise GitHubError(f"not a GitHub pull request: {target!r}", hint=f"use {FORMS}")
        return PullRequestTarget(ref, self.connect(settings, ref, post=post, url=url, env=env, token=token))

    def connect(self, settings: Settings, ref: PRRef | None, *, post: bool, url: str | None = None,
                env: Mapping[str, str] | None = None, token: Token | None = None) -> GitHubClient:
        """Token (``token`` when given, else GITHUB_TOKEN, GH_TOKEN, `gh auth token`) and API URL
        (``url`` from --github-url, else GITHUB_API_URL, else the PR URL's Enterprise host)."""
        env = os.environ if env is None else env
        api = api_base_url(url, env, ref)
        token = token if token is not None else discover_token(env, host=web_host(api))
        if token is None and post:
            raise GitHubError("--post needs a GitHub token",
                              hint="set GITHUB_TOKEN or GH_TOKEN, or log in with `gh auth login`")
        return GitHubClient(api, token, max_wait=settings.github_max_wait, write_pause=settings.github_write_pause,
                            timeout=settings.github_timeout)

    # `reviewer style learn`
    def check_names(self, repo: str, login: str) -> None:
        check_names(repo, login)

    def review_comments(self, client: GitHubClient, repo: str, login: str, *, limit: int, max_pages: int,
                        on_page: Callable[[int, int, int], None] | None = None) -> Fetched:
        return fetch_review_comments(client, repo, login, limit=limit, max_pages=max_pages, on_page=on_page)


HOST = GitHubHost()
