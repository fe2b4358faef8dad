"""The card and the mining summary as markdown and JSON (text only: the CLI prints it)."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from ... import __version__
from .card import Card, Counts, Point, counts_at, round_between
from .run import CaseSteps


def _rate(c: Counts | None, alarms: bool = False) -> str:
    if c is None or not c.cases:
        return "-"
    return f"{c.alarm_rate:.2f} ({c.alarms}/{c.cases})" if alarms else f"{c.recall:.2f} ({c.caught}/{c.cases})"


def _span(steps: list[CaseSteps]) -> str:
    if not steps:
        return "none"
    day = lambda t: datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%d")
    return f"{len(steps)} cases, {day(steps[0].time)} to {day(steps[-1].time)}"


def _range(p: Point) -> str:
    low = "" if p.above == float("-inf") else f"{p.above:.4f} <"
    high = "" if p.up_to >= 2.0 else f"<= {p.up_to:.4f}"
    return f"{low} t {high}".strip() if low or high else "any"


def mining_lines(mining: dict) -> list[str]:
    skipped = ", ".join(f"{n} {reason}" for reason, n in mining.get("skipped", {}).items()) or "none"
    return [
        f"- commits scanned: {mining.get('commits_scanned', 0)}; with a fix-like message: {mining.get('fix_like', 0)}",
        f"- cases (usable: one to three source files, bounded size): {mining.get('cases', 0)}"
        + (f", from {mining['first']} to {mining['last']}" if mining.get("first") else ""),
        f"- skipped: {skipped}",
    ]


def mining_markdown(mining: dict, folder: str) -> str:
    lines = [f"# Cases mined from {mining.get('repo', '?')}", "", *mining_lines(mining), "",
             f"Cases written to `{folder}` (`reviewer eval {folder}` scores them)."]
    return "\n".join(lines) + "\n"


def card_markdown(card: Card) -> str:
    c = card.choice
    lines = [
        f"# Quality card: {card.repo}",
        "",
        f"{card.date}, model {card.model}, reviewer {__version__}; verify threshold now {card.current:g} "
        f"({card.current_origin}); style: {', '.join(card.style_sources) or 'built-in guide'}.",
        "",
        f"Cases: {card.cases} past bug fixes of this repository, reversed (a case is caught by an error or "
        "warning within 3 lines of the bug; the fix itself with any error or warning is a false alarm). "
        f"Split by commit date: the older half ({_span(card.older)}) chooses the threshold, the newer half "
        f"({_span(card.newer)}) reports it.",
        "",
        "| | threshold | older half: recall | older: false alarms | newer half: recall | newer: false alarms |",
        "|---|---|---|---|---|---|",
    ]
    now_old, now_new = counts_at(card.older, card.current), counts_at(card.newer, card.current)
    lines.append(f"| now | {card.current:g} | {_rate(now_old)} | {_rate(now_old, True)} | {_rate(now_new)} | "
                 f"{_rate(now_new, True)} |")
    if c.threshold is not None:
        mark = "" if c.meets_target else " (target not met)"
        lines.append(f"| **chosen**{mark} | **{c.threshold:g}** | {_rate(c.choose)} | {_rate(c.choose, True)} | "
                     f"**{_rate(c.report)}** | **{_rate(c.report, True)}** |")
    lines += ["", f"Chosen: {c.threshold:g}: {c.reason}." if c.threshold is not None else f"Chosen: none: {c.reason}.",
              f"Target: false alarms at most {card.max_false_alarms:g} (`--max-false-alarms`)."]
    if card.seconds_per_case is not None:
        lines.append(f"Seconds per case (both diffs, on the model): {card.seconds_per_case:.1f}; "
                     f"{card.reviewed_now} case{'s' if card.reviewed_now != 1 else ''} reviewed now, "
                     f"{card.cases - card.reviewed_now} from the cache.")
    else:
        lines.append(f"All {card.cases} cases came from the cache (no model call in this run).")
    every = [*card.older, *card.newer]
    if any(s.sweep_calls for s in every):
        lines.append(f"Scoring the other thresholds took {sum(s.sweep_calls for s in every)} more model calls "
                     f"({sum(s.sweep_seconds for s in every):.0f} s: what only another threshold asks for, such "
                     "as the comment for a hunk condemned there), cached for the next run.")
    if card.not_reviewed:
        lines.append(f"Budget: {card.not_reviewed} mined case{'s' if card.not_reviewed != 1 else ''} not reviewed "
                     "(`--budget`); a re-run reviews them and takes the others from the cache.")
    lines += [f"Note: {n}." for n in card.notes]
    lines += ["", "## Sweep", "",
              "Each row: the thresholds over which no case changes its outcome (a finding keeps its severity "
              "when the judge's P(new version correct) < t); consecutive rows with the same counts merged.", "",
              "| t | range | older: recall | older: false alarms | newer: recall | newer: false alarms | "
              "all: recall | all: false alarms |",
              "|---|---|---|---|---|---|---|---|"]
    for p in _merged(card.sweep, card.current):
        now = " (now)" if p.above < card.current <= p.up_to else ""
        lines.append(f"| {p.threshold:g}{now} | {_range(p)} | {_rate(p.choose)} | {_rate(p.choose, True)} | "
                     f"{_rate(p.report)} | {_rate(p.report, True)} | {_rate(p.all)} | {_rate(p.all, True)} |")
    if card.mining:
        lines += ["", "## Mining", "", *mining_lines(card.mining)]
    return "\n".join(lines) + "\n"


def _merged(points: list[Point], current: float) -> list[Point]:
    out: list[Point] = []
    for p in points:
        if out and (out[-1].choose, out[-1].report) == (p.choose, p.report):
            last = out[-1]
            out[-1] = Point(round_between(last.above, p.up_to, current), last.above, p.up_to, p.choose, p.report, p.all)
        else:
            out.append(p)
    return out


def card_json(card: Card) -> str:
    c = card.choice
    data = {
        "date": card.date, "repo": card.repo, "model": card.model, "reviewer": __version__,
        "style_sources": list(card.style_sources),
        "current": {"threshold": card.current, "origin": card.current_origin},
        "max_false_alarms": card.max_false_alarms,
        "cases": card.cases,
        "split": {"older": [s.name for s in card.older], "newer": [s.name for s in card.newer]},
        "chosen": {"threshold": c.threshold, "meets_target": c.meets_target, "reason": c.reason,
                   "older": c.choose.to_dict() if c.choose else None,
                   "newer": c.report.to_dict() if c.report else None},
        "sweep": [p.to_dict() for p in card.sweep],
        "seconds_per_case": card.seconds_per_case, "reviewed_now": card.reviewed_now,
        "not_reviewed": card.not_reviewed, "notes": card.notes, "mining": card.mining,
        "per_case": [{"name": s.name, "time": s.time, "verdicts": list(s.cuts),
                      "outcomes": [{"caught": a, "false_alarm": b} for a, b in s.outcomes],
                      "seconds": round(s.seconds, 3), "model_calls": s.model_calls, "failed_chunks": s.failed_chunks,
                      "sweep_seconds": round(s.sweep_seconds, 3), "sweep_model_calls": s.sweep_calls}
                     for s in [*card.older, *card.newer]],
    }
    data["current"].update(older=counts_at(card.older, card.current).to_dict(),
                           newer=counts_at(card.newer, card.current).to_dict())
    return json.dumps(data, indent=1) + "\n"
