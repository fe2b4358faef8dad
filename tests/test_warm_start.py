"""Warm starts: the KV state of a system prompt kept on disk (backends/kvstate.py) and loaded by
the next run; the store on its own, then the real SmolLM2: a warm run answers exactly as a cold
one, and a damaged or foreign state is never loaded."""

from __future__ import annotations

import ctypes
import json
import os
import struct
from pathlib import Path

import pytest
from click.testing import CliRunner
from fakes.diffs import SMALL_DIFF, modified_file

from reviewer.backends.kvstate import MAGIC, KVStore, Snapshot
from reviewer.backends.llama import LlamaBackend, LlamaOptions
from reviewer.cli import main
from reviewer.prompt import Templates
from reviewer.types import PullRequest

KEY = {"model": "m.gguf:123", "n_batch": 4}


def snap(tokens, fill: int = 7) -> Snapshot:
    return Snapshot(tuple(tokens), bytes([fill]) * (100 + len(tokens)))


# -- the store -----------------------------------------------------------------------------------
def test_a_saved_state_is_found_by_its_exact_tokens_and_read_back(tmp_path):
    store = KVStore(tmp_path, KEY, 1 << 20)
    saved = snap(range(10))
    path = store.save(saved)
    assert path is not None and path.parent == tmp_path
    entry, n = store.best(list(range(10)), grid=4)
    assert n == 10 and store.load(entry) == saved


def test_a_shared_start_is_used_up_to_a_whole_batch(tmp_path):
    store = KVStore(tmp_path, KEY, 1 << 20)
    store.save(snap([*range(9), 100]))  # another PR's text after 9 shared tokens
    entry, n = store.best([*range(9), 200, 201], grid=4)
    assert n == 8  # the shared 9, cut to a multiple of the batch (4)
    assert store.best([0, 1, 2, 300, 301], grid=4) is None  # less than a batch in common
    store.save(snap(range(14)))
    assert store.best(list(range(20)), grid=4)[1] == 12  # the longest start wins


def test_another_models_or_settings_states_are_not_seen(tmp_path):
    KVStore(tmp_path, KEY, 1 << 20).save(snap(range(10)))
    for other in ({**KEY, "model": "other.gguf:9"}, {**KEY, "n_batch": 8}):
        assert list(KVStore(tmp_path, other, 1 << 20).entries()) == []
        assert KVStore(tmp_path, other, 1 << 20).best(list(range(10)), grid=4) is None


def test_garbage_truncated_and_altered_files_are_ignored(tmp_path):
    store = KVStore(tmp_path, KEY, 1 << 20)
    good = store.save(snap(range(10)))
    data = good.read_bytes()
    (tmp_path / "garbage.kv").write_bytes(os.urandom(5000))
    (tmp_path / "magic-only.kv").write_bytes(MAGIC + struct.pack("<Q", 10**12))
    (tmp_path / "truncated.kv").write_bytes(data[: len(data) - 30])
    altered = bytearray(data)
    altered[-1] ^= 0xFF  # the state's bytes no longer match their recorded sha256
    good.write_bytes(bytes(altered))
    entries = list(store.entries())
    assert [e.path.name for e in entries] == [good.name]  # the others have no valid header
    assert store.load(entries[0]) is None


def test_the_bound_evicts_the_least_recently_used_first(tmp_path):
    one = len(MAGIC) + 8 + 400 + 4 * 10 + 110  # about one file
    store = KVStore(tmp_path, KEY, 2 * one + 50)
    first = store.save(snap(range(10), 1))
    second = store.save(snap(range(1, 11), 2))
    os.utime(first, ns=(1, 1))
    os.utime(second, ns=(2, 2))
    store.load(store.best(list(range(10)), grid=4)[0])  # the first is used again: now the newest
    third = store.save(snap(range(2, 12), 3))
    assert sorted(p.name for p in tmp_path.glob("*.kv")) == sorted([first.name, third.name])
    assert sum(p.stat().st_size for p in tmp_path.glob("*.kv")) <= store.max_bytes
    assert KVStore(tmp_path / "small", KEY, 50).save(snap(range(10))) is None  # one alone too big


def test_an_unwritable_directory_leaves_the_run_cold(tmp_path):
    blocker = tmp_path / "kv"
    blocker.write_text("a file where the directory should be")
    assert KVStore(blocker, KEY, 1 << 20).save(snap(range(10))) is None


# -- the real model --------------------------------------------------------------------------------
STYLE = "\n".join(f"- Rule {i}: functions named in snake_case, no bare except, docstrings on public API {i}."
                  for i in range(40))


def messages(pr_title: str, code: str) -> list[dict]:
    pr = PullRequest(repo="octo/demo", number=1, title=pr_title, body="Fixes the division.", author="someone",
                     base_sha="b" * 40, head_sha="a" * 40, url="https://github.com/octo/demo/pull/1")
    system = Templates().system_prompt(STYLE, pr)
    return [{"role": "system", "content": system}, {"role": "user", "content": f"Review this change:\n{code}"}]


def backend(path: Path, kv: Path | None, **options) -> LlamaBackend:
    # a batch of 128: the grid a shared start is cut to (the test's prompts are short)
    return LlamaBackend(path, LlamaOptions(context=2048, batch=128, kv_dir=str(kv) if kv else None, **options))


def answers(be: LlamaBackend, msgs: list[dict]) -> tuple:
    schema = {"type": "object", "properties": {"comments": {"type": "array", "maxItems": 2, "items": {"type": "string"}}},
              "required": ["comments"]}
    done = be.complete(msgs, schema, 48)
    judge = [msgs[0], {"role": "user", "content": msgs[1]["content"] + "\nIs it correct? Answer A (yes) or B (no)."}]
    choice = be.choose(judge, ["A", "B"])
    return done.text, choice.probs, done.prompt_tokens_evaluated + choice.prompt_tokens_evaluated


@pytest.mark.model
def test_a_warm_run_answers_exactly_as_a_cold_one(smollm2_path, tmp_path):
    first = messages("Fix the average", "-    return total / len(xs)\n+    return total / (len(xs) - 1)")
    second = messages("Guard a None", "-    x = compute(a)\n+    x = compute(a) or 0")
    cold = backend(smollm2_path, tmp_path / "cold")
    cold_text, cold_probs, cold_evaluated = answers(cold, second)
    cold.close()
    assert len(list((tmp_path / "cold").glob("*.kv"))) == 1  # the system prompt's state, saved

    before = backend(smollm2_path, tmp_path / "warm")
    answers(before, first)  # another PR, the same style guide
    before.close()
    warm = backend(smollm2_path, tmp_path / "warm")
    warm_text, warm_probs, warm_evaluated = answers(warm, second)
    assert (warm_text, warm_probs) == (cold_text, cold_probs)
    assert warm.warm_tokens >= 128 and warm_evaluated == cold_evaluated - warm.warm_tokens
    warm.close()

    again = backend(smollm2_path, tmp_path / "warm")  # the same PR again: all of its prefix
    assert answers(again, second)[:2] == (cold_text, cold_probs)
    system_turn = again.warm_tokens
    assert system_turn > warm.warm_tokens
    again.close()


def forged(store_dir: Path, smollm2_path: Path, msgs: list[dict], data: bytes) -> None:
    """A file under this backend's key and for this prompt's exact prefix, holding ``data``."""
    probe = backend(smollm2_path, store_dir)
    answers(probe, msgs)
    probe.close()
    (path,) = store_dir.glob("*.kv")
    raw = path.read_bytes()
    (length,) = struct.unpack("<Q", raw[len(MAGIC): len(MAGIC) + 8])
    header = json.loads(raw[len(MAGIC) + 8: len(MAGIC) + 8 + length])
    tokens = raw[len(MAGIC) + 8 + length: len(MAGIC) + 8 + length + 4 * header["n_tokens"]]
    import hashlib

    header.update(data_len=len(data), data_sha256=hashlib.sha256(data).hexdigest())
    text = json.dumps(header, sort_keys=True).encode()
    path.write_bytes(MAGIC + struct.pack("<Q", len(text)) + text + tokens + data)


@pytest.mark.model
def test_garbage_or_another_models_state_under_the_right_key_is_not_loaded(smollm2_path, tmp_path):
    import llama_cpp
    from llama_cpp import Llama

    msgs = messages("Fix the average", "-    return total / len(xs)\n+    return total / (len(xs) - 1)")
    cold = backend(smollm2_path, None)
    expected = answers(cold, msgs)
    cold.close()
    # another KV layout (8-bit keys, as another model's cache would differ): llama.cpp's own bytes
    other = Llama(str(smollm2_path), n_ctx=512, n_batch=128, verbose=False, type_k=8)
    other.eval(other.tokenize(b"another model's memory", add_bos=True))
    size = llama_cpp.llama_state_seq_get_size(other.ctx, 0)
    buf = (ctypes.c_uint8 * size)()
    foreign = bytes(buf[: llama_cpp.llama_state_seq_get_data(other.ctx, buf, size, 0)])
    other.close()
    for name, data in (("garbage", os.urandom(200_000)), ("foreign", foreign)):
        forged(tmp_path / name, smollm2_path, msgs, data)
        be = backend(smollm2_path, tmp_path / name)
        assert answers(be, msgs) == expected, name  # evaluated again, answered the same
        assert be.warm_tokens == 0
        be.close()


@pytest.mark.model
def test_the_command_keeps_states_beside_the_cache_and_no_cache_keeps_none(smollm2_path, tmp_path, isolated_cache):
    first, second = tmp_path / "a.diff", tmp_path / "b.diff"
    first.write_text(SMALL_DIFF)
    second.write_text(modified_file("pkg/util.py", ["x = compute(a)"], ["x = compute(a) or 0"]))
    args = ["--model", str(smollm2_path), "--format", "json", "--context", "2048", "--batch", "128"]
    env = {"REVIEWER_MAX_TOKENS": "64", "REVIEWER_COMMENTS_PER_CHUNK": "1", "REVIEWER_VERIFY": "0"}

    def review(diff: Path, cache: Path, *extra: str) -> dict:
        out = tmp_path / "out.json"
        result = CliRunner().invoke(main, ["review", "--diff", str(diff), *args, "-o", str(out), *extra],
                                    env={**env, "REVIEWER_CACHE_DIR": str(cache)})
        assert result.exit_code == 0, result.output
        return json.loads(out.read_text())

    review(second, tmp_path / "none", "--no-cache")
    assert not (tmp_path / "none" / "kv").exists()
    cold = review(second, tmp_path / "cold")
    assert len(list((tmp_path / "cold" / "kv").glob("*.kv"))) == 1
    review(first, isolated_cache)
    warm = review(second, isolated_cache)
    assert warm["comments"] == cold["comments"]
    assert warm["stats"]["prompt_tokens_evaluated"] < cold["stats"]["prompt_tokens_evaluated"]


@pytest.mark.model
def test_a_prompt_family_resumed_from_its_kept_state_answers_as_a_fresh_model(smollm2_path):
    drafts = messages("Fix the average", "-    return total / len(xs)\n+    return total / (len(xs) - 1)")
    other = [{"role": "system", "content": "You judge code. " * 40}, {"role": "user", "content": "A or B?"}]
    alternating = backend(smollm2_path, None)
    alternating.choose(drafts, ["A", "B"])
    alternating.choose(other, ["A", "B"])  # another family in between: the drafts' state is put aside
    resumed = alternating.choose(drafts[:1] + [{"role": "user", "content": drafts[1]["content"] + " Again."}], ["A", "B"])
    alternating.close()
    fresh = backend(smollm2_path, None)
    expected = fresh.choose(drafts[:1] + [{"role": "user", "content": drafts[1]["content"] + " Again."}], ["A", "B"])
    fresh.close()
    assert resumed.probs == expected.probs
    assert resumed.prompt_tokens_evaluated < expected.prompt_tokens_evaluated  # the kept state was loaded
