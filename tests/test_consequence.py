"""The change classifier (reviewer/review/passes/consequence): one case per rule, on made-up code, with
the sentence it must say; look-alike changes it must stay silent on (a false "why" is worse
than none); fragments it must read without raising."""

from __future__ import annotations

import textwrap

import pytest
from fakes.consequence_cases import CASES

from reviewer.review.passes.consequence import RULES, classify, read_change


def said(old: str, new: str):
    found = classify(textwrap.dedent(old).strip("\n"), textwrap.dedent(new).strip("\n"))
    return (found.kind, found.sentence) if found else None


# (old, new, kind, sentence): each rule's own shape, names and values from the code


@pytest.mark.parametrize("old, new, kind, sentence", CASES, ids=[f"{c[2]}-{i}" for i, c in enumerate(CASES)])
def test_each_rule_names_its_change_in_the_codes_own_words(old, new, kind, sentence):
    assert said(old, new) == (kind, sentence)


def test_every_rule_has_a_case():
    kinds = {c[2] for c in CASES}
    # each rule's own kinds (a rule may speak of more than one: narrowed and widened)
    assert len(RULES) == 31 and len(kinds) >= 29


# look-alikes: the trees show something else, or more than one change, and nothing is said
SILENT = [
    ("x = a + b", "x = a + c"),  # a name changed: no consequence the code states
    ("if x in pool:\n    use(x)", "if x in spare:\n    use(x)"),  # another container, not a narrowed literal
    ("if v in (a, b):\n    go()", "if v in a:\n    go()"),  # `v in a` asks something else of `a`
    ("try:\n    f()\nexcept (ValueError, UnicodeError):\n    pass", "try:\n    f()\nexcept ValueError:\n    pass"),
    ("try:\n    f()\nexcept (KeyError, Exception):\n    pass", "try:\n    f()\nexcept Exception:\n    pass"),
    ("try:\n    f()\nexcept (OSError, ValueError):\n    pass\nexcept Exception:\n    pass",
     "try:\n    f()\nexcept OSError:\n    pass\nexcept Exception:\n    pass"),
    ("for i in range(0, n, 2):\n    pass", "for i in range(0, n - 1, 2):\n    pass"),  # a step other than 1
    ("for i in range(a, b):\n    pass", "for i in range(a, c):\n    pass"),  # another bound, not an offset
    ("if size >= limit and ok:\n    go()\nx = 1", "if size > limit and ok:\n    go()\nx = 2"),  # two changes
    ("label = a + b", "label = b + a"),  # numbers commute: no order to speak of
    ("re.sub(p, r, s, count=1)", "re.sub(p, r, s, 1)"),  # the same parameter by position
    ("q = parse_qs(raw, keep_blank_values=False)", "q = parse_qs(raw)"),  # the default it had anyway
    ("seen.add(n)\nwork(n)", "work(n)"),  # nothing in view reads `seen`
    ("cache.add(k)\nif k in cache:\n    hit()\ncache.add(k)", "if k in cache:\n    hit()\ncache.add(k)"),  # still added
    ("self.x = 1\nself.x = 2", "self.x = 2"),  # assigned again right after
    ("total = 0\nfor x in xs:\n    total = total + x\n    total = round(total)",
     "total = 0\nfor x in xs:\n    total = round(total)"),  # still assigned in the loop
    ("return ready", "return True"),  # not a test: its truth is not known
    ("try:\n    v = conf.level\nexcept AttributeError:\n    v = 0\nif hasattr(conf, 'level'):\n    pass",
     "try:\n    v = conf.level\nexcept AttributeError:\n    v = 0"),
    ('"""Docs."""\nx = 1', '"""Other docs."""\nx = 1'),  # a docstring reworded
    ("x = 1  # one", "x = 1  # uno"),  # a comment
]


@pytest.mark.parametrize("old, new", SILENT)
def test_look_alike_changes_get_no_sentence(old, new):
    assert said(old, new) is None


def test_a_hasattr_check_says_nothing_of_a_read_it_never_protected():
    # the read came before the check: removing the check is a condition removed, not a new risk
    assert said("print(conf.level)\nif hasattr(conf, 'level'):\n    x = 1", "print(conf.level)\nx = 1") == (
        "condition-removed", "The body of `if hasattr(conf, 'level'):` now runs also when `hasattr(conf, 'level')` is "
                             "false.")


@pytest.mark.parametrize("old, new", [
    ("", ""), ("(", ")"), ("def", "class"), ("\x00", "x"), ("x = [", "x = ("), ("    ", "\t"),
    ("if x:\n" * 200, "if y:\n" * 200), ("a" * 5000, "b" * 5000), ("(" * 300 + "1" + ")" * 300, "2"),
])
def test_anything_at_all_is_read_without_raising(old, new):
    assert classify(old, new) is None or classify(old, new).sentence.endswith(".")


def test_a_fragment_that_starts_inside_a_block_and_leaves_it_is_read():
    # the hunk starts in an `if` body, two levels in, then goes back out: openers are added
    head = "            x = load()\n        elif mode == 'b':\n            y = 2\n"
    old = head + "        if size >= cap:\n            drop()"
    new = head + "        if size > cap:\n            drop()"
    assert said(old, new)[0] == "bound-moved"


def test_a_fragment_that_starts_mid_call_is_trimmed_until_both_sides_parse():
    old = "        arg,\n        other)\n    for j in range(0, m):\n        row(j)"
    new = "        arg,\n        other)\n    for j in range(0, m - 1):\n        row(j)"
    assert said(old, new) == ("bound-moved", "`j` no longer reaches `m - 1`: the loop now stops at `m - 2`.")


def test_a_hunk_that_does_not_parse_is_read_from_its_one_changed_line():
    old = "    x = [\n        foo(\n    if count >= top:\n        bar("
    new = "    x = [\n        foo(\n    if count > top:\n        bar("
    assert said(old, new)[0] == "bound-moved"


def test_return_and_break_outside_a_function_or_loop_parse():
    assert read_change("if done:\n    break\nstep()", "step()") is not None
    assert said("if not ok:\n    return\nrun()", "run()") == (
        "guard-removed", "An empty (or false) `ok` now reaches the code below instead of returning.")


def test_the_same_edit_in_two_places_is_one_change():
    old = "a = re.compile(re.escape(x))\nb = re.compile(re.escape(x) + '!')"
    new = "a = re.compile(x)\nb = re.compile(x + '!')"
    assert said(old, new)[0] == "wrapper-removed"


def test_a_definition_removed_with_the_test_that_used_it_is_named_in_the_sentence():
    old = "quoted = s.startswith('\"')\nif not strict and not quoted:\n    s = repr(s)"
    new = "if not strict:\n    s = repr(s)"
    assert said(old, new) == ("condition-weakened", "`s = repr(s)` now also runs when `quoted` is true (the test still "
                                                    "needs `not strict`; `quoted` was `s.startswith('\"')`).")
