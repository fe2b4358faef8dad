"""Comment sinks: where a finished review goes (a report file, a GitHub review)."""

from typing import Protocol

from ..types import Review


class CommentSink(Protocol):
    def publish(self, review: Review) -> None:
        """Deliver the review; raise a ReviewerError subclass on failure."""
