"""Diff sources: where the diff under review comes from."""

from typing import Protocol

from ...types import DiffInput


class DiffSource(Protocol):
    def fetch(self) -> DiffInput:
        """Return the diff text (decoded, never failing on bad bytes) and what is known of the PR."""
