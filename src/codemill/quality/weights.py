"""The score's weights and their combination: a logistic coefficient per named component, fitted by
`train/pairs_models.py` into `weights.json` beside this module (the defaults of `[select] weights`) and refitted
from review labels by `codemill calibrate`. A module of its own so that the config, which declares them, and
`select`, which combines the components `pairs` stored, do not load the scorer."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

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
