"""The comment on a condemned hunk says why: through the passes themselves, with scripted models.

- With the default judge-style model (unsure verdicts, drafts that say little), the change
  classifier's sentence leads the comment, then the contrast and the suggestion as before.
- With a scripted capable model (it drafts the defect each made-up case's fix describes and
  judges with confidence), every such finding reaches the posted comment with its reason, the
  contrast leading it and the classifier's sentence after it; a confident approval is settled
  after one pass of the judge."""

from __future__ import annotations

import json

from fakes.backends import Capable, Judging
from fakes.consequence_cases import CASES

from reviewer.review.pipeline import ReviewOptions, run_review
from reviewer.prompt import Templates
from reviewer.types import DiffInput


def file_diff(path: str, start: int, context_before: list[str], old: list[str], new: list[str],
              context_after: list[str]) -> str:
    lines = [f" {x}" for x in context_before] + [f"-{x}" for x in old] + [f"+{x}" for x in new] + \
        [f" {x}" for x in context_after]
    n_old = len(context_before) + len(old) + len(context_after)
    n_new = len(context_before) + len(new) + len(context_after)
    return (f"diff --git a/{path} b/{path}\n--- a/{path}\n+++ b/{path}\n@@ -{start},{n_old} +{start},{n_new} @@\n"
            + "\n".join(lines) + "\n")


LOOP = file_diff("shop/total.py", 10, ["def total(prices, n):", "    s = 0"],
                 ["    for i in range(1, n):"], ["    for i in range(1, n - 1):"],
                 ["        s += prices[i]", "    return s"])
CONFIG = file_diff("shop/config.py", 20, ["def load(text):", "    try:", "        conf = parse(text)"],
                   ["    except (OSError, ValueError):"], ["    except OSError:"],
                   ["        conf = DEFAULTS", "    return conf"])
STACK = file_diff("shop/stack.py", 5, ["class Stack:", "    def peek(self):"],
                  ["        return self.items[-1]"], ["        return self.items[0]"],
                  ["", "    def push(self, x):"])
TIMEOUT = file_diff("shop/net.py", 3, ["def connect(host):"],
                    ["    timeout = 10"], ["    timeout = 30"],
                    ["    return open_socket(host, timeout)"])
SCRIPT = file_diff("shop/page.js", 3, ["function total(prices, n) {"],
                   ["  for (let i = 1; i < n; i++) {"], ["  for (let i = 1; i < n - 1; i++) {"],
                   ["    s += prices[i];", "  }"])

# what each case's fix says is wrong, as a capable reviewer would put it
REASONS = {
    "for i in range(1, n - 1):": "The loop now stops at `n - 2`, so the last price `prices[n - 1]` is never added "
                                 "to the total.",
    "except OSError:": "A malformed config makes `parse(text)` raise `ValueError`, which `except OSError:` no longer "
                       "catches: the loader crashes instead of falling back to `DEFAULTS`.",
    "return self.items[0]": "`self.items[0]` is the bottom of the stack, so `peek()` returns the wrong item: after "
                            "`push(1)` and `push(2)` it gives 1.",
}
OLD_LINES = ["for i in range(1, n):", "except (OSError, ValueError):", "return self.items[-1]", "timeout = 30"]


def review(model, *diffs: str):
    return run_review(DiffInput("".join(diffs), "t"), backend=model, templates=Templates(), style="",
                      options=ReviewOptions(context=4096, verify=True, min_severity="warning"))


def test_the_consequence_sentence_leads_the_comment_then_the_contrast_and_the_suggestion():
    draft = {"comments": [{"line": 12, "side": "RIGHT", "severity": "warning", "body": "Check this loop."}]}
    model = Judging([json.dumps(draft)], correct_line="range(1, n):")  # unsure: p_new 0.45
    [c] = review(model, LOOP).comments
    assert c.body == ("`i` no longer reaches `n - 1`: the loop now stops at `n - 2`. This change replaces "
                      "`for i in range(1, n):` with `for i in range(1, n - 1):`: compared side by side, the code "
                      "before this change looks right and this does not. Please check it.")
    assert (c.line, c.suggestion) == (12, "    for i in range(1, n):")


def test_an_unsure_judge_keeps_the_judges_words_not_the_drafts():
    # the 1.5B's condemnations sit just under the threshold, and its words were mostly wrong
    draft = {"comments": [{"line": 12, "side": "RIGHT", "severity": "warning",
                           "body": "`range(1, n - 1)` is wrong: it should start at 0."}]}
    [c] = review(Judging([json.dumps(draft)], correct_line="range(1, n):"), LOOP).comments
    assert "should start at 0" not in c.body and c.body.endswith("Please check it.")


def test_outside_python_the_comment_is_todays():
    draft = {"comments": [{"line": 4, "side": "RIGHT", "severity": "warning", "body": "Check this loop."}]}
    [c] = review(Judging([json.dumps(draft)], correct_line="i < n; i++"), SCRIPT).comments
    assert c.body.startswith("This change replaces `for (let i = 1; i < n; i++) {`")


def test_a_capable_models_findings_reach_the_pull_request_with_their_reasons():
    model = Capable(REASONS, OLD_LINES, suspicious={"timeout = 30": "`timeout = 30` makes a dead host block for "
                                                                    "half a minute."})
    r = review(model, LOOP, CONFIG, STACK, TIMEOUT)
    posted = {c.path: c for c in r.comments}
    assert sorted(posted) == ["shop/config.py", "shop/stack.py", "shop/total.py"]  # the approved change is not posted
    for path, line in (("shop/total.py", "for i in range(1, n - 1):"), ("shop/config.py", "except OSError:"),
                       ("shop/stack.py", "return self.items[0]")):
        body = posted[path].body
        assert body.startswith("This change replaces ") and REASONS[line] in body  # the contrast leads, the reason kept
        assert "Please check it." not in body
    # where the classifier names the consequence too, its sentence follows the model's words;
    # where the model already said the same ("the loop now stops at `n - 2`"), it is not repeated
    loop, config = posted["shop/total.py"].body, posted["shop/config.py"].body
    assert loop.endswith(REASONS["for i in range(1, n - 1):"]) and "no longer reaches" not in loop
    assert config.index(REASONS["except OSError:"]) < config.index("A `ValueError` raised")
    assert config.endswith("A `ValueError` raised in the `try` is no longer caught here: it now propagates, where the "
                           "handler ran `conf = DEFAULTS` before.")
    assert posted["shop/stack.py"].body.endswith(REASONS["return self.items[0]"])  # no kind recognised there


def test_confident_verdicts_settle_after_one_pass_where_one_pass_can_decide():
    model = Capable(REASONS, OLD_LINES, suspicious={"timeout = 30": "`timeout = 30` makes a dead host block for "
                                                                    "half a minute."})
    r = review(model, LOOP, TIMEOUT)
    asked = lambda text: sum(text in p for p in model.judged)  # noqa: E731
    # the approval: a first vote of 0.99 for the new version puts the mean above 0.49 whatever
    # the second says, so it is not asked; a condemnation can never be sure after one vote at
    # t = 0.49 (the other vote could still lift the mean to 0.505), so both are asked
    assert asked("timeout = 30") == 1 and asked("range(1, n - 1)") == 2
    assert [c.path for c in r.comments] == ["shop/total.py"]
    assert [n.severity for n in r.left_out if n.path == "shop/net.py"] == ["note"]


def _part_of(diff: str):
    from reviewer.diff.parse import parse_diff
    from reviewer.review.passes.explain import changed_parts

    hunk = parse_diff(diff)[0].hunks[0]
    return changed_parts(hunk)[0], "\n".join(x.text for x in hunk.lines)


def _finding(line: int, body: str, side: str = "RIGHT"):
    from reviewer.types import Comment

    return Comment("shop/total.py", line, side, "error", body)


def test_a_reason_is_kept_only_on_the_changed_line_naming_the_code_and_not_noise():
    from reviewer.review.passes.explain import kept_reason

    part, code = _part_of(LOOP)
    good = "`range(1, n - 1)` is wrong: it skips the last index."
    assert kept_reason(part, [_finding(12, good)], 0.01, code) == good
    assert kept_reason(part, [_finding(12, good)], 0.45, code) is None  # the judge was not sure
    assert kept_reason(part, [_finding(13, good)], 0.01, code) is None  # another line (context)
    assert kept_reason(part, [_finding(12, "This is wrong and can break.")], 0.01, code) is None  # names no code
    assert kept_reason(part, [_finding(12, "`range` can lead to unexpected behavior.")], 0.01, code) is None  # vague
    praise = _finding(12, "Nice change: `range(1, n - 1)` reads better.")
    assert kept_reason(part, [praise], 0.01, code) is None
    assert kept_reason(part, [_finding(12, "`prices` is unused, so `range(1, n - 1)` is wrong.")], 0.01, code) is None
    # of two findings on the line, the more severe one that qualifies
    other = _finding(12, "`range(1, n - 1)` drops the last element `prices[n - 1]`, which is wrong.")
    from dataclasses import replace
    assert kept_reason(part, [replace(_finding(12, good), severity="warning"), other], 0.01, code) == other.body


def test_no_consequence_sentence_turns_a_comment_into_noise():
    # the noise pass reads the comment after explain: a sentence that made it noise would change
    # what is posted, not only its words
    from reviewer.review.passes.noise import Shown, noise_kind

    for old, new, _, sentence in CASES:
        body = (f"{sentence} This change replaces `a` with `b`: compared side by side, the code before this change "
                "looks right and this does not. Please check it.")
        assert noise_kind(body, Shown(code=old + "\n" + new)) is None, sentence
