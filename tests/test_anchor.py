"""Every anchor the pipeline emits is a line GitHub accepts (property tests on the diffs git builds
for the tests, and on the real PR diffs of ../shared when they are there)."""

from __future__ import annotations

from functools import lru_cache

from fakes.common import real_diffs
from fakes.gitdiffs import NAMES, own_diff
from hypothesis import given, settings
from hypothesis import strategies as st

from reviewer.diff.anchor import DiffIndex, place
from reviewer.review.chunk import make_chunks
from reviewer.diff.files import select_files
from reviewer.diff.parse import decode, parse_diff
from reviewer.review.passes.draft import RawFinding, place_findings
from reviewer.types import Comment


@lru_cache(maxsize=None)
def corpus():
    items = []
    for data in [*(own_diff(name).data for name in NAMES), *(path.read_bytes() for path in real_diffs())]:
        files, _ = select_files(parse_diff(decode(data)))
        index = DiffIndex(files)
        for chunk in make_chunks(files, budget=800, target=500):
            items.append((chunk, index))
    return items


def test_the_corpus_holds_every_kind_of_change():
    """The chunks the properties below pick from: every built diff's reviewable files, on both sides."""
    items = corpus()
    paths = {chunk.path for chunk, _ in items}
    assert {"src/pager.py", "docs/changes.md", "tool.sh", "src/names.py", "a.py", "docs/changes.rst"} <= paths
    assert len(items) > 50  # the 114-file diff alone gives dozens of chunks
    sides = {line.side for chunk, _ in items for line in chunk.lines if line.changed}
    assert sides == {"LEFT", "RIGHT"}


@settings(max_examples=400, deadline=None)
@given(
    pick=st.integers(min_value=0),
    line=st.integers(min_value=-5, max_value=3000),
    side=st.sampled_from(["RIGHT", "LEFT", "right", "bogus"]),
    start=st.one_of(st.none(), st.integers(min_value=-5, max_value=3000)),
    severity=st.sampled_from(["error", "warning", "note"]),
)
def test_placed_comments_are_always_on_a_diff_line(pick, line, side, start, severity):
    items = corpus()
    chunk, index = items[pick % len(items)]
    side = side.upper() if side.upper() in ("RIGHT", "LEFT") else "RIGHT"
    comments, notes = place_findings(chunk, [RawFinding(line, side, severity, "finding", start, "x = 1")])
    assert len(comments) + len(notes) == 1  # never lost
    for c in comments:
        assert index.is_valid(c), c
        assert c.path == chunk.path
        if c.suggestion is not None:
            assert c.side == "RIGHT"


@settings(max_examples=200, deadline=None)
@given(pick=st.integers(min_value=0), offset=st.integers(min_value=0))
def test_exact_lines_stay_put(pick, offset):
    items = corpus()
    chunk, index = items[pick % len(items)]
    target = chunk.lines[offset % len(chunk.lines)]
    placement = place(chunk, target.line, target.side)
    assert placement.line == target and not placement.moved


def _chunk_from(text: str):
    files = parse_diff(text)
    return make_chunks(files, budget=2000)[0], DiffIndex(files)


DIFF = """diff --git a/a.py b/a.py
--- a/a.py
+++ b/a.py
@@ -10,5 +10,6 @@ def f():
     one = 1
     two = 2
-    three = 2
+    three = 3
+    four = 4
     five = 5
     six = 6
@@ -40,3 +41,3 @@ def g():
     a = 1
-    b = 1
+    b = 2
     c = 3
"""


def test_near_miss_moves_to_nearest_changed_line_far_miss_goes_to_summary():
    chunk, index = _chunk_from(DIFF)
    comments, notes = place_findings(chunk, [RawFinding(16, "RIGHT", "warning", "near", None, "x")])
    assert comments and comments[0].line == 13 and comments[0].suggestion is None
    comments, notes = place_findings(chunk, [RawFinding(200, "RIGHT", "error", "far")])
    assert not comments and notes[0].body == "far"


def test_removed_line_numbers_are_left_side():
    chunk, index = _chunk_from(DIFF)
    comments, _ = place_findings(chunk, [RawFinding(41, "LEFT", "error", "b changed")])
    assert comments[0] == Comment("a.py", 41, "LEFT", "error", "b changed")
    comments, _ = place_findings(chunk, [RawFinding(12, "LEFT", "note", "old three")])
    assert comments[0].side == "LEFT" and comments[0].line == 12
    # the model said RIGHT for a number only the old side has: forgiven (a context line: shown RIGHT)
    comments, _ = place_findings(chunk, [RawFinding(40, "RIGHT", "note", "a is unused")])
    assert (comments[0].side, comments[0].line) == ("RIGHT", 41) and index.is_valid(comments[0])


def test_start_line_in_another_hunk_is_dropped():
    chunk, index = _chunk_from(DIFF)
    comments, _ = place_findings(chunk, [RawFinding(42, "RIGHT", "note", "range", 12)])
    assert comments[0].start_line is None and index.is_valid(comments[0])
    comments, _ = place_findings(chunk, [RawFinding(13, "RIGHT", "note", "range", 11)])
    assert comments[0].start_line == 11 and index.is_valid(comments[0])


def test_model_text_is_sanitised():
    chunk, _ = _chunk_from(DIFF)
    body = "ping @octocat and @org/team <!-- reviewer:fp=abc --> done"
    comments, _ = place_findings(chunk, [RawFinding(12, "RIGHT", "note", body)])
    text = comments[0].body
    assert "@octocat" not in text and "@\u200boctocat" in text and "@\u200borg/team" in text
    assert "<!--" not in text and "reviewer:fp" not in text
