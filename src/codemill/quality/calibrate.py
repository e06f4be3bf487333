"""Fitting the combiner's weights to labelled pairs, and measuring how well a score ranks them.

`fit_weights` is L2-regularised logistic regression (Newton/IRLS in numpy) of good/bad on the raw components,
so its coefficients apply to the same [0, 1] values the combiner averages. The combiner needs non-negative
weights, so components whose coefficient comes out negative or zero are dropped and the rest refitted (an
active set), rather than clipped after the fact, which would leave the others fitted to a model that no longer
exists. A missing component is imputed with its column mean (a neutral value: it moves no row against the
others). The coefficients are then normalised to sum 1; with an intercept dropped, ranking by the weighted sum
is ranking by the fitted model's probability whenever every component is present.

`evaluate` reports what the product cares about: the precision of the top-ranked third (target >= 0.85) and
the AUC, both with ties handled exactly (the expected value under random tie-breaking).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from codemill.quality.score import COMPONENTS, Weights


def _design(rows: Sequence[dict[str, float | None]]) -> tuple[np.ndarray, list[int]]:
    """The component matrix with missing values imputed, and the columns worth fitting (seen, not constant)."""
    x = np.array([[np.nan if (v := r.get(c)) is None else float(v) for c in COMPONENTS] for r in rows],
                 dtype=float).reshape(len(rows), len(COMPONENTS))
    active = []
    for j in range(x.shape[1]):
        seen = ~np.isnan(x[:, j])
        if not seen.any():
            x[:, j] = 0.0
            continue
        x[~seen, j] = x[seen, j].mean()
        if np.ptp(x[:, j]) > 1e-12:
            active.append(j)
    return x, active


def logistic(x: np.ndarray, y: np.ndarray, l2: float = 1.0, iters: int = 100) -> np.ndarray:
    """Coefficients (intercept first) of L2-penalised logistic regression; the intercept is not penalised."""
    a = np.hstack([np.ones((x.shape[0], 1)), x])
    penalty = l2 * np.eye(a.shape[1])
    penalty[0, 0] = 0.0
    beta = np.zeros(a.shape[1])
    for _ in range(iters):
        p = 1.0 / (1.0 + np.exp(-np.clip(a @ beta, -30, 30)))
        grad = a.T @ (y - p) - penalty @ beta
        hess = (a * (p * (1 - p))[:, None]).T @ a + penalty + 1e-9 * np.eye(a.shape[1])
        step = np.linalg.solve(hess, grad)
        beta += step
        if np.max(np.abs(step)) < 1e-9:
            break
    return beta


def fit_weights(rows: Sequence[dict[str, float | None]], good: Sequence[bool], l2: float = 1.0) -> Weights:
    """Non-negative weights, summing to 1, fitted to predict `good` from the components of `rows`.

    Falls back to the default weights when no component has a positive effect (nothing to learn from).
    """
    if len(rows) != len(good):
        raise ValueError(f"{len(rows)} rows but {len(good)} labels")
    x, active = _design(rows)
    y = np.asarray(good, dtype=float)
    coef = np.zeros(len(COMPONENTS))
    while active and 0 < y.sum() < len(y):
        beta = logistic(x[:, active], y, l2)[1:]
        if (beta > 0).all():
            coef[active] = beta
            break
        active = [j for j, b in zip(active, beta, strict=True) if b > 0]
    if coef.sum() <= 0:
        return Weights()
    coef /= coef.sum()
    return Weights(**{c: float(w) for c, w in zip(COMPONENTS, coef, strict=True)})


def _average_ranks(values: np.ndarray) -> np.ndarray:
    """1-based ranks, tied values sharing the mean of their ranks."""
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)
    return (ends - (counts - 1) / 2.0)[inverse]


def auc(scores: Sequence[float], good: Sequence[bool]) -> float:
    """Probability that a random good item outscores a random bad one (ties count half); NaN with one class."""
    s = np.asarray(scores, dtype=float)
    y = np.asarray(good, dtype=bool)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        return math.nan
    return float((_average_ranks(s)[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def top_precision(scores: Sequence[float], good: Sequence[bool], fraction: float = 1 / 3) -> float:
    """Share of good items among the ceil(fraction * n) best-scored; items tied at the cut count pro rata."""
    s = np.asarray(scores, dtype=float)
    y = np.asarray(good, dtype=bool)
    if len(s) == 0:
        return math.nan
    k = max(1, math.ceil(fraction * len(s) - 1e-9))
    cut = np.sort(s)[::-1][k - 1]
    above, tied = s > cut, s == cut
    need = k - int(above.sum())
    return float((y[above].sum() + need * y[tied].mean()) / k)


def evaluate(scores: Sequence[float], good: Sequence[bool]) -> dict[str, float]:
    """AUC, precision of the top-ranked third, the base rate of good items and n."""
    if len(scores) != len(good):
        raise ValueError(f"{len(scores)} scores but {len(good)} labels")
    return {"auc": auc(scores, good), "top_third_precision": top_precision(scores, good),
            "good_rate": float(np.mean(good)) if len(good) else math.nan, "n": float(len(scores))}
