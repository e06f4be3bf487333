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

from collections.abc import Sequence
from dataclasses import asdict, dataclass

from codemill.quality.authors import AuthorStats, author_signal
from codemill.quality.coherence import Change, coherence
from codemill.quality.label_signal import label_signal
from codemill.quality.payload import payload
from codemill.quality.self_contained import self_contained
from codemill.quality.specificity import specificity
from codemill.quality.tests_signal import tests_signal
from codemill.quality.weights import COMPONENTS, Weights, combine


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
