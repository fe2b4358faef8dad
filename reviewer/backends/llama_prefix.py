"""Reusing evaluated prompt prefixes in the in-process llama.cpp backend.

A review's prompts share long prefixes: the drafts their system prompt and style guide, a file's
chunks its listing, the two orders of a verdict the judge's instructions. What the KV cache
already holds is not evaluated again (``_eval_with_prefix``); the state after each prompt
family's last call is kept so that switching families does not lose it (``_resume``,
``_remember``); the system prompt's state is saved to disk for the next run (``_warm_start``,
kvstate.py); hybrid/recurrent models, which cannot drop part of their memory, get the state
saved right after the system prompt (``_restore_prefix``).

``PrefixReuse`` is the LlamaBackend's half that does this bookkeeping; the backend gives it
``options`` (prefix_reuse, kv_dir, kv_cache_mb, flash_attn, gpu_layers), ``hybrid``,
``identity()``, ``_chat_tokens()`` and ``_template()``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import ModelCallError, ModelError
from . import kvstate
from .base import Message


class PrefixReuse:
    options: Any
    hybrid: bool

    def _init_prefix_reuse(self) -> None:
        self._prefix: tuple[list[int], Any] | None = None  # (tokens, saved state) for hybrid models
        self._states: dict[str, kvstate.Snapshot] = {}  # first message -> KV state after its family's last call
        self._warmed: set[str] = set()  # system prompts whose prefix this run has loaded or saved
        self._store: kvstate.KVStore | None = None
        self.warm_tokens = 0  # prompt tokens loaded from kv_dir instead of evaluated

    def _forget_prefixes(self) -> None:
        self._states.clear()
        self._warmed.clear()

    # -- KV states per prompt prefix ---------------------------------------------------------
    # A review alternates between prompt families (the drafts share one system prompt, the
    # verdicts another). The KV cache holds one sequence, so each switch would re-evaluate the
    # other family's prefix; instead the state after each family's last call is kept (a copy
    # of the used KV cells: tens of MB for a 1.5B model) and loaded when that family is next.
    MAX_STATES = 3

    def _resume(self, llm: Any, messages: list[Message], tokens: list[int] | None = None) -> str | None:
        if not self.options.prefix_reuse or self.hybrid or not messages:
            return None
        key = messages[0]["content"]
        state = self._states.get(key)
        if state is None:
            return key
        if tokens is None:
            try:
                tokens = self._chat_tokens(llm, messages)
            except ModelError:
                return key
        here = kvstate.common_prefix(llm._input_ids, tokens)
        saved = kvstate.common_prefix(state.tokens, tokens)
        if saved > here + 16 and not kvstate.restore(llm, state):
            llm.reset()
        return key

    def _remember(self, llm: Any, key: str | None) -> None:
        if key is None:
            return
        self._states.pop(key, None)
        self._states[key] = kvstate.capture(llm)  # the KV cells only (save_state copies logits too)
        while len(self._states) > self.MAX_STATES:
            self._states.pop(next(iter(self._states)))

    # -- warm starts: the system prompt's KV state from an earlier run ------------------------
    WARM_MIN_TOKENS = 32  # shorter prefixes are evaluated: a file costs more than they do

    def _warm_start(self, llm: Any, messages: list[Message], tokens: list[int] | None = None) -> int:
        """On the first call with a system prompt, its prefix (the prompt up to the user turn)
        is loaded from ``kv_dir`` when a run before evaluated it, or a prefix of it cut at a
        batch boundary (another PR's text after the same style guide), and evaluated otherwise
        (then saved). Either way the prefix's values are those of an evaluation from position 0
        in whole batches, so a warm run answers exactly as a cold one. Returns the tokens
        evaluated here."""
        if not self.options.kv_dir or self.options.kv_cache_mb <= 0 or not self.options.prefix_reuse or self.hybrid:
            return 0
        if not messages or messages[0]["role"] != "system" or messages[0]["content"] in self._warmed:
            return 0
        self._warmed.add(messages[0]["content"])
        try:
            tokens = tokens if tokens is not None else self._chat_tokens(llm, messages)
            marked = self._chat_tokens(llm, [messages[0], {"role": "user", "content": "\u2063"}])
        except ModelError:
            return 0
        prefix = tokens[: min(kvstate.common_prefix(tokens, marked), len(tokens) - 1)]
        if len(prefix) < self.WARM_MIN_TOKENS or len(prefix) >= llm.n_ctx():
            return 0
        store = self._kv_store(llm)
        start = 0
        found = store.best(prefix, llm.n_batch)
        if found is not None:
            snapshot = store.load(found[0])
            if snapshot is not None and kvstate.restore(llm, snapshot, found[1]):
                start = found[1]
        if start == 0:
            llm.reset()
        self.warm_tokens += start
        if start == len(prefix):
            return 0
        llm.eval(prefix[start:])
        store.save(kvstate.capture(llm))
        return len(prefix) - start

    def _kv_store(self, llm: Any) -> kvstate.KVStore:
        """The warm-start files of this model with these settings: a state is valid only for
        the same model file, llama.cpp build, batch size (where evaluations are cut), KV types,
        attention kernel and offload (the context's size does not change the values)."""
        if self._store is None:
            import llama_cpp

            params = llm.context_params
            key = {"model": self.identity(), "llama_cpp": getattr(llama_cpp, "__version__", ""),
                   "n_batch": llm.n_batch, "n_ubatch": int(params.n_ubatch), "type_k": int(params.type_k),
                   "type_v": int(params.type_v), "flash_attn": bool(self.options.flash_attn),
                   "gpu_layers": self.options.gpu_layers}
            self._store = kvstate.KVStore(Path(self.options.kv_dir or "."), key, self.options.kv_cache_mb << 20)
        return self._store

    def _eval_with_prefix(self, llm: Any, tokens: list[int]) -> int:
        """Evaluate ``tokens``, reusing the longest prefix already in the KV cache; returns how
        many tokens were actually evaluated."""
        if len(tokens) > llm.n_ctx():
            raise ModelCallError(f"prompt of {len(tokens)} tokens exceeds the context of {llm.n_ctx()}")
        prefix = 0
        if self.options.prefix_reuse:
            for a, b in zip(llm._input_ids, tokens):
                if a != b:
                    break
                prefix += 1
            prefix = min(prefix, len(tokens) - 1)  # at least one token runs, to get fresh logits
        if prefix > 0 and llm._ctx.kv_cache_seq_rm(-1, prefix, -1):
            llm.n_tokens = prefix
        else:
            llm.reset()
            prefix = 0
        llm.eval(tokens[prefix:])
        return len(tokens) - prefix

    def _restore_prefix(self, llm: Any, messages: list[Message]) -> None:
        """Hybrid models re-evaluate the whole prompt on a partial prefix match; give them the
        state saved right after the system prompt instead."""
        if not self.options.prefix_reuse:
            llm.reset()
            return
        if not self.hybrid or not messages or messages[0]["role"] != "system":
            return
        prefix_text = _prefix_text(self._template(llm), messages[0])
        if prefix_text is None:
            return
        tokens = llm.tokenize(prefix_text.encode("utf-8"), add_bos=False, special=True)
        if self._prefix is None or self._prefix[0] != tokens:
            llm.reset()
            llm.eval(tokens)
            self._prefix = (tokens, llm.save_state())
        else:
            llm.load_state(self._prefix[1])


def _prefix_text(template: str | None, system: Message) -> str | None:
    """The chat-template rendering of the system message alone, up to where the user turn starts."""
    marker = "\u2063reviewer-user-turn\u2063"
    try:
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        if not template:
            return None
        formatter = Jinja2ChatFormatter(template=template, eos_token="", bos_token="")
        text = formatter(messages=[system, {"role": "user", "content": marker}]).prompt
    except Exception:  # pragma: no cover - exotic templates
        return None
    cut = text.find(marker)
    return text[:cut] if cut > 0 else None
