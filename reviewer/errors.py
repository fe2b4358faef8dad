"""One exception hierarchy: a base class and one subclass per stage.

Each class carries the process exit code the CLI uses for it, so the mapping
lives in one place (documented in the README and in ``reviewer --help``).
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1  # the review found problems at or above --fail-on
EXIT_INPUT = 2  # bad input or usage: not a diff, bad range, bad flag value
EXIT_CONFIG = 3  # bad configuration file or value
EXIT_MODEL = 4  # model missing, not a GGUF, failed to load, server unreachable
EXIT_GITHUB = 5  # GitHub or GitLab answered with an error (auth, not found, rate limit, 5xx)
EXIT_INTERNAL = 70  # a bug: an unexpected exception
EXIT_INTERRUPTED = 130


class ReviewerError(Exception):
    """Base of every error the tool reports to the user in one line."""

    exit_code = EXIT_INTERNAL
    stage = "reviewer"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class InputError(ReviewerError):
    """The diff (or the command line naming it) is unusable."""

    exit_code = EXIT_INPUT
    stage = "input"


class ConfigError(ReviewerError):
    exit_code = EXIT_CONFIG
    stage = "config"


class ModelError(ReviewerError):
    """The model cannot be found, assembled, loaded or reached."""

    exit_code = EXIT_MODEL
    stage = "model"


class ModelCallError(ModelError):
    """One model call failed (the prompt was refused: too long, a 4xx from a server) while the
    model itself works: that chunk is marked failed and the review goes on."""


class DraftError(ReviewerError):
    """Drafting failed as a whole (single chunk failures are reported, not raised)."""

    exit_code = EXIT_MODEL
    stage = "draft"


class HostError(ReviewerError):
    """A code host (GitHub, GitLab) refused or failed a request while fetching or posting;
    ``status``: the HTTP status it answered, None when there was no answer (the network)."""

    exit_code = EXIT_GITHUB
    stage = "host"

    def __init__(self, message: str, *, hint: str | None = None, status: int | None = None) -> None:
        super().__init__(message, hint=hint)
        self.status = status


class GitHubError(HostError):
    """GitHub refused or failed a request while fetching or posting."""

    stage = "github"


class PostError(GitHubError):
    stage = "post"


class GitLabError(HostError):
    """GitLab refused or failed a request while fetching or posting (the code host's exit code)."""

    stage = "gitlab"
