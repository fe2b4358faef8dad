"""What a GitHub Actions runner hands ``reviewer action`` and reads back: event payloads written by the project, shaped as GitHub documents its webhook
examples (the `Codertocat/Hello-World` pull request #2): every field ``reviewer action`` reads,
and the ones around them. tests/test_action.py checks them against GitHub's own examples in
../shared when those are present.
"""

from __future__ import annotations

import copy

REPO = "Codertocat/Hello-World"
NUMBER = 2
HEAD = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
BASE = "f95f852bd8fca8fcc58a9a2d6c842781e32a215e"
TITLE = "Update the README with new information."
BODY = "This is a pretty simple change that we need to pull into master."
API = "https://api.github.com/repos/" + REPO


def _user(login: str = "Codertocat") -> dict:
    return {"login": login, "id": 21031067, "type": "User", "site_admin": False,
            "html_url": f"https://github.com/{login}"}


def _repository() -> dict:
    return {"id": 186853002, "name": "Hello-World", "full_name": REPO, "private": False, "owner": _user(),
            "html_url": f"https://github.com/{REPO}", "url": API, "default_branch": "master", "fork": False}


def pull_request(action: str = "opened", *, state: str = "open", draft: bool = False, merged: bool = False,
                 body: str | None = BODY, head_sha: str = HEAD, head_repo: dict | None = None) -> dict:
    """A ``pull_request`` event on PR #2; ``head_repo``: the head's repository (another for a fork)."""
    repo = _repository()
    pull = {
        "url": f"{API}/pulls/{NUMBER}", "id": 279147437, "html_url": f"https://github.com/{REPO}/pull/{NUMBER}",
        "number": NUMBER, "state": state, "locked": False, "title": TITLE, "user": _user(), "body": body,
        "created_at": "2019-05-15T15:20:33Z", "updated_at": "2019-05-15T15:20:33Z",
        "closed_at": None if state == "open" else "2019-05-15T15:20:33Z", "merged_at": None,
        "merge_commit_sha": None, "draft": draft, "merged": merged, "author_association": "OWNER",
        "head": {"label": "Codertocat:changes", "ref": "changes", "sha": head_sha, "user": _user(),
                 "repo": copy.deepcopy(head_repo if head_repo is not None else repo)},
        "base": {"label": "Codertocat:master", "ref": "master", "sha": BASE, "user": _user(), "repo": repo},
        "commits": 1, "additions": 1, "deletions": 1, "changed_files": 1,
    }
    return {"action": action, "number": NUMBER, "pull_request": pull, "repository": _repository(),
            "sender": _user()}


def issue_comment(body: str = "You are totally right! I'll get this fixed right away.",
                  association: str = "OWNER", *, login: str = "Codertocat", number: int = 1,
                  on_pull: bool = False, action: str = "created") -> dict:
    """An ``issue_comment`` event; ``on_pull``: the issue is a pull request (GitHub adds
    ``issue.pull_request``)."""
    issue = {"url": f"{API}/issues/{number}", "number": number, "title": "Spelling error in the README file",
             "user": _user(), "state": "open", "comments": 0, "body": "It looks like you accidently spelled 'commit' "
             "with two 't's.", "author_association": "OWNER"}
    if on_pull:
        issue["pull_request"] = {"url": f"{API}/pulls/{number}"}
    comment = {"url": f"{API}/issues/comments/492700400", "id": 492700400, "user": _user(login),
               "created_at": "2019-05-15T15:20:21Z", "author_association": association, "body": body}
    return {"action": action, "issue": issue, "comment": comment, "repository": _repository(), "sender": _user(login)}


# the names of GitHub's own example payloads (../shared/fixtures/github-events), built here
BUILT = {
    "pull_request.opened.payload.json": lambda: pull_request("opened"),
    "pull_request.opened.with-null-body.json": lambda: pull_request("opened", body=None),
    "pull_request.synchronize.payload.json": lambda: {**pull_request("synchronize"), "before": BASE, "after": HEAD},
    "pull_request.reopened.payload.json": lambda: pull_request("reopened"),
    "pull_request.ready_for_review.payload.json": lambda: pull_request("ready_for_review"),
    "pull_request.converted_to_draft.payload.json": lambda: pull_request("converted_to_draft", draft=True),
    "pull_request.closed.payload.json": lambda: pull_request("closed", state="closed"),
    "issue_comment.created.payload.json": lambda: issue_comment(),
}


def payload(name: str) -> dict:
    """The payload GitHub's example ``name`` describes, as built here (a fresh copy)."""
    return BUILT[name]()


def review_comment(association: str = "COLLABORATOR", body: str = "/review") -> dict:
    """A `/review`-style comment on pull request #1 by someone with ``association``."""
    return issue_comment(body, association, on_pull=True)


def parse_outputs(text: str) -> dict[str, str]:
    """The step outputs file (``name<<DELIMITER`` blocks) as a dict."""
    out, lines = {}, iter(text.splitlines())
    for line in lines:
        name, delimiter = line.split("<<", 1)
        value = []
        for item in lines:
            if item == delimiter:
                break
            value.append(item)
        out[name] = "\n".join(value)
    return out
