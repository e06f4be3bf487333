"""The category of a pair: a multinomial logistic model over the rules' answers and the change's shape.

The model (`model.json`, fitted by `train/pairs_models.py` on the hand-labelled commits, measured leaving whole
repositories out by `bench/category_accuracy.py`) decides; the rules explain: `category_rule` names the first
rule, in precedence order, that gave the model's answer, or `model` when none did. A pair's kind still decides
code review and debugging outright: they describe where the pair came from, not what the diff does.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

from codemill.categories import TEACHING
from codemill.categorize.features import features, rule_answers
from codemill.categorize.rules import Categorized, Change, change_of, rule_kind
from codemill.learn.linear import SoftmaxModel

MODEL_FILE = Path(__file__).with_name("model.json")


@cache
def model() -> SoftmaxModel:
    return SoftmaxModel.load(MODEL_FILE)


def explain(answers: dict[str, str], category: str) -> str:
    """The first rule, in precedence order, that answered `category` (see `rule_answers`); `model` if none did."""
    return next((name for name, answer in answers.items() if answer == category), "model")


def classify(change: Change) -> Categorized:
    if (by_kind := rule_kind(change)) is not None:
        return Categorized(by_kind, "kind", 0.95, {by_kind: 1.0})
    answers = rule_answers(change)
    probs = model().probabilities(features(change, answers))
    best = max(probs, key=lambda c: (probs[c], -model().classes.index(c)))
    return Categorized(best, explain(answers, best), round(probs[best], 6), probs)


def categorize(message: str, paths: Sequence[str], **change: Any) -> Categorized:
    """One category for a pair, with the model's confidence and every category's probability; `change` takes
    the keywords of `change_of` (counts, file stats, labels, kind, diff)."""
    return classify(change_of(message, paths, **change))


def teaching_probability(result: Categorized) -> float:
    """The probability that the change is code work of a kind that teaches (`TEACHING`)."""
    return sum(p for c, p in result.probabilities.items() if c in TEACHING)
