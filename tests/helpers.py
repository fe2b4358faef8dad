"""Shared test helpers for the GitHub tests: a backend that answers from the prompt, a client
for the fake GitHub without pacing, and diff builders."""

from __future__ import annotations

import json
import re

from reviewer.github.client import GitHubClient, Token
from reviewer.types import Completion

TOKEN = "ghp_" + "T0ken" * 8  # shaped like a real token, so the redaction patterns see it too
REPO = "octo/demo"

_ADDED = re.compile(r"^\s*(\d+) \+(.*)$")


class EchoBackend:
    """A scripted model: for every chunk, one finding on each of its first ``per_chunk`` added
    lines whose text is not blank, worded after the line's text (so a finding keeps its words
    when a push moves its line). ``extra`` is appended to every body (injection tests)."""

    name = "echo"
    concurrent = False

    def __init__(self, per_chunk: int = 2, severity: str = "warning", extra: str = "", suggestion: str | None = None):
        self.per_chunk, self.severity, self.extra, self.suggestion = per_chunk, severity, extra, suggestion
        self.calls: list = []

    def identity(self) -> str:
        return f"echo-{self.per_chunk}-{self.severity}-{self.extra}-{self.suggestion}"

    def prepare(self, context_tokens: int) -> None:
        pass

    def complete(self, messages, schema, max_tokens) -> Completion:
        self.calls.append(messages)
        prompt = messages[-1]["content"]
        comments = []
        section = ""
        # a file window lists the file's other chunks too and names the hunks to review
        focus = re.search(r"^Review part \d+ of \d+: only the hunks? (.*)$", prompt, re.M)
        wanted = set(re.findall(r"`(@@ [^`]* @@)`", focus.group(1))) if focus else None
        in_focus = wanted is None
        for line in prompt.splitlines():
            if line.startswith("@@ ") and wanted is not None:
                in_focus = line[: line.index(" @@", 3) + 3] in wanted
            if line.startswith("__"):
                section = line
            m = _ADDED.match(line)
            if m and in_focus and section == "__new hunk__" and m.group(2).strip() and len(comments) < self.per_chunk:
                item = {"line": int(m.group(1)), "side": "RIGHT", "severity": self.severity,
                        "body": f"Check `{m.group(2).strip()[:60]}` here.{self.extra}"}
                if self.suggestion is not None:
                    item["suggestion"] = self.suggestion
                comments.append(item)
        return Completion(json.dumps({"comments": comments}), prompt_tokens=100, prompt_tokens_evaluated=50,
                          completion_tokens=20)

    def close(self) -> None:
        pass


def make_client(fake, token: str = TOKEN, *, max_wait: float = 2.0, sleep=None) -> GitHubClient:
    kw = {"sleep": sleep} if sleep is not None else {}
    return GitHubClient(fake.base_url, Token(token, "GITHUB_TOKEN"), max_wait=max_wait, write_pause=0, **kw)


def new_file(path: str, lines: list[str]) -> str:
    body = "".join(f"+{x}\n" for x in lines)
    return (f"diff --git a/{path} b/{path}\nnew file mode 100644\nindex 0000000..1111111\n--- /dev/null\n"
            f"+++ b/{path}\n@@ -0,0 +1,{len(lines)} @@\n{body}")


def modified_file(path: str, before: list[str], after: list[str], offset: int = 0) -> str:
    """One hunk replacing ``before`` by ``after`` with a line of context on each side, ``offset``
    lines down the file."""
    start = 10 + offset
    old = len(before) + 2
    new = len(after) + 2
    body = f" ctx_{path}_top\n" + "".join(f"-{x}\n" for x in before) + "".join(f"+{x}\n" for x in after)
    body += f" ctx_{path}_bottom\n"
    return (f"diff --git a/{path} b/{path}\nindex 1111111..2222222 100644\n--- a/{path}\n+++ b/{path}\n"
            f"@@ -{start},{old} +{start},{new} @@\n{body}")


def many_files_diff(n: int) -> str:
    """``n`` files of every kind: modified, added, removed, renamed with changes, and binary."""
    parts = []
    for i in range(n):
        kind = i % 5
        if kind == 0:
            parts.append(modified_file(f"pkg/mod_{i}.py", [f"old = {i}"], [f"new = {i}", f"more = {i}"]))
        elif kind == 1:
            parts.append(new_file(f"pkg/new_{i}.py", [f"value_{i} = {i}", "print(value)"]))
        elif kind == 2:
            parts.append(f"diff --git a/pkg/gone_{i}.py b/pkg/gone_{i}.py\ndeleted file mode 100644\n"
                         f"index 3333333..0000000\n--- a/pkg/gone_{i}.py\n+++ /dev/null\n@@ -1,2 +0,0 @@\n"
                         f"-gone = {i}\n-print(gone)\n")
        elif kind == 3:
            parts.append(f"diff --git a/old dir/r_{i}.py b/new dir/r_{i}.py\nsimilarity index 80%\n"
                         f"rename from old dir/r_{i}.py\nrename to new dir/r_{i}.py\nindex 4444444..5555555 100644\n"
                         f"--- a/old dir/r_{i}.py\t\n+++ b/new dir/r_{i}.py\t\n@@ -1,3 +1,3 @@\n keep = 1\n"
                         f"-name = 'old_{i}'\n+name = 'new_{i}'\n keep = 2\n")
        else:
            parts.append(f"diff --git a/img/p_{i}.png b/img/p_{i}.png\nnew file mode 100644\nindex 0000000..6666666\n"
                         f"Binary files /dev/null and b/img/p_{i}.png differ\n")
    return "".join(parts)
