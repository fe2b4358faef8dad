"""`reviewer calibrate`: a quality card for this repository, from its own past bug fixes."""

from __future__ import annotations

import hashlib
import json
import re
import sys
from datetime import datetime, timezone
from pathlib import Path

import click

from ..measure.calibrate.card import build_card
from ..backends.base import Chooser
from ..measure.calibrate.config_write import config_target, write_threshold
from ..measure.calibrate.feedback import build_feedback_card, feedback_json, feedback_markdown
from ..measure.calibrate.git import Git
from ..measure.calibrate.mine import Limits, mine, write_cases
from ..measure.calibrate.render import card_json, card_markdown, mining_lines, mining_markdown
from ..measure.calibrate.run import History, MemoryCache, estimate, review_cases, reviewer_at
from ..config import load_settings
from ..config import parse_duration as config_duration
from ..errors import InputError
from ..measure.eval import load_cases
from ..backends.modelfiles.registry import cache_dir
from ..formats.report import write_report
from ..style import load_style
from ..triage.feedback import FEEDBACK_FILE, FeedbackStore
from .common import guarded, setup_logging
from ..app.wiring import cache_root, make_backend, make_cache, make_templates, review_options
from ..style.roots import make_style_root
from .options import model_options

TIMINGS = "timings.json"


def parse_duration(text: str | None) -> float | None:
    """``600``, ``600s``, ``10m``, ``1.5h`` -> seconds (``config.parse_duration``)."""
    if text is None:
        return None
    try:
        return config_duration(text)
    except ValueError:
        raise InputError(f"--budget: not a duration: {text!r}",
                         hint="seconds, or a number with s, m or h: 600, 10m, 1h") from None


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f} min" if seconds >= 90 else f"{seconds:.0f} s"


def default_cases_dir(root: Path, top: Path, repo: str) -> Path:
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", repo)
    return root / "calibrate" / f"{slug}-{hashlib.sha256(str(top).encode()).hexdigest()[:8]}"


def _load_timings(folder: Path, model: str) -> History:
    """Seconds measured before on each case, for this model (the estimate's basis)."""
    try:
        data = json.loads((folder / TIMINGS).read_text())
        return {str(k): (float(v[0]), float(v[1])) for k, v in data.get(model, {}).items()}
    except (OSError, ValueError, AttributeError, TypeError, IndexError, KeyError):
        return {}


def _save_timings(folder: Path, model: str, timings: History) -> None:
    path = folder / TIMINGS
    try:
        data = json.loads(path.read_text()) if path.is_file() else {}
        if not isinstance(data, dict):
            data = {}
    except (OSError, ValueError):
        data = {}
    data[model] = {k: [round(v[0], 3), round(v[1], 3)] for k, v in timings.items()}
    path.write_text(json.dumps(data, indent=1) + "\n")


@click.command("calibrate")
@click.option("--repo", "repo_path", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="The git work tree to calibrate on (default: the current directory).")
@click.option("--since", metavar="DATE", help="Only commits after DATE (git's forms: 2023-01-01, '2 years ago').")
@click.option("--limit", type=click.IntRange(min=1), default=40, show_default=True,
              help="At most N cases, the newest first.")
@click.option("--paths", multiple=True, metavar="PATH", help="Only commits and files under PATH (repeatable).")
@click.option("--max-files", type=click.IntRange(min=1), default=3, show_default=True, help="Source files per case.")
@click.option("--max-lines", type=click.IntRange(min=1), default=40, show_default=True,
              help="Changed lines (added + removed) in a case's source files.")
@click.option("--cases", "cases_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where the mined cases go (default: under the cache directory); `reviewer eval` scores them.")
@click.option("--mine-only", is_flag=True, help="Mine the cases and say how many; no model is run.")
@click.option("--budget", metavar="DURATION", help="Start no new case after this much time (600, 10m, 1h).")
@click.option("--max-false-alarms", type=click.FloatRange(0, 1), default=0.2, show_default=True,
              help="The target: the chosen threshold keeps the false-alarm rate at or below this.")
@click.option("--format", "fmt", type=click.Choice(["markdown", "json"]), default="markdown", show_default=True,
              help="The card's format.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the card here (default: stdout).")
@click.option("--write", "write", is_flag=True,
              help="Put the chosen threshold in .reviewer.toml (or the config file in use), with a comment.")
@click.option("--feedback", is_flag=True,
              help="No model: the card from your own triage decisions (`reviewer triage`, kept in "
                   "CACHE_DIR/feedback.sqlite3): precision by threshold, severity and file kind.")
@click.option("--feedback-repo", metavar="OWNER/REPO|all",
              help="With --feedback: whose decisions (default: this checkout's repository, from its origin remote).")
@model_options
@guarded
def calibrate_cmd(repo_path, since, limit, paths, max_files, max_lines, cases_dir, mine_only, budget,
                  max_false_alarms, fmt, output, write, feedback, feedback_repo, config_path, verbose, **flags):
    """Measure the review on this repository's own past bug fixes: each fix reversed is a bug to
    catch, the fix itself a change to leave alone. Prints a quality card (recall, false alarms, a
    sweep over the verify threshold) and, with --write, sets the threshold that meets the target.

    \b
    Examples:
      reviewer calibrate --limit 20 --mine-only       # the cases only, no model
      reviewer calibrate --limit 20 --budget 30m      # the card
      reviewer calibrate --since 2023-01-01 --write   # and keep the chosen threshold
      reviewer calibrate --feedback [--write]         # from your triage decisions (docs/triage.md)
    """
    setup_logging(verbose)
    if feedback:
        return _feedback(repo_path, feedback_repo, max_false_alarms, fmt, output, write, config_path, flags)
    if feedback_repo is not None:
        raise InputError("--feedback-repo goes with --feedback")
    seconds_budget = parse_duration(budget)
    git = Git(repo_path or Path.cwd())
    top = git.top()
    if flags.pop("no_cache", False):
        flags["cache"] = False
    settings = load_settings(flags, config_path=config_path, cwd=top)
    mining = mine(git, since=since, limit=limit, paths=tuple(paths),
                  limits=Limits(max_files, max_lines, settings.ignore))
    root = Path(settings.cache_dir) if settings.cache_dir else cache_dir()
    folder = cases_dir or default_cases_dir(root, top, mining.repo)
    write_cases(mining, folder)
    summary = mining.to_dict()
    if mine_only:
        text = json.dumps({**summary, "folder": str(folder)}, indent=1) + "\n" if fmt == "json" \
            else mining_markdown(summary, str(folder))
        _emit(text, output)
        return
    click.echo("\n".join([f"{mining.repo}:", *mining_lines(summary), f"- cases in {folder}"]), err=True)
    if not mining.cases:
        shallow = git.run("rev-parse", "--is-shallow-repository").strip() == "true"
        raise InputError(f"no case could be mined from {top}" + (" (a shallow clone)" if shallow else ""),
                         hint="fetch the history: git fetch --unshallow" if shallow else
                         "widen the search: --since, --paths, --max-lines, --max-files, --limit")

    templates = make_templates(settings)
    base = top if settings.origins.get("style") not in ("flag", "env") else None
    style = load_style(settings.style, templates, base=base, root=make_style_root(settings, top))
    disk_cache = make_cache(settings)
    cache = disk_cache if disk_cache is not None else MemoryCache()
    backend, model_label = make_backend(settings, disk_cache, verbose)
    options = review_options(settings)

    review_at = reviewer_at(options, templates, style, model_label)

    times = {c.name: c.time for c in mining.cases}
    by_name = {c.name: c for c in load_cases(folder) if c.name in times}
    cases = [(by_name[c.name], c.time) for c in mining.cases if c.name in by_name]
    history = _load_timings(folder, model_label)
    guess = estimate([c.name for c, _ in cases], history)
    basis = "measured here before" if guess.measured else "a rough figure for the default model on a 2-core CPU"
    click.echo(f"reviewing {len(cases)} cases on {model_label}: {guess.known} measured before (from the cache), "
               f"{guess.new} new at about {guess.per_case:.0f} s each ({basis}): about {_minutes(guess.seconds)}",
               err=True)
    if seconds_budget is not None and guess.fits(seconds_budget) < guess.new:
        click.echo(f"--budget {budget}: about {guess.fits(seconds_budget)} of the {guess.new} new cases fit; "
                   "the others wait for a re-run", err=True)

    def progress(i: int, total: int, steps, elapsed: float) -> None:
        caught, alarm = steps.at(settings.verify_threshold)
        origin = f"{steps.seconds:.1f} s, {steps.model_calls} model calls" if steps.model_calls else "cached"
        click.echo(f"[{i}/{total}] {steps.name}: {'caught' if caught else 'missed'}"
                   f"{', false alarm' if alarm else ''} at {settings.verify_threshold:g} ({origin}; "
                   f"{_minutes(elapsed)} so far)", err=True)

    try:
        run = review_cases(cases, backend, cache, review_at, settings.verify_threshold, history=history,
                           budget=seconds_budget, on_case=progress)
    finally:
        backend.close()
        _save_timings(folder, model_label, history)
    if not run.steps:
        raise InputError(f"--budget {budget}: no case was reviewed", hint="a larger budget")
    measured = [history[s.name][0] for s in run.steps if s.name in history]
    card = build_card(
        run.steps, date=datetime.now(timezone.utc).strftime("%Y-%m-%d"), repo=mining.repo, model=model_label,
        current=settings.verify_threshold, current_origin=settings.origins.get("verify_threshold", "default"),
        max_false_alarms=max_false_alarms, seconds_per_case=sum(measured) / len(measured) if measured else None,
        mining=summary, not_reviewed=run.stopped, style_sources=style.sources,
        verify=settings.verify and isinstance(backend, Chooser),
    )
    _emit(card_json(card) if fmt == "json" else card_markdown(card), output)
    if write:
        _write(card, top, config_path, settings)


def _feedback(repo_path, feedback_repo, max_false_alarms, fmt, output, write, config_path, flags) -> None:
    """The card from the triage decisions; with --write, the threshold they support."""
    git = Git(repo_path or Path.cwd(), timeout=10)
    try:
        top = git.top()
    except InputError:
        if write:
            raise InputError("--write needs a git work tree (--repo PATH): its config file takes the threshold") from None
        top = None
    if flags.pop("no_cache", False):
        flags["cache"] = False
    settings = load_settings(flags, config_path=config_path, cwd=top or Path.cwd())
    path = cache_root(settings) / FEEDBACK_FILE
    if not path.is_file():
        raise InputError(f"no triage decisions yet ({path} does not exist)",
                         hint="triage a review first: reviewer triage OWNER/REPO#N")
    store = FeedbackStore(path)
    try:
        repository = feedback_repo or (git.repo_name() if top is not None else "all")
        decisions = store.decisions(None if repository == "all" else repository)
        known = store.repositories()
    finally:
        store.close()
    if not decisions:
        others = ", ".join(f"{r} ({n})" for r, n in sorted(known.items())) or "none"
        raise InputError(f"no triage decisions for {repository} in {path}",
                         hint=f"the repositories with decisions: {others}; --feedback-repo NAME or all")
    card = build_feedback_card(decisions, repository=repository,
                               date=datetime.now(timezone.utc).strftime("%Y-%m-%d"),
                               current=settings.verify_threshold,
                               current_origin=settings.origins.get("verify_threshold", "default"),
                               max_false_alarms=max_false_alarms)
    _emit(feedback_json(card) if fmt == "json" else feedback_markdown(card), output)
    if not write:
        return
    c = card.choice
    if c.threshold is None or c.row is None:
        raise InputError(f"--write: nothing written: {c.reason}",
                         hint="triage more reviews, or a higher --max-false-alarms")
    target, table = config_target(top, config_path)
    row = c.row.posted
    comment = [f"{card.date}: {card.overall.decided} triage decisions on {repository} ({', '.join(card.models)}):",
               f"precision {row.precision:.2f} ({row.wanted}/{row.decided}) at {c.threshold:g} "
               f"(target: dropped <= {max_false_alarms:g}; before: {card.current:g})"]
    write_threshold(target, c.threshold, comment, table)
    click.echo(f"verify threshold {c.threshold:g} written to {target}", err=True)
    if settings.origins.get("verify_threshold") == "env":
        click.echo("note: REVIEWER_VERIFY_THRESHOLD is set and overrides the file", err=True)


def _emit(text: str, output: Path | None) -> None:
    if output is not None:
        write_report(text, output)
        click.echo(f"written to {output}", err=True)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()


def _write(card, top: Path, config_path: Path | None, settings) -> None:
    c = card.choice
    if c.threshold is None or not c.meets_target:
        raise InputError(f"--write: nothing written: {c.reason}",
                         hint="a higher --max-false-alarms, or more cases (--limit, --since)")
    path, table = config_target(top, config_path)
    comment = [
        f"{card.date}: {card.cases} past fixes of {card.repo} on {card.model}; the {len(card.older)} older chose, "
        f"the {len(card.newer)} newer report:",
        f"recall {c.report.recall:.2f} ({c.report.caught}/{c.report.cases}), false alarms {c.report.alarm_rate:.2f} "
        f"({c.report.alarms}/{c.report.cases}) at {c.threshold:g} (target <= {card.max_false_alarms:g}; "
        f"before: {card.current:g})",
    ]
    write_threshold(path, c.threshold, comment, table)
    click.echo(f"verify threshold {c.threshold:g} written to {path}", err=True)
    if settings.origins.get("verify_threshold") == "env":
        click.echo("note: REVIEWER_VERIFY_THRESHOLD is set and overrides the file", err=True)
