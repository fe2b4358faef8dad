"""The maintainer's style: the rules the review enforces, from trusted files only."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigError
from .prompt import Templates

MAX_STYLE_BYTES = 64 * 1024


@dataclass(frozen=True)
class StyleGuide:
    text: str
    sources: tuple[str, ...]


def read_style_file(path: Path) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"style file not found: {path}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read style file {path}: {exc.strerror}") from None
    if len(data) > MAX_STYLE_BYTES:
        raise ConfigError(f"style file {path} is larger than {MAX_STYLE_BYTES >> 10} KiB")
    return data.decode("utf-8", errors="replace")


def load_style(paths: tuple[str, ...], templates: Templates, base: Path | None = None) -> StyleGuide:
    """The configured style files, in order; the default guide when none is configured."""
    if not paths:
        return StyleGuide(templates.default_style().strip(), ("templates/style.md (default)",))
    parts = []
    for name in paths:
        path = Path(name).expanduser()
        if base is not None and not path.is_absolute():
            path = base / path
        parts.append(read_style_file(path).strip())
    return StyleGuide("\n\n".join(p for p in parts if p), tuple(paths))
