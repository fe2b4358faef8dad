"""Where model files are kept: the user cache directory (``REVIEWER_CACHE_DIR`` overrides it).
Both the registry and the Hugging Face downloads store under it, so neither imports the other's
paths."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_cache_dir


def cache_dir() -> Path:
    base = os.environ.get("REVIEWER_CACHE_DIR")
    return Path(base) if base else Path(user_cache_dir("reviewer"))


def models_dir() -> Path:
    return cache_dir() / "models"
