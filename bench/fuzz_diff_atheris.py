"""A coverage-guided fuzz run of the diff reader with atheris (libFuzzer), optional: the same
check as bench/fuzz_diff.py (anything but an InputError, or an anchor that is not valid, is a
crash), seeded with the real diffs.

    pip install atheris
    python bench/fuzz_diff_atheris.py -max_total_time=300 -rss_limit_mb=4096 out/fuzz-corpus
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

with atheris.instrument_imports(include=["reviewer", "unidiff"]):
    from fuzz_diff import check, load_corpus

    from reviewer.prompt import Templates

TEMPLATES = Templates()


def one_input(data: bytes) -> None:
    check(data, TEMPLATES)


def main() -> None:
    args = list(sys.argv)
    dirs = [a for a in args[1:] if not a.startswith("-")]
    if dirs:  # seed an empty corpus folder with the real diffs (cut to 16 KB: libFuzzer's taste)
        folder = Path(dirs[0])
        folder.mkdir(parents=True, exist_ok=True)
        if not any(folder.iterdir()):
            for i, seed in enumerate(load_corpus()):
                (folder / f"seed-{i:02d}.diff").write_bytes(seed[:16384])
    atheris.Setup(args, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
