"""Exact verification of borderline candidate pairs: Jaccard of the shingle sets, recomputed from the texts.

A MinHash estimate of 256 values has a standard deviation of ~0.027 near J = 0.7, so a pair at 0.66 is
linked now and then and one at 0.73 missed: on 20 snapshots of sqlalchemy, deciding by the estimate alone
left 348 of 11,219 links below the threshold (all with exact J in 0.62-0.70) and missed 323 true pairs
(bench/neardup_truth.py). A pair whose estimate is within `margin` of the threshold (0.1: 3.7 standard
deviations) is therefore decided by exact Jaccard; pairs further away keep the estimate's verdict. Exact
Jaccard is a function of the two texts, so links still depend only on the set of contents.
"""

from __future__ import annotations

import numpy as np

from codemill.dedup.index import DedupParams, shingled_texts
from codemill.dedup.shingles import shingle_hashes_many


def shingle_sets(params: DedupParams, texts: list[str]) -> list[np.ndarray]:
    """Sorted distinct uint64 shingle hashes of each text (what exact Jaccard compares)."""
    shingled = shingled_texts(params, texts)
    return [np.unique(h) for h in shingle_hashes_many(shingled, params.shingle_size, params.tokenizer)]


def exact_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Jaccard similarity of two sorted distinct hash arrays (two empty sets: 1)."""
    inter = len(np.intersect1d(a, b, assume_unique=True))
    union = len(a) + len(b) - inter
    return inter / union if union else 1.0


def borderline(params: DedupParams, estimates: np.ndarray, margin: float) -> np.ndarray:
    """bool per estimate: whether exact Jaccard decides (the estimate is within `margin` of the threshold)."""
    return np.abs(estimates - params.threshold) < margin
