"""The quality card: how well the review does on a project's own past bugs, and the threshold
that keeps its false alarms under the user's bound.

Honest by construction: the cases are split by commit date; the older half chooses the
threshold, the newer half reports what it gives, and both are shown.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

from .run import ABOVE_ALL, CaseSteps


@dataclass(frozen=True)
class Counts:
    cases: int
    caught: int
    alarms: int

    @property
    def recall(self) -> float:
        return self.caught / self.cases if self.cases else 0.0

    @property
    def alarm_rate(self) -> float:
        return self.alarms / self.cases if self.cases else 0.0

    def to_dict(self) -> dict:
        return {**asdict(self), "recall": round(self.recall, 4), "false_alarm_rate": round(self.alarm_rate, 4)}


def counts_at(steps: Sequence[CaseSteps], threshold: float) -> Counts:
    outcomes = [s.at(threshold) for s in steps]
    return Counts(len(steps), sum(c for c, _ in outcomes), sum(a for _, a in outcomes))


def intervals(steps: Sequence[CaseSteps]) -> list[tuple[float, float]]:
    """(above, up_to] intervals over which no case changes its outcome."""
    cuts = sorted({c for s in steps for c in s.cuts})
    bounds = [-math.inf, *cuts, ABOVE_ALL]
    return list(zip(bounds, bounds[1:]))


def round_between(above: float, up_to: float, prefer: float | None = None) -> float:
    """The shortest decimal in (above, up_to]; ``prefer`` when it lies there (no needless change)."""
    if prefer is not None and above < prefer <= up_to:
        return prefer
    if math.isinf(above) and up_to >= ABOVE_ALL:  # no verdict at all: any threshold is the same
        return 0.5
    for digits in range(1, 7):
        scale = 10 ** digits
        if up_to >= ABOVE_ALL:  # the top interval: the shortest decimal above every verdict
            value = (math.floor(above * scale) + 1) / scale
        else:
            value = math.floor(up_to * scale) / scale
        if above < value <= up_to:
            return round(value, digits)
    return up_to


@dataclass(frozen=True)
class Point:
    threshold: float  # a round value in (above, up_to]
    above: float
    up_to: float
    choose: Counts
    report: Counts
    all: Counts

    def to_dict(self) -> dict:
        return {"threshold": self.threshold, "above": _finite(self.above), "up_to": _finite(self.up_to),
                "choose": self.choose.to_dict(), "report": self.report.to_dict(), "all": self.all.to_dict()}


def _finite(x: float) -> float | None:
    return None if math.isinf(x) or x >= ABOVE_ALL else round(x, 6)


@dataclass(frozen=True)
class Choice:
    threshold: float | None
    meets_target: bool
    reason: str
    choose: Counts | None = None
    report: Counts | None = None


def choose_threshold(older: Sequence[CaseSteps], current: float, max_false_alarms: float) -> Choice:
    """On the older cases alone: the threshold with the highest recall whose false-alarm rate is at
    most ``max_false_alarms`` (fewer alarms, then the nearest to ``current``, break ties)."""
    if not older:
        return Choice(None, False, "no case to choose on")
    if not any(s.cuts for s in older):
        return Choice(None, False, "no finding was judged: the threshold changes nothing on these cases")
    scored = [(counts_at(older, up_to), above, up_to) for above, up_to in intervals(older)]
    meeting = [x for x in scored if x[0].alarm_rate <= max_false_alarms + 1e-12]
    if not meeting:
        best = min(scored, key=lambda x: (x[0].alarms, -x[0].caught, _distance(current, x[1], x[2])))
        threshold = round_between(best[1], best[2], current)
        return Choice(threshold, False, f"no threshold keeps false alarms at or below {max_false_alarms:g} on the "
                      "older half; this one has the fewest", best[0])
    best = min(meeting, key=lambda x: (-x[0].caught, x[0].alarms, _distance(current, x[1], x[2])))
    threshold = round_between(best[1], best[2], current)
    return Choice(threshold, True, f"the highest recall with false alarms at or below {max_false_alarms:g} on the "
                  "older half", best[0])


def _distance(x: float, above: float, up_to: float) -> float:
    if above < x <= up_to:
        return 0.0
    return min(abs(x - above), abs(x - up_to))


@dataclass
class Card:
    date: str
    repo: str
    model: str
    current: float
    current_origin: str
    max_false_alarms: float
    older: list[CaseSteps]
    newer: list[CaseSteps]
    choice: Choice
    sweep: list[Point]
    seconds_per_case: float | None  # the mean over cases the model reviewed (this run or before)
    reviewed_now: int  # cases that needed the model in this run
    mining: dict = field(default_factory=dict)
    not_reviewed: int = 0  # left out by the budget
    style_sources: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)

    @property
    def cases(self) -> int:
        return len(self.older) + len(self.newer)


def split_by_date(steps: Sequence[CaseSteps]) -> tuple[list[CaseSteps], list[CaseSteps]]:
    """Older half (the larger one when odd), newer half."""
    ordered = sorted(steps, key=lambda s: (s.time, s.name))
    middle = (len(ordered) + 1) // 2
    return ordered[:middle], ordered[middle:]


def build_card(steps: Sequence[CaseSteps], *, date: str, repo: str, model: str, current: float,
               current_origin: str = "default", max_false_alarms: float = 0.2,
               seconds_per_case: float | None = None, mining: dict | None = None, not_reviewed: int = 0,
               style_sources: Sequence[str] = (), verify: bool = True) -> Card:
    older, newer = split_by_date(steps)
    if verify:
        choice = choose_threshold(older, current, max_false_alarms)
    else:
        choice = Choice(None, False, "verify is off (REVIEWER_VERIFY=0): no threshold applies")
    if choice.threshold is not None:
        choice = Choice(choice.threshold, choice.meets_target, choice.reason, counts_at(older, choice.threshold),
                        counts_at(newer, choice.threshold))
    sweep = [Point(round_between(above, up_to, current), above, up_to, counts_at(older, up_to),
                   counts_at(newer, up_to), counts_at(steps, up_to)) for above, up_to in intervals(steps)]
    notes = []
    if len(newer) < 5:
        notes.append(f"only {len(newer)} newer case{'s' if len(newer) != 1 else ''} to report on: "
                     "the figures are very uncertain; mine more (--limit, --since)")
    return Card(date, repo, model, current, current_origin, max_false_alarms, older, newer, choice, sweep,
                seconds_per_case, sum(1 for s in steps if s.model_calls), mining or {}, not_reviewed,
                tuple(style_sources), notes)
