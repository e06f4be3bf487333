"""The shipped pair models are the training script's output on the labelled set, and they generalise.

The features of every labelled commit are stored (tests/categorize/data/features.jsonl.gz) with the digest of the
code that computed them, so these tests need no mirrors: they check that the stored features are the current
code's, that refitting them reproduces the shipped model files exactly, and floors on what leaving whole
repositories out measures (bench/category_accuracy.py and bench/quality_ranking.py print the full figures).
"""

from __future__ import annotations

import json

import pytest

import crossval
import pairs_examples
import pairs_models
from codemill.categorize.model import MODEL_FILE
from codemill.learn.metrics import auc
from codemill.quality.judge import extractor_digest
from codemill.quality.weights import WEIGHTS_FILE


@pytest.fixture(scope="module")
def examples() -> list[dict]:
    return pairs_models.checked_examples()


def test_stored_features_are_the_current_code_s() -> None:
    header, examples = pairs_examples.load()
    assert header["extractor_digest"] == extractor_digest(), "feature code changed: run train/pairs_models.py --rebuild"
    labels = pairs_examples.load_labels()
    assert [(e["sha"], e["category"], e["good"]) for e in examples] == [(r["sha"], r["category"], r["good"])
                                                                         for r in labels]


@pytest.mark.slow
def test_shipped_models_are_reproduced_by_the_training_script(examples: list[dict]) -> None:
    shipped = json.loads(MODEL_FILE.read_text())
    assert shipped["meta"]["extractor_digest"] == extractor_digest()
    assert shipped["meta"]["data_digest"] == pairs_models.data_digest(examples)
    refit = json.loads(pairs_models.fit_category(examples, shipped["meta"]).to_json())
    assert refit == shipped
    weights = json.loads(WEIGHTS_FILE.read_text())
    assert weights["fitted_on"]["data_digest"] == pairs_models.data_digest(examples)
    refitted = pairs_models.fit_score(examples).model_dump()
    assert refitted == pytest.approx(weights["weights"], abs=1e-5)


@pytest.fixture(scope="module")
def predictions(examples: list[dict]) -> list[crossval.Prediction]:
    return crossval.cached_lro_predictions(examples, k=10)


def test_the_cached_predictions_are_what_the_folds_give(examples: list[dict],
                                                        predictions: list[crossval.Prediction]) -> None:
    """The cache holds what fitting gives: two folds of it recomputed here (the rest are the same code)."""
    folds = list(crossval.repo_folds([e["repo"] for e in examples], k=10))
    for fold in folds[:2]:
        held = set(fold)
        train = [e for i, e in enumerate(examples) if i not in held]
        model = pairs_models.fit_category(train)
        for i in fold[:20]:
            assert predictions[i].category == model.predict(examples[i]["features"])
            assert predictions[i].code_work == pytest.approx(pairs_models.teaching(model, examples[i]), abs=1e-6)


@pytest.mark.slow
def test_leave_repositories_out_floors(examples: list[dict], predictions: list[crossval.Prediction]) -> None:
    """Measured (10 folds of whole repositories): category accuracy 0.773, score AUC 0.942; floors a little below."""
    accuracy = sum(p.category == e["category"] for p, e in zip(predictions, examples, strict=True)) / len(examples)
    assert accuracy >= 0.75
    good = [e["good"] for e in examples]
    assert auc([p.score for p in predictions], good) >= 0.92
    assert auc([p.code_work for p in predictions], good) >= 0.85


def test_default_selection_is_dense(examples: list[dict], predictions: list[crossval.Prediction]) -> None:
    """The default `select` floor on scores fitted without the pair's repository: most of what it keeps is good,
    and it keeps most of the good pairs."""
    chosen = [e for e, p in zip(examples, predictions, strict=True) if crossval.selected(e, p)]
    good = sum(e["good"] for e in examples)
    precision = sum(e["good"] for e in chosen) / len(chosen)
    recall = sum(e["good"] for e in chosen) / good
    assert precision >= 0.8 and recall >= 0.6, (precision, recall)
