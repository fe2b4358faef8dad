"""Make a base tree per case from the projects' released sources on PyPI, for
`reviewer eval SET --review-context repo --trees OUT` (review/repo.py reads them).

The case sets hold diffs only (no checkout, and GitHub is out of reach here). Each project's
sdists are on PyPI; for each case the release whose files hold most of the diff's old side
(context and removed lines, as written) is taken as its base, and its Python files are unpacked
to OUT/SET/CASE/. A release is not the exact base commit: the closest one shares most lines of
the changed files (the score is printed per case), and the definitions and callers around them.
Nothing is copied into the project: the sdists and trees live in the user cache.

    python bench/base_trees.py ../shared/fixtures/quality-cases ../shared/fixtures/slipped-prs \\
        ../shared/fixtures/real-prs --out ~/.cache/reviewer/base-trees
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tarfile
import urllib.parse
import urllib.request
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reviewer.diff.parse import parse_diff  # noqa: E402

PROJECTS = {"pallets/flask": "flask", "pallets/werkzeug": "werkzeug", "pallets/click": "click",
            "encode/httpx": "httpx", "encode/uvicorn": "uvicorn", "Textualize/rich": "rich"}
CACHE = Path.home() / ".cache" / "reviewer" / "sdists"
MIN_LINE = 8  # shorter lines (`return x`, `pass`) are in every release


def releases(project: str) -> list[tuple[str, str, str]]:
    """(version, upload time, sdist URL) of every release with an sdist, oldest first."""
    url = f"https://pypi.org/pypi/{project}/json"
    data = json.load(urllib.request.urlopen(url, timeout=60))
    out = []
    for version, files in data["releases"].items():
        for f in files:
            if f["packagetype"] == "sdist":
                out.append((version, f["upload_time"], urllib.parse.urljoin(url, f["url"])))
                break
    return sorted(out, key=lambda r: r[1])


def fetch(project: str, version: str, url: str) -> Path:
    path = CACHE / project / Path(urllib.parse.urlparse(url).path).name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        data = urllib.request.urlopen(url, timeout=120).read()
        path.with_suffix(".part").write_bytes(data)
        path.with_suffix(".part").rename(path)
    return path


def python_members(archive: Path) -> dict[str, bytes]:
    """The archive's Python files, keyed by their path below the top folder."""
    out: dict[str, bytes] = {}
    if archive.name.endswith(".zip"):
        with zipfile.ZipFile(archive) as z:
            for name in z.namelist():
                rel = name.split("/", 1)[1] if "/" in name else name
                if rel.endswith(".py"):
                    out[rel] = z.read(name)
        return out
    with tarfile.open(archive) as t:
        for m in t.getmembers():
            rel = m.name.split("/", 1)[1] if "/" in m.name else m.name
            if m.isfile() and rel.endswith(".py"):
                f = t.extractfile(m)
                if f is not None:
                    out[rel] = f.read()
    return out


def old_sides(diff_text: str) -> dict[str, list[str]]:
    """Per file the diff changes, its old side's distinctive lines (context and removed)."""
    out: dict[str, list[str]] = {}
    for f in parse_diff(diff_text):
        if not f.path.endswith(".py"):
            continue
        lines = [x.text.strip() for h in f.hunks for x in h.lines if x.kind != "+" and len(x.text.strip()) >= MIN_LINE]
        if lines:
            out[f.path] = lines
    return out


def score(members: dict[str, bytes], wanted: dict[str, list[str]]) -> float:
    found = total = 0
    for path, lines in wanted.items():
        text = members.get(path)
        have = set(x.strip() for x in text.decode("utf-8", "replace").splitlines()) if text is not None else set()
        found += sum(1 for x in lines if x in have)
        total += len(lines)
    return found / total if total else 0.0


def case_diff(case: Path) -> str:
    for name in ("pr.diff", "bug.diff"):  # a quality case's bug.diff: its old side is the fixed code
        if (case / name).exists():
            return (case / name).read_text(encoding="utf-8", errors="replace")
    return ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sets", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, default=Path.home() / ".cache" / "reviewer" / "base-trees")
    args = parser.parse_args()
    cases = [(s, c) for s in args.sets for c in sorted(s.iterdir()) if (c / "meta.json").exists()]
    projects = sorted({PROJECTS[json.loads((c / "meta.json").read_text())["repo"]] for _, c in cases
                       if json.loads((c / "meta.json").read_text()).get("repo") in PROJECTS})
    archives: dict[str, list[tuple[str, Path]]] = {}
    for project in projects:
        found = releases(project)
        with ThreadPoolExecutor(4) as pool:
            paths = list(pool.map(lambda r: fetch(project, r[0], r[2]), found))
        archives[project] = [(r[0], p) for r, p in zip(found, paths)]
        print(f"{project}: {len(paths)} sdists", file=sys.stderr)
    by_project: dict[str, list[tuple[Path, Path, dict[str, list[str]]]]] = {}
    for s, c in cases:
        project = PROJECTS.get(json.loads((c / "meta.json").read_text()).get("repo", ""))
        if project:
            by_project.setdefault(project, []).append((s, c, old_sides(case_diff(c))))
    for project, todo in by_project.items():
        best: dict[Path, tuple[float, str, Path]] = {}
        for version, archive in archives[project]:  # oldest first: a tie goes to the newer release
            try:
                members = python_members(archive)
            except (tarfile.TarError, zipfile.BadZipFile, OSError, EOFError):
                continue
            for _, c, wanted in todo:
                value = score(members, wanted)
                if c not in best or value >= best[c][0]:
                    best[c] = (value, version, archive)
        for s, c, _ in todo:
            value, version, archive = best.get(c, (0.0, "", None))
            target = args.out / s.name / c.name
            if archive is None or value == 0.0:
                print(f"{s.name}/{c.name}: no release holds its files", file=sys.stderr)
                continue
            for rel, data in python_members(archive).items():
                dest = target / rel
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(data)
            print(f"{s.name}/{c.name}: {project} {version} ({value:.2f} of the old side's lines)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
