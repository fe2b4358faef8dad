"""Thinking models in-process: SmolLM2 given a Qwen3-style chat template (tests/data), whose
`enable_thinking` switch the backend turns off, so the judge's next token is its verdict."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fakes.common import SHARED

from reviewer.backends.llama import LlamaBackend, LlamaOptions
from reviewer.backends.thinking import close_thinking, strip_thinking, template_thinks
from reviewer.diff.files import language_of
from reviewer.diff.parse import parse_diff
from reviewer.review.passes.draft import output_schema, parse_answer
from reviewer.review.passes.judge import judge_hunk
from reviewer.prompt import Templates

QWEN3_STYLE = (Path(__file__).parent / "data" / "qwen3_style.jinja").read_text()
# the same template without the switch: it mentions </think> only to drop past thinking
HISTORY_ONLY = QWEN3_STYLE.split("{%- if enable_thinking")[0] + "{%- endif %}\n"

SMALL = [
    "--- a/m.py\n+++ b/m.py\n@@ -1,3 +1,3 @@\n def mean(xs):\n-    return sum(xs) / len(xs)\n+    return sum(xs) / (len(xs) - 1)\n \n",
    "--- a/m.py\n+++ b/m.py\n@@ -1,4 +1,4 @@\n def last(xs):\n-    return xs[len(xs)]\n+    return xs[len(xs) - 1]\n \n \n",
]


def render(template: str):
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    formatter = Jinja2ChatFormatter(template=template, eos_token="<|im_end|>", bos_token="")
    return lambda messages, **kw: formatter(messages=messages, **kw).prompt


def test_a_template_with_the_switch_thinks_one_that_only_cleans_history_does_not():
    assert template_thinks(render(QWEN3_STYLE))
    assert not template_thinks(render(HISTORY_ONLY))
    opens = HISTORY_ONLY.replace("{{- '<|im_start|>assistant\\n' }}\n{%- endif %}\n",
                                 "{{- '<|im_start|>assistant\\n<think>\\n' }}\n{%- endif %}\n")
    assert opens != HISTORY_ONLY and template_thinks(render(opens))  # DeepSeek-R1's way: always thinks


def test_closing_and_stripping_think_blocks():
    assert close_thinking("a<|im_start|>assistant\n<think>\n\n</think>\n\n").endswith("</think>\n\n")
    assert close_thinking("x\n<think>\n") == "x\n<think>\n\n</think>\n\n"
    assert close_thinking("x\n") == "x\n<think>\n\n</think>\n\n"
    assert strip_thinking('<think>\nhm {"a": 1}\n</think>\n\n{"comments": []}') == '{"comments": []}'
    assert strip_thinking('opened by the template</think>{"comments": []}') == '{"comments": []}'
    assert strip_thinking('{"comments": []}<think>cut off by the token li') == '{"comments": []}'
    assert strip_thinking(' {"comments": []}\n') == ' {"comments": []}\n'  # no tag: untouched


@pytest.fixture(scope="module")
def backends(smollm2_path):
    plain = LlamaBackend(smollm2_path, LlamaOptions(context=2048))
    thinking = LlamaBackend(smollm2_path, LlamaOptions(context=2048, chat_template=QWEN3_STYLE))
    yield plain, thinking
    plain.close()
    thinking.close()


def hunks():
    found = [parse_diff(text)[0] for text in SMALL]
    cases = SHARED / "quality-quixbugs"
    for name in ("quixbugs-bucketsort", "quixbugs-detect_cycle"):
        if (cases / name).is_dir():
            found += [parse_diff((cases / name / f"{kind}.diff").read_text())[0] for kind in ("bug", "fix")]
    return [(f.path, h) for f in found for h in f.hunks[:1]]


@pytest.mark.model
def test_the_judge_asks_a_thinking_template_with_thinking_off(backends):
    plain, thinking = backends
    messages = [{"role": "system", "content": "Judge."}, {"role": "user", "content": "A or B?"}]
    llm = thinking._load()
    prompt = llm.detokenize(thinking._chat_tokens(llm, messages), special=True).decode()
    assert thinking.thinking and not plain.thinking
    assert prompt.endswith("<|im_start|>assistant\n<think>\n\n</think>\n\n")
    assert plain.identity() != thinking.identity()  # another template: no answer cached for the other


@pytest.mark.model
def test_judge_verdicts_with_the_thinking_template_equal_those_without(backends):
    """The same answer label wins every pass, and P(new version correct) moves by little: the
    only difference in the prompt is the empty think block before the answer."""
    plain, thinking = backends
    templates = Templates()
    judged = 0
    for path, hunk in hunks():
        a = judge_hunk(plain, templates, path, language_of(path), hunk, guidance=True)
        b = judge_hunk(thinking, templates, path, language_of(path), hunk, guidance=True)
        assert a is not None and b is not None
        assert [v > 0.5 for v in a.votes] == [v > 0.5 for v in b.votes], (path, a.votes, b.votes)
        assert abs(a.p_new - b.p_new) < 0.05, (path, a.p_new, b.p_new)
        judged += 1
    assert judged >= len(SMALL)


@pytest.mark.model
def test_a_draft_with_the_thinking_template_is_json_without_a_think_block(backends):
    _, thinking = backends
    messages = [{"role": "system", "content": "You review code. Answer in JSON."},
                {"role": "user", "content": "  1 +def add(a, b):\n  2 +    return a - b\n"}]
    completion = thinking.complete(messages, output_schema(2), 120)
    assert "<think>" not in completion.text and "</think>" not in completion.text
    assert isinstance(json.loads(completion.text)["comments"], list)
    parse_answer(completion.text, 2)
    assert completion.prompt_tokens > 0 and completion.completion_tokens > 0


@pytest.mark.model
def test_think_lets_the_draft_think_first_and_only_its_answer_is_returned(smollm2_path, backends):
    """``think = N`` in-process: the template rendered with thinking on, a free think phase of at
    most N tokens, then the answer under the grammar; the thought is counted, never returned; the
    judge still answers with thinking off; a template that does not think is not asked to."""
    plain, off = backends
    messages = [{"role": "system", "content": "You review code. Answer in JSON."},
                {"role": "user", "content": "  1 +def add(a, b):\n  2 +    return a - b\n"}]
    thinker = LlamaBackend(smollm2_path, LlamaOptions(context=2048, chat_template=QWEN3_STYLE, think=24))
    plain_thinker = LlamaBackend(smollm2_path, LlamaOptions(context=2048, think=24))
    try:
        completion = thinker.complete(messages, output_schema(2), 120)
        assert 0 < thinker.think_tokens <= 24
        assert "<think>" not in completion.text and "</think>" not in completion.text
        parse_answer(completion.text, 2)
        assert completion.completion_tokens > thinker.think_tokens  # the thought and the answer
        assert thinker.identity() != off.identity()  # thinking drafts are other answers for the cache
        choice = thinker.choose(messages, ["A", "B"])  # the judge: one forward pass, thinking off
        assert abs(sum(choice.probs.values()) - 1) < 1e-6 and thinker.think_tokens <= 24
        plain_thinker.complete(messages, output_schema(2), 60)
        assert plain_thinker.think_tokens == 0  # no thinking template: nothing to think with
    finally:
        thinker.close()
        plain_thinker.close()
