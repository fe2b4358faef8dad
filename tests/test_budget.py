"""The budget: files in the order that matters, the estimate from the rates remembered with the
cache, a review that stops on a fake clock (no test here times the machine) and reports what it
left, and the routes of the setting."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from fakes.backends import FakeClock, TimedBackend, TimedJudge
from fakes.diffs import new_file
from fakes.common import review as run_pipeline

from reviewer.app import wiring
from reviewer.review.budget import Gate, Meter, Rates, Speed, make_plan, new_tokens, rates_key
from reviewer.review.cache import ResultCache
from reviewer.diff.files import review_order
from reviewer.cli import main
from reviewer.config import load_settings
from reviewer.diff.parse import parse_diff
from reviewer.errors import ConfigError
from reviewer.formats import ReportContext, render
from reviewer.hosts.github.format import summary_body
from reviewer.review.pipeline import ReviewOptions
from reviewer.prompt import Templates
from reviewer.types import Completion

SOURCES = [f"src/mod_{i}.py" for i in range(5)]


def source_diff(n: int = 5, lines: int = 6) -> str:
    return "".join(new_file(path, [f"value_{i}_{k} = compute({k}, {i})" for k in range(lines)])
                   for i, path in enumerate(SOURCES[:n]))


def review(diff: str, backend, clock: FakeClock, cache=None, observer=None, **options):
    return run_pipeline(diff, backend, cache, observer=observer, clock=clock, **{"verify": False, **options})


class Seen:
    """An observer that keeps the plan it was shown."""

    def __init__(self):
        self.plan = None

    def planned(self, plan):
        self.plan = plan

    def started(self, total):
        pass

    def chunk_done(self, index, total, result):
        pass


# -- the order ---------------------------------------------------------------------------------------
def test_source_comes_before_tests_before_docs_and_bigger_source_changes_first():
    diff = "".join([
        new_file("CHANGELOG.md", ["- fixed"]),
        new_file("tests/test_core.py", ["def test_a():", "    assert f()"]),
        new_file("docs/guide.rst", ["Guide", "====="]),
        new_file("src/small.py", ["x = 1"]),
        new_file("src/big.py", [f"y{i} = {i}" for i in range(9)]),
        new_file("changes/123.bugfix", ["Fixed it."]),
        new_file("src/core_test.go", ["package core"]),
        new_file("README.md", ["# title"]),
        new_file("src/mid.py", ["a = 1", "b = 2", "c = 3"]),
    ])
    order = [f.path for f in review_order(parse_diff(diff))]
    assert order == ["src/big.py", "src/mid.py", "src/small.py", "tests/test_core.py", "src/core_test.go",
                     "docs/guide.rst", "CHANGELOG.md", "changes/123.bugfix", "README.md"]


# -- the estimate --------------------------------------------------------------------------------------
def test_new_tokens_count_only_what_follows_the_prefix_a_chunk_shares_with_the_one_before():
    system = "s" * 3000
    tokens = new_tokens([system + "a" * 300, None, system + "b" * 600, system + "b" * 600 + "c" * 30])
    assert tokens == [1100, 0, 200, 10]


def test_the_estimate_uses_the_rates_remembered_with_the_cache(tmp_path):
    clock = FakeClock()
    cache = ResultCache(tmp_path / "results.sqlite3")
    backend = TimedBackend(clock)
    known = Rates(prefill=500.0, decode=25.0, prefill_ratio=0.8, draft_output=40.0, flagged=0.0, samples=30)
    cache.put_rates(rates_key(backend), known.to_dict())
    seen = Seen()
    review(source_diff(3), backend, clock, cache=cache, observer=seen)
    plan = seen.plan
    assert plan.rates == known and plan.chunks == 3 and plan.cached == 0
    # each chunk's prompt tokens (past the shared system prompt) at 500 tok/s, 40 tokens at 25 tok/s
    assert plan.tokens[0] > 300 and plan.tokens[1] < plan.tokens[0] / 2  # the system prompt is shared
    assert plan.seconds == pytest.approx(sum(t * 0.8 / 500 + 40 / 25 for t in plan.tokens), abs=0.1)
    assert plan.output_tokens == 120 and plan.prefill_tokens == round(sum(plan.tokens) * 0.8)

    seen_again = Seen()
    review(source_diff(3), backend, clock, cache=cache, observer=seen_again)
    assert seen_again.plan.chunks == 0 and seen_again.plan.cached == 3 and seen_again.plan.seconds == 0


def test_rates_are_learnt_from_the_calls_and_remembered(tmp_path):
    clock = FakeClock()
    cache = ResultCache(tmp_path / "results.sqlite3")
    backend = TimedBackend(clock, prefill=300.0, decode=15.0, per_chunk=3)
    diff = "".join(new_file(f"src/m{i}.py", [f"v{k} = {'x' * (10 * i + k)}" for k in range(1 + i % 4)])
                   for i in range(8))
    review(diff, backend, clock, cache=cache)
    learnt = Rates.from_dict(cache.rates(rates_key(backend)))
    assert learnt.samples == 8 and learnt.flagged == 1
    assert learnt.prefill == pytest.approx(300.0, rel=0.01) and learnt.decode == pytest.approx(15.0, rel=0.01)
    assert learnt.prefill_ratio > 1  # this backend evaluates the whole prompt every time: no prefix reuse
    # the same work again, with nothing in the result cache: the estimate is what it takes
    fresh = ResultCache(tmp_path / "other.sqlite3")
    fresh.put_rates(rates_key(backend), learnt.to_dict())
    seen, started = Seen(), clock()
    review(diff, backend, clock, cache=fresh, observer=seen)
    assert seen.plan.rates == learnt and seen.plan.chunks == 8
    assert seen.plan.seconds == pytest.approx(clock() - started, rel=0.01)
    assert make_plan(seen.plan.tokens, [False] * 8, Rates()).seconds > 2 * seen.plan.seconds  # the default: cautious


def test_a_fit_tells_prefill_from_decode_and_falls_back_to_a_scale_with_one_call():
    meter = Meter(Rates())
    for p, d in ((1000, 10), (200, 100), (500, 50), (800, 5)):
        meter.draft(p, [Completion("", p, p, d, p / 250 + d / 12.5)], found=False)
    rates = meter.current()
    assert rates.prefill == pytest.approx(250) and rates.decode == pytest.approx(12.5)
    assert rates.prefill_ratio == 1 and rates.draft_output == pytest.approx(41.25) and rates.samples == 4
    one = Meter(Rates(prefill=100, decode=10))
    one.draft(100, [Completion("", 100, 100, 10, 4.0)], found=True)  # predicted 2 s, took 4: half as fast
    assert (one.current().prefill, one.current().decode) == (50, 5)
    assert one.current().flagged == 1


def test_what_the_token_counts_do_not_show_is_learnt_as_overhead_and_the_load_apart():
    meter = Meter(Rates(), Speed(0.0, 0, 0.0, 0, 0.0))  # the model not loaded yet
    meter.draft(100, [Completion("", 1000, 1000, 100, 0.0)], found=False)
    meter.took(2 + 10 + 5)  # 2 s to load, 10 s of tokens (1000 at 200/s, 100 at 20/s), 5 s more
    rates = meter.current(Speed(5.0, 1000, 5.0, 100, 2.0))  # llama.cpp's own counters, and the load
    assert (rates.prefill, rates.decode, rates.load) == (200, 20, 2)
    assert rates.overhead == pytest.approx(1.5) and rates.prefill_ratio == 10 and rates.flagged == 0
    cold = make_plan([100], [False], rates, loaded=False)
    assert cold.load == 2 and cold.seconds == pytest.approx(2 + 1.5 * (1000 / 200 + 100 / 20))
    assert make_plan([100], [False], rates).seconds == pytest.approx(15)  # loaded already
    assert make_plan([100], [True], rates, loaded=False).seconds == 0  # all cached: no load either


def test_remembered_rates_weigh_against_a_new_run_and_nonsense_is_ignored():
    old = Rates(prefill=100, decode=10, samples=50)
    meter = Meter(old)
    for _ in range(50):
        meter.draft(100, [Completion("", 100, 100, 10, 100 / 300 + 10 / 30)], found=False)
    mixed = meter.current()
    assert mixed.prefill == pytest.approx(200) and mixed.decode == pytest.approx(20) and mixed.samples == 100
    assert Rates.from_dict({"prefill": -3, "decode": "fast", "samples": 7}) == Rates(samples=7)
    assert Rates.from_dict({"prefill": 0}) == Rates()


# -- the budget ----------------------------------------------------------------------------------------
def test_the_review_stops_at_the_budget_and_reports_the_files_it_left(tmp_path):
    clock = FakeClock()
    backend = TimedBackend(clock, prefill=100.0, decode=10.0)
    other = FakeClock()
    free = review(source_diff(), TimedBackend(other, prefill=100.0, decode=10.0), other)
    per_call = free.stats.seconds / 5
    budget = 2.5 * per_call  # two chunks and a half: the third would end past it
    result = review(source_diff(), backend, clock, budget=budget)
    assert len(backend.calls) == 2
    assert result.files == tuple(SOURCES[:2])
    left = [(s.path, s.reason) for s in result.skipped]
    assert left == [(p, f"budget ({budget:g} s) reached: not reviewed") for p in SOURCES[2:]]
    assert result.stats.not_reviewed == 3 and result.stats.budget == budget
    assert result.stats.seconds <= budget  # on the fake clock: no call ended past it
    assert "budget" in result.summary and "3 chunks not reviewed" in result.summary


def test_a_chunk_too_long_for_the_time_left_is_passed_over_for_a_smaller_one(tmp_path):
    clock = FakeClock()
    cache = ResultCache(tmp_path / "results.sqlite3")
    backend = TimedBackend(clock, prefill=100.0, decode=10.0)
    review(source_diff(3), backend, clock, cache=cache)  # the speeds, measured on another change
    diff = new_file("src/big.py", [f"value_{k} = compute({k}) + more_work({k}, 'padding')" for k in range(60)]) \
        + new_file("src/small.py", ["x = 1"])
    seen = Seen()
    review(diff, backend, clock, cache=cache, observer=seen, budget=1e-6)  # the plan only: nothing fits
    big, small = seen.plan.per_chunk
    assert big > 2 * small
    backend.calls.clear()
    result = review(diff, backend, clock, cache=cache, budget=(big + small) / 2)
    assert reviewed_paths(backend) == ["src/small.py"]
    assert [(s.path, s.reason.split(":")[0]) for s in result.skipped] == [("src/big.py", f"budget ({(big + small) / 2:g} s) reached")]


BIG_SMALL = new_file("src/big.py", [f"value_{k} = compute({k}) + more_work({k}, 'padding')" for k in range(60)]) \
    + new_file("src/small.py", ["x = 1"])


def test_with_no_rate_measured_a_first_chunk_expected_past_the_budget_waits_for_a_smaller_one():
    seen, other = Seen(), FakeClock()
    review(BIG_SMALL, TimedBackend(other, prefill=100.0, decode=10.0), other, observer=seen)  # the default rates' plan
    big, small = seen.plan.per_chunk
    assert big > 2 * small
    clock = FakeClock()
    backend = TimedBackend(clock, prefill=100.0, decode=10.0)  # faster than the cautious defaults
    budget = 0.9 * big  # at the defaults the big chunk would end past it, the small one not
    result = review(BIG_SMALL, backend, clock, budget=budget)
    # the small chunk first; it measured this machine, and at the measured rates the big one fits
    assert reviewed_paths(backend) == ["src/small.py", "src/big.py"]
    assert result.skipped == () and result.stats.seconds <= budget
    assert set(result.files) == {"src/big.py", "src/small.py"}


def test_when_nothing_fits_at_the_default_rates_the_first_chunk_still_starts():
    clock = FakeClock()
    backend = TimedBackend(clock, prefill=100.0, decode=10.0)
    result = review(BIG_SMALL, backend, clock, budget=0.5)
    # both passed over on the first round; on the second, with nothing measured, the first chunk
    # starts as it always did (only the time gone by stops a call); then the time is up
    assert reviewed_paths(backend) == ["src/big.py"]
    assert [s.path for s in result.skipped] == ["src/small.py"]


def reviewed_paths(backend) -> list[str]:
    return [next(p for p in ("src/big.py", "src/small.py") if p in call[-1]["content"]) for call in backend.calls]


def test_without_measured_rates_only_the_time_gone_by_stops_a_call():
    clock = FakeClock()
    gate = Gate(10.0, clock)
    assert gate.allows(expected=1000, measured=False)  # unknown speed: it starts
    assert gate.allows(expected=9, measured=True) and not gate.allows(expected=11, measured=True)
    assert gate.allows(expected=9, measured=True) and not gate.stopped  # a smaller call may still fit
    gate = Gate(10.0, clock)
    clock.advance(10)
    assert not gate.allows(expected=0, measured=False) and gate.stopped
    assert Gate(None, clock).allows(expected=1e9, measured=True)
    assert Gate(0, clock).allows(expected=1e9, measured=True)  # 0: no limit


def test_cached_chunks_are_served_after_the_budget_and_a_stop_is_final(tmp_path):
    clock = FakeClock()
    cache = ResultCache(tmp_path / "results.sqlite3")
    review(new_file("src/mod_4.py", [f"value_4_{k} = compute({k}, 4)" for k in range(6)]),
           TimedBackend(clock), clock, cache=cache)  # the last file's review is in the cache
    backend = TimedBackend(clock, prefill=100.0, decode=10.0)
    result = review(source_diff(), backend, clock, cache=cache, budget=0.5)
    assert not backend.calls  # the rates measured by the first run: no chunk fits in half a second
    assert result.files == (SOURCES[4],) and result.stats.cache_hits == 1  # its key: its own content only
    assert [s.path for s in result.skipped] == SOURCES[:4]


def test_no_time_for_the_second_opinion_keeps_the_drafts_findings_as_notes(tmp_path):
    clock = FakeClock()
    cache = ResultCache(tmp_path / "results.sqlite3")
    backend = TimedJudge(clock, prefill=100.0, decode=10.0)
    # measured before: drafts are quick, the judge's passes very slow
    cache.put_rates(rates_key(backend), Rates(prefill=100, decode=10, flagged=0.0, pass_prefill=1e6, samples=20).to_dict())
    result = review(source_diff(2), backend, clock, cache=cache, budget=120, verify=True, min_severity="note")
    assert not backend.judged  # no verdict was started
    assert len(backend.calls) == 1  # and no draft after that
    assert result.comments and {c.severity for c in result.comments} == {"note"}
    reasons = {s.path: s.reason for s in result.skipped}
    assert reasons[SOURCES[0]].startswith("budget (120 s) reached before the second opinion")
    assert reasons[SOURCES[1]] == "budget (120 s) reached: not reviewed"


# -- every report says so --------------------------------------------------------------------------------
def test_the_files_left_are_in_every_report_and_the_posted_summary():
    clock = FakeClock()
    diff = source_diff()
    backend = TimedBackend(clock, prefill=100.0, decode=10.0)
    result = review(diff, backend, clock, budget=0.001)
    assert len(backend.calls) == 1  # nothing measured yet: the first call starts, and spends the time
    context = ReportContext(Templates(), diff, None)
    report = json.loads(render(result, "json", context))
    assert [s["path"] for s in report["skipped"]] == SOURCES[1:]
    assert all(s["reason"].startswith("budget (0.001 s) reached") for s in report["skipped"])
    assert report["stats"]["not_reviewed"] == 4 and report["stats"]["planned_seconds"] > 0
    markdown = render(result, "markdown", context)
    assert "## Skipped" in markdown and all(f"`{p}`: budget" in markdown for p in SOURCES[1:])
    sarif = render(result, "sarif", context)
    assert all(f"{p}: skipped: budget" in sarif for p in SOURCES[1:])
    posted = summary_body(result, "a" * 40)
    assert all(f"`{p}`: budget" in posted for p in SOURCES[1:]) and "budget of 0.001 s ran out" in posted


# -- the setting's routes ----------------------------------------------------------------------------------
def test_budget_routes_flag_env_config_and_durations(tmp_path):
    config = tmp_path / ".reviewer.toml"
    config.write_text('budget = "2m"\n')
    assert load_settings({}, env={}, config_path=config).budget == 120
    assert load_settings({}, env={"REVIEWER_BUDGET": "90s"}, config_path=config).budget == 90
    assert load_settings({"budget": "1.5h"}, env={"REVIEWER_BUDGET": "90s"}, config_path=config).budget == 5400
    assert load_settings({"budget": "600"}, env={}).budget == 600
    assert load_settings({}, env={}, cwd=tmp_path / "none").budget is None
    config.write_text("budget = 45\n")
    assert load_settings({}, env={}, config_path=config).budget == 45
    for bad in ("soon", "-5", "10 minutes"):
        with pytest.raises(ConfigError, match="budget must be a duration"):
            load_settings({"budget": bad}, env={})


def test_the_command_line_takes_the_budget_and_shows_the_estimate(monkeypatch, tmp_path, echo):
    seen: list[ReviewOptions] = []
    build = wiring.review_options
    monkeypatch.setattr(wiring, "review_options", lambda settings: seen.append(build(settings)) or seen[-1])
    monkeypatch.chdir(tmp_path)
    patch = tmp_path / "change.diff"
    patch.write_text(source_diff(2))
    result = CliRunner().invoke(main, ["review", "--diff", str(patch), "--budget", "10m", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert seen[-1].budget == 600
    assert "estimate: ~" in result.stderr and "for 2 chunks" in result.stderr and "budget 600 s" in result.stderr
    assert "budget 600 s: everything reviewed" in result.stderr
    monkeypatch.setenv("REVIEWER_BUDGET", "1m")
    CliRunner().invoke(main, ["review", "--diff", str(patch)])
    assert seen[-1].budget == 60
    bad = CliRunner().invoke(main, ["review", "--diff", str(patch), "--budget", "soon"])
    assert bad.exit_code == 3 and "budget must be a duration" in bad.stderr and "Traceback" not in bad.output
