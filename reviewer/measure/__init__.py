"""Measuring reviews: eval (scored fixture sets), bench (timings), calibrate/ (a threshold from a
repository's own history)."""
