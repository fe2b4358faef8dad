"""The eval harness scores exactly as the case sets' READMEs say."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from fakes.common import shared
from fakes.cases import write_quality_set, write_style_set

from reviewer.cli import main
from reviewer.diff.parse import parse_diff
from reviewer.measure.eval import bug_caught, changed_region, false_alarm, load_cases, noisy, style_caught
from reviewer.types import Comment, Note, Review, Stats


def review_with(*comments, notes=()):
    return Review(tuple(comments), "", Stats(), notes=tuple(notes))


def test_the_shared_case_sets_load_with_their_counts():
    cases = load_cases(shared("quality-quixbugs"))
    assert len(cases) == 28 and all(c.kind == "quality" for c in cases)
    assert len(load_cases(shared("quality-cases"))) == 47
    style = load_cases(shared("style-cases"))
    assert len(style) == 36 and all(c.kind == "style" and c.meta["lines"] for c in style)


def test_case_sets_load_by_their_files(tmp_path):
    quality = load_cases(write_quality_set(tmp_path / "quality"))
    assert [c.name for c in quality] == ["bucketsort", "mean"] and all(c.kind == "quality" for c in quality)
    style = load_cases(write_style_set(tmp_path / "style"))
    assert len(style) == 3 and all(c.kind == "style" and c.meta["lines"] for c in style)


def test_bug_caught_within_three_lines_of_the_change_with_error_or_warning(tmp_path):
    case = next(c for c in load_cases(write_quality_set(tmp_path)) if c.name == "mean")
    files = parse_diff(case.positive.read_text())
    path = case.meta["path"]
    assert changed_region(files, path) == [21, 21]  # the removed line sat where the added line is
    assert bug_caught(review_with(Comment(path, 21, "RIGHT", "warning", "x")), files, path)
    assert bug_caught(review_with(Comment(path, 24, "RIGHT", "error", "x")), files, path)
    assert not bug_caught(review_with(Comment(path, 25, "RIGHT", "error", "x")), files, path)
    assert not bug_caught(review_with(Comment(path, 21, "RIGHT", "note", "x")), files, path)
    assert bug_caught(review_with(Comment(path, 21, "LEFT", "error", "x")), files, path)  # the removed line
    assert not bug_caught(review_with(Comment("other.py", 21, "RIGHT", "error", "x")), files, path)


def test_false_alarm_and_noise():
    assert not false_alarm(review_with(Comment("a", 1, "RIGHT", "note", "x")))
    assert false_alarm(review_with(Comment("a", 1, "RIGHT", "warning", "x")))
    assert false_alarm(review_with(notes=[Note("a", "error", "x")]))
    assert noisy(review_with(Comment("a", 1, "RIGHT", "note", "x"))) and not noisy(review_with())


def test_style_caught_within_two_lines_any_severity(tmp_path):
    case = next(c for c in load_cases(write_style_set(tmp_path)) if c.name == "struct-keyword")
    files = parse_diff(case.positive.read_text())
    path, (line,) = case.meta["path"], case.meta["lines"]
    assert style_caught(review_with(Comment(path, line + 2, "RIGHT", "note", "x")), files, path, [line])
    assert not style_caught(review_with(Comment(path, line + 3, "RIGHT", "note", "x")), files, path, [line])


def test_eval_command_on_an_empty_folder_is_an_input_error(tmp_path):
    result = CliRunner().invoke(main, ["eval", str(tmp_path), "--model", str(tmp_path / "none.gguf")])
    assert result.exit_code in (2, 4)  # the model check or the empty set, each a clean error
    assert "Traceback" not in result.output


@pytest.mark.model
def test_eval_runs_the_real_model_on_two_cases(smollm2_path, tmp_path, monkeypatch):
    for k, v in {"REVIEWER_MAX_TOKENS": "160", "REVIEWER_COMMENTS_PER_CHUNK": "2", "REVIEWER_CONTEXT": "4096"}.items():
        monkeypatch.setenv(k, v)
    out = tmp_path / "results.json"
    folder = write_quality_set(tmp_path / "quality-set")
    result = CliRunner().invoke(main, ["eval", str(folder), "--limit", "2", "--model",
                                       str(smollm2_path), "--results", str(out)])
    assert result.exit_code == 0, result.output
    assert "| quality-set |" in result.stdout
    data = json.loads(out.read_text())
    (s,) = data["sets"]
    assert len(s["cases"]) == 2 and 0 <= s["recall"] <= 1 and 0 <= s["alarm_rate"] <= 1
    # each case's cost: both diffs' model calls and tokens (the peers benchmark compares them)
    assert all(c["model_calls"] >= 2 and c["prompt_tokens"] > c["completion_tokens"] > 0 for c in s["cases"])


def test_eval_with_a_style_file_applies_its_checkable_rules(tmp_path, monkeypatch, use_backend):
    """The eval reviews with the style guide itself (not only its text): the line checks run."""
    from fakes.backends import ScriptedBackend

    folder = write_style_set(tmp_path / "style-set")
    use_backend(ScriptedBackend([]), "scripted")
    monkeypatch.setenv("REVIEWER_VERIFY", "0")
    out = tmp_path / "results.json"
    result = CliRunner().invoke(main, ["eval", str(folder), "--limit", "3", "--no-cache", "--style",
                                       str(folder / "STYLE.md"), "--results", str(out)])
    assert result.exit_code == 0, result.output
    (s,) = json.loads(out.read_text())["sets"]
    assert len(s["cases"]) == 3 and s["recall"] == 1.0  # a model that says nothing: the checks alone


SLIPPED_DIFF = """\
diff --git a/pkg/serve.py b/pkg/serve.py
--- a/pkg/serve.py
+++ b/pkg/serve.py
@@ -10,3 +10,5 @@ def run(port=None):
     host = "127.0.0.1"
+    if not port:
+        port = 5000
     return serve(host, port)
     # end
"""


def _slipped_set(tmp_path):
    case = tmp_path / "slipped" / "pkg-1234abcd"
    case.mkdir(parents=True)
    (case / "pr.diff").write_text(SLIPPED_DIFF)
    (case / "meta.json").write_text(json.dumps({"intro_subject": "default port", "bug_lines": [
        {"path": "pkg/serve.py", "line": 11}]}))
    return tmp_path / "slipped"


def test_a_slipped_case_is_caught_near_its_bug_line_and_everything_else_is_noise(tmp_path):
    from reviewer.measure.eval import evaluate

    (case,) = load_cases(_slipped_set(tmp_path))
    assert case.kind == "slipped" and case.positive is None
    near = Comment("pkg/serve.py", 12, "RIGHT", "error", "port 0 is replaced by 5000")
    far = Comment("pkg/serve.py", 13, "RIGHT", "warning", "host is hard-coded")
    elsewhere = Comment("pkg/other.py", 11, "RIGHT", "error", "wrong file")
    note = Note("pkg/serve.py", "warning", "not placed")
    score = evaluate(tmp_path / "slipped", lambda diff: review_with(near, far, elsewhere, notes=[note]))
    (result,) = score.results
    # 12 and 13 are both within 3 lines of 11: a catch; the other file's comment and the note are noise
    assert result.caught and result.noise == 2 and score.noise_per_case == 2.0 and score.recall == 1.0
    missed = evaluate(tmp_path / "slipped", lambda diff: review_with(
        Comment("pkg/serve.py", 11, "RIGHT", "note", "a note does not count")))
    assert not missed.results[0].caught and missed.results[0].noise == 0
    assert missed.results[0].left_out and missed.results[0].left_out[0]["body"] == "a note does not count"


def test_with_titles_a_whole_pr_case_is_reviewed_with_its_title_and_without_them_as_a_bare_diff(tmp_path):
    from reviewer.measure.eval import evaluate

    seen = []

    def review_fn(diff):
        seen.append(diff.pr)
        return review_with()

    evaluate(_slipped_set(tmp_path), review_fn, titles=True)
    evaluate(tmp_path / "slipped", review_fn)
    assert seen[0].title == "default port" and seen[0].body == ""  # the subject, nothing naming the bug
    assert seen[1] is None
