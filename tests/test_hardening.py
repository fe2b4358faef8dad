"""Bad input and faults, one test per row of the hardening list: each ends in a clear one-line
message and a documented exit code, never a traceback, and loses nothing drafted. Driven through
the CLI (click's runner; the rows that need no model also as a real `python -m reviewer`
subprocess). A scripted model keeps them fast."""

from __future__ import annotations

import importlib
import json
import os
import re
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from fakes.common import REPO, TOKEN
from fakes.backends import EchoBackend
from fakes.diffs import modified_file, new_file

from reviewer.review.chunk import estimate_tokens
from reviewer.cli import main
from reviewer.review.passes.draft import AnswerError, parse_answer


ONE = modified_file("calc.py", ["return total / len(values)"], ["return total / (len(values) - 1)"])
BINARY = ("diff --git a/img/logo.png b/img/logo.png\nnew file mode 100644\nindex 0000000..6666666\n"
          "Binary files /dev/null and b/img/logo.png differ\n"
          "diff --git a/lib/blob.so b/lib/blob.so\nindex 1111111..2222222 100755\nGIT binary patch\n"
          "literal 5\nMcmZ?d\n\nliteral 0\nKcmV+b0RR6000031\n\n")
NOT_DIFFS = {
    "prose": b"Please review my change.\nIt is great.\n",
    "json": b'{"not": "a diff"}\n',
    "png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10",
    "random": bytes(range(256)) * 3,
}


def one_line_error(stderr: str, code_text: str) -> str:
    """stderr holds one error line (and at most a hint after it), no traceback."""
    assert "Traceback" not in stderr
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, stderr
    rest = stderr.splitlines()[stderr.splitlines().index(errors[0]) + 1:]
    assert all(line.startswith("hint: ") for line in rest), stderr
    assert code_text in errors[0], stderr
    return errors[0]


@pytest.fixture
def cwd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no config file from the developer's checkout
    return tmp_path


def cli(*args, stdin: bytes | None = None):
    result = CliRunner().invoke(main, ["review", *args], input=stdin)
    assert "Traceback" not in result.output
    return result


def subprocess_cli(*args, cwd, stdin: bytes | None = None):
    proc = subprocess.run([sys.executable, "-m", "reviewer", "review", *args], input=stdin, capture_output=True,
                          cwd=cwd, env={**os.environ, "PYTHONIOENCODING": "utf-8"}, timeout=120)
    return proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")


# -- empty diff: exit 0 with a "nothing to review" report ---------------------------------------

@pytest.mark.parametrize("fmt", ["markdown", "json"])
def test_empty_diff_is_nothing_to_review(cwd, echo, fmt):
    (cwd / "empty.diff").write_text("")
    result = cli("--diff", "empty.diff", "--format", fmt)
    assert result.exit_code == 0, result.stderr
    if fmt == "json":
        report = json.loads(result.stdout)
        assert report["comments"] == [] and report["files"] == [] and report["stats"]["model_calls"] == 0
        assert report["summary"] == "Nothing to review."
    else:
        assert "Nothing to review." in result.stdout
    assert echo.calls == []


def test_empty_diff_needs_no_model_subprocess(cwd):
    (cwd / "empty.diff").write_bytes(b"\n  \n")
    code, out, err = subprocess_cli("--diff", "empty.diff", "--model", str(cwd / "absent.gguf"), cwd=cwd)
    assert code == 0, err
    assert "Nothing to review." in out and "Traceback" not in err
    stdin = cli("--diff", "-", "--format", "json", "--model", str(cwd / "absent.gguf"), stdin=b"")
    assert stdin.exit_code == 0 and json.loads(stdin.stdout)["summary"] == "Nothing to review."


# -- not a unified diff at all: an input error (exit 2), not exit 0 -----------------------------

@pytest.mark.parametrize("name", NOT_DIFFS)
def test_not_a_diff_is_an_input_error(cwd, echo, name):
    (cwd / "x.diff").write_bytes(NOT_DIFFS[name])
    result = cli("--diff", "x.diff")
    assert result.exit_code == 2
    one_line_error(result.stderr, "is not a unified diff")
    assert echo.calls == [] and result.stdout == ""


def test_not_a_diff_subprocess_and_stdin(cwd):
    # exit 2 even though the model is missing too: the input is checked before the model is needed
    for name in ("prose", "random"):
        (cwd / f"{name}.diff").write_bytes(NOT_DIFFS[name])
        code, out, err = subprocess_cli("--diff", f"{name}.diff", "--model", "absent.gguf", cwd=cwd)
        assert code == 2, (name, err)
        one_line_error(err, "is not a unified diff")
    code, out, err = subprocess_cli("--diff", "-", cwd=cwd, stdin=NOT_DIFFS["png"])
    assert code == 2 and out == ""
    one_line_error(err, "is not a unified diff")


def test_a_malformed_diff_is_an_input_error(cwd, echo):
    (cwd / "cut.diff").write_text(ONE.replace("+return total / (len(values) - 1)\n", ""))  # hunk shorter than its header
    result = cli("--diff", "cut.diff")
    assert result.exit_code == 2
    one_line_error(result.stderr, "malformed diff")


# -- binary-only diff: no model call, the files listed as skipped -------------------------------

def test_binary_only_diff_makes_no_model_call(cwd, echo):
    (cwd / "bin.diff").write_text(BINARY)
    result = cli("--diff", "bin.diff", "--format", "json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert echo.calls == [] and report["stats"]["model_calls"] == 0
    assert report["skipped"] == [{"path": "img/logo.png", "reason": "binary file"},
                                 {"path": "lib/blob.so", "reason": "binary file"}]
    assert report["summary"] == "Nothing to review: every file was skipped."


def test_binary_only_diff_subprocess(cwd):
    (cwd / "bin.diff").write_text(BINARY)
    code, out, err = subprocess_cli("--diff", "bin.diff", "--model", str(cwd / "absent.gguf"), cwd=cwd)
    assert code == 0, err
    assert "- `img/logo.png`: binary file" in out and "- `lib/blob.so`: binary file" in out
    assert "0 model calls" in out and "Traceback" not in err


# -- non-UTF-8 bytes: reviewed, with replacement characters -------------------------------------

def test_non_utf8_bytes_are_reviewed_with_replacement_characters(cwd, echo):
    data = ("diff --git a/latin.py b/latin.py\n--- a/latin.py\n+++ b/latin.py\n@@ -1,2 +1,2 @@\n"
            " name = 'x'\n").encode() + b"-city = 'Z\xfcrich'\n+city = 'Z\xfcrich \xff\xfe'\n"
    (cwd / "latin1.diff").write_bytes(data)
    result = cli("--diff", "latin1.diff", "--format", "json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["files"] == ["latin.py"] and report["stats"]["model_calls"] == 1
    prompt = echo.calls[0][-1]["content"]
    assert "city = 'Z\ufffdrich \ufffd\ufffd'" in prompt
    assert report["comments"][0]["line"] == 2 and "\ufffd" in report["comments"][0]["body"]
    stdin = cli("--diff", "-", "--format", "json", stdin=data)  # the same from standard input
    assert stdin.exit_code == 0 and json.loads(stdin.stdout)["files"] == ["latin.py"]


# -- a hunk bigger than the model's context: split, reviewed, not dropped ----------------------

class ContextBackend(EchoBackend):
    """The scripted model with a context window: a prompt that does not fit is an error, as
    with llama.cpp ("Requested tokens exceed context window")."""

    def __init__(self, context: int):
        super().__init__(per_chunk=1)
        self.context = context
        self.prepared: list[int] = []

    def prepare(self, context_tokens):
        self.prepared.append(context_tokens)

    def complete(self, messages, schema, max_tokens):
        used = sum(estimate_tokens(m["content"]) for m in messages) + max_tokens
        assert used <= self.context, f"prompt and answer need {used} tokens, the context has {self.context}"
        return super().complete(messages, schema, max_tokens)


def test_a_hunk_bigger_than_the_context_is_split_and_reviewed_not_dropped(cwd, monkeypatch, use_backend):
    monkeypatch.setenv("REVIEWER_CONTEXT", "1024")
    monkeypatch.setenv("REVIEWER_MAX_TOKENS", "200")
    (cwd / "style.md").write_text("Be brief.\n")
    backend = ContextBackend(1024)
    use_backend(backend, "context-1024")
    before = [f"old_{i} = {i}" for i in range(150)]
    after = [f"new_value_{i} = compute({i}, 'a fairly long argument to fill the line')" for i in range(300)]
    after[150] = "blob = '" + "x" * 30000 + "'"  # one line longer than the whole context
    (cwd / "big.diff").write_text(modified_file("big.py", before, after))
    result = cli("--diff", "big.diff", "--format", "json", "--style", "style.md")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    chunks = report["stats"]["chunks"]
    assert chunks > 10 and report["stats"]["model_calls"] == chunks == len(backend.calls)
    assert report["failed"] == [] and max(backend.prepared) <= 1024
    prompts = "".join(call[-1]["content"] for call in backend.calls)
    for n in range(11, 311):  # every added line (new-file lines 11..310) reached the model
        assert re.search(rf"^\s*{n} \+", prompts, re.M), n
    for n in range(11, 161):  # and every removed one
        assert re.search(rf"^\s*{n} -old_", prompts, re.M), n
    assert "more characters]" in prompts  # the 30 KB line, cut to fit, still reviewed
    with_added = sum(1 for call in backend.calls if re.search(r"^\s*\d+ \+\S", call[-1]["content"], re.M))
    lines = {c["line"] for c in report["comments"]}
    assert len(lines) == with_added and 161 in lines  # a finding from every part with an added line


# -- missing model file, or a file that is not a GGUF ------------------------------------------

def test_missing_model_file_names_the_file_and_how_to_get_a_model(cwd):
    (cwd / "one.diff").write_text(ONE)
    missing = cwd / "models" / "absent.gguf"
    result = cli("--diff", "one.diff", "--model", str(missing))
    assert result.exit_code == 4
    error = one_line_error(result.stderr, str(missing))
    assert error == f"error: model file not found: {missing}"
    assert "pip install 'reviewer[model]'" in result.stderr and "--model PATH" in result.stderr
    code, out, err = subprocess_cli("--diff", "one.diff", "--model", str(missing), cwd=cwd)
    assert code == 4 and out == ""
    one_line_error(err, f"model file not found: {missing}")
    result = cli("--diff", "one.diff", "--model", "no-such-model")
    assert result.exit_code == 4
    one_line_error(result.stderr, "unknown model 'no-such-model': not a registry name")


@pytest.mark.parametrize("content", [b"not a model at all\n", b"", b"\x89PNG\r\n\x1a\n" + bytes(100), b"GGU"])
def test_a_file_that_is_not_a_gguf_is_named(cwd, content):
    (cwd / "one.diff").write_text(ONE)
    fake = cwd / "model.gguf"
    fake.write_bytes(content)
    result = cli("--diff", "one.diff", "--model", str(fake))
    assert result.exit_code == 4
    one_line_error(result.stderr, f"not a GGUF model file: {fake}")
    assert "hint: install the default model" in result.stderr


def test_not_a_gguf_subprocess_and_a_directory(cwd):
    (cwd / "one.diff").write_text(ONE)
    (cwd / "model.gguf").write_text("<html>a download error page</html>")
    code, out, err = subprocess_cli("--diff", "one.diff", "--model", "model.gguf", cwd=cwd)
    assert code == 4 and out == ""
    one_line_error(err, "not a GGUF model file: model.gguf")
    (cwd / "dir.gguf").mkdir()
    result = cli("--diff", "one.diff", "--model", "dir.gguf")
    assert result.exit_code == 4
    one_line_error(result.stderr, "model path is a directory, not a GGUF file: dir.gguf")


# -- a model answer that fails the schema: one retry, then the chunk is marked failed ----------

class BrokenFirstChunk(EchoBackend):
    """Unusable answers for the first file (as a server that ignores the grammar may give), good
    ones for the others."""

    def complete(self, messages, schema, max_tokens):
        self.calls.append(messages)
        if "## File: 'broken.py'" in messages[1]["content"]:
            from reviewer.types import Completion

            bad = ['{"comments": [{"line": "x", "body": ""}]}', "Sure! Here is my review: looks good."]
            return Completion(bad[min(len(self.calls), 2) - 1], 100, 50, 20)
        self.calls.pop()
        return super().complete(messages, schema, max_tokens)


def test_an_answer_that_fails_the_schema_is_retried_once_then_the_chunk_is_marked_failed(cwd, monkeypatch, use_backend):
    backend = BrokenFirstChunk()
    use_backend(backend, "broken")
    (cwd / "two.diff").write_text(new_file("broken.py", ["a = 1"]) + new_file("fine.py", ["b = 2"]))
    result = cli("--diff", "two.diff", "--format", "json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["stats"]["model_calls"] == 3  # two for broken.py (one retry), one for fine.py
    [failed] = report["failed"]
    assert failed["path"] == "broken.py" and "failed the schema twice" in failed["reason"]
    assert [c["path"] for c in report["comments"]] == ["fine.py"]  # the review went on
    assert "Not reviewed (the model's answer was unusable)" in report["summary"]
    assert "broken.py#1: failed: model answer failed the schema twice" in result.stderr  # progress says so too
    markdown = cli("--diff", "two.diff")
    assert "`broken.py` (broken.py#1): model answer failed the schema twice" in markdown.stdout


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=5),
                    max_leaves=20)
FINDING = st.fixed_dictionaries({}, optional={"line": JSON | st.integers() | st.sampled_from([1e999, -1e999, "7", "x"]),
                                              "start_line": JSON | st.sampled_from([1e999, float("nan")]),
                                              "side": JSON, "severity": JSON, "body": JSON | st.text(),
                                              "suggestion": JSON})


@settings(max_examples=200, deadline=None)
@given(answer=st.one_of(
    JSON.map(json.dumps),
    st.lists(FINDING, max_size=4).map(lambda items: json.dumps({"comments": items})),
    st.lists(FINDING, min_size=1, max_size=3).map(lambda items: json.dumps({"comments": items}))
    .flatmap(lambda text: st.integers(0, len(text)).map(lambda cut: text[:cut])),  # cut by the token limit
    st.text(max_size=60),
))
def test_any_model_answer_is_findings_or_an_answer_error(answer):
    # found this way: {"line": 1e999} (infinity) raised OverflowError, which ended the whole review
    try:
        findings = parse_answer(answer, 4)
    except AnswerError:
        return
    assert all(isinstance(f.line, int) and f.side in ("RIGHT", "LEFT") and f.body for f in findings)


# -- GitHub 401, 403, 404, 422, 5xx and timeouts ------------------------------------------------

PR = f"{REPO}#7"
HEAD = "b" * 40


@pytest.fixture
def gh(cwd, github_env, fake_github, monkeypatch):
    monkeypatch.setenv("REVIEWER_GITHUB_TIMEOUT", "1")
    fake_github.add_pull(REPO, number=7, diff=ONE + new_file("util.py", ["x = 1"]), title="Fix", user="alice",
                         head_sha=HEAD)
    return fake_github


def gh_cli(gh, cwd, *args):
    report = cwd / "report.json"
    report.unlink(missing_ok=True)
    result = CliRunner().invoke(main, ["review", PR, "--github-url", gh.base_url, "--format", "json",
                                       "-o", str(report), *args])
    assert TOKEN not in result.output and "Traceback" not in result.output
    return result, report


PULL, REVIEWS, SUMMARY = rf"/repos/{REPO}/pulls/7", rf"/repos/{REPO}/pulls/7/reviews", rf"/repos/{REPO}/issues/7/comments"


@pytest.mark.parametrize("method, path, status, body, message", [
    ("GET", PULL, 401, None, "GitHub rejected the token from GITHUB_TOKEN while fetching octo/demo#7 (401"),
    ("GET", PULL, 403, {"message": "Resource not accessible by integration"},
     "GitHub refused the request while fetching octo/demo#7 (403 Resource not accessible by integration)"),
    ("GET", PULL, 404, None, "repository or PR not found, or the token cannot see it: octo/demo#7 (404)"),
    ("GET", PULL, 502, None, "gave up fetching octo/demo#7: server error 502"),
])
def test_github_errors_while_fetching_are_one_line_exit_5(gh, cwd, echo, monkeypatch, method, path, status, body,
                                                         message):
    monkeypatch.setenv("REVIEWER_GITHUB_MAX_WAIT", "0")  # give up at once (retries: the tests below)
    gh.fail_next(method, path, status=status, times=5, body=body)
    result, report = gh_cli(gh, cwd, "--post")
    assert result.exit_code == 5
    one_line_error(result.stderr, message)
    assert echo.calls == [] and gh.writes == [] and not report.exists()


NO_WRITE = {"message": "Resource not accessible by integration"}


@pytest.mark.parametrize("path, status, body, message", [
    (REVIEWS, 403, NO_WRITE, "GitHub refused the request while posting the review (403 Resource not accessible"),
    (REVIEWS, 429, None, "gave up posting the review: secondary rate limit (429)"),
    (REVIEWS, 404, None, "repository or PR not found, or the token cannot see it"),
    (REVIEWS, 422, None, "GitHub refused the review on bbbbbbbbbbbb"),
    (REVIEWS, 500, None, "gave up posting the review: server error 500"),
    (SUMMARY, 422, None, "GitHub refused the request while posting the summary comment (422"),
])
def test_github_errors_while_posting_leave_the_report_written_first(gh, cwd, echo, monkeypatch, path, status, body,
                                                                   message):
    monkeypatch.setenv("REVIEWER_GITHUB_MAX_WAIT", "0")
    gh.fail_next("POST", path, status=status, times=50, body=body)
    result, report = gh_cli(gh, cwd, "--post")
    assert result.exit_code == 5
    one_line_error(result.stderr, message)
    written = json.loads(report.read_text())  # nothing drafted is lost
    assert len(written["comments"]) == 2 and written["pr"]["number"] == 7
    assert result.stderr.index("report written to") < result.stderr.index("error:")


def test_5xx_with_retry_after_is_retried_after_that_long(gh, cwd, echo, caplog):
    gh.fail_next("GET", PULL, status=503, headers={"Retry-After": "1"})
    started = time.monotonic()
    result, report = gh_cli(gh, cwd, "--post")
    assert result.exit_code == 0, result.stderr
    assert time.monotonic() - started >= 1.0
    assert "server error 503, Retry-After 1 while fetching octo/demo#7; retrying in 1.0 s" in caplog.text
    assert [r["state"] for r in gh.reviews(REPO, 7)] == ["COMMENTED"]


def test_a_timeout_is_retried_and_a_write_that_timed_out_is_not_posted_twice(gh, cwd, echo, caplog):
    gh.delay_next("POST", REVIEWS, 2.5)  # longer than REVIEWER_GITHUB_TIMEOUT=1: GitHub stores the review,
    result, report = gh_cli(gh, cwd, "--post")  # the client times out, waits and tries again
    assert result.exit_code == 0, result.stderr
    assert "request timed out while posting the review; retrying in 1.0 s" in caplog.text
    assert len(gh.reviews(REPO, 7)) == 1 and len(gh.review_comments(REPO, 7)) == 2
    assert [q.delay for q in gh.requests if q.method == "POST" and q.path.endswith("/reviews")] == [2.5]


def test_a_read_that_times_out_is_retried_then_given_up(gh, cwd, echo, monkeypatch, caplog):
    gh.delay_next("GET", PULL, 2.5)
    result, report = gh_cli(gh, cwd)
    assert result.exit_code == 0 and "request timed out while fetching octo/demo#7; retrying in 1.0 s" in caplog.text
    monkeypatch.setenv("REVIEWER_GITHUB_MAX_WAIT", "0")
    gh.delay_next("GET", PULL, 2.5, times=5)
    result, report = gh_cli(gh, cwd)
    assert result.exit_code == 5
    one_line_error(result.stderr, f"cannot reach GitHub at {gh.base_url} while fetching octo/demo#7 (timed out)")
