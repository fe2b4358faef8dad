"""bench/pass_profile.py: a real review on SmolLM2, its calls timed and tagged by pass."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fakes.common import FAST, ROOT
from fakes.diffs import SMALL_DIFF

pytestmark = pytest.mark.model


def test_each_call_is_tagged_by_its_pass_and_each_verdict_keeps_its_votes(smollm2_path, tmp_path):
    diff = tmp_path / "small.diff"
    diff.write_text(SMALL_DIFF)
    out = tmp_path / "profile.json"
    env = {**os.environ, **FAST, "REVIEWER_CACHE_DIR": str(tmp_path / "cache"), "REVIEWER_MIN_SEVERITY": "note"}
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "pass_profile.py"), "--out", str(out), "--",
                           "review", "--diff", str(diff), "--model", str(smollm2_path), "--format", "json"],
                          capture_output=True, env=env, cwd=tmp_path, timeout=600)
    assert proc.returncode == 0, proc.stderr.decode()
    report = json.loads(proc.stdout)
    records = json.loads(out.read_text())
    calls = [r for r in records if "call" in r]
    assert len(calls) == report["stats"]["model_calls"] and calls[0]["by"] == "draft"
    assert all(r["s"] >= 0 and r["prompt"] >= r["eval"] > 0 for r in calls)
    for verdict in (r for r in records if "votes" in r):
        assert verdict["verdict"] in ("verify", "fixjudge")
        assert len(verdict["votes"]) == verdict["asked"] and 0 <= verdict["p"] <= 1
    shown = subprocess.run([sys.executable, str(ROOT / "bench" / "pass_profile.py"), "--show", str(out)],
                           capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0 and "| draft | " in shown.stdout and "| all | " in shown.stdout
