"""Thinking models (Qwen3 and later, QwQ, DeepSeek-R1 distills): they write a ``<think>...</think>``
block before the answer, or a server hands it back apart (``reasoning_content``, ``reasoning``).

The passes never see a think block: the backends ask with thinking off and strip whatever
thinking still comes back. Both passes run with thinking off:

- the judge reads the next token's probabilities, so its first token must be the verdict, not
  ``<think>``;
- the draft answers in JSON under a grammar that holds from its first token (in-process), and
  thinking would cost its token budget on every chunk of every review (docs/models.md).

Thinking is turned off the way the model's own chat template offers it: ``enable_thinking=false``
among the template's arguments (Qwen3's switch; ``chat_template_kwargs`` over the OpenAI API,
which llama-server and vLLM pass on), and, where the template has no switch but opens a think
block itself, an empty block closed before the answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable

OPEN, CLOSE = "<think>", "</think>"
# the chat template arguments that turn thinking off (Qwen3's switch)
THINK_OFF = {"enable_thinking": False}
EMPTY_BLOCK = "<think>\n\n</think>\n\n"
_BLOCK = re.compile(r"<think>.*?</think>\s*", re.S)


def mentions_thinking(template: str | None) -> bool:
    """Whether a chat template knows of thinking at all (the cheap test before rendering it)."""
    return bool(template) and ("enable_thinking" in template or OPEN in template)


def template_thinks(render: Callable[..., str]) -> bool:
    """Whether a chat template makes its model think, from two renderings of one user turn
    (``render(messages, **template_arguments) -> prompt``): thinking off changes the prompt
    (Qwen3's switch), or the generation prompt opens a think block (DeepSeek-R1, QwQ). A template
    that mentions ``<think>`` only to drop past thinking from the history does neither."""
    marker = "\u2063"
    turn = [{"role": "user", "content": marker}]
    try:
        plain, off = render(turn), render(turn, **THINK_OFF)
    except Exception:  # a template that refuses this conversation (raise_exception): no switch to find
        return False
    return plain != off or OPEN in plain[plain.rfind(marker):]


def close_thinking(prompt: str) -> str:
    """A rendered prompt (generation prompt included, thinking already switched off where the
    template allows it) that ends with a closed think block, so the model's next token is its
    answer: unchanged when the template closed one itself (Qwen3 with enable_thinking=false)."""
    tail = prompt.rstrip()
    if tail.endswith(CLOSE):
        return prompt
    if tail.endswith(OPEN):  # the template opened the block (DeepSeek-R1, QwQ): close it empty
        return tail + "\n\n" + CLOSE + "\n\n"
    return prompt + EMPTY_BLOCK


def strip_thinking(text: str) -> str:
    """The answer part of a model's text: closed think blocks removed, text before a lone
    ``</think>`` (the template opened the block) dropped, and an unclosed ``<think>`` (cut off
    by the token limit) dropped with all that follows. Text without either tag is returned as is."""
    if OPEN not in text and CLOSE not in text:
        return text
    text = _BLOCK.sub("", text)
    if CLOSE in text:
        text = text.rpartition(CLOSE)[2]
    if OPEN in text:
        text = text.partition(OPEN)[0]
    return text.strip()


def shows_thinking(text: str) -> bool:
    return OPEN in text or CLOSE in text
