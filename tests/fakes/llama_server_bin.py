"""A stand-in for the llama-server binary, for the managed backend's lifecycle tests: it takes the
arguments the backend gives llama-server, records them and its pid (one JSON line appended to
the file named by FAKE_LLAMA_SERVER_RECORD), and serves the fake OpenAI server (openai_server.py)
with llama-server's ``/health`` on ``--host``/``--port`` until it is terminated.

FAKE_LLAMA_SERVER_MODE: ``exit`` prints an error and exits 1 before it is ready (a model it cannot
load); ``slow`` takes 30 s over each draft (a review to interrupt); ``refuse`` answers every
draft with HTTP 500 (a server that fails mid-review).

``wrapper(folder)`` writes an executable ``llama-server`` that runs this file.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path


def wrapper(folder: Path) -> Path:
    path = folder / "llama-server"
    path.write_text(f"#!/bin/sh\nexec {sys.executable} {Path(__file__).resolve()} \"$@\"\n")
    path.chmod(0o755)
    return path


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from fakes.openai_server import FakeOpenAI

    mode = os.environ.get("FAKE_LLAMA_SERVER_MODE", "")
    record = os.environ.get("FAKE_LLAMA_SERVER_RECORD")
    if record:
        with open(record, "a") as f:
            f.write(json.dumps({"pid": os.getpid(), "argv": argv}) + "\n")
    if mode == "exit":
        print("llama_model_load: error loading model: not a GGUF", file=sys.stderr)
        return 1
    port = int(argv[argv.index("--port") + 1])
    fake = FakeOpenAI(port=port)
    if mode in ("slow", "refuse"):
        answer = fake.answer

        def drafted(body):
            if "response_format" not in body and "grammar" not in body:
                return answer(body)
            if mode == "refuse":
                raise RuntimeError("refused")
            time.sleep(30)
            return answer(body)

        fake.answer = drafted  # type: ignore[method-assign]
    fake.server.serve_forever()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
