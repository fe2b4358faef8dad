"""PR references, the API URL, token discovery, and the retry policy against the fake GitHub."""

from __future__ import annotations

import logging
import stat
import time

import pytest
from fakes.common import REPO, TOKEN, make_client
from fakes.diffs import new_file

from reviewer.errors import GitHubError, InputError
from reviewer.hosts.github.client import discover_token
from reviewer.hosts.github.ref import PRRef, api_base_url, parse_pr_ref, web_host
from reviewer.logs import RedactingFilter


@pytest.mark.parametrize("text, ref", [
    ("octo/demo#7", PRRef("octo", "demo", 7)),
    (" my-org/re.po_x#123 ", PRRef("my-org", "re.po_x", 123)),
    ("https://github.com/octo/demo/pull/7", PRRef("octo", "demo", 7, "github.com")),
    ("https://github.com/octo/demo/pull/7/files#diff-1", PRRef("octo", "demo", 7, "github.com")),
    ("https://ghe.example.com/team/tool/pull/42?w=1", PRRef("team", "tool", 42, "ghe.example.com")),
])
def test_pr_references(text, ref):
    assert parse_pr_ref(text) == ref


@pytest.mark.parametrize("text", ["octo/demo", "octo#7", "octo/demo#0", "octo/demo#x", "-o/demo#1", "octo/../x#1",
                                  "ftp://github.com/octo/demo/pull/7", "https://github.com/octo/demo/issues/7",
                                  "octo/demo#7; rm -rf /", ""])
def test_bad_references_are_input_errors(text):
    with pytest.raises(InputError) as exc:
        parse_pr_ref(text)
    assert exc.value.exit_code == 2


def test_api_url_precedence():
    ghe = parse_pr_ref("https://ghe.example.com/a/b/pull/1")
    assert api_base_url(None, {}, parse_pr_ref("a/b#1")) == "https://api.github.com"
    assert api_base_url(None, {}, ghe) == "https://ghe.example.com/api/v3"
    assert api_base_url(None, {"GITHUB_API_URL": "https://x.test/api/v3/"}, ghe) == "https://x.test/api/v3"
    assert api_base_url("http://127.0.0.1:9/api/v3", {"GITHUB_API_URL": "https://x"}, ghe) == "http://127.0.0.1:9/api/v3"
    with pytest.raises(InputError):
        api_base_url("not a url", {}, None)
    assert web_host("https://api.github.com") == "github.com" and web_host("https://h.example/api/v3") == "h.example"


def fake_gh(tmp_path, script: str) -> str:
    path = tmp_path / "gh"
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(path)


def test_token_discovery_order(tmp_path):
    gh = fake_gh(tmp_path, 'echo "gho_fromgh$3$4"\n')
    assert discover_token({"GITHUB_TOKEN": "a1b2c3", "GH_TOKEN": "x"}, gh=gh).source == "GITHUB_TOKEN"
    assert discover_token({"GITHUB_TOKEN": " ", "GH_TOKEN": "x1y2z3"}, gh=gh).value == "x1y2z3"
    token = discover_token({}, host="ghe.example.com", gh=gh)
    assert (token.value, token.source) == ("gho_fromgh--hostnameghe.example.com", "`gh auth token`")
    assert "gho_fromgh" not in repr(token)
    assert discover_token({}, gh=fake_gh(tmp_path, "exit 1\n")) is None
    assert discover_token({}, gh=str(tmp_path / "missing")) is None


def test_gh_that_hangs_is_given_up(tmp_path):
    started = time.monotonic()
    assert discover_token({}, gh=fake_gh(tmp_path, "exec sleep 5\n"), timeout=0.5) is None
    assert time.monotonic() - started < 3


def test_discovered_token_is_redacted_from_logs():
    secret = "plain-secret-value-123"
    discover_token({"GH_TOKEN": secret}, gh=None)
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "sent %s", (secret,), None)
    RedactingFilter().filter(record)
    assert secret not in record.getMessage() and "***" in record.getMessage()


@pytest.fixture
def gh(fake_github):
    fake_github.add_pull(REPO, number=7, diff=new_file("a.py", ["x = 1"]))
    return fake_github


def get_pull(client):
    return client.call("fetching octo/demo#7", lambda: client.requester.requestJsonAndCheck(
        "GET", f"/repos/{REPO}/pulls/7")[1], target=f"{REPO}#7")


def test_secondary_rate_limit_honours_retry_after(gh):
    gh.fail_next("GET", rf"/repos/{REPO}/pulls/7", status=403, headers={"Retry-After": "1"})
    slept = []
    assert get_pull(make_client(gh, sleep=slept.append))["number"] == 7
    assert slept == [1.0]
    assert [q.status for q in gh.requests] == [403, 200]


def test_primary_rate_limit_waits_for_the_reset(gh):
    reset = int(time.time()) + 2
    gh.fail_next("GET", rf"/repos/{REPO}/pulls/7", status=403,
                 headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)})
    slept = []
    client = make_client(gh, sleep=slept.append, max_wait=10)
    assert get_pull(client)["number"] == 7
    assert len(slept) == 1 and 1 <= slept[0] <= 4


def test_429_without_hint_gives_up_within_the_bound(gh):
    gh.fail_next("GET", rf"/repos/{REPO}/pulls/7", status=429)
    with pytest.raises(GitHubError) as exc:
        get_pull(make_client(gh, sleep=lambda s: pytest.fail("must not wait past the bound")))
    message = str(exc.value)
    assert message.startswith("gave up fetching octo/demo#7: secondary rate limit (429)")
    assert "2 s limit" in message and "REVIEWER_GITHUB_MAX_WAIT" in exc.value.hint


def test_retries_stop_when_the_total_wait_would_pass_the_bound(gh):
    gh.fail_next("GET", rf"/repos/{REPO}/pulls/7", status=403, times=5, headers={"Retry-After": "1"})
    slept = []
    with pytest.raises(GitHubError, match="waited 2 s"):
        get_pull(make_client(gh, sleep=slept.append, max_wait=2.5))
    assert slept == [1.0, 1.0]


def test_bad_token_401_names_the_variable_and_never_the_token(gh):
    with pytest.raises(GitHubError) as exc:
        get_pull(make_client(gh, token="ghp_wrongwrongwrongwrongwrong"))
    text = f"{exc.value} {exc.value.hint}"
    assert "GitHub rejected the token from GITHUB_TOKEN" in text and "401" in text
    assert "ghp_wrong" not in text and exc.value.exit_code == 5


def test_forbidden_and_server_errors_are_one_line(gh):
    gh.fail_next("GET", rf"/repos/{REPO}/pulls/7", status=403, body={"message": "Resource not accessible by integration"})
    with pytest.raises(GitHubError, match=r"\(403 Resource not accessible by integration\)"):
        get_pull(make_client(gh))
    gh.fail_next("GET", rf"/repos/{REPO}/pulls/7", status=503, times=10)
    slept = []
    with pytest.raises(GitHubError) as exc:
        get_pull(make_client(gh, sleep=slept.append, max_wait=100))
    assert "after 6 tries: server error 503" in str(exc.value) and slept == [1.0, 2.0, 4.0, 8.0, 16.0]


def test_unreachable_server_is_a_clear_error(gh):
    client = make_client(gh, sleep=lambda s: None)
    gh.close()
    with pytest.raises(GitHubError, match="cannot reach GitHub at http://127.0.0.1"):
        get_pull(client)

