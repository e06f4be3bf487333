"""A fitted multinomial linear model over named sparse features, stored as JSON in the package.

Features are named (`rule:shape:docs`, `lead:fix`, ...) and read from a dict, so a feature the extractor no
longer produces simply contributes nothing and a new one is ignored until the model is refitted; the model file
says which extractor digest it was fitted on, and the tests check that it still matches the code.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from codemill.learn.logistic import fit_softmax, softmax


@dataclass(frozen=True)
class SoftmaxModel:
    classes: tuple[str, ...]
    features: tuple[str, ...]
    weights: np.ndarray  # (1 + len(features), len(classes)): intercept row first
    meta: dict = field(default_factory=dict)  # how and on what it was fitted

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {f: i + 1 for i, f in enumerate(self.features)})

    def logits(self, feats: Mapping[str, float]) -> np.ndarray:
        """Summed in the model's feature order, whatever the dict's order, so the bits of a score never depend
        on the order a set happened to iterate in (string hashing differs between processes)."""
        index: dict[str, int] = self._index  # type: ignore[attr-defined]
        found = sorted((i, v) for name, v in feats.items() if (i := index.get(name)) is not None)
        if not found:
            return self.weights[0].copy()
        rows, values = zip(*found, strict=True)
        terms = np.asarray(values)[:, None] * self.weights[list(rows)]
        # one sequential accumulation (not a pairwise sum): the same additions, in the same order, as adding row
        # after row to the intercept, so every bit of the result is as before
        return np.add.accumulate(np.vstack([self.weights[:1], terms]), axis=0)[-1]

    def probabilities(self, feats: Mapping[str, float]) -> dict[str, float]:
        p = softmax(self.logits(feats))
        return {c: float(v) for c, v in zip(self.classes, p, strict=True)}

    def predict(self, feats: Mapping[str, float]) -> str:
        return self.classes[int(np.argmax(self.logits(feats)))]

    def to_json(self) -> str:
        return json.dumps({"classes": list(self.classes), "features": list(self.features), "meta": self.meta,
                           "weights": [[round(float(v), 6) for v in row] for row in self.weights]},
                          indent=1, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> SoftmaxModel:
        d = json.loads(text)
        return cls(tuple(d["classes"]), tuple(d["features"]), np.asarray(d["weights"], dtype=float), d["meta"])

    @classmethod
    def load(cls, path: Path) -> SoftmaxModel:
        return cls.from_json(path.read_text(encoding="utf-8"))


def matrix(rows: Sequence[Mapping[str, float]], features: Sequence[str]) -> np.ndarray:
    index = {f: i for i, f in enumerate(features)}
    x = np.zeros((len(rows), len(features)))
    for r, feats in enumerate(rows):
        for name, value in feats.items():
            if (i := index.get(name)) is not None:
                x[r, i] = value
    return x


def fit(rows: Sequence[Mapping[str, float]], labels: Sequence[str], *, l2: float, min_count: int = 2,
        classes: Sequence[str] | None = None, meta: dict | None = None) -> SoftmaxModel:
    """Fit on feature dicts; features seen in fewer than `min_count` rows are left out (they would only memorise
    single examples). Classes default to those in `labels`, in sorted order."""
    counts: dict[str, int] = {}
    for feats in rows:
        for name, value in feats.items():
            if value:
                counts[name] = counts.get(name, 0) + 1
    features = sorted(f for f, n in counts.items() if n >= min_count)
    classes = tuple(classes or sorted(set(labels)))
    y = np.array([classes.index(label) for label in labels])
    w = fit_softmax(matrix(rows, features), y, len(classes), l2=l2)
    return SoftmaxModel(classes, tuple(features), w, dict(meta or {}, l2=l2, min_count=min_count, n=len(rows)))
