"""GitHub Actions glue for ``reviewer action``: what the runner hands over, and what to do with it.

- ``ActionEnv``: GitHub Actions' own variables (``GITHUB_*``) and the action's inputs
  (``INPUT_*``, upper-cased with hyphens kept, as GitHub names them), read once.
- ``decide``: an event and its payload become a plain ``Decision``: review which PR, or skip
  with which notice. The payload is untrusted text: only numbers, logins, SHAs, repository
  names and GitHub's own enums are read from it, never a title or a body into a message.

What goes back to the runner (summary, outputs, annotations) is in ``workflow.py``. Nothing here
prints: the command (reviewer/cli/action.py) does.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ...errors import InputError
from .ref import FULL_NAME, LOGIN

PULL_REQUEST_ACTIONS = ("opened", "synchronize", "reopened", "ready_for_review")
TRUSTED_ASSOCIATIONS = ("OWNER", "MEMBER", "COLLABORATOR")
COMMAND = "/review"
# the action's inputs that are settings, named as the config file names them (hyphens); their
# values are checked as the settings' own (reviewer/config.py decides precedence, as for flags)
SETTING_INPUTS = ("model", "fail_on", "style", "max_comments", "min_severity", "review_drafts", "review_closed",
                  "budget", "review_context")
INPUT_SETTINGS = {name.replace("_", "-"): name for name in SETTING_INPUTS}
_LOGIN, _REPO = LOGIN, FULL_NAME
_SHA = re.compile(r"^[0-9a-f]{40}$")


def read_inputs(env: Mapping[str, str]) -> dict[str, str]:
    """``INPUT_FAIL-ON=error`` -> ``{"fail-on": "error"}``. An empty input is "not given".

    GitHub keeps hyphens (``INPUT_GITHUB-TOKEN``); the underscore spelling some shells need
    (``INPUT_GITHUB_TOKEN``) is accepted for local rehearsals, the hyphen one wins."""
    found: dict[str, tuple[bool, str]] = {}
    for key, value in env.items():
        if not key.startswith("INPUT_") or not value.strip():
            continue
        raw = key[len("INPUT_"):]
        name = raw.lower().replace("_", "-")
        exact = "_" not in raw
        if name not in found or (exact and not found[name][0]):
            found[name] = (exact, value.strip())
    return {name: value for name, (_, value) in found.items()}


def parse_bool(text: str | None, name: str, default: bool) -> bool:
    if text is None or not text.strip():
        return default
    value = text.strip().lower()
    if value in ("true", "yes", "1", "on"):
        return True
    if value in ("false", "no", "0", "off"):
        return False
    raise InputError(f"input {name} must be true or false, not {text!r}")


def settings_flags(inputs: Mapping[str, str]) -> dict[str, Any]:
    """The inputs that are settings, as flags for ``load_settings`` (a list input may be
    written one item a line, as YAML block scalars make it)."""
    flags: dict[str, Any] = {}
    for name, setting in INPUT_SETTINGS.items():
        if name in inputs:
            value = inputs[name]
            flags[setting] = ",".join(value.splitlines()) if setting == "style" else value
    return flags


@dataclass(frozen=True)
class ActionEnv:
    event_name: str
    event_path: Path | None
    repository: str
    api_url: str | None
    step_summary: Path | None
    output: Path | None
    workspace: Path
    temp: Path
    run_id: str
    debug: bool
    inputs: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: Mapping[str, str], cwd: Path) -> ActionEnv:
        def path(name: str) -> Path | None:
            return Path(env[name]) if env.get(name, "").strip() else None

        return cls(
            event_name=env.get("GITHUB_EVENT_NAME", "").strip(),
            event_path=path("GITHUB_EVENT_PATH"),
            repository=env.get("GITHUB_REPOSITORY", "").strip(),
            api_url=env.get("GITHUB_API_URL", "").strip() or None,
            step_summary=path("GITHUB_STEP_SUMMARY"),
            output=path("GITHUB_OUTPUT"),
            workspace=path("GITHUB_WORKSPACE") or cwd,
            temp=path("RUNNER_TEMP") or Path(tempfile.gettempdir()),
            run_id=re.sub(r"[^0-9A-Za-z_-]", "", env.get("GITHUB_RUN_ID", ""))[:40] or "local",
            debug=env.get("RUNNER_DEBUG", "") == "1",
            inputs=read_inputs(env),
        )

    def report_path(self, number: int) -> Path:
        return self.temp / f"reviewer-{self.run_id}" / f"review-pr-{number}.md"


def load_event(path: Path | None) -> dict[str, Any]:
    if path is None:
        raise InputError("GITHUB_EVENT_PATH is not set", hint="`reviewer action` runs in a GitHub Actions step "
                         "(or a rehearsal that sets GITHUB_EVENT_NAME and GITHUB_EVENT_PATH)")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read the event payload {path}: {exc.strerror}") from None
    except ValueError:
        raise InputError(f"the event payload {path} is not JSON") from None
    if not isinstance(data, dict):
        raise InputError(f"the event payload {path} is not a JSON object")
    return data


@dataclass(frozen=True)
class Decision:
    """Review ``repo``#``number`` (when ``number`` is set), or skip; ``notice`` says which and why."""

    notice: str
    repo: str | None = None
    number: int | None = None
    pull: Mapping[str, Any] | None = field(default=None, repr=False)  # None: fetch it (issue_comment)
    fork: bool = False  # the head is in another repository
    head_sha: str | None = None
    on_demand: bool = False  # a `/review` comment

    @property
    def review(self) -> bool:
        return self.number is not None

    @property
    def read_only(self) -> bool:
        """A pull_request event from a fork: GitHub gives its run a read-only token (and no
        secrets), so findings go to annotations without trying to post. A `/review` comment
        runs in the base repository's context, whose token can write."""
        return self.fork and not self.on_demand


def skip(notice: str) -> Decision:
    return Decision(notice=notice)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _login(value: Any) -> str:
    login = _dict(value).get("login")
    return login if isinstance(login, str) and _LOGIN.match(login) else "someone"


def _repo_name(value: Any) -> str | None:
    name = _dict(value).get("full_name")
    return name if isinstance(name, str) and _REPO.match(name) else None


def _number(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def decide(event_name: str, payload: Mapping[str, Any], *, drafts: bool = False, closed: bool = False) -> Decision:
    """What to do with one event (see docs/github-action.md, "Events")."""
    action = payload.get("action")
    action = action if isinstance(action, str) and re.fullmatch(r"[a-z_]{1,40}", action) else "?"
    if event_name == "pull_request":
        pull = _dict(payload.get("pull_request"))
        number = _number(pull.get("number"))
        if number is None:
            raise InputError("the pull_request payload has no pull request number")
        if action not in PULL_REQUEST_ACTIONS:
            return skip(f"pull_request {action}: nothing to review (reviews run on "
                        f"{', '.join(PULL_REQUEST_ACTIONS)})")
        base = _repo_name(_dict(pull.get("base")).get("repo")) or _repo_name(payload.get("repository"))
        if base is None:
            raise InputError("the pull_request payload names no base repository")
        return decide_pull(Decision(notice="", repo=base, number=number), pull, drafts=drafts, closed=closed,
                           trigger=f"pull_request {action}")
    if event_name == "issue_comment":
        issue, comment = _dict(payload.get("issue")), _dict(payload.get("comment"))
        number = _number(issue.get("number"))
        if action != "created":
            return skip(f"issue_comment {action}: only a new comment can ask for a review")
        if not issue.get("pull_request"):
            return skip(f"issue_comment on issue #{number}: not a pull request")
        body = comment.get("body") if isinstance(comment.get("body"), str) else ""
        words = body.strip().split(maxsplit=1)
        if not words or words[0] != COMMAND:
            return skip(f"issue_comment on #{number}: not a {COMMAND} command")
        who, association = _login(comment.get("user")), comment.get("author_association")
        if association not in TRUSTED_ASSOCIATIONS:
            return skip(f"{COMMAND} on #{number} by {who} ignored: only the repository's owner, members and "
                        "collaborators can start a review")
        repo = _repo_name(payload.get("repository"))
        if repo is None or number is None:
            raise InputError("the issue_comment payload names no repository or issue number")
        return Decision(notice=f"{COMMAND} by {who}", repo=repo, number=number, on_demand=True)
    return skip(f"event {event_name or '(none)'!r} is not handled: `reviewer action` reviews pull_request "
                f"events ({', '.join(PULL_REQUEST_ACTIONS)}) and {COMMAND} comments")


def decide_pull(decision: Decision, pull: Mapping[str, Any], *, drafts: bool, closed: bool,
                trigger: str = "") -> Decision:
    """The checks that need the pull request itself (from the payload, or fetched for a comment)."""
    number = decision.number
    if pull.get("state") != "open" and not closed:
        return skip(f"#{number} is {'merged' if pull.get('merged') else 'closed'}: skipped "
                    "(set review-closed to review closed pull requests on /review)")
    if pull.get("draft") and not (drafts or decision.on_demand):
        return skip(f"#{number} is a draft: skipped (set review-drafts, or comment {COMMAND})")
    head, base = _dict(pull.get("head")), _dict(pull.get("base"))
    head_repo = _repo_name(head.get("repo"))
    fork = head_repo is None or head_repo != (_repo_name(base.get("repo")) or decision.repo)
    sha = head.get("sha") if isinstance(head.get("sha"), str) and _SHA.match(head["sha"]) else None
    notice = " ".join(x for x in (trigger, decision.notice) if x)
    return replace(decision, notice=f"{notice}: reviewing {decision.repo}#{number}", pull=pull, fork=fork,
                   head_sha=sha)
