"""`--post check` (and `both`): one GitHub check run with annotations on the head commit, against
the fake GitHub over real HTTP (which takes at most 50 annotations a request, as GitHub does)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from fakes.common import PR7, PR7_HEAD, REPO, TOKEN
from fakes.diffs import new_file
from fakes.backends import EchoBackend

from reviewer.cli import main

HEAD, PR = PR7_HEAD, PR7


def run(gh, *args):
    result = CliRunner().invoke(main, ["review", PR, "--github-url", gh.base_url, "--format", "json", *args])
    assert TOKEN not in result.output and "Traceback" not in result.output
    return result


def test_post_check_makes_one_check_run_with_an_annotation_per_finding(gh, echo):
    result = run(gh, "--post", "check")
    assert result.exit_code == 0, result.output
    comments = json.loads(result.stdout)["comments"]
    [check] = gh.check_runs(REPO)
    assert check["name"] == "reviewer" and check["head_sha"] == HEAD
    assert (check["status"], check["conclusion"]) == ("completed", "neutral")
    assert len(check["annotations"]) == len(comments) > 0
    for a, c in zip(sorted(check["annotations"], key=lambda a: (a["path"], a["start_line"])),
                    sorted(comments, key=lambda c: (c["path"], c["line"]))):
        assert (a["path"], a["end_line"], a["annotation_level"]) == (c["path"], c["line"], "warning")
    assert check["output"]["title"] == f"reviewer: {len(comments)} annotations"
    assert gh.reviews(REPO, 7) == [] and gh.issue_comments(REPO, 7) == []  # no review, no comment
    assert f"check run on {PR}: neutral, {len(comments)} annotations" in result.stderr


def test_fail_on_makes_the_conclusion_failure(gh, echo):
    result = run(gh, "--post", "check", "--fail-on", "warning")
    assert result.exit_code == 1, result.output  # --fail-on still sets the exit code
    assert gh.check_runs(REPO)[0]["conclusion"] == "failure"


def test_more_than_50_annotations_go_in_batches_by_updating_the_run(github_env, fake_github, use_backend):
    diff = "".join(new_file(f"pkg/m{i}.py", [f"value_{i} = {i}"]) for i in range(120))
    fake_github.add_pull(REPO, number=7, diff=diff, title="Many files", body="", user="alice", head_sha=HEAD)
    use_backend(EchoBackend(per_chunk=1))
    result = run(fake_github, "--post", "check", "--no-cache")
    assert result.exit_code == 0, result.output
    [check] = fake_github.check_runs(REPO)
    assert len(check["annotations"]) == 120 and check["status"] == "completed"
    calls = [(q.method, len((q.json.get("output") or {}).get("annotations") or []))
             for q in fake_github.writes if "check-runs" in q.path]
    assert calls == [("POST", 50), ("PATCH", 50), ("PATCH", 20)]
    statuses = [q.json.get("status") for q in fake_github.writes if "check-runs" in q.path]
    assert statuses == ["in_progress", None, "completed"]


def test_post_both_makes_the_review_and_the_check_run(gh, echo):
    result = run(gh, "--post", "both")
    assert result.exit_code == 0, result.output
    assert [r["state"] for r in gh.reviews(REPO, 7)] == ["COMMENTED"] and len(gh.check_runs(REPO)) == 1


def test_post_with_the_target_after_it_still_reads_as_a_review(gh, echo):
    result = CliRunner().invoke(main, ["review", "--github-url", gh.base_url, "--post", PR])
    assert result.exit_code == 0, result.output
    assert len(gh.reviews(REPO, 7)) == 1 and gh.check_runs(REPO) == []
    bad = CliRunner().invoke(main, ["review", PR, "--github-url", gh.base_url, "--post", "everything"])
    assert bad.exit_code == 2 and "--post takes review, check, both" in bad.output


def test_a_token_that_cannot_create_check_runs_is_one_line(gh, echo):
    gh.fail_next("POST", rf"/repos/{REPO}/check-runs", status=403, body={  # GitHub's answer to a personal token
        "message": "You must authenticate via a GitHub App.",
        "documentation_url": "https://docs.github.com/rest/checks/runs#create-a-check-run", "status": "403"})
    result = run(gh, "--post", "check")
    assert result.exit_code == 5, result.output
    assert "403" in result.stderr and "check runs need a GitHub App's token" in result.stderr
    assert json.loads(result.stdout)["comments"]  # the report was out first


def test_check_runs_are_github_s_only():
    result = CliRunner().invoke(main, ["review", "g/p!1", "--gitlab-url", "http://127.0.0.1:9", "--post", "check"],
                                env={"GITLAB_TOKEN": "glpat-" + "x" * 20})
    assert result.exit_code == 2 and "check runs are GitHub's" in result.output
