"""codemill.learn: the numpy fits the pair models are made with, their JSON form, and repository folds."""

from __future__ import annotations

import numpy as np
import pytest

from codemill.learn import linear
from codemill.learn.folds import repo_folds
from codemill.learn.logistic import fit_binary, fit_binary_nonneg, fit_softmax, softmax
from codemill.learn.metrics import auc, top_precision, wilson


def test_softmax_fit_recovers_separable_classes_and_is_deterministic() -> None:
    rng = np.random.default_rng(0)
    centres = np.array([[2.0, 0.0], [-2.0, 0.0], [0.0, 2.5]])
    y = rng.integers(0, 3, 600)
    x = centres[y] + rng.normal(0, 0.7, (600, 2))
    w = fit_softmax(x, y, 3, l2=1.0)
    pred = np.argmax(np.hstack([np.ones((600, 1)), x]) @ w, axis=1)
    assert (pred == y).mean() > 0.95
    assert np.array_equal(w, fit_softmax(x, y, 3, l2=1.0))
    assert np.allclose(w.sum(axis=1), 0.0)  # stored centred: softmax is shift-invariant


def test_binary_fit_survives_separable_data_and_pulls_towards_a_centre() -> None:
    x = np.array([[0.0], [0.1], [0.9], [1.0]])
    y = np.array([0.0, 0.0, 1.0, 1.0])
    beta = fit_binary(x, y, l2=0.1)
    assert np.isfinite(beta).all() and beta[1] > 0
    pulled = fit_binary(x, y, l2=100.0, centre=np.array([5.0]))
    assert pulled[1] == pytest.approx(5.0, abs=0.5)


def test_nonneg_fit_drops_a_harmful_column() -> None:
    rng = np.random.default_rng(1)
    x = rng.random((2000, 2))
    y = (rng.random(2000) < 1 / (1 + np.exp(-(4 * x[:, 0] - 4 * x[:, 1])))).astype(float)
    beta = fit_binary_nonneg(x, y)
    assert beta[1] > 2 and beta[2] == 0.0


def test_model_json_round_trip_and_order_independent_scores() -> None:
    rows = [{"a": 1.0}, {"b": 1.0}, {"a": 1.0, "c": 1.0}, {"b": 1.0, "c": 1.0}] * 5
    labels = ["x", "y", "x", "y"] * 5
    model = linear.fit(rows, labels, l2=1.0)
    again = linear.SoftmaxModel.from_json(model.to_json())
    assert again.classes == ("x", "y") and again.predict({"a": 1.0}) == "x" and again.predict({"b": 1.0}) == "y"
    assert model.to_json() == linear.fit(rows, labels, l2=1.0).to_json()
    p1 = again.probabilities({"a": 1.0, "c": 1.0, "unknown": 5.0})
    p2 = again.probabilities({"c": 1.0, "unknown": 5.0, "a": 1.0})
    assert p1 == p2 and sum(p1.values()) == pytest.approx(1.0)
    assert softmax(np.array([1000.0, 1000.0])).tolist() == [0.5, 0.5]


def test_repository_folds_keep_each_repository_whole() -> None:
    repos = ["a", "b", "a", "c", "d", "b", "e"] * 3
    folds = repo_folds(repos, k=3)
    assert sorted(i for f in folds for i in f) == list(range(len(repos)))
    owner = {repos[i]: n for n, f in enumerate(folds) for i in f}
    assert all(owner[repos[i]] == n for n, f in enumerate(folds) for i in f)  # no repository in two folds
    assert len(repo_folds(repos)) == 5 and repo_folds(repos) == repo_folds(list(repos))


def test_metrics() -> None:
    assert auc([0.9, 0.8, 0.2, 0.1], [True, True, False, False]) == 1.0
    assert auc([0.5, 0.5], [True, False]) == 0.5
    assert top_precision([0.9, 0.8, 0.7, 0.1, 0.0, 0.0], [True, False, True, True, False, False]) == 0.5
    lo, hi = wilson(9, 10)
    assert lo < 0.9 < hi <= 1.0 and wilson(0, 0) is None


def test_source_digest_ignores_prose_but_not_code(tmp_path, monkeypatch) -> None:
    from codemill.learn.digest import source_digest

    mod = tmp_path / "digested_mod.py"
    monkeypatch.syspath_prepend(str(tmp_path))
    mod.write_text('"""One thing."""\n\ndef f(x):\n    """Why."""\n    return x + 1  # a comment\n')
    first = source_digest(["digested_mod"])
    mod.write_text('"""Reworded."""\n\n\ndef f(x):\n    """Another why."""\n    return x + 1\n')
    assert source_digest(["digested_mod"]) == first
    mod.write_text('"""One thing."""\n\ndef f(x):\n    return x + 2\n')
    assert source_digest(["digested_mod"]) != first
    with pytest.raises(ModuleNotFoundError):
        source_digest(["no_such_module_here"])


def test_logits_are_the_row_by_row_sum_to_the_bit() -> None:
    """`SoftmaxModel.logits` accumulates in one numpy call; every bit must equal adding each feature's row to the
    intercept in feature order, as the stored categories and scores were computed."""
    import random

    from codemill.categorize.model import model

    m = model()
    rng = random.Random(19)
    for _ in range(2000):
        feats = {rng.choice(m.features): rng.random() * rng.choice([1.0, 1e-3, 7.5])
                 for _ in range(rng.randint(0, 60))}
        feats["not a feature"] = 1.0
        z = m.weights[0].copy()
        for name in sorted((f for f in feats if f in m.features), key=m.features.index):
            z += feats[name] * m.weights[m.features.index(name) + 1]
        assert m.logits(feats).tobytes() == z.tobytes()
