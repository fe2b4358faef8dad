"""Property tests of the diff reader: any input either parses into chunks whose every line and
every placed finding is a valid anchor, or is rejected with an InputError; nothing else ever
escapes. Diffs are generated file by file (modified, added, deleted, renamed, binary, mode-only,
plain ---/+++), with hunk headers that are right or wrong, "\\ No newline" markers, junk lines,
odd file names, and bytes that are not UTF-8."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reviewer.diff.anchor import DiffIndex
from reviewer.review.chunk import estimate_tokens, hunk_cost, make_chunks
from reviewer.diff.files import select_files
from reviewer.diff.parse import decode, parse_diff
from reviewer.review.passes.draft import RawFinding, place_findings
from reviewer.errors import InputError

# 300 examples a test keeps the file under 20 s; PROPERTY_EXAMPLES=5000 for a longer search
FAST = settings(max_examples=int(os.environ.get("PROPERTY_EXAMPLES", "300")), deadline=None,
                suppress_health_check=[HealthCheck.too_slow])

# file names as PR authors may choose them: spaces, unicode, quotes, markup, mentions, backticks
NAMES = st.sampled_from([
    "a.py", "src/b.c", "dir with space/c.txt", "ünï/cödé.rs", "x`y`.md", "@octocat.py", "<!-- x -->.js",
    "package-lock.json", "vendor/lib.go", "q\"uote.txt", "a/b/c/d/e/f.h", ".reviewer.toml", "t\u202egnp.exe",
])
# line text: anything but a newline (what a diff line can hold), including CR, NUL-free control chars
TEXT = st.text(st.characters(blacklist_characters="\n\x00", blacklist_categories=("Cs",)), max_size=40)
KINDS = st.sampled_from("+- ")


@st.composite
def hunk(draw, start_old: int, start_new: int, kinds=KINDS) -> tuple[str, int, int]:
    """A hunk's text and where the next hunk may start; the header is right or deliberately wrong."""
    lines = draw(st.lists(st.tuples(kinds, TEXT), min_size=1, max_size=12))
    old = sum(1 for k, _ in lines if k != "+")
    new = sum(1 for k, _ in lines if k != "-")
    header_old, header_new = old, new
    so, sn = (start_old if old else start_old - 1), (start_new if new else start_new - 1)
    if draw(st.integers(0, 5)) == 0:  # wrong counts
        header_old += draw(st.integers(-2, 2))
        header_new += draw(st.integers(-2, 2))
    if draw(st.integers(0, 3)) == 0:  # wrong starts: 0 with lines, huge
        so = draw(st.sampled_from([so, 0, 1, 2**31, 10**20]))
        sn = draw(st.sampled_from([sn, 0, 1, 2**63]))
    counts_old = "" if header_old == 1 and draw(st.booleans()) else f",{header_old}"
    counts_new = "" if header_new == 1 and draw(st.booleans()) else f",{header_new}"
    section = draw(st.sampled_from(["", " def f():", " @@ x", " {{ 7*7 }}"]))
    out = [f"@@ -{so}{counts_old} +{sn}{counts_new} @@{section}\n"]
    for i, (kind, text) in enumerate(lines):
        out.append(f"{kind}{text}\n")
        if i == len(lines) - 1 and draw(st.integers(0, 5)) == 0:
            out.append("\\ No newline at end of file\n")
    gap = draw(st.integers(-4, 30))  # the next hunk: after this one, or overlapping it (a corrupt diff)
    return "".join(out), start_old + old + gap, start_new + new + gap


@st.composite
def file_section(draw) -> str:
    path = draw(NAMES)
    kind = draw(st.sampled_from(["modified", "added", "deleted", "renamed", "binary", "mode", "plain"]))
    if kind == "binary":
        return (f"diff --git a/{path} b/{path}\nindex 0000000..1111111\n"
                f"Binary files a/{path} and b/{path} differ\n")
    if kind == "mode":
        return f"diff --git a/{path} b/{path}\nold mode 100644\nnew mode 100755\n"
    old_path = draw(NAMES) if kind == "renamed" else path
    head = [f"diff --git a/{old_path} b/{path}\n"] if kind != "plain" else []
    if kind == "added":
        head += ["new file mode 100644\n", "index 0000000..1111111\n", "--- /dev/null\n", f"+++ b/{path}\n"]
    elif kind == "deleted":
        head += ["deleted file mode 100644\n", "index 1111111..0000000\n", f"--- a/{path}\n", "+++ /dev/null\n"]
    else:
        if kind == "renamed":
            head += ["similarity index 90%\n", f"rename from {old_path}\n", f"rename to {path}\n"]
        head += [f"--- a/{old_path}\n", f"+++ b/{path}\n"]
    old, new = (0, 1) if kind == "added" else (1, 0) if kind == "deleted" else (draw(st.integers(1, 50)),) * 2
    kinds = st.just("+") if kind == "added" else st.just("-") if kind == "deleted" else KINDS
    body = []
    for _ in range(1 if kind in ("added", "deleted") else draw(st.integers(0 if kind == "renamed" else 1, 3))):
        text, old, new = draw(hunk(old, new, kinds))
        body.append(text)
    return "".join(head + body)


JUNK = st.sampled_from([
    "", "junk line", "@@ broken @@", "--- ", "+++ ", "diff --git", "index zzz", "\\ No newline at end of file",
    "GIT binary patch", "+orphan", "-orphan", " orphan", "Binary files x and y differ", "@@ -1 +1 @@",
])


@st.composite
def diffs(draw) -> bytes:
    sections = draw(st.lists(file_section(), min_size=1, max_size=4))
    text = "".join(sections)
    lines = text.split("\n")
    for _ in range(draw(st.integers(0, 3))):  # junk lines anywhere
        lines.insert(draw(st.integers(0, len(lines))), draw(JUNK | TEXT))
    data = "\n".join(lines).encode("utf-8")
    if draw(st.integers(0, 3)) == 0:  # bytes that are not UTF-8, or random bytes
        i = draw(st.integers(0, len(data)))
        data = data[:i] + draw(st.binary(max_size=12)) + data[i:]
    if draw(st.integers(0, 9)) == 0:
        data = data[: draw(st.integers(0, len(data)))]  # cut anywhere
    return data


def check(data: bytes, budget: int, findings: list[tuple[int, str, int | None]]) -> int:
    """The property; returns the number of chunks (0 when the input was rejected)."""
    text = decode(data)
    try:
        files = parse_diff(text)
    except InputError:
        return 0
    kept, skipped = select_files(files)
    assert len(kept) + len(skipped) == len(files)
    index = DiffIndex(kept)
    chunks = make_chunks(kept, budget=budget, target=budget // 2)
    covered = {(c.path, line.side, line.line) for c in chunks for line in c.lines if line.changed}
    expected = {(f.path, line.side, line.line) for f in kept for h in f.hunks for line in h.lines if line.changed}
    assert covered == expected  # nothing dropped, nothing invented
    for chunk in chunks:
        assert chunk.tokens <= budget or len(chunk.lines) == 1
        assert all(hunk_cost(h, estimate_tokens) <= budget for h in chunk.hunks)
        for line in chunk.lines:
            assert line.line >= 1 and (line.old_line or 1) >= 1, line  # GitHub has no line 0
            assert index.hunk_of(chunk.path, line.side, line.line) is not None
        numbers = [line.line for line in chunk.lines]
        raw = [RawFinding(numbers[n % len(numbers)] + delta, side, "note", "finding",
                          None if start is None else numbers[start % len(numbers)])
               for n, side, start in findings for delta in (0, 2)]
        comments, notes = place_findings(chunk, raw)
        assert len(comments) + len(notes) == len(raw)  # never lost
        for c in comments:
            assert index.is_valid(c), c
            assert c.line >= 1 and (c.start_line is None or c.start_line >= 1)
    return len(chunks)


FINDINGS = st.lists(st.tuples(st.integers(0, 100), st.sampled_from(["RIGHT", "LEFT"]),
                              st.none() | st.integers(0, 100)), max_size=3)


@FAST
@given(data=diffs(), budget=st.integers(64, 400), findings=FINDINGS)
def test_generated_diffs_parse_into_valid_anchors_or_are_rejected(data, budget, findings):
    check(data, budget, findings)


@FAST
@given(data=st.binary(max_size=400) | st.text(max_size=400).map(lambda t: t.encode("utf-8", "surrogatepass")),
       budget=st.integers(64, 400), findings=FINDINGS)
def test_random_bytes_and_text_never_crash_the_reader(data, budget, findings):
    check(data, budget, findings)


@st.composite
def well_formed(draw) -> tuple[str, int]:
    """A diff as git writes it (distinct files, right headers, ascending hunks) and its added lines."""
    names = draw(st.lists(NAMES, min_size=1, max_size=3, unique=True))
    out, added = [], 0
    for path in names:
        old = new = draw(st.integers(1, 40))
        out.append(f"diff --git a/{path} b/{path}\nindex 1111111..2222222 100644\n--- a/{path}\n+++ b/{path}\n")
        for _ in range(draw(st.integers(1, 3))):
            lines = draw(st.lists(st.tuples(KINDS, TEXT.filter(lambda t: "\r" not in t)), min_size=1, max_size=10))
            lines.append((" ", "ctx"))
            o = sum(1 for k, _ in lines if k != "+")
            n = sum(1 for k, _ in lines if k != "-")
            added += sum(1 for k, _ in lines if k == "+")
            out.append(f"@@ -{old},{o} +{new},{n} @@\n" + "".join(f"{k}{t}\n" for k, t in lines))
            old, new = old + o + draw(st.integers(1, 20)), new + n + draw(st.integers(1, 20))
    return "".join(out), added


@FAST
@given(diff=well_formed(), budget=st.integers(64, 400))
def test_well_formed_diffs_are_accepted_and_fully_chunked(diff, budget):
    text, added = diff
    files = parse_diff(text)  # never an InputError
    assert sum(f.added for f in files) == added
    check(text.encode(), budget, [(0, "RIGHT", None)])


# Inputs the property tests and bench/fuzz_diff.py found, kept as plain regression tests.

def test_a_hunk_that_numbers_a_line_0_is_an_input_error():
    # found by the property test: unidiff numbered the added line 0, an anchor GitHub refuses
    for header in ("@@ -0,0 +0,1 @@\n+x\n", "@@ -0,1 +1,1 @@\n x\n", "@@ -0,1 +0,0 @@\n-x\n"):
        try:
            files = parse_diff("--- a/x\n+++ b/x\n" + header)
        except InputError as exc:
            assert "line numbered 0" in str(exc)
        else:
            raise AssertionError(f"accepted {header!r}: {files}")
    assert parse_diff("--- a/x\n+++ b/x\n@@ -0,0 +1 @@\n+x\n")[0].hunks[0].lines[0].new_line == 1


def test_a_file_changed_in_two_sections_is_an_input_error():
    # found by the property test: a.py twice (as in concatenated patches of a series); the
    # numbers of its lines would name two versions of the file, and an anchor could pair a
    # line of one section with a start line of the other
    section = "diff --git a/a.py b/a.py\n--- a/a.py\n+++ b/a.py\n@@ -1,2 +1,2 @@\n x\n-y\n+z\n"
    try:
        parse_diff(section + section.replace("@@ -1,2 +1,2 @@", "@@ -5,2 +5,2 @@"))
    except InputError as exc:
        assert "a.py has changes in two sections" in str(exc) and "git diff A..B" in exc.hint
    else:
        raise AssertionError("accepted a file changed in two sections")
    binary_too = section + "diff --git a/a.py b/a.py\nold mode 100644\nnew mode 100755\n"
    assert [f.path for f in parse_diff(binary_too)] == ["a.py", "a.py"]  # a section without hunks is no clash

def test_overlapping_hunks_are_an_input_error():
    # found by atheris: a hunk whose new lines 540-545 overlap the 536-542 of the hunk before;
    # a comment's line and start line could then sit in two different hunks
    text = ("--- a/a.py\n+++ b/a.py\n@@ -1,3 +1,3 @@\n a\n-b\n+c\n d\n@@ -3,2 +3,2 @@\n d\n-e\n+f\n")
    try:
        parse_diff(text)
    except InputError as exc:
        assert "the hunk @@ -3,2 +3,2 @@ of a.py overlaps the one before it" in str(exc)
    else:
        raise AssertionError("accepted overlapping hunks")
    assert len(parse_diff(text.replace("@@ -3,2 +3,2 @@", "@@ -4,2 +4,2 @@"))[0].hunks) == 2

def test_the_fuzzer_runs_clean(tmp_path):
    """A short run of bench/fuzz_diff.py (the long runs are in docs/security.md)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "bench" / "fuzz_diff.py"
    spec = importlib.util.spec_from_file_location("fuzz_diff", path)
    fuzz = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fuzz)
    assert fuzz.main(["--iterations", "150", "--seed", "7", "--out", str(tmp_path)]) == 0
