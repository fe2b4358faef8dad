"""reviewer/hosts/github/action.py and workflow.py on their own: the runner's variables, event decisions on
webhook payloads shaped as GitHub documents them (checked against GitHub's own examples when
../shared is there), workflow-command escaping, step outputs and the job summary's 1 MiB."""

from __future__ import annotations

import copy
import dataclasses
import json
import re
import subprocess

import pytest
from fakes.common import ROOT, SHARED, shared
from fakes.actions import BUILT, parse_outputs, payload, review_comment

from reviewer.hosts.github.action import ActionEnv, decide, read_inputs, settings_flags
from reviewer.hosts.github.workflow import SUMMARY_LIMIT, annotation, append_summary, command, fit_summary, output_block
from reviewer.diff.sources.local import checkout_is_head
from reviewer.errors import InputError
from reviewer.types import Comment, Note


def github_example(name: str) -> dict:
    return json.loads(shared("github-events", name).read_text(encoding="utf-8"))


EXAMPLES = SHARED / "github-events"


@pytest.mark.parametrize("name", sorted(BUILT) if EXAMPLES.is_dir() else [None])
def test_the_built_payloads_decide_as_githubs_own_examples(name):
    """Each payload built in tests/fakes/actions.py decides as GitHub's documented example of the
    same event does (../shared/fixtures/github-events), with the same values where it is read."""
    if name is None:  # one skip, not one per example
        pytest.skip(f"{EXAMPLES} is absent: the shared fixtures live next to the checkout (../shared)")
    ours, theirs = payload(name), github_example(name)
    event = name.split(".")[0]

    def decided(data, **options):  # the decision, less the payload it carries
        return dataclasses.replace(decide(event, data, **options), pull=None)

    for options in ({}, {"drafts": True}, {"closed": True}):
        assert decided(ours, **options) == decided(theirs, **options)
    if event == "issue_comment":
        on_pull = copy.deepcopy(theirs)
        on_pull["issue"]["pull_request"] = {"url": on_pull["issue"]["url"].replace("/issues/", "/pulls/")}
        on_pull["comment"].update(body="/review", author_association="COLLABORATOR")
        assert decided(review_comment()) == decided(on_pull)


def test_inputs_as_github_names_them():
    env = {"INPUT_GITHUB-TOKEN": "t0ken", "INPUT_FAIL-ON": "error", "INPUT_MAX-COMMENTS": " 5 ", "INPUT_STYLE": "",
           "INPUT_EXTRA_ARGS": "--threads 2", "INPUT_MODEL": "a", "INPUT_POST": "  ", "OTHER": "x"}
    assert read_inputs(env) == {"github-token": "t0ken", "fail-on": "error", "max-comments": "5",
                                "extra-args": "--threads 2", "model": "a"}
    assert read_inputs({"INPUT_FAIL_ON": "never", "INPUT_FAIL-ON": "error"}) == {"fail-on": "error"}
    assert settings_flags({"style": "a.md\nb.md", "fail-on": "error", "post": "true", "github-token": "x"}) == {
        "style": "a.md,b.md", "fail_on": "error"}


def test_action_env_reads_the_runner_variables(tmp_path):
    env = {"GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": str(tmp_path / "e.json"),
           "GITHUB_REPOSITORY": "o/r", "GITHUB_API_URL": "https://api.github.com", "GITHUB_OUTPUT": "",
           "RUNNER_TEMP": str(tmp_path), "GITHUB_RUN_ID": "42/../x", "RUNNER_DEBUG": "1"}
    a = ActionEnv.from_env(env, tmp_path)
    assert (a.event_name, a.repository, a.output, a.step_summary, a.debug) == ("pull_request", "o/r", None, None, True)
    assert a.report_path(7) == tmp_path / "reviewer-42x" / "review-pr-7.md"


@pytest.mark.parametrize("name", ["pull_request.opened.payload.json", "pull_request.synchronize.payload.json",
                                  "pull_request.reopened.payload.json", "pull_request.ready_for_review.payload.json",
                                  "pull_request.opened.with-null-body.json"])
def test_pull_request_events_are_reviewed(name):
    d = decide("pull_request", payload(name))
    assert d.review and (d.repo, d.number, d.fork) == ("Codertocat/Hello-World", 2, False)
    assert d.head_sha == "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
    assert d.notice.endswith("reviewing Codertocat/Hello-World#2")


def test_drafts_and_closed_pull_requests_are_skipped():
    assert "nothing to review" in decide("pull_request", payload("pull_request.closed.payload.json")).notice
    assert not decide("pull_request", payload("pull_request.converted_to_draft.payload.json")).review
    draft = payload("pull_request.opened.payload.json")
    draft["pull_request"]["draft"] = True
    assert "is a draft" in decide("pull_request", draft).notice
    assert decide("pull_request", draft, drafts=True).review
    closed = payload("pull_request.reopened.payload.json")
    closed["pull_request"]["state"] = "closed"
    assert "is closed" in decide("pull_request", closed).notice and decide("pull_request", closed, closed=True).review


def test_fork_detected_from_the_payload():
    data = payload("pull_request.opened.payload.json")
    data["pull_request"]["head"]["repo"]["full_name"] = "forker/Hello-World"
    assert decide("pull_request", data).read_only
    data["pull_request"]["head"]["repo"] = None  # the fork was deleted
    assert decide("pull_request", data).read_only
    assert not decide("pull_request", payload("pull_request.opened.payload.json")).read_only


def test_action_yml_hands_every_input_over_as_github_names_it():
    yaml = pytest.importorskip("yaml")
    spec = yaml.safe_load((ROOT / "action.yml").read_text())
    assert spec["runs"]["using"] == "composite"
    step = next(s for s in spec["runs"]["steps"] if s.get("id") == "review")
    assert step["shell"] == "bash" and "reviewer action" in step["run"]
    handed = {k: v for k, v in step["env"].items() if k.startswith("INPUT_")}
    own = {"install", "python", "cache"}  # used by the steps themselves
    assert handed == {f"INPUT_{n.upper()}": f"${{{{ inputs.{n} }}}}" for n in spec["inputs"] if n not in own}
    assert spec["inputs"]["github-token"]["default"] == "${{ github.token }}"
    assert spec["inputs"]["post"]["default"] == "true"
    for name in ("comments", "report"):
        assert spec["outputs"][name]["value"] == f"${{{{ steps.review.outputs.{name} }}}}"
    for s in spec["runs"]["steps"]:  # expressions only through env: no script injection
        assert "${{" not in s.get("run", "")


@pytest.mark.parametrize("association, body, review", [
    ("OWNER", "/review", True), ("MEMBER", "  /review please", True), ("COLLABORATOR", "/review\nnow", True),
    ("CONTRIBUTOR", "/review", False), ("NONE", "/review", False), ("FIRST_TIME_CONTRIBUTOR", "/review", False),
    ("OWNER", "/reviewer", False), ("OWNER", "please /review", False),
])
def test_review_command_only_from_trusted_authors(association, body, review):
    d = decide("issue_comment", review_comment(association, body))
    assert d.review is review
    if review:
        assert (d.repo, d.number, d.pull, d.on_demand) == ("Codertocat/Hello-World", 1, None, True)
    assert body.strip() not in d.notice or body == "/review"  # comment text is never echoed


def test_other_comments_and_events_are_notices():
    assert "not a pull request" in decide("issue_comment", payload("issue_comment.created.payload.json")).notice
    edited = review_comment()
    edited["action"] = "edited"
    assert not decide("issue_comment", edited).review
    for event in ("push", "pull_request_target", ""):
        d = decide(event, {})
        assert not d.review and "is not handled" in d.notice


def test_untrusted_payload_text_stays_out_of_notices():
    data = review_comment("NONE")
    data["comment"]["user"]["login"] = "x\n::add-mask::y"
    assert "::" not in decide("issue_comment", data).notice
    bad = payload("pull_request.opened.payload.json")
    bad["action"] = "labeled\n::error::pwned"
    assert "pwned" not in decide("pull_request", bad).notice
    with pytest.raises(InputError):
        decide("pull_request", {"action": "opened", "pull_request": {"number": "2"}})


def test_workflow_command_escaping():
    line = command("warning", "50% done\r\nnext ::x", file="a,b:c.py", line=3, title="t%\n")
    assert line == "::warning file=a%2Cb%3Ac.py,line=3,title=t%25%0A::50%25 done%0D%0Anext ::x"
    assert "\n" not in line
    c = Comment("src/a.py", 12, "RIGHT", "error", "Off by one.\nSee `n - 1`.", start_line=10)
    assert annotation(c) == ("::warning file=src/a.py,line=10,endLine=12,title=reviewer (error)::"
                             "Off by one.%0ASee `n - 1`.")
    assert annotation(Comment("a.py", 4, "LEFT", "note", "gone")) == "::warning file=a.py,title=reviewer (note)::gone"
    assert annotation(Note("a.py", "warning", "whole file")) == "::warning file=a.py,title=reviewer (warning)::whole file"


def test_outputs_use_the_multiline_syntax():
    block = output_block({"comments": "3", "report": "/tmp/r.md", "odd": "a\nb<<EOF\n"})
    assert parse_outputs(block) == {"comments": "3", "report": "/tmp/r.md", "odd": "a\nb<<EOF\n"}
    assert re.match(r"comments<<ghadelimiter_[0-9a-f]{16}\n3\nghadelimiter_", block)


def test_summary_kept_under_one_mebibyte(tmp_path):
    text = "".join(f"- finding {i} é\n" for i in range(300_000))  # about 5 MiB
    out = fit_summary(text, "\n_footer_\n", path="/tmp/r.md")
    assert len(out.encode()) <= SUMMARY_LIMIT and out.endswith("\n_footer_\n") and "/tmp/r.md" in out
    assert "- finding 0 é\n" in out and "\n- finding 1" in out and "cut here" in out
    assert fit_summary("short\n", "", path="x") == "short\n"
    summary = tmp_path / "summary.md"
    summary.write_text("x" * (SUMMARY_LIMIT - 500))  # an earlier part of the step's summary
    append_summary(summary, text, "_f_", report="r.md")
    assert SUMMARY_LIMIT - 500 < summary.stat().st_size <= SUMMARY_LIMIT


def test_checkout_of_the_head_is_recognised(tmp_path):
    assert not checkout_is_head(tmp_path, "a" * 40)  # not a git work tree
    run = lambda *a: subprocess.run(["git", *a], cwd=tmp_path, check=True, capture_output=True, text=True)  # noqa: E731
    run("init", "-q")
    run("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "x")
    head = run("rev-parse", "HEAD").stdout.strip()
    assert checkout_is_head(tmp_path, head) and not checkout_is_head(tmp_path, "b" * 40)
    assert not checkout_is_head(tmp_path, None)


def test_payload_is_not_modified_by_decide():
    data = payload("pull_request.opened.payload.json")
    before = copy.deepcopy(data)
    decide("pull_request", data)
    assert data == before
