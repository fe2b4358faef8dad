"""Diffs written by hand, for the cases a test needs exactly (the git-built ones are in gitdiffs.py)."""

from __future__ import annotations


def diff_at(offset: int) -> str:
    """The same one-hunk change, `offset` lines further down the file (as after a rebase)."""
    a = 10 + offset
    return (
        "diff --git a/m.py b/m.py\n--- a/m.py\n+++ b/m.py\n"
        f"@@ -{a},4 +{a},4 @@ def mean(xs):\n"
        "     total = sum(xs)\n"
        "-    return total / len(xs)\n"
        "+    return total / (len(xs) - 1)\n"
        "     # end\n"
        "     pass\n"
    )


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


# one function whose average divides by one too few: the small change the model tests review
SMALL_DIFF = """diff --git a/calc.py b/calc.py
index 1111111..2222222 100644
--- a/calc.py
+++ b/calc.py
@@ -1,6 +1,6 @@
 def average(values):
     total = 0
     for v in values:
         total += v
-    return total / len(values)
+    return total / (len(values) - 1)
 
"""
