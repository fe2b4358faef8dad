"""JSON documents of the fake GitHub server (see github.py), shaped like GitHub's.

Every builder takes ``u`` (a Urls) so that the URLs inside a document point back
at the fake server: PyGithub follows ``url``/``issue_url``/... of what it reads.
"""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import quote

REACTIONS = ("+1", "-1", "laugh", "hooray", "confused", "heart", "rocket", "eyes")
_REPO_URL_TEMPLATES = {
    "forks_url": "/forks", "keys_url": "/keys{/key_id}", "collaborators_url": "/collaborators{/collaborator}",
    "teams_url": "/teams", "hooks_url": "/hooks", "issue_events_url": "/issues/events{/number}",
    "events_url": "/events", "assignees_url": "/assignees{/user}", "branches_url": "/branches{/branch}",
    "tags_url": "/tags", "blobs_url": "/git/blobs{/sha}", "git_tags_url": "/git/tags{/sha}",
    "git_refs_url": "/git/refs{/sha}", "trees_url": "/git/trees{/sha}", "statuses_url": "/statuses/{sha}",
    "languages_url": "/languages", "stargazers_url": "/stargazers", "contributors_url": "/contributors",
    "subscribers_url": "/subscribers", "subscription_url": "/subscription", "commits_url": "/commits{/sha}",
    "git_commits_url": "/git/commits{/sha}", "comments_url": "/comments{/number}",
    "issue_comment_url": "/issues/comments{/number}", "contents_url": "/contents/{+path}",
    "compare_url": "/compare/{base}...{head}", "merges_url": "/merges",
    "archive_url": "/{archive_format}{/ref}", "downloads_url": "/downloads", "issues_url": "/issues{/number}",
    "pulls_url": "/pulls{/number}", "milestones_url": "/milestones{/number}",
    "notifications_url": "/notifications{?since,all,participating}", "labels_url": "/labels{/name}",
    "releases_url": "/releases{/id}", "deployments_url": "/deployments",
}


class Urls:
    def __init__(self, api: str, html: str):
        self.api, self.html = api, html  # e.g. http://127.0.0.1:PORT/api/v3 and http://127.0.0.1:PORT

    def repo(self, full_name: str) -> str:
        return f"{self.api}/repos/{full_name}"


def node_id(kind: str, ident: int | str) -> str:
    return base64.b64encode(f"0{len(kind)}:{kind}{ident}".encode()).decode()


def fake_sha(*parts: object) -> str:
    return hashlib.sha1("\0".join(map(str, parts)).encode()).hexdigest()


def user(u: Urls, login: str, uid: int, kind: str | None = None) -> dict:
    api = f"{u.api}/users/{login}"
    kind = kind or ("Bot" if login.endswith("[bot]") else "User")
    return {
        "login": login, "id": uid, "node_id": node_id("User", uid),
        "avatar_url": f"{u.html}/avatars/u/{uid}?v=4", "gravatar_id": "", "url": api,
        "html_url": f"{u.html}/{login}", "followers_url": f"{api}/followers",
        "following_url": f"{api}/following{{/other_user}}", "gists_url": f"{api}/gists{{/gist_id}}",
        "starred_url": f"{api}/starred{{/owner}}{{/repo}}", "subscriptions_url": f"{api}/subscriptions",
        "organizations_url": f"{api}/orgs", "repos_url": f"{api}/repos", "events_url": f"{api}/events{{/privacy}}",
        "received_events_url": f"{api}/received_events", "type": kind,
        "user_view_type": "public", "site_admin": False,
    }


def user_full(u: Urls, login: str, uid: int, kind: str | None = None) -> dict:
    return {**user(u, login, uid, kind), "name": login, "company": None, "blog": "", "location": None, "email": None,
            "hireable": None, "bio": None, "twitter_username": None, "notification_email": None,
            "public_repos": 1, "public_gists": 0, "followers": 0, "following": 0,
            "created_at": "2020-01-01T00:00:00Z", "updated_at": "2024-01-01T00:00:00Z"}


def repo(u: Urls, r, owner: dict, *, full: bool) -> dict:
    """A repository; ``full`` adds what only GET /repos/{o}/{r} answers (PR heads embed the short one)."""
    api = u.repo(r.full_name)
    doc = {
        "id": r.id, "node_id": node_id("Repository", r.id), "name": r.name, "full_name": r.full_name,
        "private": r.private, "owner": owner, "html_url": f"{u.html}/{r.full_name}", "description": None,
        "fork": False, "url": api, **{k: api + v for k, v in _REPO_URL_TEMPLATES.items()},
        "created_at": "2020-01-01T00:00:00Z", "updated_at": "2024-01-01T00:00:00Z",
        "pushed_at": "2024-01-01T00:00:00Z", "git_url": f"git://{u.html.split('://', 1)[1]}/{r.full_name}.git",
        "ssh_url": f"git@{u.html.split('://', 1)[1].split(':')[0]}:{r.full_name}.git",
        "clone_url": f"{u.html}/{r.full_name}.git", "svn_url": f"{u.html}/{r.full_name}", "homepage": None,
        "size": 100, "stargazers_count": 0, "watchers_count": 0, "language": "Python", "has_issues": True,
        "has_projects": True, "has_downloads": True, "has_wiki": False, "has_pages": False,
        "has_discussions": False, "forks_count": 0, "mirror_url": None, "archived": False, "disabled": False,
        "open_issues_count": 0, "license": None, "allow_forking": True, "is_template": False,
        "web_commit_signoff_required": False, "topics": [], "visibility": "private" if r.private else "public",
        "forks": 0, "open_issues": 0, "watchers": 0, "default_branch": r.default_branch,
    }
    if full:
        doc.update({
            "permissions": {"admin": False, "maintain": False, "push": True, "triage": True, "pull": True},
            "temp_clone_token": "", "allow_squash_merge": True, "allow_merge_commit": True,
            "allow_rebase_merge": True, "allow_auto_merge": False, "delete_branch_on_merge": False,
            "allow_update_branch": False, "use_squash_pr_title_as_default": False,
            "squash_merge_commit_message": "COMMIT_MESSAGES", "squash_merge_commit_title": "COMMIT_OR_PR_TITLE",
            "merge_commit_message": "PR_TITLE", "merge_commit_title": "MERGE_MESSAGE",
            "network_count": 0, "subscribers_count": 0,
        })
        if owner["type"] == "Organization":
            doc["organization"] = owner
    return doc


def pull(u: Urls, r, pr, *, users, repo_short: dict, counts: dict) -> dict:
    api, html = u.repo(r.full_name), f"{u.html}/{r.full_name}"
    head_sha = pr.head_sha
    links = {
        "self": f"{api}/pulls/{pr.number}", "html": f"{html}/pull/{pr.number}",
        "issue": f"{api}/issues/{pr.number}", "comments": f"{api}/issues/{pr.number}/comments",
        "review_comments": f"{api}/pulls/{pr.number}/comments", "review_comment": f"{api}/pulls/comments{{/number}}",
        "commits": f"{api}/pulls/{pr.number}/commits", "statuses": f"{api}/statuses/{head_sha}",
    }
    owner = r.full_name.split("/")[0]

    def ref(label_ref: str, sha: str) -> dict:
        return {"label": f"{owner}:{label_ref}", "ref": label_ref, "sha": sha, "user": users(owner),
                "repo": repo_short}

    diff = pr.diff
    return {
        "url": links["self"], "id": pr.id, "node_id": node_id("PullRequest", pr.id), "html_url": links["html"],
        "diff_url": f"{html}/pull/{pr.number}.diff", "patch_url": f"{html}/pull/{pr.number}.patch",
        "issue_url": links["issue"], "number": pr.number, "state": pr.state, "locked": False, "title": pr.title,
        "user": users(pr.user), "body": pr.body, "created_at": pr.created_at, "updated_at": pr.updated_at,
        "closed_at": pr.closed_at, "merged_at": pr.merged_at, "merge_commit_sha": pr.merge_commit_sha,
        "assignee": None, "assignees": [], "requested_reviewers": [], "requested_teams": [], "labels": [],
        "milestone": None, "draft": pr.draft, "commits_url": links["commits"],
        "review_comments_url": links["review_comments"], "review_comment_url": links["review_comment"],
        "comments_url": links["comments"], "statuses_url": links["statuses"],
        "head": ref(pr.head_ref, head_sha), "base": ref(pr.base_ref, pr.base_sha),
        "_links": {k: {"href": v} for k, v in links.items()},
        "author_association": counts["author_association"], "auto_merge": None, "active_lock_reason": None,
        "merged": pr.merged_at is not None, "mergeable": None if pr.state != "open" else True,
        "rebaseable": None if pr.state != "open" else True,
        "mergeable_state": "clean" if pr.state == "open" else "unknown",
        "merged_by": users(owner) if pr.merged_at else None, "comments": counts["comments"],
        "review_comments": counts["review_comments"], "maintainer_can_modify": False,
        "commits": len(pr.revisions), "additions": diff.additions, "deletions": diff.deletions,
        "changed_files": len(diff.files),
    }


def pr_file(u: Urls, full_name: str, head_sha: str, f, patch_limit: int | None) -> dict:
    path = quote(f.path)
    doc = {
        "sha": fake_sha("blob", head_sha, f.path), "filename": f.path, "status": f.status,
        "additions": f.additions, "deletions": f.deletions, "changes": f.additions + f.deletions,
        "blob_url": f"{u.html}/{full_name}/blob/{head_sha}/{path}",
        "raw_url": f"{u.html}/{full_name}/raw/{head_sha}/{path}",
        "contents_url": f"{u.repo(full_name)}/contents/{path}?ref={head_sha}",
    }
    if f.patch is not None and (patch_limit is None or len(f.patch.encode("utf-8")) <= patch_limit):
        doc["patch"] = f.patch
    if f.previous_path is not None:
        doc["previous_filename"] = f.previous_path
    return doc


def commit(u: Urls, full_name: str, c, author: dict, *, files: list[dict] | None = None) -> dict:
    api, html = u.repo(full_name), f"{u.html}/{full_name}"
    person = {"name": author["login"], "email": f"{author['login']}@users.noreply.example.com", "date": c.date}
    doc = {
        "sha": c.sha, "node_id": node_id("Commit", c.sha[:12]),
        "commit": {
            "author": person, "committer": person, "message": c.message,
            "tree": {"sha": fake_sha("tree", c.sha), "url": f"{api}/git/trees/{fake_sha('tree', c.sha)}"},
            "url": f"{api}/git/commits/{c.sha}", "comment_count": 0,
            "verification": {"verified": False, "reason": "unsigned", "signature": None, "payload": None,
                             "verified_at": None},
        },
        "url": f"{api}/commits/{c.sha}", "html_url": f"{html}/commit/{c.sha}",
        "comments_url": f"{api}/commits/{c.sha}/comments", "author": author, "committer": author,
        "parents": [{"sha": p, "url": f"{api}/commits/{p}", "html_url": f"{html}/commit/{p}"} for p in c.parents],
    }
    if files is not None:
        adds, dels = sum(f["additions"] for f in files), sum(f["deletions"] for f in files)
        doc["stats"] = {"total": adds + dels, "additions": adds, "deletions": dels}
        doc["files"] = files
    return doc


def reactions(url: str) -> dict:
    return {"url": f"{url}/reactions", "total_count": 0, **{k: 0 for k in REACTIONS}}


def review(u: Urls, full_name: str, number: int, rv: dict, author: dict, association: str) -> dict:
    html = f"{u.html}/{full_name}/pull/{number}#pullrequestreview-{rv['id']}"
    pr_url = f"{u.repo(full_name)}/pulls/{number}"
    doc = {
        "id": rv["id"], "node_id": node_id("PullRequestReview", rv["id"]), "user": author, "body": rv["body"],
        "state": rv["state"], "html_url": html, "pull_request_url": pr_url, "author_association": association,
        "_links": {"html": {"href": html}, "pull_request": {"href": pr_url}},
        "submitted_at": rv["submitted_at"], "commit_id": rv["commit_id"],
    }
    if rv["state"] == "PENDING":
        del doc["submitted_at"]  # GitHub leaves it out until the review is submitted
    return doc


def review_comment(u: Urls, full_name: str, c: dict, author: dict, association: str) -> dict:
    url = f"{u.repo(full_name)}/pulls/comments/{c['id']}"
    html = f"{u.html}/{full_name}/pull/{c['number']}#discussion_r{c['id']}"
    pr_url = f"{u.repo(full_name)}/pulls/{c['number']}"
    doc = {
        "url": url, "pull_request_review_id": c["review_id"], "id": c["id"],
        "node_id": node_id("PullRequestReviewComment", c["id"]), "diff_hunk": c["diff_hunk"], "path": c["path"],
        "commit_id": c["commit_id"], "original_commit_id": c["original_commit_id"], "user": author,
        "body": c["body"], "created_at": c["created_at"], "updated_at": c["updated_at"], "html_url": html,
        "pull_request_url": pr_url, "author_association": association,
        "_links": {"self": {"href": url}, "html": {"href": html}, "pull_request": {"href": pr_url}},
        "reactions": reactions(url), "start_line": c["start_line"], "original_start_line": c["original_start_line"],
        "start_side": c["start_side"], "line": c["line"], "original_line": c["original_line"], "side": c["side"],
        "original_position": c["original_position"], "position": c["position"], "subject_type": c["subject_type"],
    }
    if c.get("in_reply_to_id") is not None:
        doc["in_reply_to_id"] = c["in_reply_to_id"]
    return doc


def issue_comment(u: Urls, full_name: str, c: dict, author: dict, association: str) -> dict:
    url = f"{u.repo(full_name)}/issues/comments/{c['id']}"
    return {
        "url": url, "html_url": f"{u.html}/{full_name}/pull/{c['number']}#issuecomment-{c['id']}",
        "issue_url": f"{u.repo(full_name)}/issues/{c['number']}", "id": c["id"],
        "node_id": node_id("IssueComment", c["id"]), "user": author, "created_at": c["created_at"],
        "updated_at": c["updated_at"], "author_association": association, "body": c["body"],
        "reactions": reactions(url), "performed_via_github_app": None,
    }
