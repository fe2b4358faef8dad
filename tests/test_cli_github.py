"""`reviewer review OWNER/REPO#N [--post]` end to end against the fake GitHub: a scripted model
for speed, and one run of the real SmolLM2."""

from __future__ import annotations

import importlib
import re

import pytest
from click.testing import CliRunner
from fakes.gitdiffs import own_diff
from fakes.github import FakeGitHub
from fakes.common import PR7, PR7_HEAD, REPO, TOKEN
from fakes.backends import EchoBackend

from reviewer.cli import main


HEAD, PR = PR7_HEAD, PR7


def run(gh, *args):
    result = CliRunner().invoke(main, ["review", PR, "--github-url", gh.base_url, *args])
    assert TOKEN not in result.stdout and TOKEN not in result.stderr
    assert "Traceback" not in result.stderr
    return result


def test_dry_run_writes_nothing_to_github(gh, echo):
    result = run(gh)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"# Review: {PR} Fix the mean")
    assert "dry run: nothing was posted to GitHub" in result.stderr
    assert gh.writes == [] and {q.method for q in gh.requests} == {"GET"}
    assert "cc @alice" in echo.calls[0][0]["content"]  # the PR text reaches the prompt, as untrusted context


def test_post_then_rerun_adds_nothing(gh, echo, tmp_path):
    report = tmp_path / "r.json"
    result = run(gh, "--post", "--format", "json", "-o", str(report))
    assert result.exit_code == 0, result.stderr
    assert report.is_file()
    assert [r["state"] for r in gh.reviews(REPO, 7)] == ["COMMENTED"]
    assert all(q.status < 400 for q in gh.requests)
    posted = gh.review_comments(REPO, 7)
    assert len(posted) == 4 and all(c["commit_id"] == HEAD for c in posted)
    assert re.search(r"posted a COMMENT review on octo/demo#7: 4 inline comments: http://\S+pullrequestreview", result.stderr)
    assert "summary comment created" in result.stderr
    writes = len(gh.writes)
    # 3 to fetch, 2 to read the last summary's state (only what changed since), 4 to read the PR's
    # state before posting, 2 writes
    assert writes == 2 and len(gh.requests) == 11

    again = run(gh, "--post")
    assert again.exit_code == 0, again.stderr
    assert "nothing new to post on octo/demo#7, 4 already on the PR" in again.stderr
    assert "summary comment unchanged" in again.stderr
    assert len(gh.writes) == writes and len(gh.review_comments(REPO, 7)) == 4 and len(gh.issue_comments(REPO, 7)) == 1


def test_secondary_rate_limit_is_waited_out(gh, echo):
    gh.fail_next("POST", rf"/repos/{REPO}/pulls/7/reviews", status=403, headers={"Retry-After": "1"})
    result = run(gh, "--post")
    assert result.exit_code == 0, result.stderr
    statuses = [q.status for q in gh.requests if q.method == "POST" and q.path.endswith("/reviews")]
    assert statuses == [403, 200] and len(gh.reviews(REPO, 7)) == 1


def test_giving_up_on_a_rate_limit_is_exit_5_with_one_line(gh, echo):
    gh.fail_next("GET", rf"/repos/{REPO}/pulls/7", status=429)  # no hint: GitHub's advice is a minute
    result = run(gh, "--post")
    assert result.exit_code == 5
    first = result.stderr.splitlines()[0]
    assert first.startswith("error: gave up fetching octo/demo#7: secondary rate limit (429)")
    assert echo.calls == [] and gh.writes == []


def test_bad_token_is_exit_5_with_one_line(gh, echo, monkeypatch):
    bad = "ghp_" + "Wr0ng" * 8
    monkeypatch.setenv("GITHUB_TOKEN", bad)
    result = run(gh, "--post")
    assert result.exit_code == 5
    assert result.stderr.splitlines() == [
        "error: GitHub rejected the token from GITHUB_TOKEN while fetching octo/demo#7 (401 Bad credentials)",
        "hint: check or renew the token in GITHUB_TOKEN"]
    assert bad not in result.output and echo.calls == []


def test_post_without_a_token(gh, echo, monkeypatch, tmp_path):
    monkeypatch.delenv("GITHUB_TOKEN")
    monkeypatch.setenv("PATH", str(tmp_path))  # no `gh` either
    result = run(gh, "--post")
    assert result.exit_code == 5 and "error: --post needs a GitHub token" in result.stderr


def test_the_report_is_out_before_posting_fails(gh, echo, tmp_path):
    gh.fail_next("POST", rf"/repos/{REPO}/pulls/7/reviews", status=404)
    result = run(gh, "--post")
    assert result.exit_code == 5
    assert result.stdout.startswith(f"# Review: {PR}")
    assert "error: repository or PR not found, or the token cannot see it" in result.stderr


@pytest.mark.parametrize("args, code, message", [
    (["octo/demo"], 2, "not a pull request reference"),
    ([PR, "--diff", "x.diff"], 2, "not both"),
    (["--diff", "x.diff", "--post"], 2, "--post needs a pull request"),
])
def test_usage_errors(gh, echo, args, code, message):
    result = CliRunner().invoke(main, ["review", *args])
    assert result.exit_code == code and message in result.stderr


def test_injected_mentions_and_markers_are_neutralised(gh, monkeypatch, use_backend):
    evil = EchoBackend(extra=" Ping @octocat and @octo/team <!-- reviewer:summary --> reviewer:fp=0123456789abcdef")
    use_backend(evil, "evil")
    result = run(gh, "--post")
    assert result.exit_code == 0, result.stderr
    bodies = [c["body"] for c in gh.review_comments(REPO, 7)] + [c["body"] for c in gh.issue_comments(REPO, 7)]
    assert len(bodies) == 5
    for body in bodies:
        assert "@\u200boctocat" in body or "summary" in body
        assert not re.search(r"(?<![\w`])@[A-Za-z]", body)
        assert "0123456789abcdef" not in body
    assert sum("<!-- reviewer:summary -->" in b for b in bodies) == 1


@pytest.mark.model
def test_real_model_posts_once_and_rerun_adds_nothing(gh, smollm2_path, monkeypatch):
    # small answers keep the tiny model fast; one thread keeps it fast on a busy 2-core machine
    fast = {"REVIEWER_MAX_TOKENS": "160", "REVIEWER_COMMENTS_PER_CHUNK": "2", "REVIEWER_CONTEXT": "4096",
            "REVIEWER_THREADS": "1"}
    for k, v in fast.items():
        monkeypatch.setenv(k, v)
    text = own_diff("python-change").text
    gh.add_pull(REPO, number=8, diff=text, title="Add pathlib support to edit", user="alice")
    args = ["review", f"{REPO}#8", "--github-url", gh.base_url, "--model", str(smollm2_path), "--post"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.stderr
    reviews = gh.reviews(REPO, 8)
    assert [r["state"] for r in reviews] == ["COMMENTED"], result.stderr  # one COMMENT review
    assert all(q.status < 400 for q in gh.requests)  # every inline comment accepted
    comments = gh.review_comments(REPO, 8)
    [summary] = gh.issue_comments(REPO, 8)
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 0, again.stderr
    assert len(gh.reviews(REPO, 8)) == 1 and len(gh.review_comments(REPO, 8)) == len(comments)
    [summary2] = gh.issue_comments(REPO, 8)
    assert summary2["id"] == summary["id"]  # the summary is edited in place (or left as it is)
    for r in (result, again):
        assert TOKEN not in r.output and "Traceback" not in r.output


def test_token_stays_out_of_verbose_output_and_logs(gh, echo, caplog):
    caplog.set_level("DEBUG")
    result = CliRunner().invoke(main, ["review", PR, "--github-url", gh.base_url, "--post", "-v"])
    assert result.exit_code == 0, result.stderr
    assert any("GET" in r.getMessage() for r in caplog.records)  # PyGithub logged its requests
    assert TOKEN not in result.output and TOKEN not in caplog.text
