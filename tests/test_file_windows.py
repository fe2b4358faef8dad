"""A file's chunks reviewed with the whole file's change in front of each: the shared listing is
one prompt prefix, each chunk still gets its own findings, and the cache follows the window."""

from __future__ import annotations

import json

import pytest
from fakes.gitdiffs import own_diff
from fakes.backends import EchoBackend
from fakes.backends import ScriptedBackend

from reviewer.review.cache import ResultCache
from reviewer.review.chunk import file_windows, make_chunks
from reviewer.diff.files import select_files
from reviewer.diff.parse import parse_diff
from reviewer.review.passes.draft import RawFinding, place_findings
from reviewer.errors import ConfigError
from reviewer.review.pipeline import ReviewOptions, run_review
from reviewer.prompt import Templates
from reviewer.types import DiffInput


def two_hunk_file(second: str = "z = 3") -> str:
    body = "".join(f" line{i} = {i}\n" for i in range(3))
    return (
        "--- a/m.py\n+++ b/m.py\n"
        f"@@ -1,3 +1,4 @@ def a():\n{body}+x = 1\n"
        f"@@ -40,3 +41,4 @@ def b():\n{body}+{second}\n"
        "--- a/n.py\n+++ b/n.py\n@@ -1,1 +1,2 @@\n k = 0\n+k = 1\n"
    )


def chunks_of(text: str, target: int = 8):
    files, _ = select_files(parse_diff(text))
    return make_chunks(files, budget=512, target=target)  # a tiny target: one chunk per hunk


def test_consecutive_chunks_of_a_file_form_a_window_within_the_budget():
    chunks = chunks_of(two_hunk_file())
    assert [c.path for c in chunks] == ["m.py", "m.py", "n.py"]
    windows = file_windows(chunks, budget=10_000)
    assert windows[chunks[0].id] == windows[chunks[1].id] == (chunks[0], chunks[1])
    assert chunks[2].id not in windows  # alone in its file: the plain prompt
    assert file_windows(chunks, budget=chunks[0].tokens) == {}  # two do not fit: each alone


def test_windows_of_a_long_file_are_cut_at_the_budget():
    chunks = [c for c in chunks_of(two_hunk_file()) if c.path == "m.py"] * 3  # six chunks of one file
    chunks = [c.__class__(**{**c.__dict__, "id": f"m.py#{i}"}) for i, c in enumerate(chunks)]
    windows = file_windows(chunks, budget=2 * chunks[0].tokens)
    assert {len(w) for w in windows.values()} == {2} and len(set(windows.values())) == 3


def test_each_chunk_of_a_window_shares_the_prompt_up_to_the_part_it_reviews():
    templates = Templates()
    chunks = chunks_of(two_hunk_file())
    window = file_windows(chunks, 10_000)[chunks[0].id]
    first, second = (templates.chunk_prompt(c, "", window) for c in window)
    head = first[: first.index("Review part 1 of 2")]
    assert second.startswith(head) and "Review part 2 of 2: only the hunk `@@ -40,3 +41,4 @@`" in second
    assert "x = 1" in head and "z = 3" in head  # both hunks are shown to both parts
    alone = templates.chunk_prompt(chunks[0])
    assert alone.startswith("Review this change.") and "z = 3" not in alone


def test_a_finding_on_another_part_of_the_window_is_left_to_that_part():
    chunks = chunks_of(two_hunk_file())
    mine, other = chunks[0], chunks[1]
    theirs = frozenset((line.side, line.line) for line in other.lines)
    findings = [RawFinding(4, "RIGHT", "warning", "x is never used"),
                RawFinding(44, "RIGHT", "warning", "z is never used")]  # line 44 is the other part's
    comments, notes = place_findings(mine, findings, theirs)
    assert [(c.line, c.body) for c in comments] == [(4, "x is never used")] and notes == []
    comments, _ = place_findings(mine, findings)  # without a window it would snap or be a note
    assert len(comments) + len(_) == 2


def review(text, backend, cache=None, file_context=4096):
    return run_review(DiffInput(text, "t"), backend=backend, templates=Templates(), style="", cache=cache,
                      options=ReviewOptions(context=4096, chunk_tokens=8, verify=False, file_context=file_context))


def test_a_review_with_windows_comments_each_line_once_from_its_own_part():
    backend = EchoBackend(per_chunk=1)
    r = review(two_hunk_file(), backend)
    assert len(backend.calls) == 3
    assert [(c.path, c.line) for c in r.comments] == [("m.py", 4), ("m.py", 44), ("n.py", 2)]
    prompts = [m[-1]["content"] for m in backend.calls]
    assert prompts[0].startswith("This is the change to one file, reviewed in 2 parts")
    assert prompts[2].startswith("Review this change.")
    plain = EchoBackend(per_chunk=1)
    assert [c.line for c in review(two_hunk_file(), plain, file_context=0).comments] == [4, 44, 2]
    assert all(m[-1]["content"].startswith("Review this change.") for m in plain.calls)


def test_a_change_elsewhere_in_the_window_reviews_the_whole_window_again(tmp_path):
    cache = ResultCache(tmp_path / "c.sqlite3")
    review(two_hunk_file(), ScriptedBackend([]), cache)
    again = ScriptedBackend([])
    review(two_hunk_file(), again, cache)
    assert again.calls == []  # same diff: all from the cache
    changed = ScriptedBackend([])
    review(two_hunk_file(second="z = 4"), changed, cache)
    # both parts of m.py showed the changed hunk; n.py did not change
    assert len(changed.calls) == 2 and all("m.py" in m[-1]["content"] for m in changed.calls)


def test_on_a_git_diff_every_comment_sits_on_a_line_of_its_own_chunk():
    text = own_diff("python-change").text
    backend = EchoBackend(per_chunk=2)
    r = review(text, backend)
    files, _ = select_files(parse_diff(text))
    lines = {(f.path, line.side, line.line) for f in files for h in f.hunks for line in h.lines}
    assert r.comments and all((c.path, c.side, c.line) in lines for c in r.comments)
    assert len({(c.path, c.line) for c in r.comments}) == len(r.comments)
    windowed = [m for m in backend.calls if m[-1]["content"].startswith("This is the change to one file")]
    assert len(windowed) >= 2 and r.stats.model_calls == len(backend.calls)


def test_file_context_must_not_be_negative(tmp_path, monkeypatch):
    from reviewer.config import load_settings

    monkeypatch.setenv("REVIEWER_FILE_CONTEXT", "-1")
    with pytest.raises(ConfigError, match="file_context"):
        load_settings({}, cwd=tmp_path)
    monkeypatch.setenv("REVIEWER_FILE_CONTEXT", "0")
    assert load_settings({}, cwd=tmp_path).file_context == 0
