"""Parsing and chunking on the diffs git builds for the tests (renames, deletions, binary files,
mode changes, non-UTF-8 bytes, no newline at the end, a large hunk, 114 files), and on every real
PR diff in ../shared/fixtures/real-diffs when it is there."""

from __future__ import annotations

import re

import pytest
from fakes.common import SHARED, real_diffs
from fakes.gitdiffs import NAMES, own_diff

from reviewer.diff.anchor import DiffIndex
from reviewer.review.chunk import estimate_tokens, hunk_cost, make_chunks, split_hunk
from reviewer.diff.files import DEFAULT_IGNORE, matches, select_files
from reviewer.diff.parse import decode, parse_diff
from reviewer.errors import InputError

REAL = real_diffs()
# (name, bytes, (files, insertions, deletions)): git's own counts for the built diffs, INDEX.md's for the real ones
CASES = [*NAMES, *(p.name for p in REAL)]


def case(name: str) -> tuple[bytes, tuple[int, int, int]]:
    if name in NAMES:
        d = own_diff(name)
        return d.data, (d.files, d.insertions, d.deletions)
    return (SHARED / "real-diffs" / name).read_bytes(), index_stats()[name]


def index_stats() -> dict[str, tuple[int, int, int]]:
    """files, insertions, deletions per diff, as `git diff --stat` printed them in INDEX.md."""
    text = (SHARED / "real-diffs" / "INDEX.md").read_text()
    stats = {}
    for line in text.splitlines():
        m = re.match(r"- (\S+\.diff) \|.*\|\s+(\d+) files? changed(?:, (\d+) insertions?\(\+\))?(?:, (\d+) deletions?\(-\))?", line)
        if m:
            stats[m.group(1)] = (int(m.group(2)), int(m.group(3) or 0), int(m.group(4) or 0))
    return stats


def naive_counts(text: str) -> dict[str, tuple[int, int]]:
    """Per-file +/- counts by a plain scan of the text, independent of unidiff."""
    counts: dict[str, list[int]] = {}
    current = None
    in_hunk = False
    old_left = new_left = 0
    for line in text.splitlines():
        if line.startswith("diff --git "):
            current = line.split(" b/", 1)[1]
            counts[current] = [0, 0]
            in_hunk = False
            continue
        m = re.match(r"@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@", line)
        if m:
            old_left = int(m.group(1) if m.group(1) is not None else 1)
            new_left = int(m.group(2) if m.group(2) is not None else 1)
            in_hunk = True
            continue
        if not in_hunk or current is None:
            continue
        if old_left == 0 and new_left == 0:
            in_hunk = False
            continue
        if line.startswith("+"):
            counts[current][0] += 1
            new_left -= 1
        elif line.startswith("-"):
            counts[current][1] += 1
            old_left -= 1
        elif line.startswith(" ") or line == "":
            old_left -= 1
            new_left -= 1
    return {k: (v[0], v[1]) for k, v in counts.items()}


@pytest.mark.parametrize("name", CASES)
def test_every_diff_parses_with_gits_counts(name):
    data, (n_files, insertions, deletions) = case(name)
    text = decode(data)
    files = parse_diff(text)
    assert len(files) == n_files
    assert sum(f.added for f in files) == insertions
    assert sum(f.removed for f in files) == deletions
    naive = naive_counts(text)
    for f in files:
        assert (f.added, f.removed) == naive[f.path], f.path


@pytest.mark.parametrize("name", CASES)
def test_chunks_cover_every_changed_line_of_reviewed_files(name):
    files = parse_diff(decode(case(name)[0]))
    kept, skipped = select_files(files)
    assert len(kept) + len(skipped) == len(files)
    chunks = make_chunks(kept, budget=600, target=400)
    covered = {(c.path, line.side, line.line) for c in chunks for line in c.lines if line.changed}
    expected = {(f.path, line.side, line.line) for f in kept for h in f.hunks for line in h.lines if line.changed}
    assert covered == expected  # nothing dropped, nothing invented
    index = DiffIndex(kept)
    for c in chunks:
        assert c.tokens == sum(hunk_cost(h, estimate_tokens) for h in c.hunks)
        for line in c.lines:
            assert index.hunk_of(c.path, line.side, line.line) is not None


def test_renames_keep_both_names():
    files = parse_diff(own_diff("rename-delete").text)
    renamed = [f for f in files if f.status == "renamed"]
    assert ("docs/changes.md", "docs/changes.rst") in {(f.path, f.old_path) for f in renamed}
    chunks = make_chunks(renamed, budget=2000)
    assert all(c.old_path == "docs/changes.rst" for c in chunks if c.path == "docs/changes.md")


def test_binary_and_deleted_files_are_skipped_and_listed():
    files = parse_diff(own_diff("rename-delete").text + own_diff("binary-mode").text)
    kept, skipped = select_files(files)
    reasons = {s.path: s.reason for s in skipped}
    assert {reasons[p] for p in ("docs/icon.png", "docs/logo.png", "docs/old.png")} == {"binary file"}
    assert all(not f.binary for f in kept)
    deleted = [f.path for f in files if f.status == "removed" and not f.binary]
    assert deleted == ["docs/old_api.rst", "src/legacy.py"] and all(reasons[p] == "deleted file" for p in deleted)


def test_mode_changes_non_utf8_bytes_and_missing_newlines():
    files = {f.path: f for f in parse_diff(own_diff("binary-mode").text)}
    kept, skipped = select_files(list(files.values()))
    assert "run.sh" in {s.path for s in skipped}  # a mode change alone: nothing to review
    assert [line.text for h in files["tool.sh"].hunks for line in h.lines if line.kind == "+"] == ["echo tool --verbose"]
    names = parse_diff(own_diff("non-utf8").text)
    added = [line.text for f in names for h in f.hunks for line in h.lines if line.kind == "+"]
    assert added == ["Plain text, \ufffd 2024.", "    'na\ufffdve',", "    '\ufffdber',"]  # bad bytes marked, no line lost
    ends = {f.path: [(line.kind, line.text) for h in f.hunks for line in h.lines] for f in parse_diff(own_diff("no-newline").text)}
    assert ends["a.py"] == [(" ", "x = 1"), ("-", "y = 2"), ("+", "y = 3")]  # git's "\\ No newline" is no line
    assert ends["c.py"] == [(" ", "keep = 1"), ("+", "last = 2")]


def test_huge_diff_with_114_files():
    files = parse_diff(own_diff("many-files").text)
    assert len(files) == 114
    kept, skipped = select_files(files)
    chunks = make_chunks(kept, budget=1500, target=1000)
    assert {c.path for c in chunks} == {f.path for f in kept}
    assert max(c.tokens for c in chunks if c.part is None) <= 1500


def test_large_hunk_is_split_at_line_boundaries_not_dropped():
    files = parse_diff(own_diff("large-hunk").text)
    biggest = max((h for f in files for h in f.hunks), key=lambda h: len(h.lines))
    parts = split_hunk(biggest, 300, estimate_tokens)
    assert len(parts) > 1
    assert [line for p in parts for line in p.lines] == list(biggest.lines)
    assert all(hunk_cost(p, estimate_tokens) <= 300 for p in parts if len(p.lines) > 1)


def test_small_hunks_of_one_file_share_a_chunk():
    files = parse_diff(own_diff("python-change").text)
    per_hunk = make_chunks(files, budget=4000, target=1)
    shared_chunks = make_chunks(files, budget=4000, target=4000)
    assert len(shared_chunks) < len(per_hunk) == sum(len(f.hunks) for f in files)


def test_ignore_globs():
    assert matches("uv.lock", "*.lock")
    assert matches("src/vendor/lib/x.c", "**/vendor/**")
    assert matches("vendor/x.c", "**/vendor/**")
    assert not matches("src/vendored.c", "**/vendor/**")
    assert matches("web/app.min.js", "*.min.js")
    assert "package-lock.json" in DEFAULT_IGNORE


NON_UTF8 = b"diff --git a/x.txt b/x.txt\n--- a/x.txt\n+++ b/x.txt\n@@ -1 +1 @@\n-caf\xe9\n+caf\xc3\xa9 \xff\n"


def test_non_utf8_bytes_are_replaced_not_fatal():
    files = parse_diff(decode(NON_UTF8))
    assert files[0].hunks[0].lines[0].text == "caf\ufffd"
    assert files[0].hunks[0].lines[1].text == "café \ufffd"


@pytest.mark.parametrize(
    "text",
    ["just some prose\nwith two lines\n", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "{\"not\": \"a diff\"}"],
)
def test_not_a_diff_is_an_input_error(text):
    with pytest.raises(InputError):
        parse_diff(text)


def test_empty_diff_has_nothing_to_review():
    assert parse_diff("") == [] and parse_diff("\n  \n") == []
