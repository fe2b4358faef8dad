"""The card: the sweep read from the cache equals real reviews at each threshold; the split; the
choice; --write; the command through click's runner."""

from __future__ import annotations

import json
import sys

import pytest
from fakes.calibrate_repo import build_history
from click.testing import CliRunner
from fakes.backends import EchoBackend

from reviewer.backends.llama import Choice
from reviewer.review.cache import ResultCache
from reviewer.measure.calibrate.card import Counts, build_card, choose_threshold, counts_at, round_between, split_by_date
from reviewer.measure.calibrate.config_write import with_threshold
from reviewer.measure.calibrate.git import Git
from reviewer.measure.calibrate.mine import mine, write_cases
from reviewer.measure.calibrate.render import card_json, card_markdown
from reviewer.measure.calibrate.run import CaseSteps, MemoryCache, Probe, options_at, review_cases
from reviewer.cli import main
from reviewer.config import load_settings
from reviewer.measure.eval import evaluate_case, load_cases
from reviewer.review.pipeline import ReviewOptions, run_review
from reviewer.prompt import Templates
from reviewer.types import Completion

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


class JudgingEcho(EchoBackend):
    """Drafts a warning on the first added lines of each chunk; as judge, prefers a version by a
    fixed function of its text (both orders agree, so P(new) spreads over (0, 1))."""

    def __init__(self):
        super().__init__(per_chunk=1, severity="warning")
        self.judged = 0

    def complete(self, messages, schema, max_tokens):
        wanted = list((schema or {}).get("properties", {}))
        if wanted == ["line"]:  # a rewrite of the flagged line, for the fix judge
            self.calls.append(messages)
            return Completion('{"line": "pass"}', prompt_tokens=50, prompt_tokens_evaluated=20, completion_tokens=5)
        if "comments" not in wanted:  # the explain pass, whatever its fields: concrete answers from the code shown
            self.calls.append(messages)
            blocks = [b.split("\n")[1:] for b in messages[-1]["content"].split("```")[1::2]]
            first, last = blocks[0], blocks[-1]
            line = next((x for x in last if x not in first), None) or next(x for x in first if x not in last)
            fix = next((x for x in first if x not in last), line)
            answer = {k: line if k == "line" else fix if k == "fix" else "xs = [1, 2]" if k == "input"
                      else f"`{line.strip()}` gives {i}" for i, k in enumerate(wanted)}
            return Completion(json.dumps(answer), prompt_tokens=50, prompt_tokens_evaluated=20, completion_tokens=20)
        return super().complete(messages, schema, max_tokens)

    @staticmethod
    def weight(text: str) -> int:
        return 1 + sum(map(ord, text)) % 7

    def choose(self, messages, options):
        self.judged += 1
        prompt = messages[-1]["content"]
        a = prompt.split("Version A:")[1].split("Version B:")[0]
        b = prompt.split("Version B:")[1]
        wa, wb = self.weight(a.strip()), self.weight(b.split("```")[1] if "```" in b else b)
        return Choice({"A": wa / (wa + wb), "B": wb / (wa + wb)}, prompt_tokens=40, prompt_tokens_evaluated=10)


def steps(name, time, cuts, outcomes):
    return CaseSteps(name, time, tuple(cuts), tuple(outcomes), seconds=1.0, model_calls=1)


@pytest.fixture
def mined(tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    build_history(root)
    mining = mine(Git(root))
    write_cases(mining, tmp_path / "cases")
    return root, mining, tmp_path / "cases"


def reviewer_for(templates=Templates(), options=ReviewOptions(context=4096, verify=True, min_severity="warning")):
    def review_at(backend, cache, threshold):
        opts = options_at(options, threshold)
        return lambda diff: run_review(diff, backend=backend, templates=templates, style="", options=opts, cache=cache)
    return review_at


def test_each_threshold_scored_from_the_cache_equals_a_real_review_at_it(mined, tmp_path):
    _, mining, folder = mined
    cases = [(c, next(m.time for m in mining.cases if m.name == c.name)) for c in load_cases(folder)]
    backend = JudgingEcho()
    cache = ResultCache(tmp_path / "c.sqlite3")
    run = review_cases(cases, backend, cache, reviewer_for(), 0.49, history={})
    assert len(run.steps) == 4 and all(s.cuts for s in run.steps) and all(s.model_calls for s in run.steps)
    cuts = sorted({c for s in run.steps for c in s.cuts})
    probes = [0.0, 0.3, *cuts, *(c + 1e-9 for c in cuts), 0.5, 0.99, 1.5]
    for case, _ in cases:
        step = next(s for s in run.steps if s.name == case.name)
        for t in probes:  # a live review, no cache: the model (scripted) judges again
            live = evaluate_case(case, reviewer_for()(JudgingEcho(), None, t))
            assert step.at(t) == (live.caught, live.alarm), (case.name, t)
    # outcomes vary with the threshold on these cases (the test would prove little otherwise)
    assert len({tuple(s.at(t) for s in run.steps) for t in probes}) > 1

    calls = len(backend.calls) + backend.judged
    again = review_cases(cases, backend, cache, reviewer_for(), 0.49, history={})
    assert len(backend.calls) + backend.judged == calls  # a re-run costs no model call
    assert [s.outcomes for s in again.steps] == [s.outcomes for s in run.steps]
    assert all(s.model_calls == 0 for s in again.steps)


def test_without_a_disk_cache_the_run_keeps_its_results_in_memory(mined):
    _, mining, folder = mined
    case = load_cases(folder)[0]
    backend, memory = JudgingEcho(), MemoryCache()
    run = review_cases([(case, 0)], backend, memory, reviewer_for(), 0.49, history={})
    calls = len(backend.calls) + backend.judged
    assert run.steps[0].model_calls == calls and calls > 2  # drafts, verdicts, and what other thresholds asked
    again = review_cases([(case, 0)], backend, memory, reviewer_for(), 0.49, history={})
    assert len(backend.calls) + backend.judged == calls and again.steps[0].outcomes == run.steps[0].outcomes


def test_a_probe_notes_every_number_it_is_compared_with():
    seen: set[float] = set()
    t = Probe(0.49, seen)
    assert 0.3 < t and not 0.6 < t and t <= 0.5 and min([0.7, 0.8]) >= t and 1 - 0.45 > t and not t > 1
    assert seen == {0.3, 0.6, 0.5, 0.7, 1 - 0.45, 1.0}
    assert t == 0.49 and f"{t:g}" == "0.49" and json.dumps({"t": t}) == '{"t": 0.49}'


def test_round_between_and_intervals():
    assert round_between(0.4812, 0.4937) == 0.49
    assert round_between(0.4812, 0.4937, prefer=0.485) == 0.485
    assert round_between(0.49, 0.4903) == 0.4903
    assert round_between(float("-inf"), 0.47) == 0.4
    assert round_between(0.73, 2.0) == 0.8
    s = steps("a", 1, [0.4, 0.6], [(False, False), (True, False), (True, True)])
    assert [s.at(t) for t in (0.3, 0.4, 0.41, 0.6, 0.61, 1.5)] == [(False, False), (False, False), (True, False),
                                                                  (True, False), (True, True), (True, True)]


def test_split_by_date_older_half_chooses():
    cases = [steps(f"c{i}", t, [], [(False, False)]) for i, t in enumerate([5, 1, 4, 2, 3])]
    older, newer = split_by_date(cases)
    assert [s.time for s in older] == [1, 2, 3] and [s.time for s in newer] == [4, 5]


def test_the_choice_is_the_highest_recall_within_the_target_on_the_older_half():
    older = [
        steps("a", 1, [0.45], [(False, False), (True, False)]),  # caught above 0.45
        steps("b", 2, [0.48], [(False, False), (True, False)]),  # caught above 0.48
        steps("c", 3, [0.47], [(False, False), (False, True)]),  # false alarm above 0.47
        steps("d", 4, [0.52], [(False, False), (False, True)]),
        steps("e", 5, [0.5], [(False, False), (True, True)]),
    ]
    choice = choose_threshold(older, 0.49, max_false_alarms=0.2)  # one alarm of five at most
    assert choice.meets_target and 0.47 < choice.threshold <= 0.5 and choice.threshold == 0.49  # keeps the current
    assert counts_at(older, choice.threshold) == Counts(5, 2, 1)
    strict = choose_threshold(older, 0.49, max_false_alarms=0.0)
    assert strict.meets_target and 0.45 < strict.threshold <= 0.47
    assert counts_at(older, strict.threshold) == Counts(5, 1, 0)
    none = choose_threshold([steps("x", 1, [0.3], [(False, True), (True, True)])], 0.49, 0.0)
    assert not none.meets_target and "no threshold" in none.reason
    assert choose_threshold([steps("y", 1, [], [(False, False)])], 0.49, 0.2).threshold is None


def test_the_card_reports_the_newer_half_at_the_threshold_the_older_half_chose():
    older = [steps("a", 1, [0.45], [(False, False), (True, False)]),
             steps("b", 2, [0.5], [(False, False), (False, True)])]
    newer = [steps("c", 3, [0.46], [(False, False), (True, True)]),
             steps("d", 4, [0.44], [(False, False), (True, False)])]
    card = build_card([*newer, *older], date="2026-01-01", repo="octo/demo", model="m", current=0.49,
                      max_false_alarms=0.2, seconds_per_case=2.0)
    assert [s.name for s in card.older] == ["a", "b"] and card.choice.threshold == 0.49
    assert card.choice.report == Counts(2, 2, 1)  # measured on cases that had no say in the choice
    data = json.loads(card_json(card))
    assert data["chosen"]["threshold"] == 0.49 and data["chosen"]["newer"]["false_alarm_rate"] == 0.5
    assert data["cases"] == 4 and [p["threshold"] for p in data["sweep"]] == [0.4, 0.45, 0.46, 0.49, 0.6]
    text = card_markdown(card)
    assert "| **chosen** | **0.49** | 0.50 (1/2) | 0.00 (0/2) | **1.00 (2/2)** | **0.50 (1/2)** |" in text
    assert "only 2 newer cases" in text and "| 0.49 (now) | 0.4600 < t <= 0.5000 |" in text


def test_with_threshold_keeps_the_rest_of_the_file():
    text = "# my settings\nmodel = \"x\"\nverify-threshold = 0.5\n\n[extra]\nverify_threshold = 1\n"
    new = with_threshold(text, 0.485, ["2026-01-01: 10 cases", "figures"], table=False)
    data = tomllib.loads(new)
    assert data["verify-threshold"] == 0.485 and data["model"] == "x" and data["extra"] == {"verify_threshold": 1}
    assert new.startswith("# reviewer calibrate 2026-01-01: 10 cases\n#   figures\nverify-threshold = 0.485\n")
    again = with_threshold(new, 0.47, ["later"], table=False)
    assert again.count("reviewer calibrate") == 1 and tomllib.loads(again)["verify-threshold"] == 0.47
    pyproject = "[project]\nname = \"p\"\n\n[tool.reviewer]\nfail-on = \"error\"\n"
    data = tomllib.loads(with_threshold(pyproject, 0.48, ["c"], table=True))
    assert data["tool"]["reviewer"] == {"verify-threshold": 0.48, "fail-on": "error"} and data["project"]["name"] == "p"
    assert tomllib.loads(with_threshold("[project]\n", 0.48, ["c"], table=True))["tool"]["reviewer"] == {
        "verify-threshold": 0.48}


@pytest.fixture
def scripted_cli(monkeypatch):
    backend = JudgingEcho()
    monkeypatch.setattr("reviewer.cli.calibrate.make_backend", lambda settings, cache, verbose: (backend, "scripted"))
    return backend


def test_calibrate_command_prints_the_card_and_writes_the_threshold(mined, tmp_path, scripted_cli):
    root, mining, _ = mined
    runner = CliRunner()
    args = ["calibrate", "--repo", str(root), "--cases", str(tmp_path / "c2"), "--format", "json"]
    result = runner.invoke(main, [*args, "--max-false-alarms", "1"])
    assert result.exit_code == 0, result.output
    card = json.loads(result.stdout)
    assert card["cases"] == 4 and len(card["split"]["older"]) == 2 and card["reviewed_now"] == 4
    assert "reviewing 4 cases on scripted" in result.stderr and "[4/4]" in result.stderr
    assert not (root / ".reviewer.toml").exists()  # nothing is written without --write
    chosen = card["chosen"]["threshold"]

    (root / ".reviewer.toml").write_text('fail-on = "error"\n')
    result = runner.invoke(main, [*args, "--max-false-alarms", "1", "--write"])
    assert result.exit_code == 0, result.output
    again = json.loads(result.stdout)
    assert again["reviewed_now"] == 0 and again["sweep"] == card["sweep"]  # from the cache
    text = (root / ".reviewer.toml").read_text()
    assert text.startswith("# reviewer calibrate ") and "on scripted; the 2 older chose" in text
    settings = load_settings(cwd=root)
    assert settings.verify_threshold == chosen and settings.origins["verify_threshold"].endswith(".reviewer.toml")
    assert settings.fail_on == "error"


def test_write_refuses_without_a_threshold_that_applies(mined, tmp_path, scripted_cli, monkeypatch):
    root, _, _ = mined
    monkeypatch.setenv("REVIEWER_VERIFY", "0")  # no verify pass: no threshold decides anything
    result = CliRunner().invoke(main, ["calibrate", "--repo", str(root), "--cases", str(tmp_path / "c"), "--write"])
    assert result.exit_code == 2 and "nothing written: verify is off" in result.stderr
    assert "# Quality card" in result.stdout and not (root / ".reviewer.toml").exists()


def test_mine_only_and_budget(mined, tmp_path, scripted_cli):
    root, _, _ = mined
    runner = CliRunner()
    result = runner.invoke(main, ["calibrate", "--repo", str(root), "--cases", str(tmp_path / "c"), "--mine-only",
                                  "--format", "json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["cases"] == 4 and scripted_cli.calls == []
    result = runner.invoke(main, ["calibrate", "--repo", str(root), "--cases", str(tmp_path / "c"), "--budget", "0"])
    assert result.exit_code == 2 and "no case was reviewed" in result.stderr and scripted_cli.calls == []
    result = runner.invoke(main, ["calibrate", "--repo", str(root), "--budget", "soon"])
    assert result.exit_code == 2 and "not a duration" in result.stderr


def test_not_a_git_work_tree_is_one_clean_error(tmp_path):
    result = CliRunner().invoke(main, ["calibrate", "--repo", str(tmp_path), "--mine-only"])
    assert result.exit_code == 2 and result.stderr.startswith("error: git rev-parse failed")
    assert "Traceback" not in result.output


@pytest.mark.model
def test_calibrate_on_the_real_model_then_again_from_the_cache(mined, tmp_path, smollm2_path):
    root, _, _ = mined
    runner = CliRunner()
    args = ["calibrate", "--repo", str(root), "--limit", "1", "--cases", str(tmp_path / "c"), "--model",
            str(smollm2_path), "--context", "2048", "--format", "json"]
    first = runner.invoke(main, args)
    assert first.exit_code == 0, first.output
    card = json.loads(first.stdout)
    assert card["cases"] == 1 and card["reviewed_now"] == 1 and card["seconds_per_case"] > 0
    assert card["split"] == {"older": [card["per_case"][0]["name"]], "newer": []}  # one case: nothing to report on
    assert all(c["model_calls"] > 0 for c in card["per_case"])
    second = runner.invoke(main, args[:-2])  # markdown, from the cache: no model call, the first run's seconds
    assert second.exit_code == 0, second.output
    assert second.stdout.startswith(f"# Quality card: {root.name}") and "## Sweep" in second.stdout
    assert f"Seconds per case (both diffs, on the model): {card['seconds_per_case']:.1f}; 0 cases reviewed now, " \
        "1 from the cache." in second.stdout  # the figure measured by the first run
    assert "only 0 newer cases" in second.stdout and "[1/1]" in second.stderr and "(cached;" in second.stderr
