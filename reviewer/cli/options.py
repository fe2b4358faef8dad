"""Flags shared by the commands that run the model, and settings from them."""

from __future__ import annotations

from pathlib import Path

import click

from ..config import CHOICES, DEFAULTS, load_settings


def choice(name: str) -> click.Choice:
    """The values a setting takes, from the config's own table."""
    return click.Choice(CHOICES[name])


def model_options(func):
    """Flags shared by every command that runs the model."""
    d = DEFAULTS
    options = [
        click.option("--model", "-m", metavar="PATH|NAME", help=f"GGUF file or registry name (see `reviewer models`); default: {d.model}."),
        click.option("--backend", type=choice("backend"), help=f"llama: in-process; openai: an OpenAI-compatible server; llama-server: one this tool starts for the model and stops (default {d.backend})."),
        click.option("--base-url", metavar="URL", help="Server URL for --backend openai (llama-server, vLLM, Ollama...)."),
        click.option("--api-key", metavar="KEY", help="API key for --backend openai (better: REVIEWER_API_KEY)."),
        click.option("--context", type=int, metavar="TOKENS", help=f"Largest context to allocate (default {d.context})."),
        click.option("--threads", type=int, help="CPU threads for in-process inference (default: all cores)."),
        click.option("--gpu-layers", type=int, metavar="N", help=f"Layers to offload to the GPU (-1: all, where the build has a GPU; default {d.gpu_layers})."),
        click.option("--batch", type=int, metavar="TOKENS", help=f"Prompt batch size (default {d.batch})."),
        click.option("--flash-attn/--no-flash-attn", default=None, help=f"Flash attention (default {'on' if d.flash_attn else 'off'})."),
        click.option("--jobs", "-j", type=int, metavar="N", help=f"Concurrent requests to a server backend; llama-server's slots (default {d.jobs})."),
        click.option("--draft-model", metavar="PATH|NAME", help="--backend llama-server: a smaller GGUF of the model's family for speculative decoding (default: none)."),
        click.option("--think", type=int, metavar="N", help=f"Tokens a thinking model's draft may think before answering; the judge never thinks (default {d.think}: off)."),
        click.option("--min-severity", type=choice("min_severity"), help=f"Leave findings below this out of the review; the report keeps them (default {d.min_severity})."),
        click.option("--review-context", type=choice("review_context"), help=f"What the review reads besides the hunk: none; diff (the rest of the PR's diff says why a change is on purpose: a removal nothing left uses, calls following a changed signature); pr (diff, and the judges see the PR's title, description, changelog lines and its other hunks that share names with it); repo (diff, and the judges see the repository at the PR's base: definitions the hunk uses, callers of what it changes; from a --git range's base or the checkout holding the PR's base commit). Default {d.review_context}."),
        click.option("--scope", type=choice("scope"), help=f"code: leave tests and docs undrafted (no finding there would pass the judges); all: draft every file (default {d.scope})."),
        click.option("--style", "style", multiple=True, metavar="FILE", help="Style guide file (repeatable); replaces the rules found in the repository."),
        click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), help="Config file (default: .reviewer.toml or [tool.reviewer] in pyproject.toml)."),
        click.option("--no-cache", is_flag=True, help="Neither read nor write the result cache."),
        click.option("-v", "--verbose", is_flag=True, help="Details: llama.cpp's logs, tracebacks."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def settings_from(flags: dict, config_path: Path | None):
    if flags.pop("no_cache", False):
        flags["cache"] = False
    return load_settings(flags, config_path=config_path)
