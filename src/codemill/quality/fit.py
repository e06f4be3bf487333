"""Fitting the score's weights to labelled pairs (the training script and `codemill calibrate` both use it).

`fit_weights` is L2-regularised logistic regression of good/bad on the centred components (`x - 0.5`, missing
values at 0: no evidence), with the weights held non-negative by an active set (`learn.logistic`), so its
coefficients are exactly the `Weights` the score applies. A component the labels cannot speak to (never present,
or constant) keeps its prior weight: no evidence is not evidence of no effect.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from codemill.learn.logistic import fit_binary_nonneg
from codemill.learn.metrics import auc, evaluate, top_precision
from codemill.quality.weights import COMPONENTS, NEUTRAL, Weights

__all__ = ["auc", "design", "evaluate", "fit_weights", "top_precision"]


def design(rows: Sequence[dict[str, float | None]]) -> np.ndarray:
    """The centred component matrix, missing values at 0 (neutral)."""
    return np.array([[0.0 if (v := r.get(c)) is None else float(v) - NEUTRAL for c in COMPONENTS] for r in rows],
                    dtype=float).reshape(len(rows), len(COMPONENTS))


def fit_weights(rows: Sequence[dict[str, float | None]], good: Sequence[bool], l2: float = 1.0,
                prior: Weights | None = None, towards_prior: bool = False) -> Weights:
    """Non-negative weights and a bias fitted to predict `good` from the components of `rows`.

    The penalty pulls towards 0 (a fit from scratch, as the training script does) or, with `towards_prior`,
    towards the prior's weights (a review's few labels adjust the shipped weights rather than replace them).
    With one class only there is nothing to fit: the prior (default weights) comes back unchanged."""
    if len(rows) != len(good):
        raise ValueError(f"{len(rows)} rows but {len(good)} labels")
    prior = prior or Weights()
    y = np.asarray(good, dtype=float)
    if not 0 < y.sum() < len(y):
        return prior
    x = design(rows)
    informative = [j for j in range(x.shape[1]) if np.ptp(x[:, j]) > 1e-12]
    centre = np.array([getattr(prior, COMPONENTS[j]) for j in informative]) if towards_prior else None
    beta = fit_binary_nonneg(x[:, informative], y, l2, centre)
    fitted = prior.model_dump()
    fitted["bias"] = float(beta[0])
    for j, b in zip(informative, beta[1:], strict=True):
        fitted[COMPONENTS[j]] = float(b)
    return Weights(**fitted)
