"""`reviewer eval DIR...`: recall and false alarms on sets of real cases."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import click

from ..errors import InputError
from ..measure.eval import CaseResult, SetScore, evaluate, summary_table
from ..review.pipeline import run_review
from ..style import load_style
from .common import guarded, setup_logging
from ..app import wiring
from ..app.wiring import make_cache, make_templates, review_options
from .options import model_options, settings_from


@click.command("eval")
@click.argument("dirs", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--limit", type=int, help="Only the first N cases of each set.")
@click.option("--variant", default="default", help="A label for this configuration in the results table.")
@click.option("--results", type=click.Path(dir_okay=False, path_type=Path), help="Write per-case results (JSON) here.")
@click.option("--titles", is_flag=True, help="Review each whole-PR case (slipped-prs, real-prs) with its pull "
              "request's title, as a review of a PR by number sees it (meta.json's title or intro_subject).")
@click.option("--trees", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="A folder with one directory per case holding the repository's files at the case's base, "
              "which --review-context repo reads (bench/base_trees.py makes them).")
@model_options
@guarded
def eval_cmd(dirs, limit, variant, results, titles, trees, config_path, verbose, **flags):
    """Score reviews on case sets (bug.diff/fix.diff or violation.diff/clean.diff per case)."""
    setup_logging(verbose)
    settings = settings_from(flags, config_path)
    templates = make_templates(settings)
    style = load_style(settings.style, templates)
    cache = make_cache(settings)
    backend, model_label = wiring.make_backend(settings, cache, verbose)
    options = review_options(settings)

    def review_fn(diff):
        return run_review(diff, backend=backend, templates=templates, style=style, options=options,
                          cache=cache, model_name=model_label)

    scores: list[SetScore] = []

    def write_results(partial: SetScore | None = None) -> None:
        """The per-case results so far: written after every case, so a run cut short keeps them."""
        if results:
            sets = [*scores, *([partial] if partial is not None else [])]
            results.write_text(json.dumps(
                {"model": model_label, "variant": variant, "style": list(style.sources),
                 "sets": [{"name": s.name, "kind": s.kind, "recall": s.recall, "alarm_rate": s.alarm_rate,
                           "posted": s.posted, "seconds_per_case": s.seconds_per_case,
                           **({"noise_per_case": s.noise_per_case} if s.kind == "slipped" else {}),
                           "cases": [asdict(r) for r in s.results]} for s in sets]},
                indent=1))

    def show(r: CaseResult, so_far: SetScore) -> None:
        write_results(so_far)
        if r.kind == "slipped":
            mark = f"{'caught' if r.caught else 'missed'}, {r.noise} noise, {r.model_calls} model calls"
        elif r.kind == "prs":
            mark = f"{len(r.negative_comments)} posted, {r.chunks} chunks, {r.model_calls} model calls"
        else:
            mark = ("caught" if r.caught else "missed") + (", ALARM" if r.alarm else "")
        click.echo(f"  {r.name}: {mark} ({r.seconds:.1f} s)", err=True)

    try:
        for folder in dirs:
            click.echo(f"{folder.name}:", err=True)
            score = evaluate(folder, review_fn, limit, show, titles, trees / folder.name if trees else None)
            if not score.results:
                raise InputError(f"{folder}: no cases (folders with bug.diff+fix.diff, violation.diff+clean.diff or pr.diff, with meta.json)")
            scores.append(score)
    finally:
        backend.close()
    click.echo("\n".join(summary_table(scores, model_label, variant)))
    write_results()
