"""Flags shared by the commands that run the model, and settings from them."""

from __future__ import annotations

from pathlib import Path

import click

from ..config import load_settings


def model_options(func):
    """Flags shared by every command that runs the model."""
    options = [
        click.option("--model", "-m", metavar="PATH|NAME", help="GGUF file or registry name (see `reviewer models`); default: qwen2.5-coder-1.5b."),
        click.option("--backend", type=click.Choice(["llama", "openai"]), help="llama: in-process (default); openai: an OpenAI-compatible server."),
        click.option("--base-url", metavar="URL", help="Server URL for --backend openai (llama-server, vLLM, Ollama...)."),
        click.option("--api-key", metavar="KEY", help="API key for --backend openai (better: REVIEWER_API_KEY)."),
        click.option("--context", type=int, metavar="TOKENS", help="Largest context to allocate (default 8192)."),
        click.option("--threads", type=int, help="CPU threads for in-process inference."),
        click.option("--gpu-layers", type=int, metavar="N", help="Layers to offload to the GPU (-1: all, where the build has a GPU)."),
        click.option("--batch", type=int, metavar="TOKENS", help="Prompt batch size."),
        click.option("--flash-attn/--no-flash-attn", default=None, help="Flash attention."),
        click.option("--jobs", "-j", type=int, metavar="N", help="Concurrent requests to a server backend."),
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
