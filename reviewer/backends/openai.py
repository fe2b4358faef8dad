"""Any OpenAI-compatible chat completions server: llama-server, llama_cpp.server, vLLM, Ollama.

The answer is constrained with a JSON-schema response format where the server supports it;
servers that ignore it are covered by the drafter's validation and one retry.

Before the first call the server is probed once (one token, with logprobs): whether it returns
the top logprobs the judge reads its verdict from, and whether its model thinks (an answer with
``reasoning_content``/``reasoning``, or a ``<think>`` token). A thinking model is then asked with
thinking off (``chat_template_kwargs``; then also ``reasoning_effort: "none"``, Ollama's switch;
then an empty think block prefilled) and what thinking still comes back is stripped (thinking.py).
With ``think = N`` a thinking model's drafts think within a budget of N tokens instead
(llama-server's ``reasoning_budget_tokens``); the think text is dropped, the judge stays thinking-off.

Against a llama-server whose slots this tool owns (``slots``: the managed server, llama_server.py)
each request names its slot (``id_slot``) and asks for the slot's prompt cache (``cache_prompt``):
a free slot that last served the same prompt family (the same first message), else the free slot
used least recently, so each request reuses the prefix its family's last one left there.
The answers' ``timings`` (llama-server's counters) are summed (``timings()``).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import requests

from ..config import DEFAULTS
from ..errors import ModelCallError, ModelError
from ..types import Completion
from .base import Choice, Message, Timings
from .grammar import schema_gbnf
from .thinking import EMPTY_BLOCK, OPEN, THINK_OFF, shows_thinking, strip_thinking

# the probe's question: any one-token answer will do, what counts is what comes with it
PROBE = "Which letter comes first in the alphabet, A or B? Answer with the letter only."
# how hard thinking is turned off, raised each time a model thinks although asked not to
OFF_KWARGS, OFF_EFFORT, OFF_PREFILL = 1, 2, 3


@dataclass(frozen=True)
class OpenAIOptions:
    base_url: str
    model: str = ""
    api_key: str | None = None
    temperature: float = DEFAULTS.temperature
    seed: int = 0
    timeout: float = 600.0
    retries: int = 2
    slots: int = 0  # llama-server slots this backend owns and names per request (0: the server chooses)
    think: int = DEFAULTS.think  # tokens a thinking model's draft may think (0: thinking off)
    # llama-server: the answer's grammar as GBNF (llama-cpp-python's converter: the grammar the
    # in-process backend decodes under) in its ``grammar`` field, not a response_format schema
    # that its own converter turns into another grammar
    gbnf: bool = False


def _evaluated(data: dict[str, Any], prompt_tokens: int) -> int:
    """The prompt tokens the server really evaluated: llama-server's ``timings.prompt_n``, else
    the prompt less what ``usage`` says was cached, else all of it."""
    timings = data.get("timings") or {}
    if "prompt_n" in timings:
        return max(0, int(timings["prompt_n"]))
    details = (data.get("usage") or {}).get("prompt_tokens_details") or {}
    return max(0, prompt_tokens - int(details.get("cached_tokens") or 0))


def chat_url(base_url: str) -> str:
    base = base_url.rstrip("/")
    if base.endswith("/chat/completions"):
        return base
    if not base.endswith("/v1"):
        base += "/v1"
    return base + "/chat/completions"


class OpenAIBackend:
    name = "openai"
    concurrent = True

    def __init__(self, options: OpenAIOptions, session: requests.Session | None = None):
        self.options = options
        self.url = chat_url(options.base_url)
        self.session = session or requests.Session()
        self._format = "json_schema"  # becomes "json_object" for servers that only know that form
        self._probe_lock = threading.Lock()
        self._timings_lock = threading.Lock()  # its own: the probe's requests are counted while it holds the probe's
        self._probed = False
        self._no_logprobs = ""  # why this server cannot give the judge its verdicts ("" when it can)
        self._off = 0  # 0: the model does not think; else how thinking is turned off (OFF_*)
        self._slots = SlotChooser(options.slots) if options.slots > 0 else None
        self._timings = Timings()
        if options.api_key:
            self.session.headers["Authorization"] = f"Bearer {options.api_key}"

    def identity(self) -> str:
        think = f":think:{self.options.think}" if self.options.think > 0 else ""  # thinking drafts: other answers
        return f"openai:{self.options.base_url.rstrip('/')}:{self.options.model or 'default'}{think}"

    def prepare(self, context_tokens: int) -> None:
        self.probe()  # the server owns its context size; what it can do is asked once, here

    @property
    def thinking(self) -> bool:
        """Whether the server's model thinks (found by the probe or by an answer)."""
        return self._off > 0

    def probe(self) -> None:
        """One one-token request with logprobs, once: does the server return top logprobs, and
        does its model think? An unreachable server is left to the review's own calls to report."""
        with self._probe_lock:
            if self._probed:
                return
            self._probed = True
            body = self._body([{"role": "user", "content": PROBE}], max_tokens=1, temperature=0,
                              logprobs=True, top_logprobs=10)
            try:
                data = self._post(body, retries=0, erase=True)
            except ModelCallError as exc:
                self._no_logprobs = f"{self.options.base_url} refused a request for logprobs ({exc})"
                return
            except ModelError:
                return
            try:
                choice = data["choices"][0]
                first = ((choice.get("logprobs") or {}).get("content") or [{}])[0] or {}
                top = [str(item.get("token", "")) for item in first.get("top_logprobs") or []]
                message = choice.get("message") or {}
            except (KeyError, IndexError, TypeError, AttributeError):
                return
            if not top:
                self._no_logprobs = f"{self.options.base_url} returns no top logprobs"
            tokens = [str(first.get("token", "")), *top, message.get("content") or ""]
            if _reasoning(message) or any(shows_thinking(t) for t in tokens):
                self._off = OFF_KWARGS

    def choose_unavailable(self) -> str:
        """Why the judge cannot run on this server ("" when it can): the probe's finding."""
        self.probe()
        return self._no_logprobs

    def complete(self, messages: list[Message], schema: dict[str, Any], max_tokens: int) -> Completion:
        start = time.perf_counter()
        prompt_tokens = evaluated = completion_tokens = 0
        if self.options.think > 0:
            self.probe()  # whether the model thinks decides how the draft is asked
        for _ in range(OFF_PREFILL):  # again only when the model thought although asked not to
            off = self._off
            thinks = self.options.think > 0 and off > 0  # a thinking draft, within its budget
            # (a thinking draft keeps response_format: the server applies it after the thinking)
            answer = {"grammar": schema_gbnf(schema)} if self.options.gbnf and not thinks else \
                {"response_format": self._response_format(schema)}
            body = self._body(messages, temperature=self.options.temperature, max_tokens=max_tokens,
                              think=thinks, **answer)
            data = self._post(body)
            try:
                message = data["choices"][0]["message"]
                text = message.get("content") or ""
            except (KeyError, IndexError, TypeError, AttributeError):
                raise ModelError(f"{self.url}: answer without choices[0].message") from None
            usage = data.get("usage") or {}
            prompt = int(usage.get("prompt_tokens") or 0)
            prompt_tokens += prompt
            evaluated += _evaluated(data, prompt)
            completion_tokens += int(usage.get("completion_tokens") or 0)
            if thinks:
                break  # it was meant to think: what it thought is dropped below
            if _reasoning(message) or shows_thinking(text):
                self._thought(off)
            if self._off == off:
                break
        return Completion(
            text=strip_thinking(text),
            prompt_tokens=prompt_tokens,
            prompt_tokens_evaluated=evaluated,
            completion_tokens=completion_tokens,
            seconds=time.perf_counter() - start,
        )

    def _thought(self, off: int) -> None:
        """The model thought in a request sent at level ``off``: turn thinking off harder."""
        with self._probe_lock:
            if self._off == off and off < OFF_PREFILL:
                self._off = off + 1

    def _body(self, messages: list[Message], think: bool = False, **fields: Any) -> dict[str, Any]:
        """A request, asking a thinking model not to think (``think``: to think within the budget,
        which the answer's own tokens come on top of)."""
        if self._off >= OFF_PREFILL and not think:  # the answer continues after an empty think block
            messages = [*messages, {"role": "assistant", "content": EMPTY_BLOCK}]
        body: dict[str, Any] = {"messages": messages, "temperature": fields.pop("temperature"),
                                "max_tokens": fields.pop("max_tokens"), "seed": self.options.seed, **fields}
        if think:
            body["max_tokens"] += self.options.think
            body["reasoning_budget_tokens"] = self.options.think  # llama-server
            body["chat_template_kwargs"] = {"enable_thinking": True}
        elif self._off >= OFF_KWARGS:
            body["chat_template_kwargs"] = dict(THINK_OFF)  # llama-server, vLLM
        if self._off >= OFF_EFFORT and not think:
            body["reasoning_effort"] = "none"  # Ollama
        if self._slots is not None:
            body["cache_prompt"] = True
        if self.options.model:
            body["model"] = self.options.model
        return body

    def choose(self, messages: list[Message], options: list[str]) -> Choice:
        """Probabilities of single-token options from the server's top logprobs (OpenAI's
        ``logprobs``/``top_logprobs``); the generated token alone when none are given."""
        import math

        for _ in range(OFF_PREFILL):  # again only when the model thought although asked not to
            off = self._off
            body = self._body(messages, temperature=0, max_tokens=1, logprobs=True, top_logprobs=10)
            data = self._post(body)
            usage = data.get("usage") or {}
            scores = {o: float("-inf") for o in options}
            try:
                choice = data["choices"][0]
                content = ((choice.get("logprobs") or {}).get("content") or [{}])[0]
                for item in content.get("top_logprobs") or []:
                    token = str(item.get("token", "")).strip()
                    if token in scores:
                        scores[token] = max(scores[token], float(item["logprob"]))
                message = choice.get("message") or {}
                said = strip_thinking(message.get("content") or "").strip()[:1]
                first = str(content.get("token", ""))
            except (KeyError, IndexError, TypeError, ValueError, AttributeError):
                raise ModelError(f"{self.url}: unexpected answer to a logprobs request") from None
            thought = _reasoning(message) or OPEN in first or shows_thinking(message.get("content") or "")
            if thought:
                self._thought(off)
            if self._off == off:
                break
        if thought:  # every way of turning thinking off failed: the first token is no verdict
            raise ModelCallError(f"{self.options.base_url}: the model thinks although asked not to; no verdict")
        if all(v == float("-inf") for v in scores.values()):
            scores = {o: (0.0 if o == said else float("-inf")) for o in options}
        if all(v == float("-inf") for v in scores.values()):
            return Choice({o: 1 / len(options) for o in options}, int(usage.get("prompt_tokens") or 0), 0)
        top = max(scores.values())
        weights = {o: math.exp(v - top) if v != float("-inf") else 0.0 for o, v in scores.items()}
        total = sum(weights.values())
        prompt_tokens = int(usage.get("prompt_tokens") or 0)
        return Choice({o: w / total for o, w in weights.items()}, prompt_tokens, _evaluated(data, prompt_tokens))

    def _response_format(self, schema: dict[str, Any]) -> dict[str, Any]:
        if self._format == "json_object":
            return {"type": "json_object", "schema": schema}
        return {"type": "json_schema", "json_schema": {"name": "review", "schema": schema, "strict": True}}

    def _post(self, body: dict[str, Any], retries: int | None = None, erase: bool = False) -> dict[str, Any]:
        """``erase``: the slot forgets this request afterwards (the probe: the review's first
        prompt then starts from an empty slot, as it does in-process; a prefix evaluated apart
        changes a small model's greedy answer)."""
        if self._slots is None:
            return self._count(self._send(body, retries))
        family = str(body["messages"][0].get("content", "")) if body.get("messages") else ""
        slot = self._slots.acquire(family)
        try:
            return self._count(self._send({**body, "id_slot": slot}, retries))
        finally:
            if erase:
                self._erase(slot)
            self._slots.release(slot)

    def _erase(self, slot: int) -> None:
        root = self.url.removesuffix("/chat/completions").removesuffix("/v1")
        try:
            self.session.post(f"{root}/slots/{slot}", params={"action": "erase"}, timeout=30)
        except requests.RequestException:
            pass  # a server without the slots API keeps the probe's few tokens: nothing breaks

    def _count(self, data: dict[str, Any]) -> dict[str, Any]:
        """Add an answer's llama-server ``timings`` to the backend's counters."""
        t = data.get("timings") if isinstance(data, dict) else None
        if isinstance(t, dict):
            try:
                with self._timings_lock:
                    c = self._timings
                    self._timings = Timings(
                        c.load_seconds, c.prompt_eval_seconds + float(t.get("prompt_ms") or 0) / 1000,
                        c.prompt_eval_tokens + int(t.get("prompt_n") or 0),
                        c.eval_seconds + float(t.get("predicted_ms") or 0) / 1000,
                        c.eval_tokens + int(t.get("predicted_n") or 0))
            except (TypeError, ValueError):
                pass
        return data

    def timings(self) -> Timings:
        """llama-server's counters summed over this backend's answers (zeros from other servers)."""
        return self._timings

    def _send(self, body: dict[str, Any], retries: int | None = None) -> dict[str, Any]:
        delay = 1.0
        last = ""
        retries = self.options.retries if retries is None else retries
        for attempt in range(retries + 1):
            try:
                r = self.session.post(self.url, json=body, timeout=self.options.timeout)
            except requests.ConnectionError:
                last = f"cannot connect to {self.options.base_url}"
            except requests.Timeout:
                last = f"{self.options.base_url} did not answer within {self.options.timeout:.0f} s"
            else:
                # (llama_cpp.server answers 500 with a validation error naming response_format)
                if (r.status_code in (400, 422, 500) and "json_schema" in r.text
                        and body.get("response_format", {}).get("type") == "json_schema"):
                    # a server without the json_schema form (llama_cpp.server): its json_object + schema
                    self._format = "json_object"
                    body = {**body, "response_format": self._response_format(body["response_format"]["json_schema"]["schema"])}
                    continue
                if r.status_code in (401, 403):
                    raise ModelError(f"{self.options.base_url} refused the API key (HTTP {r.status_code})")
                if r.status_code < 400:
                    try:
                        return r.json()
                    except ValueError:
                        raise ModelError(f"{self.url}: answer is not JSON") from None
                last = f"{self.url} answered HTTP {r.status_code}: {r.text[:200]}"
                if r.status_code < 500 and r.status_code != 429:
                    raise ModelCallError(last)
            if attempt < retries:
                time.sleep(delay)
                delay *= 2
        raise ModelError(last, hint="is the server running? check --base-url")

    def close(self) -> None:
        self.session.close()


def _reasoning(message: dict[str, Any]) -> bool:
    """Whether an answer carries the model's thinking apart (llama-server's ``reasoning_content``;
    vLLM's and Ollama's ``reasoning``)."""
    return bool(message.get("reasoning_content") or message.get("reasoning"))



class SlotChooser:
    """Which of a llama-server's ``count`` slots a request of a prompt family goes to: a free slot
    that last served that family (its prefix is still there), else the free one used least
    recently. Never a busy one while another is free (as many slots as concurrent requests), so
    concurrency is kept; a request waits only when every slot is busy."""

    def __init__(self, count: int):
        self.count = count
        self._family: list[str | None] = [None] * count
        self._used = [0] * count
        self._busy = [False] * count
        self._tick = 0
        self._cond = threading.Condition()

    def acquire(self, family: str) -> int:
        with self._cond:
            while all(self._busy):
                self._cond.wait()
            free = [i for i in range(self.count) if not self._busy[i]]
            same = [i for i in free if self._family[i] == family]
            slot = max(same, key=self._used.__getitem__) if same else min(free, key=self._used.__getitem__)
            self._busy[slot] = True
            self._family[slot] = family
            self._tick += 1
            self._used[slot] = self._tick
            return slot

    def release(self, slot: int) -> None:
        with self._cond:
            self._busy[slot] = False
            self._cond.notify()
