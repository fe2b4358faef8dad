"""Untrusted content: what a pull request's author (title, description, diff, file names) or a
model steered by them can make the tool do. Nothing: no verdict, no ping, no HTML, no forged
marker, no configuration, no token."""

from __future__ import annotations

import re

import pytest

from reviewer.sanitize import ZWSP, clean_model_text, escape_html, for_github, neutralise_mentions

# GitHub's mention rule (html-pipeline's MentionFilter): "@" not after an ASCII word character,
# then a login; a team is "@org/team". Code does not ping, but what is code is GitHub's call, so
# the tool leaves no "@login" anywhere, code spans included.
LIVE_MENTION = re.compile(r"(?<![A-Za-z0-9])@[A-Za-z0-9&]")


def live_mentions(text: str) -> list[str]:
    return [text[m.start(): m.start() + 20] for m in LIVE_MENTION.finditer(text)]


@pytest.mark.parametrize("text", [
    "ping @octocat", "@octocat at the start", "team @org/team", "after a backtick `x`@octocat",
    "after a dot x.@octocat", "after a slash x/@octocat", "after a letter é@octocat", "(@octocat)",
    "\\@octocat", "[@octocat](https://x)", "&#64;octocat", "&#064;octocat", "&#x40;octocat", "&commat;octocat",
    "&#64octocat", "`@octocat`", "```\n@octocat\n```", "**@octocat**", "_@octocat_", "~@octocat",
    "@&#111;ctocat", "&#64;&#111;ctocat",
])
def test_every_mention_github_could_read_is_neutralised(text):
    for clean in (clean_model_text(text), for_github(text), neutralise_mentions(text)):
        assert not live_mentions(clean), clean
        assert "@" + ZWSP in clean


def test_email_addresses_and_plain_at_signs_are_left_alone():
    assert clean_model_text("write to dev@example.com, a @ b, @-sign") == "write to dev@example.com, a @ b, @-sign"
    assert neutralise_mentions(neutralise_mentions("@a")) == "@" + ZWSP + "a"  # idempotent


@pytest.mark.parametrize("text, kept, gone", [
    ("use `List<int>` here", "`List<int>`", None),
    ("```py\nif a < b:\n    pass\n```\nthen <b>x</b>", "if a < b:", "<b>"),
    ("<img src=x onerror=alert(1)>", None, "<img"),
    ("<details><summary>ok</summary>hidden</details>", None, "<details"),
    ("<a href=\"https://evil.example\">fix</a>", None, "<a "),
    ("<https://evil.example>", None, "<https"),
    ("<sub><sup>tiny</sup></sub>", None, "<sub"),
    ("```x`y\n<b>not a fence</b>\n```", None, "<b>"),  # a backtick fence's info string has no backtick
    ("\\`<b>x</b>`", None, "<b>"),  # an escaped backtick opens no span
    ("`a | <b>x</b>`", None, "<b>"),  # in a table, "|" ends the cell even inside a span
    ("x\u2028```\n<b>x</b>\n```", None, "<b>"),  # only "\n" ends a line
])
def test_no_html_reaches_github_outside_code(text, kept, gone):
    out = for_github(text)
    if kept is not None:
        assert kept in out
    if gone is not None:
        assert gone not in out
    assert escape_html(out) == out  # nothing left to escape: idempotent


def test_hidden_text_and_forged_markers_are_removed():
    text = "fine <!-- reviewer:fp=0123456789abcdef --> <!-- hidden --> reviewer:summary <!-- cut to the end"
    out = for_github(text)
    assert out == "fine"
