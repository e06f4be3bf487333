"""How well a score ranks and a classifier decides, with the intervals a small labelled set deserves.

`auc` and `top_precision` handle ties exactly (their expected value under random tie-breaking), so a score
with few distinct values is not flattered by the order its ties happen to come in.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

Z95 = 1.959963984540054


def wilson(successes: float, n: float, z: float = Z95) -> tuple[float, float] | None:
    """Wilson score interval of a proportion `successes / n`; None when n is 0."""
    if n <= 0:
        return None
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    lo = 0.0 if successes <= 0 else max(0.0, centre - half)  # exact ends: no rounding just inside them
    hi = 1.0 if successes >= n else min(1.0, centre + half)
    return lo, hi


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
