"""Triage before posting: a local page where the maintainer keeps, edits or drops each draft of
a review (``board``: the page's state; ``page``: its HTML; ``server``: 127.0.0.1, a token),
then posts what he kept through the same idempotent path as ``review --post``, or saves it;
every decision is kept in a local SQLite store (``feedback``) that ``calibrate --feedback``
reads and the next triage consults (a draft dropped before on the same code starts dropped)."""
