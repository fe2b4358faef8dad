"""In-process GGUF inference with llama-cpp-python.

The model loads lazily on the first call (a review answered from the cache never loads it),
with a context sized to the longest prompt of the review. Prompts put their static part
first, so llama-cpp-python's prefix matching evaluates it once and reuses the KV cache for
every chunk; hybrid/recurrent models, which cannot drop part of their memory, get the same
effect from an explicit ``save_state()`` of the prefix and ``load_state()`` before each chunk.

A model whose chat template thinks (Qwen3's ``enable_thinking``, a template that opens
``<think>``) is asked with thinking off: the template is rendered with ``enable_thinking=false``
and the prompt ends with a closed, empty think block, so the judge's next token is its verdict
and the draft's grammar starts at the answer (thinking.py).
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import DEFAULTS
from ..errors import ModelCallError, ModelError
from ..types import Completion
from .llama_prefix import PrefixReuse
from .base import Choice, Message, Timings
from .grammar import schema_gbnf
from .thinking import CLOSE, OPEN, THINK_OFF, close_thinking, mentions_thinking, strip_thinking, template_thinks

# llama.cpp's OpenMP threads spin while they wait by default; on a machine where anything
# else runs (a CI runner, a laptop), that spinning steals the cores the model needs: measured
# here with one other busy process, decode ran at 6 tok/s spinning and 28 tok/s passive.
# Must be set before llama_cpp (and so libgomp) is loaded; an explicit setting wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


@dataclass(frozen=True)
class LlamaOptions:
    context: int = DEFAULTS.context
    threads: int | None = DEFAULTS.threads  # None: all cores (default_threads)
    gpu_layers: int = DEFAULTS.gpu_layers
    batch: int = DEFAULTS.batch
    flash_attn: bool = DEFAULTS.flash_attn
    temperature: float = DEFAULTS.temperature
    seed: int = 0
    verbose: bool = False
    prefix_reuse: bool = True
    chat_template: str | None = None  # a Jinja chat template instead of the GGUF's own
    kv_dir: str | None = None  # where warm starts keep prompt prefixes' KV states (None: no warm starts)
    kv_cache_mb: int = DEFAULTS.kv_cache_mb  # the bound on kv_dir's files (0: no warm starts)
    prompt_lookup: int = DEFAULTS.prompt_lookup  # draft tokens from the prompt's n-grams per step (0: off)
    think: int = DEFAULTS.think  # a thinking template's draft thinks up to this many tokens first (0: off)


class LlamaBackend(PrefixReuse):
    name = "llama"
    concurrent = False

    def __init__(self, model_path: Path, options: LlamaOptions = LlamaOptions(), identity: str | None = None):
        self.model_path = Path(model_path)
        self.options = options
        self._identity = identity
        self._llm: Any = None
        self._grammars: dict[str, Any] = {}
        self._n_ctx = min(options.context, 2048)
        self._lock = threading.Lock()
        self._init_prefix_reuse()
        self._formatter: Any = None  # messages -> prompt, the chat template's (thinking off)
        self._handler: Any = None  # create_chat_completion's replacement, when the template is ours
        self.thinking = False  # the chat template thinks: every prompt is rendered with thinking off
        self._thinking_formatter: Any = None  # the template rendered as it is (thinking on): ``think``
        self.think_tokens = 0  # tokens thought in the think phases so far (``think``)
        self.load_seconds = 0.0

    # -- protocol -------------------------------------------------------------------------
    def identity(self) -> str:
        if self._identity is None:
            st = self.model_path.stat()
            self._identity = f"{self.model_path.name}:{st.st_size}:{st.st_mtime_ns}"
        identity = self._identity
        if self.options.chat_template is not None:  # another template, other answers
            import hashlib

            identity += f":template:{hashlib.sha256(self.options.chat_template.encode()).hexdigest()[:16]}"
        return identity + (f":think:{self.options.think}" if self.options.think > 0 else "")

    def prepare(self, context_tokens: int) -> None:
        if self._llm is None:
            self._n_ctx = max(512, min(self.options.context, int(context_tokens)))

    def complete(self, messages: list[Message], schema: dict[str, Any], max_tokens: int) -> Completion:
        with self._lock:
            llm = self._load()
            grammar = self._grammar(schema)
            start = time.perf_counter()
            before = self._perf()
            self._restore_prefix(llm, messages)
            self._warm_start(llm, messages)
            key = self._resume(llm, messages)
            try:
                if self.options.think > 0 and self._thinking_formatter is not None:
                    out = self._think_then_answer(llm, messages, grammar, max_tokens)
                elif self._handler is not None:  # our template (thinking off), through llama-cpp's own handler
                    out = self._handler(llama=llm, messages=messages, grammar=grammar,
                                        temperature=self.options.temperature, max_tokens=max_tokens,
                                        seed=self.options.seed)
                else:
                    out = llm.create_chat_completion(
                        messages=messages,
                        grammar=grammar,
                        temperature=self.options.temperature,
                        max_tokens=max_tokens,
                        seed=self.options.seed,
                    )
            except ValueError as exc:  # e.g. "Requested tokens exceed context window"
                raise ModelCallError(f"model call failed: {exc}") from None
            self._remember(llm, key)
            after = self._perf()
            usage = out.get("usage") or {}
            prompt_tokens = int(usage.get("prompt_tokens", 0))
            evaluated = max(0, after[0] - before[0]) if after and before else prompt_tokens
            text = out["choices"][0]["message"].get("content") or ""
            return Completion(
                text=strip_thinking(text) if self.thinking else text,
                prompt_tokens=prompt_tokens,
                prompt_tokens_evaluated=min(evaluated, prompt_tokens) if prompt_tokens else evaluated,
                completion_tokens=int(usage.get("completion_tokens", 0)),
                seconds=time.perf_counter() - start,
            )

    def _think_then_answer(self, llm: Any, messages: list[Message], grammar: Any, max_tokens: int) -> dict:
        """``think``: the template rendered with thinking on, a free think phase of at most
        ``think`` tokens (ended at ``</think>``), the block closed, then the answer under the
        grammar. Only the answer is returned; the thought is counted, never shown."""
        rendered = self._thinking_formatter(messages=messages)
        head = rendered.prompt if rendered.prompt.rstrip().endswith(OPEN) else rendered.prompt + OPEN + "\n"
        add_bos = not rendered.added_special
        sampling = {"temperature": self.options.temperature, "seed": self.options.seed}
        thought = llm.create_completion(llm.tokenize(head.encode("utf-8"), add_bos=add_bos, special=True),
                                        max_tokens=self.options.think, stop=[CLOSE], **sampling)
        thinking = thought["choices"][0]["text"].split(CLOSE)[0]
        spent = int(thought["usage"]["completion_tokens"])
        self.think_tokens += spent
        answer_prompt = head + thinking.rstrip() + "\n" + CLOSE + "\n\n"
        tokens = llm.tokenize(answer_prompt.encode("utf-8"), add_bos=add_bos, special=True)
        answer = llm.create_completion(tokens, grammar=grammar, max_tokens=max_tokens, **sampling)
        usage = answer["usage"]
        return {"choices": [{"message": {"content": answer["choices"][0]["text"]}}],
                "usage": {"prompt_tokens": usage["prompt_tokens"],
                          "completion_tokens": usage["completion_tokens"] + spent}}

    def choose(self, messages: list[Message], options: list[str]) -> Choice:
        """Probabilities of each option as the model's next token after ``messages``: a verdict
        read from the logits, one forward pass, no sampling."""
        import numpy as np

        with self._lock:
            llm = self._load()
            tokens = self._chat_tokens(llm, messages)
            warm = self._warm_start(llm, messages, tokens)
            key = self._resume(llm, messages, tokens)
            evaluated = warm + self._eval_with_prefix(llm, tokens)
            self._remember(llm, key)
            import llama_cpp

            logits = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(llm.ctx, -1), shape=(llm.n_vocab(),))
            firsts = {o: llm.tokenize(o.encode("utf-8"), add_bos=False, special=False)[0] for o in options}
            values = np.array([float(logits[t]) for t in firsts.values()])
            probs = np.exp(values - values.max())
            probs /= probs.sum()
            return Choice(dict(zip(options, probs.tolist())), prompt_tokens=len(tokens), prompt_tokens_evaluated=evaluated)

    def loglik(self, prefix: str, text: str) -> tuple[float, int]:
        """Sum of the log-probabilities of ``text``'s tokens after ``prefix`` (raw text, no chat
        template), and how many tokens that is."""
        import llama_cpp
        import numpy as np

        with self._lock:
            llm = self._load()
            head = llm.tokenize(prefix.encode("utf-8"), add_bos=True, special=False)
            tokens = head + llm.tokenize(text.encode("utf-8"), add_bos=False, special=False)
            if len(tokens) > llm.n_ctx():
                raise ModelError(f"text of {len(tokens)} tokens exceeds the context of {llm.n_ctx()}")
            llm.reset()
            llm._ctx.kv_cache_seq_rm(-1, 0, -1)
            n_vocab = llm.n_vocab()
            total = 0.0
            for start in range(0, len(tokens), llm.n_batch):
                batch = tokens[start : start + llm.n_batch]
                llm._batch.set_batch(batch=batch, n_past=start, logits_all=True)
                llm._ctx.decode(llm._batch)
                for i in range(len(batch)):
                    position = start + i
                    if position + 1 < len(head) or position + 1 >= len(tokens):
                        continue
                    logits = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(llm.ctx, i), shape=(n_vocab,))
                    top = logits.max()
                    total += float(logits[tokens[position + 1]] - top - np.log(np.exp(logits - top).sum()))
            llm.reset()  # the KV cache no longer matches llm's own record of its tokens
            llm._ctx.kv_cache_seq_rm(-1, 0, -1)
            return total, len(tokens) - len(head)

    def _chat_tokens(self, llm: Any, messages: list[Message]) -> list[int]:
        if self._formatter is None:
            raise ModelError(f"{self.model_path.name} has no chat template")
        result = self._formatter(messages=messages)
        return llm.tokenize(result.prompt.encode("utf-8"), add_bos=not result.added_special, special=True)

    def _template(self, llm: Any) -> str | None:
        return self.options.chat_template or llm.metadata.get("tokenizer.chat_template")

    def _set_template(self, llm: Any) -> None:
        """The chat template's formatter; a thinking template's renders with thinking off, and
        then ``complete`` goes through it too (as it does for a caller's own template)."""
        from llama_cpp import llama_chat_format

        template = self._template(llm)
        if not template:
            return
        model = llm._model
        plain = llama_chat_format.Jinja2ChatFormatter(
            template=template, eos_token=model.token_get_text(llm.token_eos()),
            bos_token=model.token_get_text(llm.token_bos()), stop_token_ids=[llm.token_eos()])
        self._formatter = plain
        self.thinking = mentions_thinking(template) and template_thinks(lambda m, **kw: plain(messages=m, **kw).prompt)
        if self.thinking:
            self._thinking_formatter = plain

            def formatter(*, messages: list[Message], **kwargs: Any) -> Any:
                result = plain(messages=messages, **{**THINK_OFF, **kwargs})
                result.prompt = close_thinking(result.prompt)
                return result

            self._formatter = formatter
        if self.thinking or self.options.chat_template is not None:
            self._handler = llama_chat_format.chat_formatter_to_chat_completion_handler(self._formatter)

    def close(self) -> None:
        with self._lock:
            if self._llm is not None:
                with contextlib.suppress(Exception):
                    self._llm.close()
                self._llm = None
                self._forget_prefixes()

    # -- details ----------------------------------------------------------------------------
    def _load(self) -> Any:
        if self._llm is not None:
            return self._llm
        try:
            from llama_cpp import Llama
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise ModelError(f"llama-cpp-python is not importable: {exc}", hint="pip install llama-cpp-python") from None
        # a build that cannot decode on this CPU is one line before the review, not a segfault in it
        from .modelfiles.registry import cache_dir
        from .llama_health import ensure_runs

        ensure_runs(self.model_path, cache_dir() / "health", self.options.gpu_layers, self.options.threads)
        start = time.perf_counter()
        draft = None
        if self.options.prompt_lookup > 0:  # llama-cpp-python then keeps every position's logits
            from llama_cpp.llama_speculative import LlamaPromptLookupDecoding

            draft = LlamaPromptLookupDecoding(num_pred_tokens=self.options.prompt_lookup)
        try:
            self._llm = Llama(
                model_path=str(self.model_path),
                n_ctx=self._n_ctx,
                n_threads=self.options.threads or _default_threads(),
                n_gpu_layers=self.options.gpu_layers,
                n_batch=min(self.options.batch, self._n_ctx),
                flash_attn=self.options.flash_attn,
                seed=self.options.seed,
                verbose=self.options.verbose,
                draft_model=draft,
                # a draft model needs every position's logits; llama-cpp-python sizes its logits
                # buffer from this argument alone (n_batch rows otherwise: a longer prompt fails)
                logits_all=draft is not None,
            )
        except (ValueError, RuntimeError, OSError) as exc:
            raise ModelError(f"cannot load model {self.model_path}: {exc}") from None
        self.load_seconds = time.perf_counter() - start
        self._set_template(self._llm)
        return self._llm

    @property
    def n_ctx(self) -> int:
        return self._llm.n_ctx() if self._llm is not None else self._n_ctx

    @property
    def hybrid(self) -> bool:
        llm = self._llm
        return bool(llm is not None and (getattr(llm, "_is_hybrid", False) or getattr(llm, "_is_recurrent", False)))

    def _grammar(self, schema: dict[str, Any] | None) -> Any:
        import json

        if schema is None:
            return None  # free text

        from llama_cpp import LlamaGrammar

        key = json.dumps(schema, sort_keys=True)
        if key not in self._grammars:
            self._grammars[key] = LlamaGrammar.from_string(schema_gbnf(schema), verbose=self.options.verbose)
        return self._grammars[key]

    def _perf(self) -> tuple[int, int, float, float] | None:
        try:
            import llama_cpp

            data = llama_cpp.llama_perf_context(self._llm.ctx)
            return (data.n_p_eval, data.n_eval, data.t_p_eval_ms / 1000, data.t_eval_ms / 1000)
        except Exception:  # pragma: no cover - older bindings
            return None

    def timings(self) -> Timings:
        perf = self._perf() if self._llm is not None else None
        if perf is None:
            return Timings(load_seconds=self.load_seconds)
        return Timings(self.load_seconds, perf[2], perf[0], perf[3], perf[1])


def _default_threads() -> int:
    count = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 2)
    return max(1, count)
