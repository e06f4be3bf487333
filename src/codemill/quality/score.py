"""The pair score: a logistic model over named components, each kept beside it.

`score = sigmoid(bias + sum_c w_c * (x_c - 0.5))`: the estimated probability that the pair is a good SFT example
(an instruction a model can act on, answered by a real, coherent code change). Each component is in [0, 1] and
0.5 is "no evidence", so a missing component (no labels, no author history) moves nothing, and each weight (never
negative: every component reads "more is better") says how many log-odds the full range of its component is
worth. Components stay separate so thresholds and weights can be retuned without recomputing anything.

The default weights are fitted by `train/pairs_models.py` on the hand-labelled commits of `tests/categorize/data`
and stored in `weights.json`; `codemill calibrate` refits them on a run's review labels. `labels` cannot be fitted
there (the commits carry no issue labels), so it keeps a prior weight until review labels say otherwise.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from codemill.quality.authors import AuthorStats, author_signal
from codemill.quality.coherence import Change, coherence
from codemill.quality.labels import label_signal
from codemill.quality.payload import payload
from codemill.quality.self_contained import self_contained
from codemill.quality.specificity import specificity
from codemill.quality.tests_signal import tests_signal

COMPONENTS = ("specificity", "coherence", "tests", "labels", "author", "code_work", "self_contained", "payload")
NEUTRAL = 0.5
WEIGHTS_FILE = Path(__file__).with_name("weights.json")
_FITTED: dict = json.loads(WEIGHTS_FILE.read_text(encoding="utf-8"))


def _w(name: str) -> float:
    return float(_FITTED["weights"][name])


class Weights(BaseModel):
    """The score's logistic coefficients: a bias and a non-negative weight per component."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    bias: float = Field(_w("bias"), description="log-odds of a pair whose every component is neutral (0.5)")
    specificity: float = Field(_w("specificity"), ge=0)
    coherence: float = Field(_w("coherence"), ge=0)
    tests: float = Field(_w("tests"), ge=0)
    labels: float = Field(_w("labels"), ge=0)
    author: float = Field(_w("author"), ge=0)
    code_work: float = Field(_w("code_work"), ge=0)
    self_contained: float = Field(_w("self_contained"), ge=0)
    payload: float = Field(_w("payload"), ge=0)


def logit(components: Mapping[str, float | None], weights: Weights | None = None) -> float:
    w = (weights or Weights()).model_dump()
    return w["bias"] + sum(w[name] * (value - NEUTRAL) for name, value in components.items()
                           if value is not None and name in w)


def combine(components: Mapping[str, float | None], weights: Weights | None = None) -> float:
    """The score of these components under `weights`: a probability in (0, 1)."""
    z = logit(components, weights)
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


@dataclass(frozen=True, slots=True)
class Quality:
    """A pair's components (None: no evidence) and their combination under the weights used."""

    specificity: float
    coherence: float
    tests: float
    labels: float | None
    author: float | None
    code_work: float | None
    self_contained: float
    payload: float
    score: float

    def components(self) -> dict[str, float | None]:
        row = asdict(self)
        return {name: row[name] for name in COMPONENTS}


def components(instruction: str, files: Sequence[Change], *, labels: Sequence[str] = (),
               author: AuthorStats | None = None, code_work: float | None = None,
               tests_passed: bool | None = None) -> dict[str, float | None]:
    """Every component of one pair; `code_work` is the category model's probability that the change is code
    work (see `codemill.categorize.TEACHING`)."""
    return {
        "specificity": specificity(instruction), "coherence": coherence(instruction, files),
        "tests": tests_signal(files, tests_passed), "labels": label_signal(labels),
        "author": author_signal(author) if author is not None else None, "code_work": code_work,
        "self_contained": self_contained(instruction), "payload": payload(files),
    }


def score_pair(instruction: str, files: Sequence[Change], *, labels: Sequence[str] = (),
               author: AuthorStats | None = None, code_work: float | None = None,
               tests_passed: bool | None = None, weights: Weights | None = None) -> Quality:
    """Every component of one pair and the combined score."""
    parts = components(instruction, files, labels=labels, author=author, code_work=code_work,
                       tests_passed=tests_passed)
    return Quality(**parts, score=combine(parts, weights))  # type: ignore[arg-type]
