"""GitLab merge requests: the reference and the token (``ref``), one python-gitlab client with a
bounded retry policy and one-line errors (``client``), the merge request's diff as a diff source
(``source``), the style rules of the target branch (``style_root``), and posting a review as
discussions anchored with GitLab's ``position`` plus one summary note (``sink``, ``format``).

Nothing here prints; every failure is a ``GitLabError`` (exit code 5, like GitHub's).
"""

from .client import GitLabClient
from .ref import MRRef, discover_gitlab_token, is_mr_ref, mr_ref_from_ci, parse_mr_ref
from .sink import GitLabReviewSink
from .source import MergeRequestSource
from .style_root import GitLabRefRoot

__all__ = ["GitLabClient", "GitLabRefRoot", "GitLabReviewSink", "MRRef", "MergeRequestSource",
           "discover_gitlab_token", "is_mr_ref", "mr_ref_from_ci", "parse_mr_ref"]
