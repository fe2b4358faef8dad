"""`reviewer style learn`: a reviewer's past review comments, read page by page from the fake
GitHub (a few hundred comments by several people), grouped into recurring points, written as a
draft style file with quoted examples."""

from __future__ import annotations

import itertools
import random
import re

import pytest
from click.testing import CliRunner
from fakes.github import FakeGitHub
from fakes.common import REPO, TOKEN, make_client
from fakes.diffs import new_file

from reviewer.cli import main
from reviewer.style import guide_from_files
from reviewer.style.clusters import find_clusters, key_terms
from reviewer.hosts.github.learn import fetch_review_comments
from reviewer.style.learn import draft_style

MAINTAINER = "ggerganov"
PULLS = range(1, 9)
LINES = 60

# the maintainer's recurring points, each worded a few ways, and one-off remarks
THEMES = {
    "n_": ["Prefer `n_` over `num_` for counts: `n_tokens`, not `num_tokens`.",
           "prefer `n_` over `num_` here too",
           "Use `n_` instead of `num_`, this is the convention in the whole codebase.",
           "nit: prefer `n_` over `num_` (see llama.h)"],
    "whitespace": ["Remove the trailing whitespace.",
                   "There is trailing whitespace on this line, please clean it up.",
                   "trailing whitespace again - enable it in your editor"],
    "struct": ["In C++ code omit the optional `struct` keyword: `llama_context * ctx`.",
               "No need for the `struct` keyword here, this is C++.",
               "Drop the `struct` keyword - we omit it in C++ code."],
    "braces": ["Keep the brackets on the same line as the `if`.",
               "Brackets on the same line, like the rest of the file.",
               "Style: the opening brackets go on the same line."],
}
COUNTS = {"n_": 30, "whitespace": 22, "struct": 16, "braces": 12}
ONE_OFF = ["Why is this loop unrolled by hand?", "This will overflow for very long prompts, use int64_t.",
           "Can we move the allocation out of the hot path?", "The server already handles this upstream.",
           "This breaks the Metal backend on older macOS.", "Let's keep the old behaviour behind a flag.",
           "Is the scratch buffer reused after the graph is freed?", "Rebase on master, the CI fix landed.",
           "What happens when the vocabulary is empty?", "Add a comment with the paper's equation number.",
           "The quantization error grows at Q2_K, did you measure perplexity?", "Move this into ggml-cpu.",
           "The KV cache shift is wrong when the sequence wraps around.", "Benchmark this on Apple silicon first.",
           "Does the tokenizer still round-trip unicode?", "Split the refactor out of this fix.",
           "Reuse the existing sampler chain API.", "Check the return value of fopen.",
           "This duplicates the logic in the server example.", "Mention the new flag in the README."]
# other people's habits: none of it may reach the draft
OTHERS = {"alice": ["Please add a docstring to this function.", "Missing docstring for the public helper."],
          "bob": ["Add type hints to the signature please.", "Type hints would make this clearer."],
          "carol": ["LGTM", "Looks good to me, thanks!", "Nice cleanup."]}


@pytest.fixture(scope="module")
def gh():
    with FakeGitHub(token=TOKEN) as fake:
        fake.add_repo(REPO)
        for n in PULLS:
            lines = [f"int x_{i} = {i};" for i in range(LINES)]
            fake.add_pull(REPO, number=n, diff=new_file(f"src/file_{n}.cpp", lines), title=f"ggml : change {n}",
                          user="contributor")
        seed(fake)
        yield fake


def seed(fake) -> None:
    """30+22+16+12 themed and 20 one-off comments by the maintainer, 200 by others: 300 in all."""
    spots = itertools.cycle([(n, line) for line in range(1, LINES + 1) for n in PULLS])
    comments = []
    for theme, count in COUNTS.items():
        comments += [(MAINTAINER, THEMES[theme][i % len(THEMES[theme])]) for i in range(count)]
    comments += [(MAINTAINER, remark) for remark in ONE_OFF]
    for i in range(200):
        user = list(OTHERS)[i % 3]
        comments.append((user, OTHERS[user][i % len(OTHERS[user])]))
    # interleave authors the way a busy repository does
    random.Random(8).shuffle(comments)
    for (user, body), (n, line) in zip(comments, spots):
        fake.add_review_comment(REPO, n, path=f"src/file_{n}.cpp", line=line, body=body, user=user)


def comment_requests(gh, start: int = 0):
    return [q for q in gh.requests[start:] if q.path == f"/repos/{REPO}/pulls/comments"]


def test_fetch_reads_every_page_and_keeps_only_the_reviewer(gh):
    start = len(gh.requests)
    fetched = fetch_review_comments(make_client(gh), REPO, "GGerganov")  # logins are case-insensitive
    assert fetched.scanned == 300 and fetched.pages == 3 and fetched.complete
    assert len(fetched.comments) == 100
    requests = comment_requests(gh, start)
    assert [q.query.get("page", "1") for q in requests] == ["1", "2", "3"]
    assert all(q.method == "GET" and q.query["per_page"] == "100" and q.query["sort"] == "created"
               and q.query["direction"] == "desc" for q in requests)
    dates = [c.created for c in fetched.comments]
    assert dates == sorted(dates, reverse=True)  # newest first
    assert all(c.url.startswith(gh.html_url) and "#discussion_r" in c.url and c.pull in PULLS
               for c in fetched.comments)


def test_limit_stops_reading_early(gh):
    start = len(gh.requests)
    fetched = fetch_review_comments(make_client(gh), REPO, MAINTAINER, limit=10)
    assert len(fetched.comments) == 10 and not fetched.complete
    assert len(comment_requests(gh, start)) == 1


def test_a_failing_page_is_retried(gh):
    gh.fail_next("GET", rf"/repos/{REPO}/pulls/comments", status=502)
    start = len(gh.requests)
    fetched = fetch_review_comments(make_client(gh, sleep=lambda s: None), REPO, MAINTAINER)
    assert len(fetched.comments) == 100
    assert [q.status for q in comment_requests(gh, start)] == [502, 200, 200, 200]


def test_draft_has_the_recurring_points_with_quotes(gh):
    fetched = fetch_review_comments(make_client(gh), REPO, MAINTAINER)
    text, clusters = draft_style(REPO, MAINTAINER, fetched, min_count=3)
    keys = [c.key for c in clusters]
    assert keys[0] == "`n_` over `num_`", keys  # the most frequent point first
    assert len(clusters[0].members) == 30 and clusters[0].prs == len(PULLS)
    assert set(keys[1:4]) == {"trailing whitespace", "`struct`", "bracket"}, keys
    assert len(keys) == 4  # the one-off remarks make no rule
    for other in ("docstring", "type hint", "LGTM", "Looks good"):
        assert other.lower() not in text.lower()
    assert text.startswith("<!--\nDraft written by `reviewer style learn` from 100 review comments by ggerganov")
    sections = re.split(r"^## ", text, flags=re.M)[1:]
    assert len(sections) == 4
    for section in sections:
        quotes = re.findall(r"^> -- \[#(\d+)\]\((\S+)\), `src/file_\d+\.cpp`$", section, re.M)
        assert len(quotes) == 2 and all("#discussion_r" in url for _, url in quotes)
        examples = re.findall(r"^> (?!--)(.+)$", section, re.M)
        assert len(set(examples)) == 2  # two different examples
    first = sections[0]
    assert first.startswith("`n_` over `num_`\n\n- ")
    assert "`n_`" in first.split("\n")[2] and "`num_`" in first.split("\n")[2]  # the rule, in his words
    assert "Seen in 30 comments on 8 pull requests (`.cpp` files)" in first


def test_the_draft_is_a_style_file(gh, tmp_path):
    fetched = fetch_review_comments(make_client(gh), REPO, MAINTAINER)
    path = tmp_path / "style.md"
    path.write_text(draft_style(REPO, MAINTAINER, fetched)[0])
    guide = guide_from_files((str(path),))
    assert [s.title for s in guide.sections][:2] == ["Review style of ggerganov (draft) › `n_` over `num_`",
                                                   "Review style of ggerganov (draft) › Trailing whitespace"]
    assert "Draft written" not in guide.text  # the header is an HTML comment: never sent to the model


def test_cli_writes_the_draft(gh, tmp_path, monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    out = tmp_path / "draft.md"
    args = ["style", "learn", REPO, "--reviewer", MAINTAINER, "--github-url", gh.base_url, "-o", str(out)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "100 comments by ggerganov (of 300 read, 3 pages): 4 recurring points, draft written to" in result.stderr
    assert "## `n_` over `num_`" in out.read_text()
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 2 and "exists" in again.stderr  # never overwritten without --force
    assert CliRunner().invoke(main, [*args, "--force"]).exit_code == 0
    assert TOKEN not in result.output


def test_cli_errors(gh, monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    base = ["style", "learn", "--github-url", gh.base_url]
    nobody = CliRunner().invoke(main, [*base, REPO, "--reviewer", "nobody"])
    assert nobody.exit_code == 2 and "no review comments by nobody in the 300 comments read" in nobody.stderr
    missing = CliRunner().invoke(main, [*base, "octo/missing", "--reviewer", MAINTAINER])
    assert missing.exit_code == 5 and missing.stderr.startswith("error: repository or PR not found")
    bad = CliRunner().invoke(main, [*base, "not-a-repo", "--reviewer", MAINTAINER])
    assert bad.exit_code == 2 and "not a repository" in bad.stderr


def test_key_terms_and_clusters_without_a_model():
    assert {"`n_` over `num_`", "`n_`", "`num_`", "count"} <= key_terms("Prefer `n_` over `num_` for counts.")
    assert "trailing whitespace" in key_terms("Remove the trailing whitespaces @someone https://x.y/z")
    assert key_terms("```suggestion\nint num_x;\n```\nLGTM") == set()  # code blocks and filler are no point
    bodies = ["use `n_` instead of `num_`", "prefer `n_` over `num_` please", "prefer n_ over num_",
              "trailing whitespace", "trailing whitespace here"]
    clusters, rest = find_clusters(bodies, [1, 2, 3, 1, 1])
    assert [c.key for c in clusters] == ["`n_` over `num_`"]  # the whitespace pair is on one PR only
    assert clusters[0].members == (0, 1, 2) and rest == [3, 4]
