"""The report formats on real review results (the pipeline with a scripted model): SARIF 2.1.0 and
reviewdog's rdjson / rdjsonl, valid against the schemas in ../shared/schemas, every location
on a diff line, every finding written (the left-out ones marked), fingerprints that survive a
rebase; and the registry that the settings and the --format flag read."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from fakes.common import ROOT
from fakes.diffs import modified_file, new_file

from reviewer.diff.anchor import DiffIndex
from reviewer.config import CHOICES, load_settings
from reviewer.diff.parse import parse_diff
from reviewer.formats import FORMAT_NAMES, FORMATS, ReportContext, render, renderer
from reviewer.formats.sarif import FINGERPRINT_KEY, GENERIC_RULE, rule_id
from reviewer.review.pipeline import ReviewOptions, run_review
from reviewer.prompt import Templates
from reviewer.style import Section, StyleGuide
from reviewer.types import Comment, Completion, DiffInput, Note, Review

SCHEMAS = ROOT.parent / "shared" / "schemas"
RULE = "STYLE.md › Naming"
GUIDE = StyleGuide((Section("STYLE.md", ("Naming",), "Names are snake_case; no abbreviations."),),
                   sources=("STYLE.md",))
_NEW = re.compile(r"^\s*(\d+) \+(.*)$")
_OLD = re.compile(r"^\s*(\d+) -(.*)$")


class VariedBackend:
    """A scripted model that answers every chunk with findings of every kind, worded after the
    code they are on (so a finding keeps its words when a rebase moves it): on the first added
    line a warning citing the style rule, with a suggestion; on the second a note (left out
    below min_severity=warning); on the first removed line an error; and one far off the diff
    (a note on no diff line, then a warning kept in the summary)."""

    name = "varied"
    concurrent = False

    def identity(self) -> str:
        return "varied"

    def prepare(self, context_tokens: int) -> None:
        pass

    def complete(self, messages, schema, max_tokens) -> Completion:
        prompt = messages[-1]["content"]
        added, removed, section = [], [], ""
        for line in prompt.splitlines():
            if line.startswith("__"):
                section = line
            elif section == "__new hunk__" and (m := _NEW.match(line)) and m.group(2).strip():
                added.append((int(m.group(1)), m.group(2).strip()))
            elif section == "__old hunk__" and (m := _OLD.match(line)) and m.group(2).strip():
                removed.append((int(m.group(1)), m.group(2).strip()))
        out = []
        if added:
            out.append({"line": added[0][0], "side": "RIGHT", "severity": "warning", "suggestion": "renamed = 1",
                        "body": f"[{RULE}] `{added[0][1]}`: use a full snake_case name."})
        if len(added) > 1:
            out.append({"line": added[1][0], "side": "RIGHT", "severity": "note",
                        "body": f"Is `{added[1][1]}` needed?"})
        if removed:
            out.append({"line": removed[0][0], "side": "LEFT", "severity": "error",
                        "body": f"Removing `{removed[0][1]}` breaks its callers."})
        if added:
            out.append({"line": 900, "side": "RIGHT", "severity": "warning", "body": "The module has no tests."})
        return Completion(json.dumps({"comments": out}), prompt_tokens=100, prompt_tokens_evaluated=50,
                          completion_tokens=20)

    def close(self) -> None:
        pass


def change(offset: int = 0) -> str:
    return (modified_file("src/app.py", ["old_total = 1", "old_count = 2"],
                          ["tot = 1", "cnt = 2", "avg = tot / cnt"], offset=offset)
            + new_file("docs dir/new file.py", ["value = 1", "other = 2"]))


def review_of(diff: str) -> Review:
    return run_review(DiffInput(diff, "t"), backend=VariedBackend(), templates=Templates(), style=GUIDE,
                      options=ReviewOptions(context=4096, verify=False, min_severity="warning"))


@pytest.fixture(scope="module")
def reviewed() -> tuple[str, Review]:
    diff = change()
    return diff, review_of(diff)


def context(diff: str) -> ReportContext:
    return ReportContext(Templates(), diff, GUIDE)


def schema_validator(name: str):
    """A validator for one of ../shared/schemas; the test skips, saying why, without it."""
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is in the test extra: pip install -e '.[test]'")
    path = SCHEMAS / name
    if not path.is_file():
        pytest.skip(f"{path} is absent: the shared schemas live next to the checkout (../shared)")
    schema = json.loads(path.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def all_findings(review: Review) -> int:
    return len(review.comments) + len(review.notes) + len(review.left_out)


def on_diff(diff: str, path: str, start: int, end: int) -> bool:
    """Every line start..end is a new-file line of the diff (what a region or a range may name)."""
    index = DiffIndex(parse_diff(diff))
    return all(index.hunk_of(path, "RIGHT", n) is not None for n in range(start, end + 1))


# -- the review the tests read ------------------------------------------------------------------------

def test_the_review_has_findings_of_every_kind(reviewed):
    _, review = reviewed
    sides = {c.side for c in review.comments}
    assert sides == {"RIGHT", "LEFT"} and review.notes and review.left_out
    assert any(c.suggestion for c in review.comments) and any(f"[{RULE}]" in c.body for c in review.comments)


# -- the registry -------------------------------------------------------------------------------------

def test_the_settings_and_the_flag_take_their_choices_from_the_registry():
    assert CHOICES["format"] == FORMAT_NAMES == tuple(FORMATS)
    assert {"markdown", "json", "sarif", "rdjson", "rdjsonl"} <= set(FORMAT_NAMES)
    for name in FORMAT_NAMES:
        assert callable(renderer(name))
        assert load_settings({"format": name}, env={}, cwd=ROOT).format == name
    from reviewer.cli.review import review

    flag = next(p for p in review.params if p.name == "fmt")
    assert tuple(flag.type.choices) == FORMAT_NAMES


def test_markdown_and_json_go_through_the_registry_unchanged(reviewed):
    diff, review = reviewed
    from reviewer.formats.json_report import to_json
    from reviewer.formats.markdown import render_markdown

    assert json.loads(render(review, "json", context(diff))) == to_json(review)
    assert render(review, "markdown", context(diff)) == render_markdown(review, Templates())
    assert render(review, "markdown") == render_markdown(review, Templates())  # default templates


# -- SARIF --------------------------------------------------------------------------------------------

def sarif_of(diff: str, review: Review) -> dict:
    return json.loads(render(review, "sarif", context(diff)))


def test_every_format_is_valid_against_its_schema(reviewed):
    """SARIF, rdjson and rdjsonl against the published schemas (../shared/schemas): one skip without them."""
    diff, review = reviewed
    validator = schema_validator("sarif-schema-2.1.0.json")
    errors = sorted(validator.iter_errors(sarif_of(diff, review)), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
    data = json.loads(render(review, "rdjson", context(diff)))
    assert not list(schema_validator("rdjson/DiagnosticResult.json").iter_errors(data))
    one = schema_validator("rdjson/Diagnostic.json")
    lines = [json.loads(line) for line in render(review, "rdjsonl", context(diff)).splitlines()]
    assert lines and not [e for d in lines for e in one.iter_errors(d)]


def test_sarif_writes_every_finding_on_a_diff_line_the_left_out_ones_suppressed(reviewed):
    diff, review = reviewed
    run = sarif_of(diff, review)["runs"][0]
    results = run["results"]
    assert len(results) == all_findings(review)
    suppressed = [r for r in results if r.get("suppressions")]
    assert len(suppressed) == len(review.left_out)
    assert all(s["kind"] == "external" and s["status"] == "accepted" for r in suppressed for s in r["suppressions"])
    paths = set(review.files)
    for r in results:
        assert r["level"] in ("error", "warning", "note") and r["message"]["text"]
        assert run["tool"]["driver"]["rules"][r["ruleIndex"]]["id"] == r["ruleId"]
        [location] = r["locations"]
        uri = location["physicalLocation"]["artifactLocation"]["uri"]
        assert not uri.startswith("/") and "://" not in uri
        assert uri.replace("%20", " ") in paths
        region = location["physicalLocation"].get("region")
        if r["properties"].get("onDiff") is False:  # a note, on no line of the diff: the line it named
            line = r["properties"]["line"]
            assert region == ({"startLine": line, "endLine": line} if line else None)
            assert not line or not on_diff(diff, uri.replace("%20", " "), line, line)
        else:
            assert on_diff(diff, uri.replace("%20", " "), region["startLine"], region["endLine"])
    left = [r for r in results if r["properties"].get("side") == "LEFT"]
    assert left and all(r["message"]["text"].startswith("(removed line") and "region" in r["locations"][0]
                        ["physicalLocation"] for r in left)
    assert "docs%20dir/new%20file.py" in {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                                          for r in results}


def test_sarif_rules_come_from_the_cited_style_rules_with_their_text(reviewed):
    diff, review = reviewed
    driver = sarif_of(diff, review)["runs"][0]["tool"]["driver"]
    assert driver["name"] == "reviewer" and driver["version"]
    rules = {r["id"]: r for r in driver["rules"]}
    assert set(rules) == {rule_id(RULE), GENERIC_RULE}
    assert rule_id(RULE) == "style/STYLE.md/Naming"
    assert rules[rule_id(RULE)]["shortDescription"]["text"] == RULE
    assert rules[rule_id(RULE)]["help"]["text"] == "Names are snake_case; no abbreviations."


def test_sarif_fixes_come_from_the_suggestions(reviewed):
    diff, review = reviewed
    results = sarif_of(diff, review)["runs"][0]["results"]
    suggested = [c for c in review.comments if c.suggestion]
    fixed = [r for r in results if "fixes" in r]
    assert len(fixed) == len(suggested) > 0
    for r in fixed:
        [change_] = r["fixes"][0]["artifactChanges"]
        [replacement] = change_["replacements"]
        assert replacement["insertedContent"]["text"] == "renamed = 1"
        assert replacement["deletedRegion"] == r["locations"][0]["physicalLocation"]["region"]


def test_sarif_fingerprints_survive_a_rebase_and_change_with_the_finding():
    before_diff, after_diff = change(0), change(25)
    before, after = review_of(before_diff), review_of(after_diff)
    assert before.comments and [c.line for c in before.comments] != [c.line for c in after.comments]

    def prints(diff, review):
        return [(r["ruleId"], r["partialFingerprints"][FINGERPRINT_KEY],
                 r["locations"][0]["physicalLocation"].get("region", {}).get("startLine"))
                for r in sarif_of(diff, review)["runs"][0]["results"]]

    one, two = prints(before_diff, before), prints(after_diff, after)
    assert [x[:2] for x in one] == [x[:2] for x in two]  # same findings, same fingerprints
    assert [x[2] for x in one] != [x[2] for x in two]  # on other lines
    assert len({x[1] for x in one}) == len(one)  # one fingerprint per finding
    # the same words on other code are another finding; other words on the same code too
    from reviewer.formats.findings import DiffLines, fingerprint

    diff = DiffLines(new_file("a.py", ["x = 1", "y = 2", "x = 1"]))
    same = Comment("a.py", 1, "RIGHT", "warning", "Name it better.")
    assert fingerprint(same, diff) == fingerprint(Comment("a.py", 3, "RIGHT", "error", "name it  better."), diff)
    assert fingerprint(same, diff) != fingerprint(Comment("a.py", 2, "RIGHT", "warning", "Name it better."), diff)
    assert fingerprint(same, diff) != fingerprint(Comment("a.py", 1, "RIGHT", "warning", "Rename it."), diff)
    assert fingerprint(same, diff) != fingerprint(Comment("b.py", 1, "RIGHT", "warning", "Name it better."), diff)


def test_sarif_of_an_empty_review_is_valid():
    empty = review_of("")
    data = json.loads(render(empty, "sarif", ReportContext()))
    assert data["version"] == "2.1.0" and data["runs"][0]["results"] == []
    assert data["runs"][0]["tool"]["driver"]["rules"] == []


# -- rdjson / rdjsonl ---------------------------------------------------------------------------------

def check_diagnostics(diagnostics: list[dict], diff: str, review: Review) -> None:
    assert len(diagnostics) == all_findings(review)
    left_out = [d for d in diagnostics if d["source"]["name"] == "reviewer (left out)"]
    assert len(left_out) == len(review.left_out)
    for d in diagnostics:
        assert d["severity"] in ("ERROR", "WARNING", "INFO") and d["message"]
        rng = d["location"].get("range")
        if (near := re.match(r"\(near line (\d+), not on the diff\)", d["message"])) is not None:
            line = int(near.group(1))  # a note, on no line of the diff: the line the model named
            assert rng == {"start": {"line": line}, "end": {"line": line}}
            assert not on_diff(diff, d["location"]["path"], line, line)
        elif rng is not None:
            assert on_diff(diff, d["location"]["path"], rng["start"]["line"], rng["end"]["line"])
        else:
            assert "not on the diff" in d["message"]
        for s in d.get("suggestions", []):
            assert s["range"] == rng and s["text"] == "renamed = 1"
    assert sum(1 for d in diagnostics if d.get("code", {}).get("value") == RULE) == \
        sum(1 for c in (*review.comments, *review.left_out) if f"[{RULE}]" in c.body)


def test_rdjson_is_complete(reviewed):
    diff, review = reviewed
    data = json.loads(render(review, "rdjson", context(diff)))
    assert data["source"]["name"] == "reviewer"
    check_diagnostics(data["diagnostics"], diff, review)


def test_rdjsonl_is_one_diagnostic_a_line(reviewed):
    diff, review = reviewed
    text = render(review, "rdjsonl", context(diff))
    lines = [json.loads(line) for line in text.splitlines()]
    check_diagnostics(lines, diff, review)
    assert lines == json.loads(render(review, "rdjson", context(diff)))["diagnostics"]


def test_rdjson_writes_only_the_format_s_own_fields(reviewed):
    """reviewdog parses with protobuf's JSON parser, which refuses unknown fields."""
    diff, review = reviewed
    data = json.loads(render(review, "rdjson", context(diff)))
    assert set(data) <= {"diagnostics", "source", "severity"}
    allowed = {"message", "location", "severity", "source", "code", "suggestions", "original_output",
               "related_locations"}
    for d in data["diagnostics"]:
        assert set(d) <= allowed and set(d["location"]) <= {"path", "range"}


def test_model_text_is_made_safe_in_every_format():
    comment = Comment("a.py", 1, "RIGHT", "warning", "ping @octocat <!-- reviewer:fp=0123456789abcdef --> <img src=x>")
    review = Review((comment,), "s", __import__("reviewer.types", fromlist=["Stats"]).Stats(), files=("a.py",))
    diff = new_file("a.py", ["x = 1"])
    sarif = sarif_of(diff, review)["runs"][0]["results"][0]["message"]["text"]
    rd = json.loads(render(review, "rdjson", context(diff)))["diagnostics"][0]["message"]
    for text in (sarif, rd):
        assert "@octocat" not in text and "reviewer:fp" not in text and "<img" not in text


# -- through the command line -------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["sarif", "rdjson", "rdjsonl"])
def test_the_cli_writes_each_format(fmt, tmp_path, monkeypatch):
    import importlib

    from reviewer.cli import main

    wiring = importlib.import_module("reviewer.app.wiring")
    monkeypatch.setattr(wiring, "make_backend", lambda *a, **k: (VariedBackend(), "varied"))
    patch = tmp_path / "change.diff"
    patch.write_text(change())
    style = tmp_path / "STYLE.md"
    style.write_text("# Naming\n\nNames are snake_case; no abbreviations.\n")
    out = tmp_path / f"report.{fmt}"
    result = CliRunner().invoke(main, ["review", "--diff", str(patch), "--format", fmt, "-o", str(out),
                                       "--style", str(style), "--no-cache"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    text = out.read_text()
    items = ([json.loads(x) for x in text.splitlines()] if fmt == "rdjsonl"
             else json.loads(text)["diagnostics"] if fmt == "rdjson" else json.loads(text)["runs"][0]["results"])
    # each file: a warning citing the rule, a note left out, a finding off the diff; one removal error
    assert len(items) == 7
    if fmt == "sarif":
        rules = json.loads(text)["runs"][0]["tool"]["driver"]["rules"]
        cited = next(r for r in rules if r["id"] == "style/STYLE.md/Naming")
        assert cited["help"]["text"] == "Names are snake_case; no abbreviations."


@pytest.mark.model
def test_a_smollm2_review_is_schema_valid_and_complete_in_each_format(smollm2_path, tmp_path, monkeypatch):
    """One review on the real model, the way `reviewer review` runs it, written in each format."""
    import importlib

    from reviewer.diff.sources.local import PatchFile

    from reviewer.app.usecases import review_source

    patch = tmp_path / "change.diff"
    patch.write_text(modified_file("src/app.py", ["old_total = 1", "old_count = 2"],
                                   ["tot = 1", "cnt = 2", "avg = tot / cnt"]))
    # min_severity error: the model's notes and warnings are left out, and must be written all the same
    settings = load_settings({"model": str(smollm2_path), "max_tokens": 160, "comments_per_chunk": 2,
                              "context": 4096, "verify": False, "min_severity": "error"}, env={}, cwd=tmp_path)
    reviewed = review_source(PatchFile(patch), settings)
    review, report_context = reviewed.review, reviewed.context
    total = all_findings(review)
    assert review.stats.model_calls >= 1
    for fmt, schema in (("sarif", "sarif-schema-2.1.0.json"), ("rdjson", "rdjson/DiagnosticResult.json")):
        data = json.loads(render(review, fmt, report_context))
        assert not list(schema_validator(schema).iter_errors(data))
        items = data["runs"][0]["results"] if fmt == "sarif" else data["diagnostics"]
        assert len(items) == total
        for item in items:
            if fmt == "sarif":
                physical = item["locations"][0]["physicalLocation"]
                region = physical.get("region")
                path = physical["artifactLocation"]["uri"]
                span = (region["startLine"], region["endLine"]) if region else None
            else:
                rng = item["location"].get("range")
                path, span = item["location"]["path"], (rng["start"]["line"], rng["end"]["line"]) if rng else None
            off_diff = (item["properties"].get("onDiff") is False if fmt == "sarif"
                        else "not on the diff" in item["message"])
            if span is not None and not off_diff:
                assert on_diff(patch.read_text(), path, *span)
        if fmt == "sarif":
            suppressed = [r for r in items if r.get("suppressions")]
            assert len(suppressed) == len(review.left_out)


def test_a_note_off_the_diff_keeps_the_line_the_model_named_in_sarif_and_rdjson(reviewed):
    """A finding that could not be placed on a diff line is written on the line the model named
    (a region / range of the file), valid against both schemas; one that named no line, on the file."""
    from dataclasses import replace

    diff, review = reviewed
    named, unnamed = Note("src/app.py", "warning", "the total is never reset", line=40), Note("src/app.py", "note", "x")
    review = replace(review, notes=[named, unnamed])
    assert not on_diff(diff, "src/app.py", 40, 40)
    sarif, rdjson = (json.loads(render(review, fmt, context(diff))) for fmt in ("sarif", "rdjson"))
    for data, schema in ((sarif, "sarif-schema-2.1.0.json"), (rdjson, "rdjson/DiagnosticResult.json")):
        assert not list(schema_validator(schema).iter_errors(data))
    by_text = {r["message"]["text"]: r for r in sarif["runs"][0]["results"]}
    placed = next(r for text, r in by_text.items() if text.endswith("the total is never reset"))
    assert placed["locations"][0]["physicalLocation"]["region"] == {"startLine": 40, "endLine": 40}
    assert placed["properties"]["onDiff"] is False
    bare = next(r for text, r in by_text.items() if text.endswith("x"))
    assert "region" not in bare["locations"][0]["physicalLocation"]
    ranges = {d["message"].rsplit(" ", 1)[-1]: d["location"].get("range") for d in rdjson["diagnostics"]}
    assert ranges["reset"] == {"start": {"line": 40}, "end": {"line": 40}} and ranges["x"] is None
