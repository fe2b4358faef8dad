"""The diff under review: where it comes from (sources/), its parse and the index of its lines
(anchor)."""
