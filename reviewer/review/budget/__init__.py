"""The time a review takes: the rates this backend has shown (rates.py), the plan before the model
starts and the gate that holds a budget (plan.py), and the review's timing that asks them chunk by
chunk (timing.py)."""

from .plan import Gate, Plan, make_plan
from .rates import HISTORY_WEIGHT, Meter, Rates, Speed, new_tokens, rates_key, read_speed, tokens_after
from .timing import Timing

__all__ = ["HISTORY_WEIGHT", "Gate", "Meter", "Plan", "Rates", "Speed", "Timing", "make_plan", "new_tokens",
           "rates_key", "read_speed", "tokens_after"]
