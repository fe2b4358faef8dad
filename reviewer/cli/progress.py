"""Progress on stderr: a rich progress bar when interactive, one plain line per chunk otherwise."""

from __future__ import annotations

import sys
from typing import TextIO

import click

from ..review.budget import Plan
from ..review.passes.draft import ChunkResult


def describe(result: ChunkResult) -> str:
    if result.failed:
        return f"failed: {result.failed}"
    found = len(result.comments) + len(result.notes)
    origin = "cached" if result.cached else f"{sum(c.seconds for c in result.completions):.1f} s"
    return f"{found} finding{'s' if found != 1 else ''} ({origin})"


def describe_plan(plan: Plan) -> str:
    """The estimate before the model starts, in one line."""
    r = plan.rates
    cached = f", {plan.cached} from the cache" if plan.cached else ""
    source = (f"rates measured on this machine over {r.samples} drafts" if r.measured
              else "default rates: nothing measured with this model here yet")
    budget = f"; budget {plan.budget:g} s" if plan.budget else ""
    return (f"estimate: ~{plan.seconds:.0f} s for {plan.chunks} chunk{'s' if plan.chunks != 1 else ''}{cached}: "
            f"{plan.prefill_tokens:,} prompt tokens at {r.prefill:.0f} tok/s, {plan.output_tokens:,} generated "
            f"at {r.decode:.0f} tok/s ({source}){budget}")


class PlainProgress:
    def __init__(self, stream: TextIO | None = None):
        self.stream = stream

    def planned(self, plan: Plan) -> None:
        click.echo(describe_plan(plan), err=True)

    def started(self, total: int) -> None:
        click.echo(f"reviewing {total} chunk{'s' if total != 1 else ''}", err=True)

    def chunk_done(self, index: int, total: int, result: ChunkResult) -> None:
        click.echo(f"[{index}/{total}] {result.chunk.id}: {describe(result)}", err=True)

    def close(self) -> None:
        pass


class RichProgress:
    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress = Progress(
            TextColumn("[bold]reviewing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            TextColumn("{task.description}"), console=Console(stderr=True), transient=True,
        )
        self.task = None

    def planned(self, plan: Plan) -> None:
        self.progress.console.print(describe_plan(plan), highlight=False, markup=False)

    def started(self, total: int) -> None:
        self.progress.start()
        self.task = self.progress.add_task("", total=total)

    def chunk_done(self, index: int, total: int, result: ChunkResult) -> None:
        self.progress.update(self.task, completed=index, description=f"{result.chunk.path}: {describe(result)}")

    def close(self) -> None:
        self.progress.stop()


def make_progress(quiet: bool = False):
    if quiet:
        return None
    if sys.stderr.isatty():
        return RichProgress()
    return PlainProgress()
