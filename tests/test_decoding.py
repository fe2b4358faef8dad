"""Prompt-lookup decoding in the in-process backend (the `prompt_lookup` setting), on SmolLM2."""

from __future__ import annotations

import pytest

from reviewer.backends.llama import LlamaBackend, LlamaOptions
from reviewer.review.passes.draft import output_schema


@pytest.mark.model
def test_prompt_lookup_decodes_a_prompt_longer_than_a_batch(smollm2_path):
    # llama-cpp-python sizes its logits buffer from logits_all alone; with a draft model and a
    # buffer of n_batch rows, a prompt longer than one batch failed ("could not broadcast")
    code = "\n".join(f"+    total_{i} = values[{i}] * {i}" for i in range(60))
    messages = [{"role": "system", "content": "You review code. Answer with JSON."},
                {"role": "user", "content": f"Review this change:\n{code}"}]
    backend = LlamaBackend(smollm2_path, LlamaOptions(context=2048, batch=128, prompt_lookup=4))
    try:
        done = backend.complete(messages, output_schema(2), 48)
        assert backend._llm.draft_model is not None
    finally:
        backend.close()
    assert done.prompt_tokens > 128 and done.completion_tokens > 0 and done.text.lstrip().startswith("{")
