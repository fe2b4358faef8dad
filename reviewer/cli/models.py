"""`reviewer models`: the registry, what is installed, sizes and paths; `pull` fetches ahead."""

from __future__ import annotations

import sys

import click

from ..errors import ModelError
from ..backends.modelfiles.hf import fetch, is_hf
from ..backends.modelfiles.registry import REGISTRY, ensure, lookup, status
from .common import guarded


def _size(n: int) -> str:
    return f"{n / 1e9:.2f} GB" if n >= 1e9 else f"{n / 1e6:.0f} MB"


@click.group("models", invoke_without_command=True)
@click.pass_context
def models_cmd(ctx):
    """List the built-in models: which are present, their size and path."""
    if ctx.invoked_subcommand is not None:
        return
    for i, st in enumerate(status()):
        if st.path:
            state = "ready"
        elif st.parts_installed:
            state = "installed, assembled on first use"
        else:
            state = "not installed"
        default = " (default)" if i == 0 else ""
        click.echo(f"{st.spec.name}{default}: {st.spec.description}")
        click.echo(f"    {_size(st.spec.size)}, {st.spec.license}, {state}")
        click.echo(f"    {'path: ' + str(st.path) if st.path else 'install: ' + st.spec.install}")


@models_cmd.command("path")
@click.argument("name")
@click.option("-v", "--verbose", is_flag=True)
@guarded
def model_path(name, verbose):
    """Print the GGUF path of a registry model, assembling and verifying it if needed."""
    spec = lookup(name)
    if spec is None:
        raise ModelError(f"unknown model {name!r}; known: {', '.join(s.name for s in REGISTRY)}")
    click.echo(str(ensure(spec)))


@models_cmd.command("pull")
@click.argument("name", metavar="hf:ORG/REPO[:QUANT|FILE] | NAME")
@click.option("-v", "--verbose", is_flag=True)
@guarded
def model_pull(name, verbose):
    """Fetch a model ahead of time and print its path: a GGUF from the Hugging Face Hub into the
    hub's cache (HF_ENDPOINT, HF_TOKEN, HF_HUB_CACHE honoured; its sha256 checked against the
    hub's), or a registry model (assembled and verified).

    \b
    Examples:
      reviewer models pull hf:Qwen/Qwen2.5-Coder-7B-Instruct-GGUF:Q4_K_M
      reviewer models pull hf:ORG/REPO:model-q8_0.gguf
    """
    progress = _progress() if sys.stderr.isatty() else None
    if is_hf(name):
        model = fetch(name, progress)
        path = model.path
        if progress:
            click.echo("", err=True)
        click.echo(f"{model.ref}: {', '.join(model.files)} (sha256 {model.sha256[:12]}... verified)", err=True)
    else:
        spec = lookup(name)
        if spec is None:
            raise ModelError(f"unknown model {name!r}; known: {', '.join(s.name for s in REGISTRY)}, or hf:ORG/REPO")
        path = ensure(spec, progress)
        if progress:
            click.echo("", err=True)
    click.echo(str(path))


def _progress():
    """One line on a terminal, redrawn: bytes so far of the file being fetched or checked."""
    def show(done: int, total: int) -> None:
        click.echo(f"\r{_size(done)} / {_size(total)} ({100 * done // max(total, 1)}%)   ", nl=False, err=True)

    return show
