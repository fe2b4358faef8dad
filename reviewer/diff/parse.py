"""Unified diff text -> ``FileDiff`` records (unidiff does the parsing)."""

from __future__ import annotations

import re

from unidiff import PatchSet
from unidiff.errors import UnidiffParseError

from ..errors import InputError
from ..types import DiffLine, FileDiff, FileStatus, Hunk

# git cuts a hunk's section heading (the function name) at 80 bytes; a longer one is cut here,
# so that it cannot crowd the code out of a prompt.
MAX_SECTION = 200

# Lines that mark a unified or git diff; text with none of them is not a diff.
_DIFF_MARKERS = re.compile(r"^(diff --git |--- |\+\+\+ |@@ -\d|Binary files |GIT binary patch)", re.M)


def decode(data: bytes) -> str:
    """Bytes of a diff -> text; undecodable bytes become U+FFFD, never an error."""
    return data.decode("utf-8", errors="replace")


def _strip_prefix(name: str | None) -> str | None:
    if name is None or name == "/dev/null":
        return None
    name = name.strip()
    if name.startswith('"') and name.endswith('"'):
        name = name[1:-1]
    if name.startswith(("a/", "b/")):
        name = name[2:]
    return name


def parse_diff(text: str) -> list[FileDiff]:
    """Parse unified diff text; raise InputError when it is not a diff at all."""
    if "\x00" in text:
        raise InputError("input is not a unified diff (it contains NUL bytes: a binary file?)")
    if not text.strip():
        return []
    if not _DIFF_MARKERS.search(text):
        raise InputError("input is not a unified diff (no 'diff --git', '---/+++' or '@@' lines found)")
    try:
        patch = PatchSet(text)
    except UnidiffParseError as exc:
        raise InputError(f"malformed diff: {exc}") from None
    except (ValueError, IndexError) as exc:  # unidiff raises these on some truncated inputs
        raise InputError(f"malformed diff: {exc}") from None
    files = [_file_diff(pf) for pf in patch]
    if not files:
        raise InputError("input is not a unified diff (no file sections could be parsed)")
    seen: set[str] = set()
    for f in files:
        if f.hunks and f.path in seen:  # its line numbers would name two versions of the file
            raise InputError(f"malformed diff: {f.path} has changes in two sections of the diff",
                             hint="a series of patches? review their combined diff (git diff A..B)")
        if f.hunks:
            seen.add(f.path)
    return files


def _file_diff(pf) -> FileDiff:
    source = _strip_prefix(pf.source_file)
    target = _strip_prefix(pf.target_file)
    status: FileStatus
    if pf.is_added_file:
        status = "added"
    elif pf.is_removed_file:
        status = "removed"
    elif pf.is_rename or (source and target and source != target):
        status = "renamed"
    else:
        status = "modified"
    path = target or source or pf.path
    old_path = source if status == "renamed" else None
    hunks = tuple(_hunk(h, path) for h in pf)
    _check_order(hunks, path)
    added = sum(1 for h in hunks for line in h.lines if line.kind == "+")
    removed = sum(1 for h in hunks for line in h.lines if line.kind == "-")
    return FileDiff(
        path=path,
        old_path=old_path,
        status=status,
        hunks=hunks,
        binary=bool(pf.is_binary_file),
        added=added,
        removed=removed,
    )


def _check_order(hunks: tuple[Hunk, ...], path: str) -> None:
    """Hunks of a file come in order and never share a line (as every diff tool writes them);
    otherwise one line number would name two lines, and anchors could mix two hunks."""
    last_old = last_new = 0
    for h in hunks:
        old = [x.old_line for x in h.lines if x.old_line is not None]
        new = [x.new_line for x in h.lines if x.new_line is not None]
        if (old and old[0] <= last_old) or (new and new[0] <= last_new):
            header = f"@@ -{h.old_start},{h.old_count} +{h.new_start},{h.new_count} @@"
            raise InputError(f"malformed diff: the hunk {header} of {path} overlaps the one before it")
        last_old, last_new = (old[-1] if old else last_old), (new[-1] if new else last_new)


def _hunk(h, path: str) -> Hunk:
    lines = []
    for line in h:
        kind = line.line_type
        if kind not in ("+", "-", " "):
            continue  # "\ No newline at end of file" and the like
        text = line.value.rstrip("\n")
        if text.endswith("\r"):
            text = text[:-1]
        lines.append(
            DiffLine(
                kind=kind,
                text=text,
                old_line=line.source_line_no if kind != "+" else None,
                new_line=line.target_line_no if kind != "-" else None,
            )
        )
        if 0 in (lines[-1].old_line, lines[-1].new_line):  # "@@ -0,0 +0,1 @@": files have no line 0
            header = f"@@ -{h.source_start},{h.source_length} +{h.target_start},{h.target_length} @@"
            raise InputError(f"malformed diff: the hunk {header} of {path} has a line numbered 0")
    return Hunk(
        old_start=h.source_start,
        old_count=h.source_length,
        new_start=h.target_start,
        new_count=h.target_length,
        section=(h.section_header or "").strip()[:MAX_SECTION],
        lines=tuple(lines),
    )
