"""`reviewer models`: the registry, what is installed, sizes and paths."""

from __future__ import annotations

import click

from ..models import REGISTRY, ensure, lookup, status
from ..errors import ModelError
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
