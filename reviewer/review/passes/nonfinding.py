"""Comments that are not findings: "no problems here", "looks good", "this follows the guide".

Small models asked for a list of problems often fill it with a verdict of no problem, written as
a comment on some line. Such a comment is noise on a pull request (and, with severity error,
a false alarm); every reviewer of this kind filters it. The test is narrow on purpose: a body
is dropped only when it says there is nothing wrong and names nothing that is, so "there is no
check for None" or "no error handling here" stay.
"""

from __future__ import annotations

import re

_PROBLEM = r"(?:real\s+|obvious\s+|apparent\s+|significant\s+|new\s+|other\s+|major\s+|style\s+)?" \
    r"(?:problems?|issues?|bugs?|errors?|violations?|concerns?|breaks?|rules?|changes?\s+needed)"

# "no longer follows the guide", "never looks right" are findings
_NOT_NEGATED = r"(?<!not\s)(?<!n't\s)(?<!longer\s)(?<!never\s)"

_NOTHING_WRONG = re.compile(
    r"^\s*(?:lgtm|looks\s+good|no\s+comments?)\b"
    # "does not contain any real problems", "doesn't violate the style guide"
    r"|\b(?:does|do|did|is|are|was|were)\s*(?:not|n't)\s+(?:seem\s+to\s+|appear\s+to\s+)?"
    r"(?:contain|introduce|have|break|violate|breaking|violating|introducing|containing)\s+"
    r"(?:any\s+|the\s+)?(?:" + _PROBLEM + r"|(?:rules?\s+of\s+)?(?:the\s+)?style\s+guide)"
    # "no issues found", "no real problems were detected"
    r"|\bno\s+" + _PROBLEM + r"\s+(?:were\s+|was\s+|are\s+|is\s+)?(?:found|detected|identified|introduced|here|present)"
    # "there are no problems", "I see no issues", "nothing to report"
    r"|\b(?:there\s+(?:is|are)\s+no|(?:i\s+)?(?:see|found|find)\s+no)\s+" + _PROBLEM + r"(?=[\s.,;:!]|$)"
    r"|\bnothing\s+(?:to\s+(?:report|flag|change|fix)|wrong)\b"
    # "the change looks correct", "this seems fine"
    r"|" + _NOT_NEGATED + r"\b(?:looks|seems|appears|look|seem)\s+(?:to\s+be\s+)?(?:good|fine|correct|ok|okay|reasonable)\b"
    # "follows the style guide", "adheres to the guidelines"
    r"|" + _NOT_NEGATED + r"\b(?:follows|adheres\s+to|complies\s+with|conforms\s+to|is\s+consistent\s+with)\s+(?:all\s+)?(?:the\s+)?"
    r"(?:style\s+guide|guidelines?|rules?|conventions?|coding\s+style)\b",
    re.I,
)
# a body that also names a problem is a finding, whatever else it says
_BUT = re.compile(r"\b(?:but|however|although|except|though|instead|should|must|missing|wrong|incorrect)\b", re.I)


# a finding says something in words: a tiny model may answer with a run of digits or punctuation
MIN_LETTERS = 2


def is_non_finding(body: str) -> bool:
    """True when a comment only says that there is nothing wrong, or says nothing in words."""
    if sum(ch.isalpha() for ch in body) < MIN_LETTERS:
        return True
    return bool(_NOTHING_WRONG.search(body)) and not _BUT.search(body)
