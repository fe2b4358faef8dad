"""`reviewer calibrate --feedback`: what the maintainer's own triage decisions say of the review
(triage/feedback.py keeps them): precision (kept or edited, out of decided) overall, by
severity, by file kind and by verify threshold, and the threshold those decisions support.

A finding stays an error or warning when the judge's P(the new version is correct) is below
the verify threshold; so at a threshold t, the decided drafts with a verdict below t are those
the review would post, and precision at t is the share of them the maintainer kept. The chosen
threshold is the highest (the most findings posted) whose false alarms (dropped, out of
posted) stay within ``max_false_alarms``, over at least ``MIN_DECISIONS`` decisions.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

from ...diff.files import REVIEW_TIERS
from ...types import SEVERITIES

MIN_DECISIONS = 10  # decided drafts below a threshold before it can be chosen
GRID = tuple(round(0.05 * i, 2) for i in range(1, 20))  # 0.05 .. 0.95


@dataclass(frozen=True)
class Tally:
    decided: int = 0
    wanted: int = 0  # kept or edited

    @property
    def dropped(self) -> int:
        return self.decided - self.wanted

    @property
    def precision(self) -> float | None:
        return self.wanted / self.decided if self.decided else None

    def to_dict(self) -> dict:
        p = self.precision
        return {"decided": self.decided, "wanted": self.wanted, "dropped": self.dropped,
                "precision": None if p is None else round(p, 4)}


def tally(decisions: Iterable) -> Tally:
    items = list(decisions)
    return Tally(len(items), sum(1 for d in items if d.decision in ("kept", "edited")))


@dataclass(frozen=True)
class Row:
    threshold: float
    posted: Tally  # the decided drafts with a verdict below the threshold
    share: float | None  # of the wanted drafts with a verdict, the part posted at this threshold

    def to_dict(self) -> dict:
        return {"threshold": self.threshold, **self.posted.to_dict(),
                "share_of_wanted": None if self.share is None else round(self.share, 4)}


@dataclass(frozen=True)
class Choice:
    threshold: float | None
    reason: str
    row: Row | None = None


@dataclass(frozen=True)
class FeedbackCard:
    repository: str  # "all" for every repository's decisions
    date: str
    models: tuple[str, ...]
    overall: Tally
    by_severity: dict[str, Tally]
    by_kind: dict[str, Tally]
    by_place: dict[str, Tally]  # comment (would be posted) / note (left out, or on no line)
    sweep: tuple[Row, ...]
    no_verdict: int  # decisions without a verdict (the judge was off): not in the sweep
    current: float
    current_origin: str
    max_false_alarms: float
    choice: Choice

    def to_dict(self) -> dict:
        return {
            "repository": self.repository, "date": self.date, "models": list(self.models),
            "overall": self.overall.to_dict(),
            "by_severity": {k: v.to_dict() for k, v in self.by_severity.items()},
            "by_file_kind": {k: v.to_dict() for k, v in self.by_kind.items()},
            "by_place": {k: v.to_dict() for k, v in self.by_place.items()},
            "sweep": [r.to_dict() for r in self.sweep], "no_verdict": self.no_verdict,
            "current": {"threshold": self.current, "origin": self.current_origin},
            "max_false_alarms": self.max_false_alarms,
            "choice": {**asdict(self.choice), "row": self.choice.row.to_dict() if self.choice.row else None},
        }


def row_at(decisions: Sequence, threshold: float) -> Row:
    judged = [d for d in decisions if d.verdict is not None]
    wanted = sum(1 for d in judged if d.decision in ("kept", "edited"))
    posted = tally(d for d in judged if d.verdict < threshold)
    return Row(threshold, posted, posted.wanted / wanted if wanted else None)


def choose(sweep: Sequence[Row], max_false_alarms: float) -> Choice:
    enough = [r for r in sweep if r.posted.decided >= MIN_DECISIONS]
    if not enough:
        most = max((r.posted.decided for r in sweep), default=0)
        return Choice(None, f"too few decisions with a verdict: {most} at most below any threshold, "
                            f"{MIN_DECISIONS} needed")
    within = [r for r in enough if r.posted.dropped <= max_false_alarms * r.posted.decided]
    if not within:
        best = min(enough, key=lambda r: r.posted.dropped / r.posted.decided)
        return Choice(None, f"no threshold keeps the dropped drafts at or below {max_false_alarms:g} of those "
                            f"posted (the fewest: {best.posted.dropped}/{best.posted.decided} at {best.threshold:g})")
    row = max(within, key=lambda r: (r.posted.wanted, -r.threshold))  # the most kept, then the lowest threshold
    return Choice(row.threshold, f"the most kept drafts ({row.posted.wanted}) with dropped ones at "
                                 f"{row.posted.dropped}/{row.posted.decided} (target <= {max_false_alarms:g})", row)


def build_feedback_card(decisions: Sequence, *, repository: str, date: str, current: float, current_origin: str,
                        max_false_alarms: float) -> FeedbackCard:
    thresholds = sorted({*GRID, round(current, 4)})
    sweep = tuple(row_at(decisions, t) for t in thresholds)
    kinds = [k for k in REVIEW_TIERS if any(d.file_kind == k for d in decisions)]
    kinds += sorted({d.file_kind for d in decisions} - set(kinds))
    return FeedbackCard(
        repository=repository, date=date, models=tuple(sorted({d.model for d in decisions})),
        overall=tally(decisions),
        by_severity={s: tally(d for d in decisions if d.severity == s) for s in SEVERITIES
                     if any(d.severity == s for d in decisions)},
        by_kind={k: tally(d for d in decisions if d.file_kind == k) for k in kinds},
        by_place={p: tally(d for d in decisions if d.shown_as == p) for p in ("comment", "note")
                  if any(d.shown_as == p for d in decisions)},
        sweep=sweep, no_verdict=sum(1 for d in decisions if d.verdict is None), current=current,
        current_origin=current_origin, max_false_alarms=max_false_alarms, choice=choose(sweep, max_false_alarms),
    )


def _p(t: Tally) -> str:
    return "-" if t.precision is None else f"{t.precision:.2f} ({t.wanted}/{t.decided})"


def _table(title: str, groups: dict[str, Tally]) -> list[str]:
    lines = [f"| {title} | decided | kept or edited | dropped | precision |", "|---|---:|---:|---:|---:|"]
    lines += [f"| {k} | {t.decided} | {t.wanted} | {t.dropped} | {_p(t)} |" for k, t in groups.items()]
    return lines


def feedback_markdown(card: FeedbackCard) -> str:
    c = card.choice
    who = "every repository" if card.repository == "all" else card.repository
    out = [f"# Triage feedback: {who}", "",
           f"{card.date}: {card.overall.decided} decisions on drafts of {', '.join(card.models) or 'no model'}; "
           f"precision (kept or edited, out of decided) {_p(card.overall)}.", ""]
    if card.overall.decided:
        out += [*_table("severity", card.by_severity), "", *_table("file kind", card.by_kind), "",
                *_table("shown as", card.by_place), ""]
        out += ["## By verify threshold", "",
                "The drafts with a verdict below a threshold are those the review posts at it.", "",
                "| threshold | posted | kept or edited | dropped | precision | of the kept, posted |",
                "|---:|---:|---:|---:|---:|---:|"]
        for r in card.sweep:
            mark = " (now)" if r.threshold == round(card.current, 4) else ""
            mark += " (chosen)" if c.threshold == r.threshold else ""
            share = "-" if r.share is None else f"{r.share:.2f}"
            out.append(f"| {r.threshold:g}{mark} | {r.posted.decided} | {r.posted.wanted} | {r.posted.dropped} | "
                       f"{_p(r.posted)} | {share} |")
        if card.no_verdict:
            n = card.no_verdict
            out += ["", f"{n} decision{'s' if n != 1 else ''} without a verdict (the judge was off): not in this table."]
        out.append("")
    out.append(f"Verify threshold now: {card.current:g} ({card.current_origin}).")
    if c.threshold is not None:
        out.append(f"The decisions support {c.threshold:g}: {c.reason}. `--write` keeps it.")
    else:
        out.append(f"No threshold chosen: {c.reason}.")
    return "\n".join(out) + "\n"


def feedback_json(card: FeedbackCard) -> str:
    return json.dumps(card.to_dict(), indent=1) + "\n"
