"""Side by side, per pull request, what two eval runs on a pull-request set would post (and the
seconds of the first), from `reviewer eval ... --results FILE`:

    python bench/prs_table.py out/prs-new.json out/prs-today.json
"""

from __future__ import annotations

import json
import sys


def cases(path: str) -> dict[str, dict]:
    data = json.load(open(path))
    return {c["name"]: c for s in data["sets"] for c in s["cases"]}


def main() -> None:
    new, old = cases(sys.argv[1]), cases(sys.argv[2])
    names = [n for n in new if n in old]
    print("| PR | changed lines | posted: today's passes | posted: new passes | s (new run) |")
    print("|---|---|---|---|---|")
    for n in names:
        print(f"| {n} | {new[n]['changed_lines']} | {len(old[n]['negative_comments'])} | "
              f"{len(new[n]['negative_comments'])} | {new[n]['seconds']:.0f} |")
    t_old = sum(len(old[n]["negative_comments"]) for n in names)
    t_new = sum(len(new[n]["negative_comments"]) for n in names)
    print(f"| **{len(names)} PRs** | | **{t_old}** ({t_old / len(names):.2f} per PR) | "
          f"**{t_new}** ({t_new / len(names):.2f} per PR) | |")


if __name__ == "__main__":
    main()
