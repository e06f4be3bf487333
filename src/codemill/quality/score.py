"""Combining the quality components of a pair into one score, keeping each component beside it.

Components stay separate so that a later stage (or a person) can re-weight, threshold one of them, or
calibrate against labels (`calibrate.fit_weights`) without recomputing anything. The combined score is a
weighted mean over the components that are present: a missing one (no labels, no author history) is "no
evidence", so its weight is spread over the others rather than counted as a zero.

Default weights: specificity 0.35 and coherence 0.35, because the instruction and the diff *are* the pair, and
these two are always available; tests 0.1, labels 0.1 and author 0.1, because they are indirect evidence (a
good change without tests, from a newcomer, with no labels is still a good example) and often missing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

from pydantic import BaseModel, ConfigDict, Field

from codemill.quality.authors import AuthorStats, author_signal
from codemill.quality.coherence import Change, coherence
from codemill.quality.labels import label_signal
from codemill.quality.specificity import specificity
from codemill.quality.tests_signal import tests_signal

COMPONENTS = ("specificity", "coherence", "tests", "labels", "author")


class Weights(BaseModel):
    """Non-negative weight of each component in the combined score; only their ratios matter."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    specificity: float = Field(0.35, ge=0)
    coherence: float = Field(0.35, ge=0)
    tests: float = Field(0.1, ge=0)
    labels: float = Field(0.1, ge=0)
    author: float = Field(0.1, ge=0)


def combine(components: Mapping[str, float | None], weights: Weights | None = None) -> float:
    """Weighted mean of the present (not None) components; 0.0 when no weighted component is present."""
    w = (weights or Weights()).model_dump()
    present = [(w[name], value) for name, value in components.items() if value is not None and w.get(name)]
    total = sum(weight for weight, _ in present)
    return sum(weight * value for weight, value in present) / total if total > 0 else 0.0


@dataclass(frozen=True, slots=True)
class Quality:
    """A pair's components (None: no evidence) and their combination under the weights used."""

    specificity: float
    coherence: float
    tests: float
    labels: float | None
    author: float | None
    score: float

    def components(self) -> dict[str, float | None]:
        row = asdict(self)
        return {name: row[name] for name in COMPONENTS}


def score_pair(instruction: str, files: Sequence[Change], *, labels: Sequence[str] = (),
               author: AuthorStats | None = None, tests_passed: bool | None = None,
               weights: Weights | None = None) -> Quality:
    """Every component of one pair and the combined score."""
    spec, coh, tests = specificity(instruction), coherence(instruction, files), tests_signal(files, tests_passed)
    lab = label_signal(labels)
    auth = author_signal(author) if author is not None else None
    parts = {"specificity": spec, "coherence": coh, "tests": tests, "labels": lab, "author": auth}
    return Quality(spec, coh, tests, lab, auth, combine(parts, weights))
