"""PR-Agent's `review`, on reviewer's eval sets, scored by reviewer's own scorer.

Run by bench/peers/run_pr_agent.sh (which makes PR-Agent's venv) with reviewer's Python:
    python bench/peers/pr_agent_eval.py --pr-agent VENV/bin/python --set DIR [--set DIR] [--limit N] --out DIR

For each diff of each case: PR-Agent's plain-diff mode (`pr_agent.cli --diff-file ... review`,
in an empty folder outside any git repository: patch-only, as reviewer sees a case), against
the GGUF served by llama_cpp.server on 127.0.0.1 through a proxy that records the server's
usage; its structured review (`--json-output`) becomes a reviewer `Review` (convert.py) and
`reviewer.measure.eval.evaluate` scores it. Written after every case: OUT/results.json (eval's
shape, plus each diff's seconds, tokens, calls and parse problems), OUT/table.md, and OUT/runs/
(PR-Agent's markdown, JSON and log for each diff).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from convert import to_review  # noqa: E402
from usage_proxy import UsageProxy  # noqa: E402

from reviewer.backends.modelfiles import registry as models  # noqa: E402
from reviewer.config import DEFAULTS  # noqa: E402
from reviewer.errors import ReviewerError  # noqa: E402
from reviewer.measure.eval import CaseResult, SetScore, evaluate, summary_table  # noqa: E402
from reviewer.types import DiffInput, Review  # noqa: E402

MODEL_ALIAS = "local-gguf"


def pr_agent_env(api_base: str, context: int, home: Path, tiktoken_dir: str) -> dict[str, str]:
    """PR-Agent's settings: its defaults, but for the model route, temperature 0 and a timeout a CPU needs."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "LOG_LEVEL": "INFO",
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",  # litellm's bundled model table, not a download
        "TIKTOKEN_CACHE_DIR": tiktoken_dir,  # the o200k_base file litellm ships: token counts offline
        "OPENAI__API_BASE": api_base,
        "OPENAI__KEY": "sk-local",  # llama_cpp.server checks none; litellm wants one
        "CONFIG__MODEL": f"openai/{MODEL_ALIAS}",
        "CONFIG__FALLBACK_MODELS": "[]",
        "CONFIG__CUSTOM_MODEL_MAX_TOKENS": str(context),
        "CONFIG__TEMPERATURE": "0",
        "CONFIG__AI_TIMEOUT": "3600",
        "CONFIG__PUBLISH_OUTPUT_PROGRESS": "false",
        **{k: v for k, v in os.environ.items() if k.startswith(("CONFIG__", "PR_REVIEWER__"))},
    }


def tiktoken_dir(pr_agent_python: str) -> str:
    code = "import importlib.resources as r, litellm; print(r.files(litellm) / 'litellm_core_utils' / 'tokenizers')"
    return subprocess.run([pr_agent_python, "-c", code], check=True, capture_output=True, text=True,
                          env={**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}).stdout.strip()


def start_server(model: Path, context: int, threads: int, port: int, log: Path) -> tuple[subprocess.Popen, str]:
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--model_alias", MODEL_ALIAS,
           "--n_ctx", str(context), "--n_threads", str(threads), "--host", "127.0.0.1", "--port", str(port),
           "--verbose", "False"]
    server = subprocess.Popen(cmd, stdout=log.open("w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 600
    try:  # stopped while it starts (SIGTERM: SystemExit), the server is stopped too
        while time.time() < deadline:
            if server.poll() is not None:
                raise SystemExit(f"llama_cpp.server exited ({server.returncode}): see {log}")
            try:
                urllib.request.urlopen(url + "/v1/models", timeout=5).read()
                return server, url
            except OSError:
                time.sleep(2)
        raise SystemExit(f"llama_cpp.server did not answer on {url} within 600 s: see {log}")
    except BaseException:
        server.terminate()
        raise


class PRAgentReviewer:
    """A ``review_fn`` for reviewer.measure.eval: one PR-Agent run per diff; ``runs`` keeps what each cost."""

    def __init__(self, python: str, env: dict[str, str], proxy: UsageProxy, work: Path, timeout: int):
        self.python, self.env, self.proxy, self.work, self.timeout = python, env, proxy, work, timeout
        self.runs: list[dict] = []

    def __call__(self, diff: DiffInput) -> Review:
        run = Path(tempfile.mkdtemp(prefix="run-", dir=self.work))
        (run / "home").mkdir()
        (run / "case.diff").write_text(diff.text, encoding="utf-8")
        cmd = [self.python, "-m", "pr_agent.cli", "--diff-file", "case.diff", "--output", "review.md",
               "--json-output", "review.json", "review"]
        start = time.perf_counter()
        try:
            done = subprocess.run(cmd, cwd=run, env={**self.env, "HOME": str(run / "home")},
                                  capture_output=True, text=True, timeout=self.timeout)
            code, log = done.returncode, done.stdout + done.stderr
        except subprocess.TimeoutExpired as e:
            code, log = "timeout", f"timed out after {self.timeout} s\n{e.stdout or ''}{e.stderr or ''}"
        seconds = time.perf_counter() - start
        (run / "pr-agent.log").write_text(log if isinstance(log, str) else log.decode(errors="replace"))
        data = _load(run / "review.json")
        failure = "" if data else (f"PR-Agent exit {code}, no review written" if code != 0 else
                                   "no review written (its model output did not parse)")
        converted = to_review(data, diff.text, diff.label, failure)
        calls = self.proxy.take()
        self.runs.append({
            "label": diff.label, "dir": str(run), "seconds": round(seconds, 2), "exit": code,
            "parsed": data is not None, "problems": list(converted.problems), "key_issues": converted.issues,
            "comments": [asdict(c) for c in converted.review.comments],
            "notes": [asdict(n) for n in converted.review.notes],
            "calls": len(calls), "http_errors": sum(c["status"] >= 400 for c in calls),
            "prompt_tokens": sum(int(c["usage"].get("prompt_tokens") or 0) for c in calls),
            "completion_tokens": sum(int(c["usage"].get("completion_tokens") or 0) for c in calls),
            "cut_by_cap": sum(c.get("finish") == "length" for c in calls),
            "pr_agent_usage": (data or {}).get("usage", {}),
        })
        return converted.review


def _load(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("review"), dict) and data["review"] else None


def cost_table(sets: list[dict]) -> list[str]:
    lines = ["| set | cases | PR-Agent runs | parse failures (runs / issues) | model calls | "
             "prompt tokens per run | completion tokens per run | s per case |", "|---|---|---|---|---|---|---|---|"]
    for s in sets:
        runs = [r for c in s["cases"] for r in c["runs"]]
        n = len(runs) or 1
        lines.append(
            f"| {s['name']} | {len(s['cases'])} | {len(runs)} | {sum(not r['parsed'] for r in runs)} / "
            f"{sum(len(r['problems']) for r in runs if r['parsed'])} | {sum(r['calls'] for r in runs)} | "
            f"{sum(r['prompt_tokens'] for r in runs) / n:.0f} | {sum(r['completion_tokens'] for r in runs) / n:.0f} | "
            f"{s['seconds_per_case']:.1f} |")
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pr-agent", required=True, help="the Python of PR-Agent's venv")
    ap.add_argument("--set", dest="sets", action="append", type=Path, required=True, help="an eval set (repeatable)")
    ap.add_argument("--limit", type=int, help="only the first N cases of each set")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--model", default="qwen2.5-coder-1.5b", help="the GGUF to serve: a registry name or a path")
    ap.add_argument("--context", type=int, default=8192, help="n_ctx of the server and PR-Agent's custom_model_max_tokens")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--port", type=int, default=8431)
    ap.add_argument("--timeout", type=int, default=7200, help="seconds one PR-Agent run may take")
    ap.add_argument("--max-tokens", type=int, default=DEFAULTS.max_tokens,
                    help="tokens one completion may decode (the proxy's cap; reviewer's own drafts' "
                         "max_tokens by default; PR-Agent raises its own cap to at least 4096); 0: none")
    args = ap.parse_args(argv)
    try:
        args.model = models.resolve(args.model)[0]
    except ReviewerError as error:
        raise SystemExit(f"pr_agent_eval: {error}" + (f" ({error.hint})" if getattr(error, "hint", "") else ""))
    args.out.mkdir(parents=True, exist_ok=True)
    version = subprocess.run([args.pr_agent, "-c", "import importlib.metadata as m; print(m.version('pr-agent'))"],
                             check=True, capture_output=True, text=True).stdout.strip()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a stopped run still stops its server
    server, url = start_server(args.model, args.context, args.threads, args.port, args.out / "server.log")
    scores: list[SetScore] = []
    sets: list[dict] = []
    try:
        with UsageProxy(url, args.max_tokens or None) as proxy, tempfile.TemporaryDirectory(prefix="pr-agent-") as work:
            env = pr_agent_env(proxy.url + "/v1", args.context, Path(work), tiktoken_dir(args.pr_agent))
            settings = {k: v for k, v in env.items() if k.startswith(("CONFIG__", "PR_REVIEWER__", "LITELLM_"))}
            settings["proxy max_tokens"] = str(args.max_tokens or "none")
            reviewer = PRAgentReviewer(args.pr_agent, env, proxy, Path(work), args.timeout)
            for folder in args.sets:
                entry = {"name": folder.name, "cases": []}
                sets.append(entry)

                def on_case(result: CaseResult, score: SetScore, entry=entry, folder=folder) -> None:
                    runs, reviewer.runs = reviewer.runs, []
                    for r in runs:
                        keep = args.out / "runs" / folder.name / result.name / Path(r["label"]).stem
                        shutil.rmtree(keep, ignore_errors=True)
                        shutil.copytree(r.pop("dir"), keep, ignore=shutil.ignore_patterns("home"))
                    entry.update(kind=score.kind, recall=score.recall, alarm_rate=score.alarm_rate,
                                 posted=score.posted, seconds_per_case=score.seconds_per_case)
                    entry["cases"].append({**asdict(result), "runs": runs})
                    _write(args, version, settings, sets, [*scores, score])
                    mark = f"{len(result.negative_comments)} posted" if result.kind == "prs" else (
                        ("caught" if result.caught else "missed") + (", ALARM" if result.alarm else ""))
                    print(f"  {folder.name}/{result.name}: {mark} ({result.seconds:.1f} s)", file=sys.stderr, flush=True)

                scores.append(evaluate(folder, reviewer, args.limit, on_case))
    finally:
        server.terminate()  # uvicorn waits for a request in flight: not for long
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    _write(args, version, settings, sets, scores)
    print((args.out / "table.md").read_text())
    return 0


def _write(args, version: str, settings: dict, sets: list[dict], scores: list[SetScore]) -> None:
    label = f"PR-Agent {version}"
    (args.out / "results.json").write_text(json.dumps(
        {"tool": "pr-agent", "version": version, "model": args.model.name, "variant": label,
         "context": args.context, "threads": args.threads, "settings": settings, "sets": sets}, indent=1))
    (args.out / "table.md").write_text("\n".join([
        *summary_table(scores, args.model.name, label), "", *cost_table(sets), ""]))


if __name__ == "__main__":
    raise SystemExit(main())
