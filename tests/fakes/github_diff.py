"""The diff model behind the fake GitHub server (see github.py).

A pull request's unified diff (the text GitHub serves under the diff media type)
is parsed with unidiff into files, hunks and lines, each line carrying what
GitHub derives from it: its old/new line numbers, its hunk, and its legacy
``position`` (lines below the file's first ``@@`` header, later headers
included). Review-comment anchors are resolved against this model.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import unidiff

# GitHub's review-thread validation, as the reviews endpoint words it (Rails full messages, since
# about 2025) and as the single-comment endpoint does (field of pull_request_review_thread, message).
THREAD_ERRORS = {
    "path": ("Path could not be resolved", "path", "could not be resolved"),
    "line": ("Line could not be resolved", "line", "could not be resolved"),
    "start_line": ("Start line could not be resolved", "start_line", "could not be resolved"),
    "same_hunk": ("Start line must be part of the same hunk as the line.", "start_line",
                  "must be part of the same hunk as the line."),
    "precede": ("Start line must precede the end line.", "start_line", "must precede the end line."),
}


class AnchorError(ValueError):
    """A review comment's anchor does not resolve; ``code`` is a THREAD_ERRORS key."""

    def __init__(self, code: str):
        message, field_name, field_message = THREAD_ERRORS[code]
        super().__init__(message)
        self.code, self.field_error = code, (field_name, field_message)


@dataclass
class DiffLine:
    kind: str  # "+", "-", " " or "\\" (no newline at end of file)
    old: int | None  # line number in the base file
    new: int | None  # line number in the head file
    position: int  # GitHub's legacy diff position, 1-based, per file
    hunk: int  # index of the hunk within the file
    text: str  # the line without its marker and newline


@dataclass
class DiffFile:
    path: str
    previous_path: str | None
    status: str  # added, removed, modified, renamed
    additions: int
    deletions: int
    binary: bool
    patch: str | None  # hunks only, as the files API's "patch"; None without hunks
    hunk_headers: list[str] = field(default_factory=list)
    lines: list[DiffLine] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._by_side: dict[tuple[str, int], DiffLine] = {}
        self._by_position: dict[int, DiffLine] = {}
        for ln in self.lines:
            self._by_position[ln.position] = ln
            if ln.kind in "+ " and ln.new is not None:
                self._by_side[("RIGHT", ln.new)] = ln
            if ln.kind in "- " and ln.old is not None:
                self._by_side[("LEFT", ln.old)] = ln

    def find(self, side: str, number: int) -> DiffLine | None:
        """The commentable diff line at ``number`` on ``side`` (RIGHT: new file, LEFT: old file)."""
        return self._by_side.get((side, number))

    def at_position(self, position: int) -> DiffLine | None:
        ln = self._by_position.get(position)
        return ln if ln is not None and ln.kind != "\\" else None

    def diff_hunk(self, line: DiffLine) -> str:
        """GitHub's ``diff_hunk`` of a comment: its hunk's header up to the commented line."""
        body = [_marked(ln) for ln in self.lines if ln.hunk == line.hunk and ln.position <= line.position]
        return "\n".join([self.hunk_headers[line.hunk], *body])


def _marked(ln: DiffLine) -> str:
    return ln.kind + ln.text


class Diff:
    """A parsed unified diff (``git diff -M base...head`` of a pull request)."""

    def __init__(self, text: str):
        self.text = text
        self.size_bytes = len(text.encode("utf-8"))
        self.line_count = text.count("\n")
        self.files = [_parse_file(pf) for pf in unidiff.PatchSet(text)]
        self.by_path = {f.path: f for f in self.files}

    @property
    def additions(self) -> int:
        return sum(f.additions for f in self.files)

    @property
    def deletions(self) -> int:
        return sum(f.deletions for f in self.files)

    def resolve(self, c: dict) -> dict:
        """Resolve one comment's anchor the way GitHub does, or raise AnchorError.

        ``c`` holds the request's path, line, side, start_line, start_side or a
        legacy position, and subject_type. Returns the resolved location.
        """
        f = self.by_path.get(c.get("path") or "")
        if f is None:
            raise AnchorError("path")
        if c.get("subject_type") == "file":
            return {"path": f.path, "line": None, "side": None, "start_line": None, "start_side": None,
                    "position": None, "diff_hunk": "", "subject_type": "file"}
        if c.get("line") is None and c.get("position") is not None:
            end = f.at_position(_int(c["position"]))
            if end is None:
                raise AnchorError("line")
            side = "LEFT" if end.kind == "-" else "RIGHT"
        else:
            side = str(c.get("side") or "RIGHT").upper()
            end = f.find(side, _int(c.get("line")))
            if end is None:
                raise AnchorError("line")
        line = end.old if side == "LEFT" else end.new
        start_line = start_side = None
        if c.get("start_line") is not None:
            start_side = str(c.get("start_side") or side).upper()
            start = f.find(start_side, _int(c["start_line"]))
            if start is None:
                raise AnchorError("start_line")
            if start.hunk != end.hunk:
                raise AnchorError("same_hunk")
            if start.position >= end.position:
                raise AnchorError("precede")
            start_line = start.old if start_side == "LEFT" else start.new
        return {"path": f.path, "line": line, "side": side, "start_line": start_line, "start_side": start_side,
                "position": end.position, "diff_hunk": f.diff_hunk(end), "subject_type": "line"}

    def line_text(self, path: str, side: str, line: int | None) -> str | None:
        f = self.by_path.get(path)
        ln = f.find(side, line) if f is not None and line is not None else None
        return None if ln is None else ln.text


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def _strip_prefix(name: str) -> str:
    return name[2:] if name[:2] in ("a/", "b/") else name


def _parse_file(pf: unidiff.PatchedFile) -> DiffFile:
    source, target = pf.source_file or "", pf.target_file or ""
    if pf.is_added_file:
        status, path, previous = "added", _strip_prefix(target), None
    elif pf.is_removed_file:
        status, path, previous = "removed", _strip_prefix(source), None
    elif pf.is_rename or (source and target and _strip_prefix(source) != _strip_prefix(target)):
        status, path, previous = "renamed", _strip_prefix(target), _strip_prefix(source)
    else:
        status, path, previous = "modified", pf.path, None
    headers: list[str] = []
    lines: list[DiffLine] = []
    position = 0
    for h_index, hunk in enumerate(pf):
        header = str(hunk).split("\n", 1)[0]
        headers.append(header)
        if h_index:
            position += 1  # later hunk headers take a position
        for ln in hunk:
            position += 1
            lines.append(DiffLine(ln.line_type, ln.source_line_no, ln.target_line_no, position, h_index,
                                  ln.value.rstrip("\n")))
    patch = None
    if len(pf):
        patch = "".join(str(h) for h in pf)
        patch = patch.removesuffix("\n")
    return DiffFile(path, previous, status, pf.added, pf.removed, bool(pf.is_binary_file), patch, headers, lines)
