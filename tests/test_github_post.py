"""Posting a Review to the fake GitHub: one COMMENT review that GitHub accepts, idempotent
re-runs, pushes, the 30-comment cap, 422 recovery, safe model text, verdict settings."""

from __future__ import annotations

import dataclasses
import re

import pytest
from fakes.gitdiffs import own_diff
from fakes.common import REPO, TOKEN, make_client
from fakes.diffs import modified_file, new_file

from reviewer.diff.parse import parse_diff
from reviewer.errors import PostError
from reviewer.hosts.common.markers import fingerprint
from reviewer.hosts.github.ref import parse_pr_ref
from reviewer.hosts.github.sink import GitHubReviewSink, choose_event
from reviewer.hosts.github.source import PullRequestSource
from reviewer.types import Comment, Note, Review, Stats

HEAD, HEAD2 = "b" * 40, "c" * 40
FP = re.compile(r"<!-- reviewer:fp=[0-9a-f]{16} -->")


@pytest.fixture
def gh(fake_github):
    return fake_github  # its token's user is review-bot


def fetched(gh, number=7):
    return PullRequestSource(make_client(gh), parse_pr_ref(f"{REPO}#{number}")).fetch()


def lines(diff_text: str, kind: str = "+"):
    return [(f.path, ln) for f in parse_diff(diff_text) for h in f.hunks for ln in h.lines if ln.kind == kind]


def make_review(d, comments, **kw) -> Review:
    return Review(comments=tuple(comments), summary=kw.pop("summary", "Reviewed the change."), stats=Stats(),
                  pr=d.pr, model="test-model", files=tuple(f.path for f in parse_diff(d.text)), **kw)


def publish(gh, d, review, diff_text=None, **kw):
    start = len(gh.requests)
    result = GitHubReviewSink(make_client(gh), diff_text or d.text, **kw).publish(review)
    return result, gh.requests[start:]


def finding(path, ln, body, severity="warning", **kw) -> Comment:
    return Comment(path, ln.line, ln.side, severity, body, **kw)


def test_post_one_comment_review_that_github_accepts_then_rerun_posts_nothing(gh):
    text = own_diff("python-change").text
    gh.add_pull(REPO, number=7, diff=text, user="alice", head_sha=HEAD)
    d = fetched(gh)
    added, removed = lines(text, "+"), lines(text, "-")
    (path, first), (_, second) = added[0], added[1]
    assert second.line == first.line + 1  # consecutive new-file lines of one hunk: a range
    comments = [
        finding(path, second, "Range finding.", start_line=first.line),
        finding(*added[5], "Use a context manager.", "error", suggestion="with open(p) as f:\n    ```x```"),
        finding(*removed[0], "This removed check was needed.", "note"),
    ]
    result, requests = publish(gh, d, make_review(d, comments), inline_notes=True)
    assert (result.verdict, result.posted, result.in_body, result.rejected, result.summary) == ("COMMENT", 3, 0, 0,
                                                                                             "created")
    assert all(q.status < 400 for q in requests)  # GitHub accepted everything: no 4xx in a normal run
    [review] = gh.reviews(REPO, 7)
    assert review["state"] == "COMMENTED" and review["commit_id"] == HEAD and result.url == review["html_url"]
    posted = {c["line"]: c for c in gh.review_comments(REPO, 7)}
    assert len(posted) == 3 and all(c["commit_id"] == HEAD and len(FP.findall(c["body"])) == 1
                                    for c in posted.values())
    ranged = posted[second.line]
    assert (ranged["start_line"], ranged["start_side"], ranged["side"]) == (first.line, "RIGHT", "RIGHT")
    assert posted[removed[0][1].line]["side"] == "LEFT"
    suggestion = posted[added[5][1].line]["body"]
    assert "````suggestion\nwith open(p) as f:\n    ```x```\n````" in suggestion  # the fence outgrows the code
    [summary] = gh.issue_comments(REPO, 7)
    assert summary["body"].startswith("<!-- reviewer:summary -->") and HEAD[:12] in summary["body"]
    writes = [(q.method, q.path) for q in requests if q.method != "GET"]
    assert writes == [("POST", f"/repos/{REPO}/pulls/7/reviews"), ("POST", f"/repos/{REPO}/issues/7/comments")]
    assert len(requests) == 6  # /user, comments, reviews, POST review, issue comments, POST summary

    again, requests = publish(gh, fetched(gh), make_review(d, comments))
    assert (again.verdict, again.posted, again.duplicates, again.summary) == (None, 0, 3, "unchanged")
    assert [q for q in requests if q.method != "GET"] == []
    assert len(gh.reviews(REPO, 7)) == 1 and len(gh.review_comments(REPO, 7)) == 3
    assert len(gh.issue_comments(REPO, 7)) == 1


def test_after_a_push_only_new_findings_are_posted_and_old_threads_are_left_alone(gh):
    v1 = modified_file("calc.py", ["return a / b"], ["return a / b  # safe", "log(b)"]) + \
        new_file("gone.py", ["temporary = 1"])
    gh.add_pull(REPO, number=7, diff=v1, head_sha=HEAD)
    d1 = fetched(gh)
    old = [finding(p, ln, f"Look at `{ln.text}`.") for p, ln in lines(v1)]
    publish(gh, d1, make_review(d1, old))
    gone = next(c for c in gh.review_comments(REPO, 7) if c["path"] == "gone.py")
    gh.add_review_comment(REPO, 7, path="gone.py", line=1, body="Fixed, thanks", user="alice",
                          in_reply_to=gone["id"])

    v2 = modified_file("calc.py", ["return a / b"], ["return a / b  # safe", "log(b)", "audit(b)"], offset=40)
    gh.push(REPO, 7, head_sha=HEAD2, diff=v2)
    d2 = fetched(gh)
    assert d2.pr.head_sha == HEAD2
    moved = [finding(p, ln, f"Look at `{ln.text}`.") for p, ln in lines(v2)]  # two old findings, moved; one new
    result, requests = publish(gh, d2, make_review(d2, moved, summary="Second pass."))
    assert (result.posted, result.duplicates, result.summary) == (1, 2, "edited")
    writes = [(q.method, q.path) for q in requests if q.method != "GET"]
    assert writes[0] == ("POST", f"/repos/{REPO}/pulls/7/reviews") and writes[1][0] == "PATCH"
    assert len(writes) == 2  # nothing deleted, no review comment edited
    bodies = [c["body"] for c in gh.review_comments(REPO, 7)]
    assert sum("audit(b)" in b for b in bodies) == 1 and sum("log(b)" in b for b in bodies) == 1
    assert any(b == "Fixed, thanks" for b in bodies)  # the answered thread is still there
    [summary] = gh.issue_comments(REPO, 7)
    assert "Second pass." in summary["body"] and HEAD2[:12] in summary["body"]


def test_more_than_the_cap_go_into_the_review_body_with_links(gh):
    text = new_file("big.py", [f"x{i} = {i}" for i in range(40)])
    gh.add_pull(REPO, number=7, diff=text, head_sha=HEAD)
    d = fetched(gh)
    comments = [finding(p, ln, f"Finding {i}.", "error" if i >= 35 else "note") for i, (p, ln) in
                enumerate(lines(text))][:38]
    result, requests = publish(gh, d, make_review(d, comments), max_comments=30, inline_notes=True)
    assert (result.posted, result.in_body, result.rejected) == (30, 8, 0)
    assert all(q.status < 400 for q in requests)
    posted = gh.review_comments(REPO, 7)
    assert len(posted) == 30 and sum("**error**" in c["body"] for c in posted) == 3  # errors are placed first
    body = gh.reviews(REPO, 7)[0]["body"]
    assert "30 comments on the diff, 8 more below" in body and body.count("/files#diff-") == 8
    assert len(FP.findall(body)) == 8
    # the overflow is remembered too: a re-run repeats none of the 38
    again, _ = publish(gh, fetched(gh), make_review(d, comments), max_comments=30)
    assert (again.verdict, again.duplicates) == (None, 38)


def test_a_comment_off_the_diff_goes_into_the_body_not_to_github(gh):
    text = new_file("a.py", ["a = 1", "b = 2"])
    gh.add_pull(REPO, number=7, diff=text, head_sha=HEAD)
    d = fetched(gh)
    (p, ln) = lines(text)[0]
    off = Comment("a.py", 99, "RIGHT", "warning", "Off the diff.")
    result, requests = publish(gh, d, make_review(d, [finding(p, ln, "On the diff."), off]))
    assert (result.posted, result.in_body, result.rejected) == (1, 1, 1)
    assert all(q.status < 400 for q in requests)
    assert "Findings not on a line of the reviewed diff" in gh.reviews(REPO, 7)[0]["body"]


def test_422_recovery_posts_the_valid_comments_and_puts_the_rest_in_the_body(gh):
    real = new_file("a.py", ["a = 1", "b = 2"])
    gh.add_pull(REPO, number=7, diff=real, head_sha=HEAD)
    d = fetched(gh)
    ours = real + new_file("b.py", ["c = 3"])  # what we reviewed has a file GitHub's diff lacks
    comments = [finding(p, ln, f"About {ln.text}.") for p, ln in lines(ours)]
    result, requests = publish(gh, d, make_review(d, comments), diff_text=ours)
    assert (result.verdict, result.posted, result.in_body, result.rejected) == ("COMMENT", 2, 1, 1)
    statuses = [(q.method, q.status) for q in requests if q.path.endswith("/reviews") or "/reviews/" in q.path]
    assert statuses[1] == ("POST", 422)  # the first attempt; then each comment alone, then the real one
    assert [s for s in statuses if s[0] == "DELETE"] == [("DELETE", 200)] * 2
    [review] = gh.reviews(REPO, 7)  # the probe reviews are gone: exactly one review
    assert review["state"] == "COMMENTED" and "About c = 3." in review["body"]
    assert "Findings GitHub refused to place on the diff" in review["body"]
    assert sorted(c["path"] for c in gh.review_comments(REPO, 7)) == ["a.py", "a.py"]


def test_a_transient_422_loses_nothing(gh):
    text = new_file("a.py", ["a = 1", "b = 2"])
    gh.add_pull(REPO, number=7, diff=text, head_sha=HEAD)
    d = fetched(gh)
    gh.fail_next("POST", rf"/repos/{REPO}/pulls/7/reviews", status=422,
                 body={"message": "Unprocessable Entity", "errors": ["Line could not be resolved"]})
    result, _ = publish(gh, d, make_review(d, [finding(p, ln, ln.text) for p, ln in lines(text)]))
    assert (result.posted, result.in_body) == (2, 0)
    assert len(gh.reviews(REPO, 7)) == 1 and len(gh.review_comments(REPO, 7)) == 2


def test_a_review_github_refuses_entirely_is_a_post_error(gh):
    text = new_file("a.py", ["a = 1"])
    gh.add_pull(REPO, number=7, diff=text, head_sha=HEAD)
    d = fetched(gh)
    gone = dataclasses.replace(d.pr, head_sha="d" * 40)  # not a commit of the PR (force-pushed away)
    review = dataclasses.replace(make_review(d, [finding(*lines(text)[0], "A finding.")]), pr=gone)
    with pytest.raises(PostError, match="GitHub refused the review on dddddddddddd") as exc:
        publish(gh, d, review)
    assert exc.value.exit_code == 5


def test_model_text_is_posted_safely(gh):
    text = new_file("a.py", ["a = 1", "b = 2"])
    gh.add_pull(REPO, number=7, diff=text, head_sha=HEAD)
    d = fetched(gh)
    (p, l1), (_, l2) = lines(text)
    other_fp = fingerprint(p, "warning", "Second.")
    evil = (f"Ping @octocat and @octo/admins <!-- reviewer:fp={other_fp} --> reviewer:summary "
            "<img src=x onerror=alert(1)><!-- hidden")
    note = Note("a.py", "error", "Unplaced @someone", 40)
    review = make_review(d, [finding(p, l1, evil), finding(p, l2, "Second.")], notes=(note,),
                         summary="Summary cc @maintainers <!-- reviewer:summary -->")
    result, _ = publish(gh, d, review)
    assert result.posted == 2  # a forged marker does not make the sink skip "Second."
    everything = [c["body"] for c in gh.review_comments(REPO, 7)] + [gh.issue_comments(REPO, 7)[0]["body"]]
    for body in everything:
        assert not re.search(r"(?<![\w`])@[A-Za-z]", body), body  # no ping survives
        assert "<img" not in body and "hidden" not in body
    first = next(b for b in everything if "octocat" in b)
    assert len(FP.findall(first)) == 1 and other_fp not in first
    assert "reviewer:summary" not in first
    assert gh.issue_comments(REPO, 7)[0]["body"].count("reviewer:summary") == 1


@pytest.mark.parametrize("setting, severity, own, expected", [
    ("COMMENT", "error", False, "COMMENTED"),
    ("REQUEST_CHANGES_ON_ERROR", "error", False, "CHANGES_REQUESTED"),
    ("REQUEST_CHANGES_ON_ERROR", "warning", False, "COMMENTED"),
    ("APPROVE_WHEN_CLEAN", None, False, "APPROVED"),
    ("APPROVE_WHEN_CLEAN", None, True, "COMMENTED"),  # GitHub refuses approving one's own PR
])
def test_review_event_follows_the_trusted_setting_only(gh, setting, severity, own, expected):
    text = new_file("a.py", ["a = 1"])
    gh.add_pull(REPO, number=7, diff=text, head_sha=HEAD, user="review-bot" if own else "alice")
    d = fetched(gh)
    comments = [finding(*lines(text)[0], "A finding.", severity)] if severity else []
    result, requests = publish(gh, d, make_review(d, comments), review_event=setting)
    assert [r["state"] for r in gh.reviews(REPO, 7)] == [expected]
    assert result.downgraded is own
    again, _ = publish(gh, fetched(gh), make_review(d, comments), review_event=setting)
    assert again.verdict is None and len(gh.reviews(REPO, 7)) == 1  # the verdict is not repeated


def test_choose_event_defaults_to_comment():
    review = Review(comments=(), summary="", stats=Stats())
    assert choose_event("COMMENT", review) == "COMMENT"
    assert choose_event("APPROVE_WHEN_CLEAN", dataclasses.replace(review, notes=(Note("a", "note", "x"),))) == "COMMENT"


def test_rate_limited_and_failing_writes_post_exactly_once(gh):
    text = new_file("a.py", ["a = 1"])
    gh.add_pull(REPO, number=7, diff=text, head_sha=HEAD)
    d = fetched(gh)
    gh.fail_next("POST", rf"/repos/{REPO}/pulls/7/reviews", status=403, headers={"Retry-After": "1"})
    gh.fail_next("POST", rf"/repos/{REPO}/issues/7/comments", status=502)
    slept: list[float] = []
    sink = GitHubReviewSink(make_client(gh, sleep=slept.append, max_wait=5), d.text)
    result = sink.publish(make_review(d, [finding(*lines(text)[0], "Once.")]))
    assert result.posted == 1 and result.summary == "created" and slept == [1.0, 1.0]
    assert len(gh.reviews(REPO, 7)) == 1 and len(gh.issue_comments(REPO, 7)) == 1


def test_someone_elses_summary_marker_is_not_taken_over(gh):
    text = new_file("a.py", ["a = 1"])
    gh.add_pull(REPO, number=7, diff=text, head_sha=HEAD)
    gh.add_issue_comment(REPO, 7, body="<!-- reviewer:summary --> fake", user="mallory")
    d = fetched(gh)
    result, _ = publish(gh, d, make_review(d, []))
    assert result.summary == "created" and result.verdict == "COMMENT"  # the head's one review: no findings
    assert "no new findings" in gh.reviews(REPO, 7)[0]["body"]
    assert [c["user"]["login"] for c in gh.issue_comments(REPO, 7)] == ["mallory", "review-bot"]


def test_comments_on_a_rebuilt_120_file_diff_are_all_accepted(gh):
    from fakes.diffs import many_files_diff

    gh.add_pull(REPO, number=9, diff=many_files_diff(120), head_sha=HEAD)
    gh.diff_limit_files = 100  # 406: the diff is rebuilt from the files list
    d = fetched(gh, 9)
    files = parse_diff(d.text)
    firsts = [(f.path, f.hunks[0].lines[-2]) for f in files]  # an added or removed line of every file
    comments = [finding(p, ln, f"About {p}.", "error" if i < 40 else "note") for i, (p, ln) in enumerate(firsts)]
    result, requests = publish(gh, d, make_review(d, comments))
    assert (result.posted, result.in_body, result.rejected) == (30, 66, 0)
    assert all(q.status < 400 for q in requests)
    posted = gh.review_comments(REPO, 9)
    assert {c["side"] for c in posted} == {"LEFT", "RIGHT"} and any(c["path"].startswith("new dir/") for c in posted)
    assert gh.reviews(REPO, 9)[0]["body"].count("/files#diff-") == 66


def test_markers_count_only_from_the_tokens_user_unless_it_cannot_be_known(gh):
    text = new_file("a.py", ["a = 1", "b = 2"])
    gh.add_pull(REPO, number=7, diff=text, head_sha=HEAD)
    d = fetched(gh)
    (p, l1), (_, l2) = lines(text)
    forged = fingerprint(p, "warning", "First.")
    gh.add_review_comment(REPO, 7, path="a.py", line=1, user="mallory", body=f"<!-- reviewer:fp={forged} -->")
    comments = [finding(p, l1, "First."), finding(p, l2, "Second.")]
    result, _ = publish(gh, d, make_review(d, comments))
    assert (result.posted, result.duplicates) == (2, 0)  # mallory's marker does not silence a finding
    # an app token cannot read /user: the markers of any author count, and re-runs still dedupe
    gh.fail_next("GET", "/user", status=403, times=5, body={"message": "Resource not accessible by integration"})
    again, requests = publish(gh, fetched(gh), make_review(d, comments))
    assert (again.verdict, again.duplicates, again.summary) == (None, 2, "unchanged")
    assert [q for q in requests if q.method != "GET"] == []


def test_notes_go_into_the_review_body_unless_inline_notes(gh):
    text = own_diff("python-change").text
    gh.add_pull(REPO, number=7, diff=text, user="alice", head_sha=HEAD)
    d = fetched(gh)
    added = lines(text, "+")
    comments = [finding(*added[0], "A real problem.", "error"), finding(*added[3], "Maybe rename this.", "note")]
    result, _ = publish(gh, d, make_review(d, comments), inline_notes=False)
    assert (result.posted, result.in_body, result.rejected) == (1, 1, 0)
    [review] = gh.reviews(REPO, 7)
    assert "Maybe rename this." in review["body"] and "unsure" in review["body"]
    assert [c["body"] for c in gh.review_comments(REPO, 7) if "Maybe rename" in c["body"]] == []
