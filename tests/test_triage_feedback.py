"""The feedback store (SQLite beside the cache) and `reviewer calibrate --feedback`: the card
from the maintainer's triage decisions, and the threshold they support written only with --write
(through click's runner, and once as a subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from reviewer.measure.calibrate.feedback import MIN_DECISIONS, build_feedback_card
from reviewer.cli import main
from reviewer.config import load_settings
from reviewer.triage.feedback import FEEDBACK_FILE, Decision, FeedbackStore

REPO = "octo/demo"


def decision(fp: str, verdict: float | None, decision: str, *, severity="warning", kind="source", repo=REPO,
             shown_as="comment") -> Decision:
    return Decision(fp, repo, "qwen2.5-coder-1.5b", kind, severity, verdict, None, shown_as, decision)


# 13 kept (12 with a low verdict, one at 0.5), 2 dropped at 0.2, 5 dropped at 0.6, one without a verdict
KEPT = [decision(f"k{i}", 0.1 + 0.01 * i, "kept" if i % 3 else "edited") for i in range(12)] \
    + [decision("k12", 0.5, "kept", severity="error")]
DROPPED = [decision(f"d{i}", 0.2, "dropped", kind="tests") for i in range(2)] \
    + [decision(f"e{i}", 0.6, "dropped", severity="note", shown_as="note") for i in range(5)]
UNJUDGED = [decision("u0", None, "kept", kind="docs")]
ALL = KEPT + DROPPED + UNJUDGED


@pytest.fixture
def store(isolated_cache):
    s = FeedbackStore(isolated_cache / FEEDBACK_FILE)
    yield s
    s.close()


@pytest.fixture
def checkout(tmp_path, monkeypatch):
    """A git work tree of octo/demo (its origin remote names the repository), the cwd."""
    top = tmp_path / "demo"
    top.mkdir()
    subprocess.run(["git", "init", "-q", str(top)], check=True)
    subprocess.run(["git", "-C", str(top), "remote", "add", "origin", "https://github.com/octo/demo.git"], check=True)
    monkeypatch.chdir(top)
    return top


def fill(store: FeedbackStore, decisions=ALL, session="s1") -> None:
    for d in decisions:
        store.record(session, d)


def test_the_store_keeps_the_latest_decision_per_session_and_draft(store, isolated_cache):
    store.record("s1", decision("a", 0.2, "kept"))
    store.record("s1", decision("a", 0.2, "dropped"))  # changed his mind: one row
    store.record("s1", decision("b", 0.7, "edited"))
    store.forget("s1", "b")  # undecided again
    store.record("s2", decision("b", 0.7, "dropped", repo="other/repo"))
    assert [(d.fingerprint, d.decision) for d in store.decisions(REPO)] == [("a", "dropped")]
    assert store.repositories() == {REPO: 1, "other/repo": 1}
    assert store.dropped(REPO) == {"a"} and store.dropped("other/repo") == {"b"}
    store.record("s3", decision("a", 0.2, "kept"))  # a later triage kept it: no longer dropped
    assert store.dropped(REPO) == set()
    again = FeedbackStore(isolated_cache / FEEDBACK_FILE)  # on disk
    assert len(again.decisions()) == 3 and all(d.at > 0 for d in again.decisions())
    again.close()
    with pytest.raises(ValueError):
        store.record("s1", decision("c", 0.1, "liked"))


def test_the_card_counts_precision_by_threshold_severity_and_kind():
    card = build_feedback_card(ALL, repository=REPO, date="2026-01-01", current=0.49, current_origin="default",
                               max_false_alarms=0.2)
    assert (card.overall.decided, card.overall.wanted) == (21, 14)
    assert {k: (t.decided, t.wanted) for k, t in card.by_kind.items()} == {"source": (18, 13), "tests": (2, 0),
                                                                           "docs": (1, 1)}
    assert {k: (t.decided, t.wanted) for k, t in card.by_severity.items()} == {
        "error": (1, 1), "warning": (15, 13), "note": (5, 0)}
    at = {r.threshold: r for r in card.sweep}
    assert (at[0.49].posted.decided, at[0.49].posted.wanted) == (14, 12)  # the 0.5 one is not below 0.49
    assert (at[0.55].posted.decided, at[0.55].posted.wanted) == (15, 13)
    assert (at[0.65].posted.decided, at[0.65].posted.dropped) == (20, 7)
    assert card.no_verdict == 1
    assert card.choice.threshold == 0.55  # every kept draft, dropped ones at 2/15


def test_calibrate_feedback_prints_the_card_and_writes_nothing(store, checkout):
    fill(store)
    result = CliRunner().invoke(main, ["calibrate", "--feedback"])
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert out.startswith(f"# Triage feedback: {REPO}\n")
    assert "21 decisions on drafts of qwen2.5-coder-1.5b; precision (kept or edited, out of decided) 0.67 (14/21)" in out
    assert "| tests | 2 | 0 | 2 | 0.00 (0/2) |" in out and "| error | 1 | 1 | 0 | 1.00 (1/1) |" in out
    assert "| 0.49 (now) | 14 | 12 | 2 | 0.86 (12/14) |" in out
    assert "| 0.55 (chosen) | 15 | 13 | 2 | 0.87 (13/15) | 1.00 |" in out
    assert "The decisions support 0.55" in out
    assert list(checkout.iterdir()) == [checkout / ".git"]  # nothing written


def test_calibrate_feedback_write_keeps_the_threshold(store, checkout):
    fill(store)
    result = CliRunner().invoke(main, ["calibrate", "--feedback", "--write"])
    assert result.exit_code == 0, result.stderr
    assert f"verify threshold 0.55 written to {checkout / '.reviewer.toml'}" in result.stderr
    text = (checkout / ".reviewer.toml").read_text()
    assert "# reviewer calibrate" in text and "21 triage decisions on octo/demo" in text
    assert load_settings({}, cwd=checkout).verify_threshold == 0.55


def test_too_few_decisions_write_nothing(store, checkout):
    fill(store, KEPT[: MIN_DECISIONS - 1])
    result = CliRunner().invoke(main, ["calibrate", "--feedback", "--write"])
    assert result.exit_code == 2
    assert "No threshold chosen: too few decisions with a verdict" in result.stdout
    assert result.stderr.startswith("error: --write: nothing written: too few decisions")
    assert not (checkout / ".reviewer.toml").exists()


def test_decisions_of_other_repositories_are_named(store, checkout):
    fill(store, [decision("x", 0.2, "kept", repo="else/where")])
    result = CliRunner().invoke(main, ["calibrate", "--feedback"])
    assert result.exit_code == 2
    assert "error: no triage decisions for octo/demo" in result.stderr and "else/where (1)" in result.stderr
    every = CliRunner().invoke(main, ["calibrate", "--feedback", "--feedback-repo", "all"])
    assert every.exit_code == 0 and every.stdout.startswith("# Triage feedback: every repository")


def test_no_store_yet_is_one_line(checkout):
    result = CliRunner().invoke(main, ["calibrate", "--feedback"])
    assert result.exit_code == 2 and result.stderr.startswith("error: no triage decisions yet")
    assert "Traceback" not in result.output


def test_calibrate_feedback_as_a_subprocess(store, checkout):
    fill(store)
    env = {**os.environ, "REVIEWER_CACHE_DIR": str(Path(store.path).parent)}
    done = subprocess.run([sys.executable, "-m", "reviewer", "calibrate", "--feedback", "--format", "json"],
                          cwd=checkout, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    card = json.loads(done.stdout)
    assert card["repository"] == REPO and card["overall"] == {"decided": 21, "wanted": 14, "dropped": 7,
                                                             "precision": 0.6667}
    assert card["choice"]["threshold"] == 0.55 and card["by_file_kind"]["tests"]["dropped"] == 2
    assert not (checkout / ".reviewer.toml").exists()
