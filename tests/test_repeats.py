"""One point said once per review (review/repeats.py): the same point about other names, drafted
on several hunks, is one comment naming the other places; the repeats stay in the report."""

from __future__ import annotations

import json

from reviewer.review.pipeline import ReviewOptions, run_review
from reviewer.prompt import Templates
from reviewer.review.repeats import collapse_repeats, point, same_point
from reviewer.types import Comment, DiffInput, traced

from tests.fakes.backends import ScriptedBackend


def comment(path, line, body, severity="warning"):
    return traced(Comment(path, line, "RIGHT", severity, body), "draft", severity, "drafted")


def test_the_same_point_about_other_names_is_one_point():
    a = point("The `iter_bytes` method should use `ByteChunker` to handle different compression formats.")
    b = point("The `iter_text` method should use `TextChunker` to handle different compression formats.")
    other = point("The `os.remove` call can raise `FileNotFoundError` when the socket file does not exist.")
    assert same_point(a, b)
    assert not same_point(a, other)
    assert not same_point(point("`x` is wrong"), point("`y` is wrong"))  # too few words to be a point
    # the same words quoting different code: different points
    assert not same_point(point("Check `return total / (len(xs) - 1)` here before it is merged."),
                          point("Check `x = compute(y)` here before it is merged."))


def test_a_repeated_point_is_said_once_and_the_repeats_are_left_out_with_a_step():
    body = "The `{}` method should use `{}` to handle different compression formats."
    comments = [comment("a.py", 3, body.format("f", "F")), comment("a.py", 9, "`n` can be None here, and "
                "`n.real` then raises AttributeError for every caller."),
                comment("a.py", 20, body.format("g", "G"), "error"), comment("b.py", 4, body.format("h", "H"))]
    kept, left = collapse_repeats(comments)
    assert [(c.path, c.line) for c in kept] == [("a.py", 3), ("a.py", 9)]
    head = kept[0]
    assert head.severity == "error"  # the group's highest
    assert head.body.endswith("The same applies at line 20, `b.py:4`.")
    assert head.trace[-1].stage == "repeats"
    assert [(c.path, c.line, c.severity) for c in left] == [("a.py", 20, "note"), ("b.py", 4, "note")]
    assert all("a.py:3" in c.trace[-1].reason for c in left)
    assert kept[1] == comments[1]  # a point made once is untouched


def test_line_checks_are_never_grouped():
    body = "[STYLE.md › Naming] `{}`: use a full snake_case name for every variable here."
    checks = [Comment("a.py", i, "RIGHT", "warning", body.format(n)) for i, n in ((1, "val"), (2, "tot"))]
    assert collapse_repeats(checks) == (checks, [])


def test_notes_are_never_grouped():
    body = "The `{}` method should use `{}` to handle different compression formats."
    comments = [comment("a.py", 3, body.format("f", "F"), "note"), comment("a.py", 9, body.format("g", "G"), "note")]
    assert collapse_repeats(comments) == (comments, [])


def hunk(start, name):
    return (f"@@ -{start},2 +{start},2 @@\n def {name}(self):\n-    return self._read()\n"
            f"+    return self._read_{name}()\n")


def test_a_review_posts_a_point_drafted_on_three_files_once_and_reports_the_other_places():
    files = [("x", 10), ("y", 20), ("z", 30)]
    diff = "".join(f"diff --git a/{n}.py b/{n}.py\n--- a/{n}.py\n+++ b/{n}.py\n{hunk(s, n)}" for n, s in files)
    drafts = [json.dumps({"comments": [{"line": s + 1, "side": "RIGHT", "severity": "warning",
                                        "body": f"The `{n}` method should call `_read` to keep the buffer in step."}]})
              for n, s in files]
    backend = ScriptedBackend(drafts)
    review = run_review(DiffInput(diff, "three"), backend=backend, templates=Templates(), style="",
                        options=ReviewOptions(verify=False))
    assert len(backend.calls) == 3  # one draft per file: the grouping asks the model nothing
    assert [(c.path, c.line) for c in review.comments] == [("x.py", 11)]
    assert review.comments[0].body.endswith("The same applies at `y.py:21`, `z.py:31`.")
    assert {(c.path, c.line) for c in review.left_out} >= {("y.py", 21), ("z.py", 31)}
