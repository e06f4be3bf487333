"""Leave-repositories-out measurement of the pair models: nothing fitted on a repository is scored on it.

`lro_predictions` refits both models once per fold of whole repositories and predicts the held-out ones: the
category (and its teaching probability), and the score, whose weights are fitted on the training repositories
with `code_work` cross-fitted inside them (as `pairs_models.py` does for the shipped weights). The benches print
what these predictions add up to; the tests assert floors on them.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import astuple, dataclass
from pathlib import Path

from codemill.categorize import TEACHING
from codemill.config import SelectConfig
from codemill.engine.version import foreign_root, module_closure
from codemill.learn.folds import repo_folds
from codemill.learn.metrics import wilson
from codemill.quality.score import combine
from pairs_models import cross_fitted_code_work, data_digest, fit_category, fit_score, score_rows, teaching

REPO = Path(__file__).resolve().parents[1]
# The leave-repositories-out predictions of the last refit (`train/pairs_models.py`), keyed by the labelled
# data and the code that makes them: 60 model fits (2 minutes on 2 cores) the test suite need not repeat while
# neither changed. A different key means the code or data moved: the predictions are computed afresh.
CACHE = Path(__file__).with_name("lro_predictions.json.gz")


@dataclass
class Prediction:
    category: str
    code_work: float
    score: float


def lro_predictions(examples: Sequence[dict], k: int = 10, scores: bool = True) -> list[Prediction]:
    """One prediction per example, each from models fitted without its repository (k folds of repositories;
    k = 0 leaves one repository out at a time)."""
    out: list[Prediction | None] = [None] * len(examples)
    for fold in repo_folds([e["repo"] for e in examples], k=k):
        held = set(fold)
        train = [e for i, e in enumerate(examples) if i not in held]
        model = fit_category(train)
        weights = fit_score(train, cross_fitted_code_work(train)) if scores else None
        for i in fold:
            cw = teaching(model, examples[i])
            score = combine(score_rows([examples[i]], [cw])[0], weights) if weights else float("nan")
            out[i] = Prediction(model.predict(examples[i]["features"]), cw, score)
    return [p for p in out if p is not None]


def cache_key(examples: Sequence[dict], k: int) -> str:
    """The labelled data, the fold count, and every source file the predictions depend on (this file, the
    fitting script and the codemill modules it imports, with the model files beside them), by path relative to
    the checkout. Not this file's own imports: `config` is here for `selected`, which the cache does not hold."""
    files = {Path(__file__), *module_closure("pairs_models", others=foreign_root("pairs_models"))}
    h = hashlib.sha256(f"{data_digest(examples)} k={k}".encode())
    for path in sorted(files):
        h.update(path.resolve().relative_to(REPO).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def cached_lro_predictions(examples: Sequence[dict], k: int = 10) -> list[Prediction]:
    """`lro_predictions`, from the cache when it was made from these examples by this code."""
    if CACHE.is_file():
        stored = json.loads(gzip.decompress(CACHE.read_bytes()))
        if stored["key"] == cache_key(examples, k):
            return [Prediction(*p) for p in stored["predictions"]]
    return lro_predictions(examples, k=k)


def save_lro_predictions(examples: Sequence[dict], k: int = 10) -> list[Prediction]:
    """Compute the predictions and store them under their key (byte-identical for the same predictions)."""
    predictions = lro_predictions(examples, k=k)
    blob = json.dumps({"key": cache_key(examples, k), "k": k, "predictions": [astuple(p) for p in predictions]},
                      separators=(",", ":")).encode()
    CACHE.write_bytes(gzip.compress(blob, mtime=0))
    return predictions


def predict_with(train: Sequence[dict], test: Sequence[dict], scores: bool = True) -> list[Prediction]:
    """Predictions for `test` from models fitted on all of `train` (the sealed set's figures)."""
    model = fit_category(train)
    weights = fit_score(train) if scores else None
    out = []
    for e in test:
        cw = teaching(model, e)
        score = combine(score_rows([e], [cw])[0], weights) if weights else float("nan")
        out.append(Prediction(model.predict(e["features"]), cw, score))
    return out


def selected(example: dict, pred: Prediction, cfg: SelectConfig | None = None) -> bool:
    """Would the default `select` keep this commit? Not dropped by `pairs`, a targeted category, at least the
    score floor (duplicates and splits do not apply to a sample of distinct commits)."""
    cfg = cfg or SelectConfig()
    return example["drop"] is None and cfg.targets.get(pred.category, 0) > 0 and pred.score >= cfg.min_score


def teaching_share(examples: Sequence[dict]) -> float:
    return sum(e["category"] in TEACHING for e in examples) / max(1, len(examples))


def by_language(examples: Sequence[dict]) -> list[tuple[str, list[int]]]:
    """Example indices per repository language, the most represented first."""
    groups: dict[str, list[int]] = {}
    for i, e in enumerate(examples):
        groups.setdefault(e["language"], []).append(i)
    return sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))


def proportion(hits: int, n: int) -> str:
    """`hits / n` with its 95% Wilson interval, as the benches print it."""
    lo, hi = wilson(hits, n) or (math.nan, math.nan)
    return f"{hits / n:.3f} [{lo:.3f}, {hi:.3f}]" if n else "  -  "
