"""``--backend llama-server``: a llama-server this tool starts for the review's GGUF, reviews
through (the OpenAI-compatible backend, openai.py), and stops.

The server starts at the review's first need of the model (``prepare``, or the first call):
a free loopback port, a slot per concurrent request (``-np`` from ``jobs``) in one unified KV
buffer of ``context`` tokens per slot, the chat template run by its Jinja engine (``--jinja``),
flash attention, GPU layers, threads and batch as in-process, a draft model for speculative
decoding (``-md``) when one is given. It is stopped by ``close()`` (the review's ``finally``:
success, an error, Ctrl-C) and in any case when this process exits (server_process.py).

Prompt reuse: every request asks for the slot's cache (``cache_prompt``), requests of one prompt
family (one system prompt: the drafts, a judge's verdicts) go to one slot (``id_slot``), the
server keeps switched-out prompts in host memory (``--cache-ram``) and reuses shifted chunks
(``--cache-reuse``). The slot API is on (``--slot-save-path``, a directory of the run) so that the
probe's slot can be erased. Warm starts across runs (slot states saved under ``kv_dir``) are not
built for the server: a managed server starts cold.
"""

from __future__ import annotations

import hashlib
import tempfile
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..config import DEFAULTS
from ..errors import ModelError
from ..types import Completion
from .base import Choice, Message, Timings
from .openai import OpenAIBackend, OpenAIOptions
from .server_build import find_server
from .server_process import ManagedServer

CACHE_REUSE = 256  # --cache-reuse: the shortest chunk of a cached prompt reused at another position


@dataclass(frozen=True)
class LlamaServerOptions:
    context: int = DEFAULTS.context  # tokens per slot
    threads: int | None = DEFAULTS.threads  # None: all cores, as in-process
    gpu_layers: int = DEFAULTS.gpu_layers  # -1: all
    batch: int = DEFAULTS.batch
    flash_attn: bool = DEFAULTS.flash_attn
    jobs: int = DEFAULTS.jobs  # slots, and concurrent requests
    temperature: float = DEFAULTS.temperature
    seed: int = 0
    draft_model: str | None = None  # a GGUF path: speculative decoding (-md)
    llama_server: str | None = DEFAULTS.llama_server  # the binary (None: `make llama-server`'s, else PATH)
    think: int = DEFAULTS.think  # tokens the draft may think (0: thinking off)
    kv_dir: str | None = None  # warm starts: where slot states are kept (None: none)
    kv_cache_mb: int = DEFAULTS.kv_cache_mb
    chat_template: str | None = None  # a Jinja chat template instead of the GGUF's own
    server_args: tuple[str, ...] = ()  # more llama-server arguments
    startup_timeout: float = 600.0
    verbose: bool = False


def server_command(binary: Path, model: Path, options: LlamaServerOptions, context: int,
                   template_file: Path | None = None, slot_dir: Path | None = None) -> list[str]:
    """llama-server's arguments for this review (host and port are the process's)."""
    from .llama import _default_threads

    slots = max(1, options.jobs)
    threads = options.threads or _default_threads()
    command = [
        str(binary), "-m", str(model),
        "-np", str(slots), "--kv-unified", "--kv-unified-per-slot", str(context),
        "-t", str(threads), "-tb", str(threads),
        "-b", str(min(options.batch, context)), "-ub", str(min(options.batch, context, 512)),
        "-ngl", "all" if options.gpu_layers < 0 else str(options.gpu_layers),
        "-fa", "on" if options.flash_attn else "off",
        "--jinja", "--no-webui", "--cache-reuse", str(CACHE_REUSE),
    ]
    if template_file is not None:
        command += ["--chat-template-file", str(template_file)]
    if options.draft_model:
        command += ["-md", str(options.draft_model), "-ngld", "all" if options.gpu_layers < 0 else str(options.gpu_layers)]
    if slot_dir is not None:
        command += ["--slot-save-path", str(slot_dir)]
    return [*command, *options.server_args]


class LlamaServerBackend:
    name = "llama-server"

    def __init__(self, model_path: Path, options: LlamaServerOptions = LlamaServerOptions(),
                 identity: str | None = None):
        self.model_path = Path(model_path)
        self.options = options
        self.concurrent = options.jobs > 1
        self._identity = identity
        self._context = min(options.context, 2048)
        self._server: ManagedServer | None = None
        self._client: OpenAIBackend | None = None
        self._lock = threading.Lock()
        self._work: tempfile.TemporaryDirectory | None = None
        self.load_seconds = 0.0

    # -- protocol -------------------------------------------------------------------------------
    def identity(self) -> str:
        if self._identity is None:
            st = self.model_path.stat()
            self._identity = f"{self.model_path.name}:{st.st_size}:{st.st_mtime_ns}"
        ident = f"llama-server:{self._identity}"
        if self.options.chat_template is not None:
            ident += f":template:{hashlib.sha256(self.options.chat_template.encode()).hexdigest()[:16]}"
        return ident + (f":think:{self.options.think}" if self.options.think > 0 else "")

    def prepare(self, context_tokens: int) -> None:
        if self._server is None:
            self._context = max(512, min(self.options.context, int(context_tokens)))
        self._get().prepare(context_tokens)

    def complete(self, messages: list[Message], schema: dict[str, Any], max_tokens: int) -> Completion:
        return self._get().complete(messages, schema, max_tokens)

    def choose(self, messages: list[Message], options: list[str]) -> Choice:
        return self._get().choose(messages, options)

    def choose_unavailable(self) -> str:
        return self._get().choose_unavailable()

    @property
    def thinking(self) -> bool:
        return self._client is not None and self._client.thinking

    @property
    def url(self) -> str | None:
        return self._server.url if self._server is not None and self._server.running else None

    def timings(self) -> Timings:
        """The server's own counters (each answer's ``timings``), summed, and its start-up time."""
        base = self._client.timings() if self._client is not None else Timings()
        return replace(base, load_seconds=self.load_seconds)

    def close(self) -> None:
        with self._lock:
            client, server = self._client, self._server
            self._client = self._server = None
        try:
            if client is not None:
                client.close()
        finally:
            if server is not None:
                server.stop()
            if self._work is not None:
                self._work.cleanup()
                self._work = None

    # -- the server ---------------------------------------------------------------------------
    def _get(self) -> OpenAIBackend:
        with self._lock:
            if self._client is None:
                self._client = self._start()
            return self._client

    def _start(self) -> OpenAIBackend:
        import time

        binary = find_server(self.options.llama_server)
        if binary is None:
            where = self.options.llama_server or "llama-server"
            raise ModelError(f"no llama-server binary ({where} not found)",
                             hint="make llama-server (or llama_server = PATH in the config)")
        if not self.model_path.is_file():
            raise ModelError(f"model file not found: {self.model_path}")
        self._work = tempfile.TemporaryDirectory(prefix="reviewer-server-")
        work = Path(self._work.name)
        template = None
        if self.options.chat_template is not None:
            template = work / "chat_template.jinja"
            template.write_text(self.options.chat_template)
        slots = work / "slots"
        slots.mkdir()
        command = server_command(binary, self.model_path, self.options, self._context, template, slots)
        server = ManagedServer(command, startup_timeout=self.options.startup_timeout, log_dir=work)
        start = time.perf_counter()
        self._server = server
        server.start()
        self.load_seconds = time.perf_counter() - start
        return OpenAIBackend(OpenAIOptions(base_url=server.url, temperature=self.options.temperature,
                                           seed=self.options.seed, slots=max(1, self.options.jobs),
                                           think=self.options.think, retries=0, gbnf=True))

