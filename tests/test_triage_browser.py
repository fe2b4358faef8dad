"""`reviewer triage OWNER/REPO#N` as a maintainer uses it: the command reviews the pull request
on the fake GitHub (a scripted model), opens its page, and a real headless Chromium (Debian's,
through Selenium) keeps one draft, edits one, drops one, promotes a left-out note and posts:
exactly those reach the fake as one review, and a second post adds nothing. A screenshot of the
page is kept (the pytest tmp dir and out/test-artifacts/triage.png). Skipped, with the reason,
where Chromium, chromedriver or Selenium is missing."""

from __future__ import annotations

import os
import queue
import shutil
import sqlite3
import threading
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner
from fakes.common import REPO, ROOT, TOKEN
from fakes.backends import EchoBackend
from fakes.diffs import modified_file, new_file

from reviewer.cli import main
from reviewer.cli import triage as triage_cli

CHROMIUM = shutil.which("chromium") or shutil.which("google-chrome") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--window-size=1366,768")
LONG = "value = " + " + ".join(f"weight_{i} * sample_{i}" for i in range(24))  # far wider than the screen
HEAD = "c" * 40
DIFF = modified_file("calc.py", ["return total / len(values)"], ["return total / (len(values) - 1)", "log(total)"]) \
    + new_file("util.py", ["def helper(x):", LONG])
EVIL = "<script>document.title='owned'</script><img src=x onerror=\"document.title='owned'\">"


@pytest.fixture
def browser():
    webdriver = pytest.importorskip("selenium.webdriver", reason="Selenium is not installed (pip install -e '.[test]')")
    if not (Path(CHROMIUM).is_file() and Path(CHROMEDRIVER).is_file()):
        pytest.skip(f"no Chromium and chromedriver ({CHROMIUM}, {CHROMEDRIVER}): apt-get install chromium chromium-driver")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_window_size(1366, 768)
    try:
        yield driver
    finally:
        driver.quit()


class Triage:
    """`reviewer triage ...` in a thread, as a person starts it; its page's address is what it
    would have opened in the browser."""

    def __init__(self, monkeypatch, *args: str):
        self.urls: queue.Queue[str] = queue.Queue()
        monkeypatch.setattr(triage_cli, "open_browser", self.urls.put)
        self.result = None
        self.thread = threading.Thread(target=self._run, args=args, daemon=True)
        self.thread.start()

    def _run(self, *args: str) -> None:
        self.result = CliRunner().invoke(main, ["triage", *args])

    def url(self) -> str:
        try:
            return self.urls.get(timeout=60)
        except queue.Empty:
            pytest.fail(f"the page never opened: {self.result and self.result.stderr}")

    def stop(self, url: str):
        request = urllib.request.Request(url.split("?")[0] + "api/done", data=b"{}", method="POST", headers={
            "Content-Type": "application/json", "X-Reviewer-Token": url.split("token=")[1]})
        urllib.request.urlopen(request, timeout=10).read()
        return self.finished()

    def finished(self):
        self.thread.join(timeout=30)
        assert not self.thread.is_alive()
        assert TOKEN not in self.result.output and "Traceback" not in self.result.stderr
        return self.result


def wait_for(driver, condition, what: str, timeout: float = 20):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(lambda d: condition(d), message=what)


def card(driver, draft_id: str):
    from selenium.webdriver.common.by import By

    return driver.find_element(By.ID, draft_id)


def state(driver, draft_id: str) -> str:
    return card(driver, draft_id).get_attribute("data-state")


def press(driver, keys: str) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(driver).send_keys(keys).perform()


def accept_confirm(driver) -> str:
    from selenium.webdriver.support import expected_conditions as EC

    alert = wait_for(driver, EC.alert_is_present(), "the post's confirmation")
    text = alert.text
    alert.accept()
    return text


def test_keep_edit_drop_promote_then_post_once(github_env, fake_github, use_backend, monkeypatch, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    fake_github.add_pull(REPO, number=8, diff=DIFF, title=f"Average {EVIL}", body=f"cc @alice {EVIL}", user="alice",
                         head_sha=HEAD)
    use_backend(EchoBackend(severities=("warning", "note")), "echo")  # per file: a warning, then a left-out note
    run = Triage(monkeypatch, f"{REPO}#8", "--github-url", fake_github.base_url)
    url = run.url()
    driver = browser
    driver.get(url)
    wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "article.draft.current"), "the first draft selected")
    drafts = driver.find_elements(By.CSS_SELECTOR, "article.draft")
    assert [(d.get_attribute("id"), d.get_attribute("data-kind")) for d in drafts] == [
        ("d0", "comment"), ("d2", "left_out"), ("d1", "comment"), ("d3", "left_out")]  # in the diff's order
    assert driver.title.startswith(f"reviewer triage · {REPO}#8") and "owned" not in driver.title
    assert "<script>" in driver.find_element(By.CSS_SELECTOR, ".pr-title").text  # shown as text, never run
    assert driver.execute_script("return document.documentElement.scrollWidth <= document.documentElement.clientWidth")

    press(driver, "y")  # keep the first draft (calc.py's warning): the selection moves on
    wait_for(driver, lambda d: state(d, "d0") == "keep", "d0 kept")
    assert "current" in card(driver, "d2").get_attribute("class")
    press(driver, "d")  # drop calc.py's left-out note
    wait_for(driver, lambda d: state(d, "d2") == "drop", "d2 dropped")
    util = card(driver, "d1")  # edit util.py's warning: its words and a suggestion
    util.find_element(By.CSS_SELECTOR, 'button[data-action="edit"]').click()
    body = util.find_element(By.NAME, "body")
    body.clear()
    body.send_keys("Say what it doubles.")
    util.find_element(By.NAME, "suggestion").send_keys("def double(x):")
    body.send_keys(Keys.CONTROL, Keys.ENTER)
    wait_for(driver, lambda d: state(d, "d1") == "edit", "d1 edited")
    assert util.find_element(By.CSS_SELECTOR, ".body").text == "Say what it doubles."
    assert util.find_element(By.CSS_SELECTOR, "pre.suggestion").text == "def double(x):"
    card(driver, "d3").find_element(By.CSS_SELECTOR, 'button[data-action="keep"]').click()  # promote util's note
    wait_for(driver, lambda d: state(d, "d3") == "keep", "d3 promoted")
    assert driver.find_element(By.CSS_SELECTOR, '#bar [data-count="posted"]').text == "3"
    assert card(driver, "d3").find_element(By.CSS_SELECTOR, ".state").text == "promoted"
    driver.execute_script("window.scrollTo(0, 0)")
    shot = tmp_path / "triage.png"
    driver.save_screenshot(str(shot))
    artifacts = ROOT / "out" / "test-artifacts"
    artifacts.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shot, artifacts / "triage.png")
    assert shot.stat().st_size > 10_000

    press(driver, "P")  # post
    assert accept_confirm(driver) == f"Post 3 comment(s) to {REPO}#8?"
    status = driver.find_element(By.ID, "status")
    wait_for(driver, lambda d: "posted a COMMENT review" in status.text, "the post's answer", timeout=30)
    assert f"posted a COMMENT review on {REPO}#8: 3 inline comments" in status.text
    assert [r["state"] for r in fake_github.reviews(REPO, 8)] == ["COMMENTED"]
    posted = sorted((c["path"], c["line"], c["body"]) for c in fake_github.review_comments(REPO, 8))
    assert [(p, n) for p, n, _ in posted] == [("calc.py", 11), ("util.py", 1), ("util.py", 2)]
    bodies = [b for _, _, b in posted]
    assert bodies[0].startswith("**warning**: Check `return total / (len(values) - 1)` here.")  # kept
    assert bodies[1].startswith("**warning**: Say what it doubles.")  # edited, with its suggestion
    assert "```suggestion\ndef double(x):\n```" in bodies[1]
    assert bodies[2].startswith("**warning**: Check `value = weight_0 * sample_0")  # the promoted note, as a warning
    assert not any("log(total)" in b for b in bodies)  # the dropped one
    writes = len(fake_github.writes)

    driver.find_element(By.ID, "post").click()  # again: nothing twice
    accept_confirm(driver)
    wait_for(driver, lambda d: "nothing new to post" in status.text, "the second post's answer", timeout=30)
    assert "3 already on the PR" in status.text and "summary comment unchanged" in status.text
    assert len(fake_github.writes) == writes and len(fake_github.reviews(REPO, 8)) == 1
    assert len(fake_github.review_comments(REPO, 8)) == 3 and len(fake_github.issue_comments(REPO, 8)) == 1

    driver.find_element(By.ID, "done").click()
    result = run.finished()
    assert result.exit_code == 0, result.stderr
    assert "2 kept, 1 edited, 1 dropped, 0 undecided" in result.stderr

    store = Path(os.environ["REVIEWER_CACHE_DIR"]) / "feedback.sqlite3"
    with sqlite3.connect(store) as db:
        rows = db.execute("SELECT repository, model, file_kind, severity, shown_as, decision FROM decisions "
                          "ORDER BY at").fetchall()
    assert rows == [(REPO, "echo", "source", "warning", "comment", "kept"),
                    (REPO, "echo", "source", "note", "note", "dropped"),
                    (REPO, "echo", "source", "warning", "comment", "edited"),
                    (REPO, "echo", "source", "note", "note", "kept")]

    again = Triage(monkeypatch, f"{REPO}#8", "--github-url", fake_github.base_url)  # the same draft, the same code
    url = again.url()
    driver.get(url)
    dropped = wait_for(driver, lambda d: card(d, "d2"), "the page again")
    assert dropped.get_attribute("data-state") == "drop" and "collapsed" in dropped.get_attribute("class")
    assert "dropped before on this code" in dropped.text
    assert [state(driver, i) for i in ("d0", "d1", "d3")] == ["undecided"] * 3
    assert again.stop(url).exit_code == 0
