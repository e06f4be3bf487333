from __future__ import annotations

import math

import numpy as np
import pytest

from codemill.quality.fit import auc, evaluate, fit_weights, top_precision
from codemill.quality.score import combine
from codemill.quality.weights import COMPONENTS, Weights


def synthetic(n: int, true: dict[str, float], seed: int = 7) -> tuple[list[dict[str, float | None]], list[bool]]:
    """Components uniform in [0, 1], labels drawn from a logistic model with the given weights; labels and
    author missing for a share of rows, as in real data."""
    rng = np.random.default_rng(seed)
    rows: list[dict[str, float | None]] = []
    good = []
    for _ in range(n):
        row: dict[str, float | None] = {c: float(rng.random()) for c in COMPONENTS}
        logit = sum(true[c] * (row[c] - 0.5) for c in COMPONENTS)  # type: ignore[operator]
        good.append(bool(rng.random() < 1 / (1 + math.exp(-logit))))
        if rng.random() < 0.3:
            row["labels"] = None
        rows.append(row)
    return rows, good


def test_fit_recovers_the_true_logistic_weights() -> None:
    true = {c: 0.0 for c in COMPONENTS} | {"specificity": 6.0, "coherence": 3.0, "tests": 1.0}
    rows, good = synthetic(6000, true)
    w = fit_weights(rows, good, l2=0.1).model_dump()
    assert w["specificity"] == pytest.approx(6.0, abs=0.8)
    assert w["coherence"] == pytest.approx(3.0, abs=0.6)
    assert w["specificity"] > w["coherence"] > w["tests"]
    assert w["bias"] == pytest.approx(0.0, abs=0.3)  # the generator's logit is centred on 0.5 like the score's
    assert min(v for k, v in w.items() if k != "bias") >= 0.0


def test_harmful_components_get_zero_weight_not_a_negative_one() -> None:
    true = {c: 0.0 for c in COMPONENTS} | {"specificity": 4.0, "coherence": 2.0, "author": -4.0}
    rows, good = synthetic(3000, true, seed=3)
    w = fit_weights(rows, good)
    assert w.author == 0.0
    assert w.specificity > w.coherence > 0


def test_components_the_labels_cannot_speak_to_keep_their_prior() -> None:
    true = {c: 0.0 for c in COMPONENTS} | {"specificity": 4.0}
    rows, good = synthetic(2000, true, seed=5)
    for r in rows:
        r["labels"] = None  # commits carry no issue labels
    prior = Weights(labels=1.5)
    assert fit_weights(rows, good, prior=prior).labels == 1.5


def test_fitted_weights_rank_held_out_rows_better_than_the_defaults() -> None:
    true = {c: 0.0 for c in COMPONENTS} | {"tests": 6.0, "author": 2.0}
    rows, good = synthetic(2000, true, seed=11)
    w = fit_weights(rows[:1000], good[:1000])
    held = rows[1000:]
    fitted = evaluate([combine(r, w) for r in held], good[1000:])
    default = evaluate([combine(r, Weights()) for r in held], good[1000:])
    assert fitted["auc"] > default["auc"] + 0.1


def test_nothing_to_learn_gives_the_defaults() -> None:
    rows = [{"specificity": 0.5, "coherence": 0.5}] * 4
    fitted = fit_weights(rows, [True, False, True, False])
    assert fitted.model_dump() | {"bias": 0.0} == Weights().model_dump() | {"bias": 0.0}  # only the bias is fitted
    assert fitted.bias == pytest.approx(0.0, abs=1e-6)
    assert fit_weights([{"specificity": 0.1}, {"specificity": 0.9}], [True, True]) == Weights()
    with pytest.raises(ValueError):
        fit_weights(rows, [True])


def test_auc_by_hand() -> None:
    # Good: 0.9, 0.4; bad: 0.5, 0.1. Pairs (good > bad): 0.9>0.5, 0.9>0.1, 0.4>0.1 -> 3 of 4.
    assert auc([0.9, 0.5, 0.4, 0.1], [True, False, True, False]) == 0.75
    # Good: 0.7, 0.2; bad: 0.7. The tie counts half, 0.2 < 0.7 nothing: (0.5 + 0) / 2.
    assert auc([0.7, 0.7, 0.2], [True, False, True]) == 0.25
    assert auc([0.3, 0.6], [False, True]) == 1.0
    assert math.isnan(auc([0.3, 0.6], [True, True]))


def test_top_third_precision_by_hand() -> None:
    scores = [0.95, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2]
    good = [True, False, True, True, False, False, True, False, False]
    # Top 3 of 9: 0.95 (good), 0.9 (bad), 0.8 (good).
    assert top_precision(scores, good) == pytest.approx(2 / 3)
    # ceil(7 / 3) = 3 items.
    assert top_precision(scores[:7], good[:7]) == pytest.approx(2 / 3)
    # Tied at the cut: 1 place left among 2 tied items, one of them good -> half credit.
    assert top_precision([0.9, 0.5, 0.5, 0.1, 0.1, 0.0], [True, True, False, False, False, False]) == 0.75


def test_evaluate_reports_the_product_metrics() -> None:
    result = evaluate([0.9, 0.8, 0.3, 0.2, 0.1, 0.05], [True, True, False, True, False, False])
    assert result == {"auc": pytest.approx(8 / 9), "top_third_precision": 1.0, "good_rate": 0.5, "n": 6.0}
    with pytest.raises(ValueError):
        evaluate([0.1], [True, False])
