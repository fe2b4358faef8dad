"""``--write``: the chosen threshold into the repository's config file, with a comment that says
where it came from. The rest of the file is kept as it is; the result is checked by reading it
back before it replaces the file."""

from __future__ import annotations

import os
import re
import stat
import sys
import tempfile
from pathlib import Path

from ...config import CONFIG_FILE, find_config_file
from ...errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

KEY = "verify-threshold"
COMMENT_MARK = "# reviewer calibrate"
_KEY_LINE = re.compile(r"^\s*verify[-_]threshold\s*=")
_HEADER = re.compile(r"^\s*\[")
_TOOL_TABLE = re.compile(r"^\s*\[\s*tool\s*\.\s*reviewer\s*\]\s*(#.*)?$")


def config_target(root: Path, config_path: Path | None) -> tuple[Path, bool]:
    """The file to write and whether the setting goes in its ``[tool.reviewer]`` table: the
    ``--config`` file, else the config the repository uses, else a new ``.reviewer.toml``."""
    path = config_path or find_config_file(root) or root / CONFIG_FILE
    return path, path.name == "pyproject.toml"


def with_threshold(text: str, value: float, comment: list[str], table: bool) -> str:
    lines = text.splitlines()
    if table:
        start = next((i + 1 for i, line in enumerate(lines) if _TOOL_TABLE.match(line)), None)
        if start is None:
            lines += ([""] if lines and lines[-1].strip() else []) + ["[tool.reviewer]"]
            start = len(lines)
    else:
        start = 0
    end = next((i for i in range(start, len(lines)) if _HEADER.match(lines[i])), len(lines))
    region = [line for line in lines[start:end] if not (_KEY_LINE.match(line) or line.startswith(COMMENT_MARK))]
    block = [*(f"{COMMENT_MARK} {c}" if i == 0 else f"#   {c}" for i, c in enumerate(comment)), f"{KEY} = {value!r}"]
    new = [*lines[:start], *block, *region, *lines[end:]]
    return "\n".join(new) + "\n"


def write_threshold(path: Path, value: float, comment: list[str], table: bool) -> None:
    try:
        text = path.read_text(encoding="utf-8") if path.exists() else ""
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    new = with_threshold(text, value, comment, table)
    try:
        data = tomllib.loads(new)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: the threshold could not be added without breaking the file ({exc}); "
                          f"nothing was written", hint=f"add `{KEY} = {value!r}` by hand") from None
    got = data.get("tool", {}).get("reviewer", {}) if table else data
    if got.get(KEY) != value or any(k in got for k in ("verify_threshold",)):
        raise ConfigError(f"{path}: the threshold could not be set cleanly; nothing was written",
                          hint=f"add `{KEY} = {value!r}` by hand")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(new)
        os.chmod(tmp, stat.S_IMODE(path.stat().st_mode) if path.exists() else 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise ConfigError(f"cannot write {path}: {exc.strerror}") from None
