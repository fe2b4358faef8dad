"""`reviewer bench`: load time, prefill/decode speed, prefix reuse and the cache, in one run."""

from __future__ import annotations

from pathlib import Path

import click

from ..backends.llama import LlamaOptions
from ..measure.bench import bench, report_lines
from ..config import options_from
from ..backends.modelfiles.registry import resolve
from ..diff.sources.local import PatchFile
from ..style import load_style
from .common import guarded, setup_logging
from ..app.wiring import make_templates, review_options
from .options import model_options, settings_from

DEFAULT_DIFF = Path(__file__).resolve().parents[2] / "examples" / "demo.diff"


@click.command("bench")
@click.option("--diff", "diff", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="A real multi-hunk diff (default: examples/demo.diff).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Also write the markdown table here.")
@model_options
@guarded
def bench_cmd(diff, output, config_path, verbose, **flags):
    """Measure a review: with and without prefix reuse, and a cached re-run, in one run."""
    setup_logging(verbose)
    settings = settings_from(flags, config_path)
    path = diff or DEFAULT_DIFF
    diff_input = PatchFile(path).fetch()
    templates = make_templates(settings)
    style = load_style(settings.style, templates)
    model_path, spec = resolve(settings.model)
    options = options_from(LlamaOptions, settings, verbose=verbose)
    click.echo(f"benchmarking {path.name} on {spec.name if spec else model_path.name}: three reviews...", err=True)
    result = bench(diff_input, model_path, spec.sha256 if spec else model_path.name, options,
                   review_options(settings), templates, style, spec.name if spec else model_path.name)
    text = "\n".join(report_lines(result)) + "\n"
    click.echo(text)
    if output:
        output.write_text(text)
