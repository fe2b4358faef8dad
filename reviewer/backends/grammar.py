"""The answer's grammar: llama-cpp-python's GBNF of a JSON schema, the one grammar both the
in-process backend and a managed llama-server decode under (llama-server's own converter, behind
``response_format``, makes another one, and the same model then answers otherwise)."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any


def schema_gbnf(schema: dict[str, Any]) -> str:
    return _gbnf(json.dumps(schema, sort_keys=True))


@lru_cache(maxsize=32)
def _gbnf(schema_json: str) -> str:
    from llama_cpp.llama_grammar import json_schema_to_gbnf

    return json_schema_to_gbnf(schema_json)
