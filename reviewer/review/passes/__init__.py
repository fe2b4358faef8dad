"""The model passes a drafted chunk goes through, each a step ``ChunkResult -> ChunkResult``.

- ``draft``: the chunk's prompt, the model's JSON answer, findings placed on diff lines;
- ``noise``: comments that are not findings (restating, praise, scaffolding, invented rules) demoted;
- ``confirm`` (optional): a finding stands only if the model would rewrite its line;
- ``verify`` with ``judge``: the pairwise judge, old against new, keeps a finding only where the
  new version is worse;
- ``explain``: a hunk the judge condemned gets its comment written from that contrast;
- ``fixjudge``: a finding stands only when the judge prefers the code with its fix.

``pipeline.select_passes`` builds the list the options select; each pass is cached by content.
"""

from __future__ import annotations

from typing import Protocol

from .draft import ChunkResult


class Pass(Protocol):
    def __call__(self, result: ChunkResult) -> ChunkResult: ...
