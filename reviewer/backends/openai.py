"""Any OpenAI-compatible chat completions server: llama-server, llama_cpp.server, vLLM, Ollama.

The answer is constrained with a JSON-schema response format where the server supports it;
servers that ignore it are covered by the drafter's validation and one retry.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import requests

from ..config import DEFAULTS
from ..errors import ModelCallError, ModelError
from ..types import Completion
from .base import Choice, Message


@dataclass(frozen=True)
class OpenAIOptions:
    base_url: str
    model: str = ""
    api_key: str | None = None
    temperature: float = DEFAULTS.temperature
    seed: int = 0
    timeout: float = 600.0
    retries: int = 2


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
        if options.api_key:
            self.session.headers["Authorization"] = f"Bearer {options.api_key}"

    def identity(self) -> str:
        return f"openai:{self.options.base_url.rstrip('/')}:{self.options.model or 'default'}"

    def prepare(self, context_tokens: int) -> None:
        pass  # the server owns its context size

    def complete(self, messages: list[Message], schema: dict[str, Any], max_tokens: int) -> Completion:
        body: dict[str, Any] = {
            "messages": messages,
            "temperature": self.options.temperature,
            "max_tokens": max_tokens,
            "seed": self.options.seed,
            "response_format": self._response_format(schema),
        }
        if self.options.model:
            body["model"] = self.options.model
        start = time.perf_counter()
        data = self._post(body)
        try:
            text = data["choices"][0]["message"].get("content") or ""
        except (KeyError, IndexError, TypeError, AttributeError):
            raise ModelError(f"{self.url}: answer without choices[0].message") from None
        usage = data.get("usage") or {}
        prompt_tokens = int(usage.get("prompt_tokens") or 0)
        cached = int((usage.get("prompt_tokens_details") or {}).get("cached_tokens") or 0)
        timings = data.get("timings") or {}  # llama-server reports what it really evaluated
        evaluated = int(timings["prompt_n"]) if "prompt_n" in timings else prompt_tokens - cached
        return Completion(
            text=text,
            prompt_tokens=prompt_tokens,
            prompt_tokens_evaluated=max(0, evaluated),
            completion_tokens=int(usage.get("completion_tokens") or 0),
            seconds=time.perf_counter() - start,
        )

    def choose(self, messages: list[Message], options: list[str]) -> Choice:
        """Probabilities of single-token options from the server's top logprobs (OpenAI's
        ``logprobs``/``top_logprobs``); the generated token alone when none are given."""
        import math

        body: dict[str, Any] = {"messages": messages, "temperature": 0, "max_tokens": 1, "seed": self.options.seed,
                                "logprobs": True, "top_logprobs": 10}
        if self.options.model:
            body["model"] = self.options.model
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
            said = (choice.get("message") or {}).get("content", "").strip()[:1]
        except (KeyError, IndexError, TypeError, ValueError, AttributeError):
            raise ModelError(f"{self.url}: unexpected answer to a logprobs request") from None
        if all(v == float("-inf") for v in scores.values()):
            scores = {o: (0.0 if o == said else float("-inf")) for o in options}
        if all(v == float("-inf") for v in scores.values()):
            return Choice({o: 1 / len(options) for o in options}, int(usage.get("prompt_tokens") or 0), 0)
        top = max(scores.values())
        weights = {o: math.exp(v - top) if v != float("-inf") else 0.0 for o, v in scores.items()}
        total = sum(weights.values())
        prompt_tokens = int(usage.get("prompt_tokens") or 0)
        return Choice({o: w / total for o, w in weights.items()}, prompt_tokens, prompt_tokens)

    def _response_format(self, schema: dict[str, Any]) -> dict[str, Any]:
        if self._format == "json_object":
            return {"type": "json_object", "schema": schema}
        return {"type": "json_schema", "json_schema": {"name": "review", "schema": schema, "strict": True}}

    def _post(self, body: dict[str, Any]) -> dict[str, Any]:
        delay = 1.0
        last = ""
        for attempt in range(self.options.retries + 1):
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
            if attempt < self.options.retries:
                time.sleep(delay)
                delay *= 2
        raise ModelError(last, hint="is the server running? check --base-url")

    def close(self) -> None:
        self.session.close()
