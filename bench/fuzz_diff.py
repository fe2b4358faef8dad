"""A random-mutation fuzzer for the diff reader: parse -> select -> chunk -> anchor -> prompt.

Takes the real diffs in ../shared/fixtures/real-diffs (and a few built-in seeds), mutates them
(flip, insert and delete bytes; duplicate, delete, swap and rewrite lines; truncate; splice two
diffs), decodes the bytes the way the tool does (undecodable bytes become U+FFFD) and runs the
reader. Anything other than an InputError is a crash: it is reported with its input written to
a file. Every chunk it produces must have valid anchors and a renderable prompt.

    python bench/fuzz_diff.py --iterations 20000 --seed 1
    python bench/fuzz_diff.py --seconds 300

Exit status 0 when no crash was found, 1 otherwise.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reviewer.diff.anchor import DiffIndex  # noqa: E402
from reviewer.review.chunk import make_chunks  # noqa: E402
from reviewer.diff.files import select_files  # noqa: E402
from reviewer.diff.parse import decode, parse_diff  # noqa: E402
from reviewer.review.passes.draft import RawFinding, place_findings  # noqa: E402
from reviewer.errors import InputError  # noqa: E402
from reviewer.prompt import Templates  # noqa: E402

CORPUS = ROOT.parent / "shared" / "fixtures" / "real-diffs"

SEEDS = [
    b"diff --git a/x.py b/x.py\n--- a/x.py\n+++ b/x.py\n@@ -1,3 +1,3 @@ def f():\n a\n-b\n+c\n d\n",
    b"diff --git a/n.py b/n.py\nnew file mode 100644\n--- /dev/null\n+++ b/n.py\n@@ -0,0 +1,2 @@\n+x\n+y\n"
    b"\\ No newline at end of file\n",
    b"diff --git a/p.png b/p.png\nnew file mode 100644\nindex 0000000..1111111\n"
    b"Binary files /dev/null and b/p.png differ\n",
    b"diff --git a/old.txt b/new.txt\nsimilarity index 90%\nrename from old.txt\nrename to new.txt\n"
    b"--- a/old.txt\n+++ b/new.txt\n@@ -5 +5 @@\n-caf\xe9\n+caf\xc3\xa9\n",
    b"--- a/plain\n+++ b/plain\n@@ -10,2 +10,3 @@\n x\n+y\n z\n",
]

# pieces a mutation may splice in: the syntax the parser cares about
TOKENS = [
    b"@@ -1,3 +1,3 @@\n", b"@@ -0,0 +1 @@\n", b"@@ -99999999999999999999,1 +1,1 @@\n", b"@@ -1 +1 @@",
    b"@@ -1,-1 +1,2 @@\n", b"@@@ -1,2 -1,2 +1,3 @@@\n", b"--- a/x\n", b"+++ b/x\n", b"--- /dev/null\n",
    b"+++ /dev/null\n", b"diff --git a/x b/x\n", b"diff --git a/x b/y\n", b"\\ No newline at end of file\n",
    b"Binary files a/x and b/x differ\n", b"GIT binary patch\nliteral 5\nMcmZ?d\n", b"new file mode 100644\n",
    b"deleted file mode 100644\n", b"rename from a\nrename to b\n", b"index 000..111 100644\n", b"\r\n",
    b"\n", b"+", b"-", b" ", b"\x00", b"\xff\xfe", b"\t", b'"a/q\\tx"', b"\xe2\x80\xae", b"diff --cc x\n",
    b"--- \n+++ \n", b"@@ -1,2 +1,2 @@ section @@ more\n", b"similarity index 100%\n",
]


def load_corpus(limit: int = 200_000) -> list[bytes]:
    items = list(SEEDS)
    if CORPUS.is_dir():
        for path in sorted(CORPUS.glob("*.diff")):
            data = path.read_bytes()
            items.append(data[:limit])
    return items


def mutate(rng: random.Random, data: bytes, corpus: list[bytes]) -> bytes:
    for _ in range(rng.choice((1, 1, 2, 3, 5, 8))):
        op = rng.randrange(12)
        if op == 0 and data:  # flip a byte
            i = rng.randrange(len(data))
            data = data[:i] + bytes([rng.randrange(256)]) + data[i + 1:]
        elif op == 1:  # insert random bytes
            i = rng.randrange(len(data) + 1)
            data = data[:i] + rng.randbytes(rng.randrange(1, 8)) + data[i:]
        elif op == 2 and data:  # delete a run of bytes
            i = rng.randrange(len(data))
            data = data[:i] + data[i + rng.randrange(1, 64):]
        elif op == 3:  # truncate
            data = data[: rng.randrange(len(data) + 1)]
        elif op == 4:  # splice a token in
            i = rng.randrange(len(data) + 1)
            data = data[:i] + rng.choice(TOKENS) + data[i:]
        else:
            lines = data.split(b"\n")
            i = rng.randrange(len(lines))
            if op == 5:  # delete a line
                del lines[i]
            elif op == 6:  # duplicate a line
                lines.insert(i, lines[i])
            elif op == 7:  # swap two lines
                j = rng.randrange(len(lines))
                lines[i], lines[j] = lines[j], lines[i]
            elif op == 8:  # change a line's first character
                lines[i] = rng.choice((b"+", b"-", b" ", b"\\", b"@", b"", b"d", b"#")) + lines[i][1:]
            elif op == 9:  # a token as a whole line
                lines.insert(i, rng.choice(TOKENS).rstrip(b"\n"))
            elif op == 10:  # rewrite the numbers of a hunk header
                lines[i] = b"@@ -%d,%d +%d,%d @@" % tuple(rng.choice((0, 1, 2, 3, 7, 100, 2**31, 2**63))
                                                           for _ in range(4))
            else:  # splice a slice of another input
                other = rng.choice(corpus).split(b"\n")
                j = rng.randrange(len(other))
                lines[i:i] = other[j: j + rng.randrange(1, 20)]
            data = b"\n".join(lines)
    return data


def check(data: bytes, templates: Templates) -> int:
    """Run the reader on ``data``; return the number of chunks. Raises on a crash or a bad anchor."""
    text = decode(data)
    try:
        files = parse_diff(text)
    except InputError:
        return 0
    kept, _ = select_files(files)
    index = DiffIndex(kept)
    chunks = make_chunks(kept, budget=300, target=200)
    for chunk in chunks:
        for line in chunk.lines:
            if index.hunk_of(chunk.path, line.side, line.line) is None or line.line < 1:
                raise AssertionError(f"chunk line not a valid anchor: {chunk.path} {line}")
        templates.chunk_prompt(chunk)
        numbers = [line.line for line in chunk.lines] or [1]
        findings = [RawFinding(n, side, "note", "x @octocat <!-- reviewer:fp=0123456789abcdef -->", start)
                    for n in (numbers[0], numbers[-1], numbers[0] + 2, -1)
                    for side in ("RIGHT", "LEFT") for start in (None, numbers[0])]
        comments, notes = place_findings(chunk, findings)
        if len(comments) + len(notes) != len(findings):
            raise AssertionError("a finding was lost")
        for c in comments:
            if not index.is_valid(c) or c.line < 1:
                raise AssertionError(f"placed comment not valid: {c}")
    return len(chunks)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iterations", type=int, default=20000)
    ap.add_argument("--seconds", type=float, default=None, help="stop after this long (overrides --iterations)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=ROOT / "out" / "fuzz", help="where crashing inputs are written")
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    corpus = load_corpus()
    templates = Templates()
    crashes: dict[str, tuple[str, bytes]] = {}
    started = time.monotonic()
    n = rejected = chunks = 0
    while True:
        if args.seconds is not None:
            if time.monotonic() - started > args.seconds:
                break
        elif n >= args.iterations:
            break
        n += 1
        data = mutate(rng, rng.choice(corpus), corpus)
        try:
            got = check(data, templates)
            chunks += got
            rejected += got == 0
        except Exception as exc:  # noqa: BLE001 - that is what a fuzzer looks for
            tb = traceback.extract_tb(exc.__traceback__)[-1]
            where = f"{type(exc).__name__} at {Path(tb.filename).name}:{tb.lineno}"
            if where not in crashes:
                crashes[where] = (f"{type(exc).__name__}: {str(exc)[:200]}", data)
                print(f"crash #{len(crashes)} after {n} inputs: {where}: {str(exc)[:120]}", flush=True)
    seconds = time.monotonic() - started
    print(f"{n} inputs in {seconds:.0f} s ({n / seconds:.0f}/s), seed {args.seed}: {rejected} rejected or empty, "
          f"{chunks} chunks checked, {len(crashes)} distinct crashes")
    if crashes:
        args.out.mkdir(parents=True, exist_ok=True)
        for where, (message, data) in crashes.items():
            name = hashlib.sha256(data).hexdigest()[:12]
            (args.out / f"crash-{name}.diff").write_bytes(data)
            print(f"  {where}: {message} -> {args.out / f'crash-{name}.diff'}")
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
