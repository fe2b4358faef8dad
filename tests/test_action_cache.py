"""The Action keeps the result cache between runs on ephemeral runners: action.yml restores it
before the review and saves it after (actions/cache, keyed by repository and pull request, falling
back to the repository's newest), the review's result cache lies inside the cached path, an input
turns it off; and a rehearsal: `reviewer action` twice on two "runners" that share nothing but
that path, the second making no model call."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from click.testing import CliRunner
from fakes.common import ROOT, TOKEN
from fakes.actions import HEAD, NUMBER, REPO, payload
from fakes.diffs import modified_file, new_file
from fakes.github import FakeGitHub

from reviewer.cli import main

yaml = pytest.importorskip("yaml")
PR_NUMBER = "github.event.pull_request.number || github.event.issue.number"
DIFF = modified_file("src/a.py", ["x = 1"], ["x = 2", "y = compute(x)"]) + new_file("src/b.py", ["def f(v):", "    return v"])


def spec() -> dict:
    return yaml.safe_load((ROOT / "action.yml").read_text())


def steps() -> dict[str, dict]:
    return {s["name"]: s for s in spec()["runs"]["steps"]}


def test_the_cache_is_restored_before_the_review_and_saved_after_it():
    names = [s["name"] for s in spec()["runs"]["steps"]]
    assert names.index("Restore the result cache") < names.index("Review") < names.index("Save the result cache")
    restore, save = steps()["Restore the result cache"], steps()["Save the result cache"]
    assert restore["uses"].startswith("actions/cache/restore@v") and save["uses"].startswith("actions/cache/save@v")
    assert restore["if"] == "inputs.cache == 'true'"
    assert "!cancelled()" in save["if"] and "inputs.cache == 'true'" in save["if"]  # also after a failed review
    assert restore["with"]["path"] == save["with"]["path"] == "${{ runner.temp }}/reviewer-results"
    key = restore["with"]["key"]
    assert save["with"]["key"] == key
    # a saved cache is never replaced: each run's own key; repository and PR first, for the fallbacks
    assert key.startswith("reviewer-results-${{ github.repository }}-pr${{ " + PR_NUMBER + " }}-")
    assert "${{ github.run_id }}" in key and "${{ github.run_attempt }}" in key
    lines = [x for x in restore["with"]["restore-keys"].splitlines() if x.strip()]
    assert lines == ["reviewer-results-${{ github.repository }}-pr${{ " + PR_NUMBER + " }}-",
                     "reviewer-results-${{ github.repository }}-"]  # this PR's newest, else the repository's
    assert all(key.startswith(prefix) for prefix in lines)


def result_cache_path(runner_temp: str, cache: str = "true") -> str:
    """The Review step's REVIEWER_RESULT_CACHE as GitHub evaluates its expression."""
    value = steps()["Review"]["env"]["REVIEWER_RESULT_CACHE"]
    m = re.fullmatch(r"\$\{\{ inputs\.cache == 'true' && format\('\{0\}(/[^']+)', runner\.temp\) "
                     r"\|\| env\.REVIEWER_RESULT_CACHE \}\}", value)
    assert m, value
    return runner_temp + m.group(1) if cache == "true" else ""


def test_the_result_cache_lies_inside_the_cached_path_and_an_input_turns_it_off():
    inputs = spec()["inputs"]
    assert inputs["cache"]["default"] == "true"
    cached = steps()["Save the result cache"]["with"]["path"].replace("${{ runner.temp }}", "/T")
    assert result_cache_path("/T").startswith(cached + "/")
    assert result_cache_path("/T", cache="false") == ""  # the setting's own route: REVIEWER_CACHE_DIR


class EphemeralRunner:
    """One job on a fresh machine: its own RUNNER_TEMP and REVIEWER_CACHE_DIR; only what
    actions/cache restores (``store``, the path the cache steps keep) survives from a run before."""

    def __init__(self, fake: FakeGitHub, root, n: int, store):
        self.fake, self.root, self.store = fake, root / f"runner-{n}", store
        self.temp, self.home = self.root / "temp", self.root / "home-cache"
        for folder in (self.temp, self.home, self.root / "workspace"):
            folder.mkdir(parents=True)
        self.cached = self.temp / "reviewer-results"

    def restore(self):
        if self.store.exists():
            shutil.copytree(self.store, self.cached)

    def save(self):
        if self.cached.exists():
            shutil.rmtree(self.store, ignore_errors=True)
            shutil.copytree(self.cached, self.store)

    def review(self, **inputs: str):
        event = self.root / "event.json"
        event.write_text(json.dumps(payload("pull_request.synchronize.payload.json")), encoding="utf-8")
        env = {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": str(event),
               "GITHUB_REPOSITORY": REPO, "GITHUB_API_URL": self.fake.base_url,
               "GITHUB_STEP_SUMMARY": str(self.root / "summary.md"), "GITHUB_OUTPUT": str(self.root / "out"),
               "GITHUB_WORKSPACE": str(self.root / "workspace"), "RUNNER_TEMP": str(self.temp),
               "GITHUB_RUN_ID": str(self.root.name), "GITHUB_TOKEN": None, "GH_TOKEN": None,
               "REVIEWER_CACHE_DIR": str(self.home), "REVIEWER_GITHUB_WRITE_PAUSE": "0",
               "REVIEWER_RESULT_CACHE": result_cache_path(str(self.temp), inputs.get("cache", "true")),
               "INPUT_GITHUB-TOKEN": TOKEN}
        for name in spec()["inputs"]:
            if name not in ("github-token", "install", "python", "cache"):
                env[f"INPUT_{name.upper()}"] = inputs.get(name, "")
        result = CliRunner().invoke(main, ["action"], env=env)
        assert result.exit_code == 0, result.output
        assert TOKEN not in result.output and "Traceback" not in result.output
        return result


@pytest.fixture
def gh(monkeypatch):
    with FakeGitHub(token=TOKEN) as fake:
        fake.add_repo(REPO)
        fake.add_pull(REPO, number=NUMBER, diff=DIFF, head_sha=HEAD)
        yield fake


@pytest.mark.parametrize("post", ["false", "true"])
def test_a_second_run_on_another_runner_takes_every_answer_from_the_restored_cache(gh, echo, tmp_path, post):
    store = tmp_path / "actions-cache"
    first = EphemeralRunner(gh, tmp_path, 1, store)
    first.restore()
    first.review(post=post)
    first.save()
    assert len(echo.calls) == 2 and (store / "results.sqlite3").is_file()
    assert not any(first.home.iterdir())  # nothing of the result cache outside the cached path

    echo.calls.clear()
    second = EphemeralRunner(gh, tmp_path, 2, store)
    second.restore()
    said = second.review(post=post)
    assert echo.calls == []  # every answer from the restored cache (or, posting, the summary's state)
    report = next((second.temp).glob("reviewer-*/review-pr-*.md")).read_text()
    assert "2 chunks, 0 model calls (2 from cache)" in report, said.output


def test_without_the_cache_a_fresh_runner_reviews_again(gh, echo, tmp_path):
    store = tmp_path / "actions-cache"
    for n in (1, 2):
        runner = EphemeralRunner(gh, tmp_path, n, store)
        runner.restore()
        runner.review(post="false", cache="false")
        runner.save()
    assert len(echo.calls) == 4 and not store.exists()
