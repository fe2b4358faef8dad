"""The real SmolLM2 model through the CLI: click's runner and a subprocess."""

from __future__ import annotations

import json
import re
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from fakes.common import FAST, check_report
from fakes.diffs import SMALL_DIFF
from fakes.gitdiffs import own_diff_file

from reviewer.cli import main
from reviewer.diff.parse import decode

pytestmark = pytest.mark.model


def test_review_real_diff_json_with_click_runner_then_cached(smollm2_path, tmp_path, monkeypatch):
    diff = own_diff_file(tmp_path, "python-change")
    for k, v in FAST.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("REVIEWER_SCOPE", "all")  # every file drafted: several chunks share one system prompt
    out = tmp_path / "review.json"
    runner = CliRunner()
    result = runner.invoke(main, ["review", "--diff", str(diff), "--model", str(smollm2_path), "--format", "json", "-o", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    check_report(report, decode(diff.read_bytes()))
    stats = report["stats"]
    assert stats["chunks"] >= 3 and stats["model_calls"] >= stats["chunks"]
    assert 0 < stats["prompt_tokens_evaluated"] < stats["prompt_tokens"]  # the system prompt is evaluated once
    assert stats["cache_hits"] == 0
    assert set(json.loads(out.read_text())["files"]) == {"CHANGES.md", "src/pager.py", "tests/test_pager.py"}

    # the same review again: answered from the cache, no model call, identical comments
    again = tmp_path / "again.json"
    result = runner.invoke(main, ["review", "--diff", str(diff), "--model", str(smollm2_path), "--format", "json", "-o", str(again)])
    assert result.exit_code == 0, result.output
    second = json.loads(again.read_text())
    failed = len(report["failed"])  # an unusable answer is not cached: asked again
    assert second["stats"]["cache_hits"] == stats["chunks"] - failed
    assert second["stats"]["model_calls"] == 2 * failed
    assert second["comments"] == report["comments"]


def run_cli(args, *, stdin: bytes | None = None, cwd: Path | None = None, env_extra=None):
    env = {**os.environ, **FAST, **(env_extra or {})}
    return subprocess.run(
        [sys.executable, "-m", "reviewer", *args], input=stdin, capture_output=True, cwd=cwd, env=env, timeout=600
    )


def test_stdin_markdown_as_subprocess(smollm2_path):
    proc = run_cli(["review", "--diff", "-", "--model", str(smollm2_path)], stdin=SMALL_DIFF.encode())
    assert proc.returncode == 0, proc.stderr.decode()
    text = proc.stdout.decode()
    assert text.startswith("# Review of stdin")
    assert "## `calc.py`" in text  # the report names the files reviewed
    assert re.search(r"1 chunks, \d+ model calls", text)
    assert b"Traceback" not in proc.stderr


def test_git_range_in_a_work_tree(smollm2_path, tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], cwd=repo, check=True)
    (repo / "calc.py").write_text("def average(values):\n    total = 0\n    for v in values:\n        total += v\n    return total / len(values)\n")
    subprocess.run([*git, "add", "."], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-qm", "one"], cwd=repo, check=True)
    (repo / "calc.py").write_text("def average(values):\n    total = 0\n    for v in values:\n        total += v\n    return total / (len(values) - 1)\n")
    subprocess.run([*git, "commit", "-qam", "two"], cwd=repo, check=True)
    proc = run_cli(["review", "--git", "HEAD~1..HEAD", "--model", str(smollm2_path), "--format", "json"], cwd=repo)
    assert proc.returncode == 0, proc.stderr.decode()
    report = json.loads(proc.stdout)
    assert report["files"] == ["calc.py"] and report["stats"]["chunks"] == 1
    diff = subprocess.run(["git", "diff", "HEAD~1..HEAD"], cwd=repo, capture_output=True, text=True).stdout
    check_report(report, diff)


def test_fail_on_exit_code_differs_from_crash_codes(smollm2_path, tmp_path, monkeypatch):
    for k, v in FAST.items():
        monkeypatch.setenv(k, v)
    diff = tmp_path / "d.diff"
    diff.write_text(SMALL_DIFF)
    runner = CliRunner()
    base = ["review", "--diff", str(diff), "--model", str(smollm2_path), "--format", "json"]
    report = json.loads(runner.invoke(main, base).stdout)
    severities = {c["severity"] for c in report["comments"]} | {n["severity"] for n in report["notes"]}
    result = runner.invoke(main, [*base, "--fail-on", "note"] if False else [*base, "--fail-on", "warning"])
    expected = 1 if severities & {"error", "warning"} else 0
    assert result.exit_code == expected
    assert runner.invoke(main, [*base, "--fail-on", "never"]).exit_code == 0
