"""Recurring points in one reviewer's comments, found without a model.

Each comment becomes a set of key terms: the code it names in backticks (`n_`), "prefer X
over Y" / "use X instead of Y" pairs, and its content words and word pairs (stop words and
review filler removed, plurals folded). The point shared by the most comments (weighted:
pairs and code first, then style vocabulary) becomes a cluster of those comments; the rest
are clustered again, until no term is shared by ``min_count`` comments on ``min_prs`` pull
requests. Each cluster gets the sentence that best states its point, in the reviewer's words.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

_FENCED = re.compile(r"```.*?(```|\Z)", re.S)
_CODE = re.compile(r"`([^`\n]{1,40})`")
_URL = re.compile(r"https?://\S+")
_MENTION = re.compile(r"(?<![\w`])@[\w-]+")
_WORD = re.compile(r"[a-z][a-z0-9_+#-]*[a-z0-9_+#]|[a-z]")
_PAIR = re.compile(r"\b(?:prefer|use)\s+(`[^`]+`|[\w.]+)\s+(?:over|instead\s+of|rather\s+than)\s+(`[^`]+`|[\w.]+)",
                   re.I)
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")

STOP = set("""
a about above after again against all also am an and any are aren't as at be because been before being below
between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down during each
few for from further had hadn't has hasn't have haven't having he her here hers herself him himself his how i
if in into is isn't it it's its itself let's me more most mustn't my myself no nor not of off on once only or
other ought our ours ourselves out over own same shan't she should shouldn't so some such than that that's the
their theirs them themselves then there there's these they this those through to too under until up very was
wasn't we were weren't what when where which while who whom why with won't would wouldn't you your yours
yourself yourselves
please thanks thank lgtm nit nits maybe think probably just really actually here there now also still
already anyway instead better good fine ok okay yes yeah sure seems seem like look looks want need needs
make makes made get gets got way thing things something done do doing one two etc e.g i.e imo imho
change changes changed code line lines file files case cases pr patch commit
""".split())
STYLE_WORDS = set("""
name naming rename prefix suffix snake_case camelcase indent indentation whitespace trailing space spaces
tab tabs align alignment brace braces bracket brackets const static typedef struct enum template templates
stl auto header headers include dependency dependencies test tests comment comments doc docs documentation
log logging assert error errors exception type types cast pointer reference format formatting style
consistent consistency simplify simple duplicate duplication unused dead magic constant global loop
allocation free leak thread lock blank newline
""".split())


@dataclass(frozen=True)
class Cluster:
    key: str  # the shared term: "`n_` over `num_`", "`struct`", "trailing whitespace"
    members: tuple[int, ...]  # indexes into the comments, newest first
    terms: tuple[str, ...]  # the key and the terms most of the members share
    statement: str  # the sentence that states the point, in the reviewer's words
    prs: int  # distinct pull requests


def _fold(word: str) -> str:
    return word[:-1] if len(word) > 4 and word.endswith("s") and not word.endswith("ss") else word


def prose(body: str) -> str:
    """The comment without code blocks (suggestions included), links and mentions."""
    return _MENTION.sub(" ", _URL.sub(" ", _FENCED.sub(" ", body)))


def key_terms(body: str) -> set[str]:
    text = prose(body)
    terms: set[str] = set()
    for a, b in _PAIR.findall(text):
        terms.add(f"`{a.strip('`').lower()}` over `{b.strip('`').lower()}`")
    for code in _CODE.findall(text):
        code = code.strip().lower().removesuffix("()")
        if code and not code.isdigit():
            terms.add(f"`{code}`")
    words = [_fold(w) for w in _WORD.findall(_CODE.sub(" ", text).lower())]
    content = [w for w in words if w not in STOP and len(w) > 2]
    terms.update(content)
    terms.update(f"{a} {b}" for a, b in zip(words, words[1:]) if a not in STOP and b not in STOP and len(a) > 2
                 and len(b) > 2 and a != b)
    return terms


def weight(term: str) -> float:
    if " over " in term and term.startswith("`"):
        return 3.0
    if term.startswith("`"):
        return 2.0
    words = term.split()
    boost = 1.5 if any(w in STYLE_WORDS for w in words) else 1.0
    return boost * (1.3 if len(words) > 1 else 1.0)


def statement(bodies: Sequence[str], key: str, terms: Sequence[str]) -> str:
    """The sentence (4 to 30 words) that names the key and most of the cluster's terms."""
    needles = [t.strip("`") for t in (key.split(" over ") if " over " in key else [key])]
    best, best_score = "", (-1, 0.0)
    for body in bodies:
        for sentence in _SENTENCE.split(prose(body)):
            s = " ".join(sentence.split())
            n = len(s.split())
            low = s.lower()
            if not 4 <= n <= 30 or not all(x in low for x in needles):
                continue
            score = (sum(1 for t in terms if t.strip("`") in low), -abs(n - 12) / 12)
            if score > best_score:
                best, best_score = s, score
    return best


def find_clusters(bodies: Sequence[str], prs: Sequence[int | None], *, min_count: int = 2, min_prs: int = 2,
                  max_clusters: int = 20) -> tuple[list[Cluster], list[int]]:
    """Clusters, most supported first, and the indexes of the comments in none."""
    terms = [key_terms(b) for b in bodies]
    index: dict[str, set[int]] = {}
    for i, ts in enumerate(terms):
        for t in ts:
            index.setdefault(t, set()).add(i)
    remaining = set(range(len(bodies)))
    clusters: list[Cluster] = []
    while remaining and len(clusters) < max_clusters:
        best, best_score = None, 0.0
        for term, where in index.items():
            n = len(where & remaining) if len(where) >= min_count else 0
            if n < min_count or (score := n * weight(term)) < best_score:
                continue
            if len({prs[i] for i in where & remaining}) < min_prs:
                continue
            if score > best_score or (best is not None and term < best):
                best, best_score = term, score
        if best is None:
            break
        members = sorted(index[best] & remaining)
        shared = Counter(t for i in members for t in terms[i] if t != best)
        related = [t for t, n in shared.most_common(6) if n * 2 >= len(members) and n > 1][:4]
        found = statement([bodies[i] for i in members], best, [best, *related])
        clusters.append(Cluster(best, tuple(members), (best, *related), found, len({prs[i] for i in members})))
        remaining -= set(members)
    return clusters, sorted(remaining)
