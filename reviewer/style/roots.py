"""Where a review reads the repository's own rules: the checkout's work tree, a commit of it (the
base of a git range, a ref), or nothing; never the PR's head."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from ..config import Settings, repo_root
from .discover import DirectoryRoot, GitRefRoot, StyleRoot


def range_base(spec: str) -> str:
    """The base side of a git range: ``A`` of ``A..B`` and ``A...B`` (``HEAD`` when empty), or ``REF``."""
    spec = spec.strip()
    for sep in ("...", ".."):
        if sep in spec:
            return spec.split(sep, 1)[0] or "HEAD"
    return spec


def is_checkout_of(top: Path, repo: str) -> bool:
    """Whether a remote of the git work tree ``top`` is the host's repository ``owner/name``."""
    try:
        out = subprocess.run(["git", "remote", "-v"], cwd=top, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return False
    pattern = re.compile(rf"[/:]{re.escape(repo)}(?:\.git)?/?\s", re.I)
    return out.returncode == 0 and bool(pattern.search(out.stdout + "\n"))


def make_style_root(settings: Settings, cwd: Path, *, git_range: str | None = None, pr_repo: str | None = None,
                    ref: str | None = None) -> StyleRoot | None:
    """Where the repository's own rules are discovered, or None: the checkout's work tree; the
    base of ``--git A..B`` or ``ref`` (a commit, whatever the work tree holds); for a pull
    request by reference, the checkout only when it is one of that repository. Never the PR's
    head (``review_source`` also refuses a work tree checked out at it). Explicit style files
    (``--style``, ``style = [...]``) and ``discover_style = false`` turn discovery off."""
    if settings.style or not settings.discover_style:
        return None
    top = repo_root(cwd)
    if ref is not None or git_range is not None:
        return GitRefRoot(top, ref if ref is not None else range_base(git_range or ""))
    if pr_repo is not None and not is_checkout_of(top, pr_repo):
        return None
    return DirectoryRoot(top)
