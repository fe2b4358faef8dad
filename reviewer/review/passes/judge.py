"""A second opinion on a finding: is the new version of a hunk worse than the old one?

A small model asked "is there a bug in this change?" says yes to almost every change, correct
or not. Asked instead to pick the correct one of two versions, in both orders (so that its
preference for the first or the second answer cancels out), its choice carries signal; the
verdict is read from the next-token probabilities, one forward pass per order, no sampling.
A finding on a modified hunk whose new version the model prefers is kept as a ``note``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from ...backends.base import Chooser, Message
from ...prompt import Templates
from ...types import Completion, Hunk


@dataclass(frozen=True)
class Verdict:
    p_new: float  # probability that the new version is the correct one
    prompt_tokens: int
    prompt_tokens_evaluated: int
    calls: int
    votes: tuple[float, ...] = ()  # P(new version chosen) in each pass
    # the passes a full verdict asks (0: as many as it made); fewer made: the decision was settled
    # before the last one (``vote``), and p_new is the middle of the range the mean could still take
    asked: int = 0

    @property
    def partial(self) -> bool:
        return self.asked > len(self.votes)

    def completions(self) -> list[Completion]:
        """What the verdict spent, one record per forward pass (so model_calls counts them)."""
        return [Completion("", self.prompt_tokens, self.prompt_tokens_evaluated, 0),
                *(Completion("", 0, 0, 0) for _ in range(self.calls - 1))]


def versions(hunk: Hunk) -> tuple[str, str] | None:
    """The old and the new text of a hunk (context included, so a pure addition compares the
    code with and without it); None when there is nothing to compare."""
    old = [line.text for line in hunk.lines if line.kind != "+"]
    new = [line.text for line in hunk.lines if line.kind != "-"]
    if old == new or not old or not new:
        return None
    return "\n".join(old), "\n".join(new)


def judge_system(templates: Templates, language: str, guidance: bool = False) -> str:
    """The judge's system prompt; with ``guidance``, the language's checklist
    (templates/guidance/LANGUAGE.md, when there is one) follows the role."""
    text = templates.guidance(language) if guidance else ""
    return templates.render("judge_system.j2", language=language, guidance=text.strip()).strip()


def judge_messages(templates: Templates, path: str, language: str, section: str, a: str, b: str,
                   question: str = "correct", labels: tuple[str, str] = ("A", "B"),
                   context: list[Message] | None = None, guidance: bool = False,
                   pr_context: str = "") -> list[Message]:
    """The judge's prompt. With ``context`` (the draft's own system and chunk messages) the
    question follows the chunk listing in the same user turn: the model sees the whole chunk,
    and the prompt shares its long prefix with the draft's, which the KV cache already holds.
    ``pr_context`` (review/context.py: the PR's intent and its related hunks, untrusted text)
    comes first in the question, so both orders of a verdict share it as their prefix; empty,
    the prompt is the one asked without it."""
    question_text = templates.render("judge.j2", path=path, language=language, section=section,
                                     a=a, b=b, question=question, labels=labels).strip()
    if pr_context:
        question_text = templates.render("judge_context.j2", pr_context=pr_context).strip() + "\n\n" + question_text
    if context:
        *head, last = context
        return [*head, {"role": last["role"], "content": last["content"].rstrip() + "\n\n" + question_text}]
    return [
        {"role": "system", "content": judge_system(templates, language, guidance)},
        {"role": "user", "content": question_text},
    ]


# Each question is asked in both orders; averaging the orders cancels the model's preference for
# a position. ("buggy", asking for the worse version, was measured and dropped: docs/quality.md.)
QUESTIONS = ("correct",)
# the verify pass's forms (the `verify_judge` setting) and the questions that ask them
QUESTION_FORMS = {"pairwise": QUESTIONS, "shared": ("shared",)}


def judge_hunk(backend: Chooser, templates: Templates, path: str, language: str, hunk: Hunk,
               questions: tuple[str, ...] = QUESTIONS, labels: tuple[str, str] = ("A", "B"),
               context: list[Message] | None = None, guidance: bool = False,
               decision: Decision | None = None, done: tuple[float, ...] = (), pr_context: str = "") -> Verdict | None:
    pair = versions(hunk)
    if pair is None:
        return None
    old, new = pair
    if questions == ("shared",):
        return _judge_shared(backend, templates, path, language, hunk, old, new, labels, guidance, decision, done)
    return compare(backend, templates, path, language, hunk.section, old, new, questions, labels, context, guidance,
                   decision, done, pr_context)


# a verdict's decision: whether a probability lands on one side of its threshold (True or False)
Decision = Callable[[float], bool]


def condemns(p: float | None, threshold: float) -> bool:
    """The one threshold rule every pass applies: a verdict P (that the version the PR has, or the
    finding contests, is the better one) condemns that version when it is below the threshold's
    margin; no verdict condemns nothing. (Calibration reads the threshold's comparisons here.)"""
    return p is not None and p < threshold


def compare(backend: Chooser, templates: Templates, path: str, language: str, section: str, first: str,
            second: str, questions: tuple[str, ...] = QUESTIONS, labels: tuple[str, str] = ("A", "B"),
            context: list[Message] | None = None, guidance: bool = False,
            decision: Decision | None = None, done: tuple[float, ...] = (), pr_context: str = "") -> Verdict:
    """P(``second`` is the correct version): each question asked in both orders, averaged (the
    verdict of old against new, and of a finding's code against its fix)."""
    a_label, b_label = labels
    asks = [(judge_messages(templates, path, language, section, a, b, question, labels, context, guidance,
                            pr_context),
             second_label, question == "correct")
            for question in questions
            for a, b, second_label in ((second, first, a_label), (first, second, b_label))]
    return vote(backend, asks, labels, decision, done)


def vote(backend: Chooser, asks: list[tuple[list[Message], str, bool]], labels: tuple[str, str],
         decision: Decision | None = None, done: tuple[float, ...] = ()) -> Verdict:
    """The one voting loop: each (prompt, the label the judged version has in it, whether the
    prompt asks for the correct version) is one forward pass; the verdict is the mean vote.

    With ``decision`` (what the caller does with the verdict: which side of its threshold it
    lands on), the loop stops as soon as the passes left cannot change it: whatever they vote,
    the mean stays between (sum + 0) / n and (sum + left) / n, and when the decision is the same
    at both ends, asking them is time spent on a known answer. The verdict is then ``partial``.
    ``done``: the votes of the first passes, cast before (a cached partial verdict): not asked again."""
    votes: list[float] = list(done)
    prompt_tokens = evaluated = calls = 0
    for messages, label, for_correct in asks[len(done):]:
        calls += 1
        choice = backend.choose(messages, list(labels))
        p = choice.probs[label]
        votes.append(p if for_correct else 1 - p)
        prompt_tokens += choice.prompt_tokens
        evaluated += choice.prompt_tokens_evaluated
        bounds = settled(votes, len(asks), decision)
        if bounds is not None and len(votes) < len(asks):
            return Verdict(sum(bounds) / 2, prompt_tokens, evaluated, calls, tuple(votes), asked=len(asks))
    return Verdict(sum(votes) / len(votes), prompt_tokens, evaluated, calls, tuple(votes))


def settled(votes: list[float], n: int, decision: Decision | None) -> tuple[float, float] | None:
    """The range the mean of ``n`` votes can still take after ``votes``, when ``decision`` is the
    same across all of it (None otherwise)."""
    if decision is None:
        return None
    left = n - len(votes)
    low, high = sum(votes) / n, (sum(votes) + left) / n
    return (low, high) if decision(low) == decision(high) else None


def cached_verdict(verdict: Verdict, name: str) -> dict:
    """A verdict as the cache keeps it: its probability under ``name``, its votes, and, when the
    decision was settled early, how many passes a full verdict has (``still_settles``)."""
    entry: dict = {name: verdict.p_new, "votes": list(verdict.votes)}
    if verdict.partial:
        entry["of"] = verdict.asked
    return entry


def still_settles(entry: dict, decision: Decision | None) -> bool:
    """Whether a cached verdict answers for this decision: a full one always; one settled early
    (fewer votes than passes) only where its votes settle this decision too (another threshold,
    such as a calibration's, may need the passes it skipped; ``earlier_votes`` gives them)."""
    if "of" not in entry:
        return True
    return settled(list(entry["votes"]), int(entry["of"]), decision) is not None


def earlier_votes(entry: dict | None) -> tuple[float, ...]:
    """The votes of a cached verdict settled early: the passes a full one need not ask again."""
    if entry is None or "of" not in entry:
        return ()
    return tuple(float(v) for v in entry.get("votes", ()))


def shared_messages(templates: Templates, path: str, language: str, section: str, old: str, new: str,
                    labels: tuple[str, str], guidance: bool = False) -> list[Message]:
    """The judge's prompt with the two versions always in the same order (old, then new) and the
    answer labels assigned after them: the passes of a verdict differ only in their last sentence,
    so the code is evaluated once and the label order still varies."""
    return [
        {"role": "system", "content": judge_system(templates, language, guidance)},
        {"role": "user", "content": templates.render(
            "judge_shared.j2", path=path, language=language, section=section, first=old, second=new,
            labels=labels).strip()},
    ]


def _judge_shared(backend: Chooser, templates: Templates, path: str, language: str, hunk: Hunk,
                  old: str, new: str, labels: tuple[str, str], guidance: bool = False,
                  decision: Decision | None = None, done: tuple[float, ...] = ()) -> Verdict:
    first, second = labels
    # the label of the second (new) version is the last of each order
    asks = [(shared_messages(templates, path, language, hunk.section, old, new, order, guidance), order[1], True)
            for order in ((first, second), (second, first))]
    return vote(backend, asks, labels, decision, done)
