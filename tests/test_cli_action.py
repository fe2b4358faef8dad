"""`reviewer action` end to end: webhook payloads shaped as GitHub documents them (fakes/actions.py), the variables a runner sets
(GITHUB_*, INPUT_* with hyphens), the fake GitHub over real HTTP. A scripted model for speed,
and one run of the real SmolLM2."""

from __future__ import annotations

import importlib
import json
import re
import subprocess

import pytest
from click.testing import CliRunner
from fakes.github import FakeGitHub
from fakes.gitdiffs import own_diff
from fakes.common import TOKEN
from fakes.backends import EchoBackend
from fakes.actions import parse_outputs, payload, review_comment

from reviewer.hosts.github.workflow import SUMMARY_LIMIT
from reviewer.cli import main


REPO = "Codertocat/Hello-World"  # the payloads' own repository
INPUTS = ("model", "github-token", "post", "fail-on", "config", "style", "max-comments", "extra-args")
FILE = "src/pager.py"


class Runner:
    """What a runner does for one step of action.yml: the event file, the GITHUB_* variables,
    every INPUT_* (empty when not given, as a composite action's `env:` mapping sets them)."""

    def __init__(self, fake: FakeGitHub, tmp_path):
        self.fake, self.tmp = fake, tmp_path
        self.workspace = tmp_path / "workspace"
        self.workspace.mkdir()
        self.summary, self.output = tmp_path / "step_summary.md", tmp_path / "github_output"

    def __call__(self, event: str, data: dict, env: dict | None = None, **inputs: str):
        event_path = self.tmp / "event.json"
        event_path.write_text(json.dumps(data), encoding="utf-8")
        env = {"GITHUB_ACTIONS": "true", "CI": "true", "GITHUB_EVENT_NAME": event,
               "GITHUB_EVENT_PATH": str(event_path), "GITHUB_REPOSITORY": REPO, "GITHUB_API_URL": self.fake.base_url,
               "GITHUB_STEP_SUMMARY": str(self.summary), "GITHUB_OUTPUT": str(self.output),
               "GITHUB_WORKSPACE": str(self.workspace), "RUNNER_TEMP": str(self.tmp), "GITHUB_RUN_ID": "1001",
               "GITHUB_TOKEN": None, "GH_TOKEN": None, **(env or {})}
        given = {"github-token": TOKEN, "post": "true", **{k.replace("_", "-"): v for k, v in inputs.items()}}
        for name in {*INPUTS, *given}:
            env[f"INPUT_{name.upper()}"] = given.get(name, "")
        result = CliRunner().invoke(main, ["action"], env=env)
        assert TOKEN not in result.stdout and TOKEN not in result.stderr
        assert "Traceback" not in result.output
        return result

    @property
    def outputs(self) -> dict[str, str]:
        return parse_outputs(self.output.read_text(encoding="utf-8")) if self.output.exists() else {}


@pytest.fixture
def gh(monkeypatch):
    monkeypatch.setenv("REVIEWER_GITHUB_WRITE_PAUSE", "0")
    monkeypatch.setenv("REVIEWER_GITHUB_MAX_WAIT", "2")
    monkeypatch.setenv("REVIEWER_SCOPE", "all")  # the posting rules over every file of the fixture
    opened = payload("pull_request.opened.payload.json")["pull_request"]
    with FakeGitHub(token=TOKEN) as fake:
        fake.add_repo(REPO, collaborators=("hubot",))
        fake.add_pull(REPO, number=opened["number"], diff=own_diff("python-change").text,
                      title=opened["title"], body=opened["body"], user=opened["user"]["login"],
                      base_sha=opened["base"]["sha"], head_sha=opened["head"]["sha"])
        yield fake


@pytest.fixture
def run(gh, tmp_path):
    return Runner(gh, tmp_path)


def assert_skipped(run, result, text):
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("::notice title=reviewer::") and text in result.stdout
    assert run.fake.writes == [] and run.outputs == {"comments": "0", "report": "", "skipped": "true"}
    assert text in run.summary.read_text()


def test_opened_posts_one_comment_review_summary_and_outputs(run, echo):
    result = run("pull_request", payload("pull_request.opened.payload.json"))
    assert result.exit_code == 0, result.output
    assert [r["state"] for r in run.fake.reviews(REPO, 2)] == ["COMMENTED"]
    inline = len(run.fake.review_comments(REPO, 2))
    assert inline > 2 and len(run.fake.issue_comments(REPO, 2)) == 1  # 8 hunks: several chunks
    summary = run.summary.read_text()
    assert summary.startswith(f"# Review: {REPO}#2 Update the README") and f"## `{FILE}`" in summary
    assert f"_reviewer: posted a COMMENT review with {inline} inline comments (http" in summary
    out = run.outputs
    assert out["comments"] == str(inline) and out["skipped"] == "false"
    assert out["report"].endswith("review-pr-2.md") and open(out["report"]).read() in summary
    assert "::notice title=reviewer::pull_request opened: reviewing Codertocat/Hello-World#2" in result.stdout
    assert "::warning" not in result.stdout  # posted: no annotations


def test_synchronize_reviews_the_new_head(run, echo):
    assert run("pull_request", payload("pull_request.opened.payload.json")).exit_code == 0
    new = "f" * 40
    diff = own_diff("python-change").text.replace('cmd = "less"\n', 'cmd = "more"\n', 1)
    run.fake.push(REPO, 2, head_sha=new, diff=diff)
    data = payload("pull_request.synchronize.payload.json")
    data["pull_request"]["head"]["sha"] = data["after"] = new
    result = run("pull_request", data)
    assert result.exit_code == 0, result.output
    old = payload("pull_request.opened.payload.json")["pull_request"]["head"]["sha"]
    assert [r["commit_id"] for r in run.fake.reviews(REPO, 2)] == [old, new]  # one review per head


@pytest.mark.parametrize("name", ["pull_request.ready_for_review.payload.json", "pull_request.reopened.payload.json",
                                  "pull_request.opened.with-null-body.json"])
def test_other_review_events(run, echo, name):
    result = run("pull_request", payload(name))
    assert result.exit_code == 0, result.output
    assert len(run.fake.reviews(REPO, 2)) == 1 and run.outputs["comments"] == str(len(echo.calls) * 2)  # two findings a chunk


def test_drafts_are_skipped_unless_configured(run, echo):
    assert_skipped(run, run("pull_request", payload("pull_request.converted_to_draft.payload.json")),
                   "pull_request converted_to_draft: nothing to review")
    draft = payload("pull_request.opened.payload.json")
    draft["pull_request"]["draft"] = True
    run.output.unlink()
    assert_skipped(run, run("pull_request", draft), "#2 is a draft: skipped")
    result = run("pull_request", draft, review_drafts="true")
    assert result.exit_code == 0 and len(run.fake.reviews(REPO, 2)) == 1


def test_closed_is_skipped_without_a_request(run, echo):
    assert_skipped(run, run("pull_request", payload("pull_request.closed.payload.json")), "pull_request closed")
    assert run.fake.requests == [] and echo.calls == []


def test_unrelated_event_is_a_notice(run, echo):
    assert_skipped(run, run("push", {"ref": "refs/heads/main"}), "event 'push' is not handled")
    assert run.fake.requests == []


def test_review_comment_from_a_collaborator_runs(run, echo, gh):
    gh.add_pull(REPO, number=1, diff=own_diff("python-change").text, user="Codertocat")
    result = run("issue_comment", review_comment("COLLABORATOR"))
    assert result.exit_code == 0, result.output
    assert "/review by Codertocat: reviewing Codertocat/Hello-World#1" in result.stdout
    assert len(gh.reviews(REPO, 1)) == 1 and gh.reviews(REPO, 2) == []


@pytest.mark.parametrize("association", ["NONE", "CONTRIBUTOR", "FIRST_TIME_CONTRIBUTOR"])
def test_review_comment_from_a_stranger_does_not_run(run, echo, association):
    assert_skipped(run, run("issue_comment", review_comment(association)), "ignored: only the repository's owner")
    assert run.fake.requests == [] and echo.calls == []


def test_comment_on_an_issue_is_a_notice(run, echo):
    assert_skipped(run, run("issue_comment", payload("issue_comment.created.payload.json")), "not a pull request")


def test_review_comment_on_a_closed_pr_is_skipped(run, echo, gh):
    gh.add_pull(REPO, number=1, diff=own_diff("python-change").text, state="closed")
    result = run("issue_comment", review_comment("OWNER"))
    assert result.exit_code == 0 and "#1 is closed" in result.stdout
    assert gh.writes == [] and echo.calls == []


def test_fork_pr_gets_annotations_and_no_write(run, echo):
    data = payload("pull_request.opened.payload.json")
    data["pull_request"]["head"]["repo"]["full_name"] = "forker/Hello-World"
    result = run("pull_request", data)
    assert result.exit_code == 0, result.output
    assert run.fake.writes == []
    warnings = [x for x in result.stdout.splitlines() if x.startswith("::warning file=")]
    assert len(warnings) == int(run.outputs["comments"]) > 2 and all(",title=reviewer (warning)::Check `" in x for x in warnings)
    assert "fork" in run.summary.read_text()


def test_review_comment_on_a_fork_pr_posts(run, echo, gh, monkeypatch):
    """issue_comment runs in the base repository's context: its token can write."""
    action_cli = importlib.import_module("reviewer.cli.action")
    fetch = action_cli.fetch_pull

    def from_a_fork(client, ref):
        pull = fetch(client, ref)
        pull["head"]["repo"] = dict(pull["head"]["repo"], full_name="forker/Hello-World")
        return pull

    monkeypatch.setattr(action_cli, "fetch_pull", from_a_fork)
    gh.add_pull(REPO, number=1, diff=own_diff("python-change").text)
    result = run("issue_comment", review_comment("MEMBER"))
    assert result.exit_code == 0, result.output
    assert len(gh.reviews(REPO, 1)) == 1 and "::warning" not in result.stdout


def test_read_only_token_falls_back_to_annotations(run, echo, gh):
    gh.fail_next("POST", rf"/repos/{REPO}/pulls/2/reviews", status=403, body={
        "message": "Resource not accessible by integration",
        "documentation_url": "https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request",
        "status": "403"})
    result = run("pull_request", payload("pull_request.opened.payload.json"), fail_on="error")
    assert result.exit_code == 0, result.output
    assert [q.status for q in gh.writes] == [403] and gh.reviews(REPO, 2) == []
    assert len(re.findall(r"^::warning file=", result.stdout, re.M)) == int(run.outputs["comments"]) > 2
    summary = run.summary.read_text()
    assert f"## `{FILE}`" in summary and "Resource not accessible by integration" in summary


def test_other_posting_errors_still_write_summary_then_exit_5(run, echo, gh):
    gh.fail_next("POST", rf"/repos/{REPO}/pulls/2/reviews", status=404)
    result = run("pull_request", payload("pull_request.opened.payload.json"))
    assert result.exit_code == 5 and "error: repository or PR not found" in result.stderr
    assert "posting failed" in run.summary.read_text() and int(run.outputs["comments"]) > 2


def test_post_false_is_a_dry_run_with_annotations(run, echo):
    result = run("pull_request", payload("pull_request.opened.payload.json"), post="false")
    assert result.exit_code == 0, result.output
    assert {q.method for q in run.fake.requests} == {"GET"} and run.fake.writes == []
    assert len(re.findall(r"^::warning file=", result.stdout, re.M)) == int(run.outputs["comments"]) > 2
    assert "not posted (post: false)" in run.summary.read_text()


def test_without_a_token(run, echo):
    result = run("pull_request", payload("pull_request.opened.payload.json"), github_token="")
    assert result.exit_code == 5 and "error: no GitHub token" in result.stderr and run.fake.requests == []


def test_token_stays_out_of_debug_output_and_logs(run, echo, caplog):
    caplog.set_level("DEBUG")
    result = run("pull_request", payload("pull_request.opened.payload.json"), env={"RUNNER_DEBUG": "1"})
    assert result.exit_code == 0, result.output
    assert any("GET" in r.getMessage() for r in caplog.records)  # PyGithub logged its requests
    assert TOKEN not in caplog.text and TOKEN not in run.summary.read_text() and TOKEN not in run.output.read_text()


def test_fail_on_sets_the_exit_status_after_posting(run, echo):
    result = run("pull_request", payload("pull_request.opened.payload.json"), fail_on="warning")
    assert result.exit_code == 1 and len(run.fake.reviews(REPO, 2)) == 1 and int(run.outputs["comments"]) > 2
    assert run("pull_request", payload("pull_request.reopened.payload.json"), fail_on="error").exit_code == 0


def test_inputs_override_the_config_file(run, echo):
    (run.workspace / ".reviewer.toml").write_text('fail-on = "warning"\nmax-comments = 5\n')
    assert run("pull_request", payload("pull_request.opened.payload.json")).exit_code == 1  # from the file
    result = run("pull_request", payload("pull_request.reopened.payload.json"), fail_on="never", max_comments="1")
    assert result.exit_code == 0, result.output


def test_max_comments_input(run, echo):
    assert run("pull_request", payload("pull_request.opened.payload.json"), max_comments="1").exit_code == 0
    assert len(run.fake.review_comments(REPO, 2)) == 1


@pytest.mark.parametrize("extra, ok", [("--threads 1 --context 4096 --no-cache", True), ("--style evil.md", False),
                                       ("--config evil.toml", False), ("--post", False), ("--api-key k", False),
                                       ("'unbalanced", False)])
def test_extra_args_allow_list(run, echo, extra, ok):
    result = run("pull_request", payload("pull_request.opened.payload.json"), extra_args=extra)
    assert (result.exit_code == 0) is ok, result.output
    if not ok:
        assert result.exit_code == 2 and "input extra-args" in result.stderr and run.fake.requests == []


def test_config_is_never_read_from_the_prs_own_code(run, echo, gh):
    git = lambda *a: subprocess.run(["git", *a], cwd=run.workspace, check=True, capture_output=True,  # noqa: E731
                                    text=True).stdout.strip()
    git("init", "-q")
    (run.workspace / ".reviewer.toml").write_text('templates = "evil"\n')
    git("add", ".reviewer.toml")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "pr")
    head = git("rev-parse", "HEAD")
    gh.add_pull(REPO, number=3, diff=own_diff("python-change").text, head_sha=head)
    data = payload("pull_request.opened.payload.json")
    data["pull_request"].update(number=3)
    data["pull_request"]["head"]["sha"] = head
    result = run("pull_request", data)
    assert result.exit_code == 3 and "holds the pull request's own code" in result.stderr
    assert gh.writes == [] and echo.calls == []


def test_repository_mismatch_is_refused(run, echo):
    data = payload("pull_request.opened.payload.json")
    data["pull_request"]["base"]["repo"]["full_name"] = "someone/else"
    result = run("pull_request", data)
    assert result.exit_code == 2 and "GITHUB_REPOSITORY is Codertocat/Hello-World" in result.stderr


def test_summary_stays_under_the_limit(run, echo):
    run.summary.write_text("x" * (SUMMARY_LIMIT - 600))  # what the step wrote before
    assert run("pull_request", payload("pull_request.opened.payload.json")).exit_code == 0
    text = run.summary.read_text()
    assert run.summary.stat().st_size <= SUMMARY_LIMIT and "cut here" in text and text.endswith("._\n")


@pytest.mark.model
def test_real_model_action_end_to_end(run, smollm2_path, monkeypatch):
    for k, v in {"REVIEWER_THREADS": "1", "REVIEWER_MAX_TOKENS": "160", "REVIEWER_COMMENTS_PER_CHUNK": "2",
                 "REVIEWER_CONTEXT": "4096"}.items():
        monkeypatch.setenv(k, v)
    result = run("pull_request", payload("pull_request.opened.payload.json"), model=str(smollm2_path), post="true")
    assert result.exit_code == 0, result.output
    assert [r["state"] for r in run.fake.reviews(REPO, 2)] == ["COMMENTED"]
    assert all(q.status < 400 for q in run.fake.requests)
    summary = run.summary.read_text()
    assert summary.startswith(f"# Review: {REPO}#2") and f"## `{FILE}`" in summary and "_reviewer: posted" in summary
    out = run.outputs
    assert out["comments"].isdigit() and len(run.fake.review_comments(REPO, 2)) <= int(out["comments"])
    assert out["skipped"] == "false" and open(out["report"]).read() in summary


def test_mode_check_posts_a_check_run_and_no_review(run, echo):
    result = run("pull_request", payload("pull_request.opened.payload.json"), mode="check", fail_on="warning")
    assert result.exit_code == 1, result.output  # fail-on still sets the step's status
    [check] = run.fake.check_runs(REPO)
    assert check["conclusion"] == "failure" and check["annotations"]
    assert run.fake.reviews(REPO, 2) == [] and run.fake.issue_comments(REPO, 2) == []
    assert "a check run, failure, with" in run.summary.read_text()
    both = run("pull_request", payload("pull_request.opened.payload.json"), mode="both")
    assert both.exit_code == 0, both.output
    assert len(run.fake.check_runs(REPO)) == 2 and len(run.fake.reviews(REPO, 2)) == 1
    bad = run("pull_request", payload("pull_request.opened.payload.json"), mode="annotations")
    assert bad.exit_code == 2 and "input mode must be one of review, check, both" in bad.output
