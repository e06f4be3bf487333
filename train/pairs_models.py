"""Fit the pair models on the hand-labelled commits and write them into the package.

    .venv/bin/python train/pairs_models.py [--rebuild]

1. With `--rebuild` (needed whenever the feature code changed: the tests say so), every labelled commit of
   tests/categorize/data/labelled_commits.jsonl is read from its mirror and its features are saved to
   tests/categorize/data/features.jsonl.gz (see `pairs_examples.py`; `search`'s `fetch` brings the mirrors); the
   sealed set's likewise (sealed_features.jsonl.gz: scored by the benches, never fitted on).
2. The category model (multinomial logistic regression over `codemill.categorize.features`) is fitted on every
   labelled commit and written to src/codemill/categorize/model.json.
3. The score's weights are fitted on every labelled commit (`good`) and written to
   src/codemill/quality/weights.json. Its `code_work` component is the category model's probability of a teaching
   category; for the fit it is cross-fitted (each repository's value comes from a category model that did not see
   that repository), so the score learns how much to trust the category model on repositories it never saw.

Everything is deterministic: the same labels and code give byte-identical files. How well the models generalise
is measured by bench/category_accuracy.py and bench/quality_ranking.py, leaving whole repositories out.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pairs_examples
from codemill.categorize import TEACHING
from codemill.categorize.model import MODEL_FILE
from codemill.learn import linear
from codemill.learn.folds import repo_folds
from codemill.quality.fit import fit_weights
from codemill.quality.judge import extractor_digest
from codemill.quality.weights import WEIGHTS_FILE, Weights

L2 = 2.0  # the category model's penalty (per row, as in the binary fit); chosen among 1, 2, 3 leaving repositories out
MIN_COUNT = 2  # a feature seen in fewer labelled commits is left out: it could only memorise them
SCORE_L2 = 1.0
INNER_FOLDS = 5  # repository folds for cross-fitting code_work


def fit_category(examples: Sequence[dict], meta: dict | None = None) -> linear.SoftmaxModel:
    return linear.fit([e["features"] for e in examples], [e["category"] for e in examples], l2=L2,
                      min_count=MIN_COUNT, meta=meta)


def teaching(model: linear.SoftmaxModel, example: dict) -> float:
    probs = model.probabilities(example["features"])
    return sum(p for c, p in probs.items() if c in TEACHING)


def cross_fitted_code_work(examples: Sequence[dict], k: int = INNER_FOLDS) -> list[float]:
    """Each example's `code_work` from a category model fitted without its repository."""
    out = [0.0] * len(examples)
    for fold in repo_folds([e["repo"] for e in examples], k=k):
        held = set(fold)
        model = fit_category([e for i, e in enumerate(examples) if i not in held])
        for i in fold:
            out[i] = teaching(model, examples[i])
    return out


def score_rows(examples: Sequence[dict], code_work: Sequence[float]) -> list[dict]:
    return [{**e["components"], "code_work": cw} for e, cw in zip(examples, code_work, strict=True)]


def fit_score(examples: Sequence[dict], code_work: Sequence[float] | None = None) -> Weights:
    code_work = cross_fitted_code_work(examples) if code_work is None else code_work
    return fit_weights(score_rows(examples, code_work), [e["good"] for e in examples], l2=SCORE_L2,
                       prior=Weights())


def data_digest(examples: Sequence[dict]) -> str:
    blob = json.dumps(examples, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def checked_examples() -> list[dict]:
    header, examples = pairs_examples.load()
    if header["extractor_digest"] != extractor_digest():
        raise SystemExit("features.jsonl.gz was computed by other feature code: run with --rebuild")
    return examples


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rebuild", action="store_true", help="recompute the features from the mirrors first")
    args = ap.parse_args()
    if args.rebuild:
        pairs_examples.save(pairs_examples.build(pairs_examples.load_labels()))
        sealed = pairs_examples.build(pairs_examples.load_labels(pairs_examples.SEALED_LABELS))
        pairs_examples.save(sealed, pairs_examples.SEALED_FEATURES)
    examples = checked_examples()
    meta = {"extractor_digest": extractor_digest(), "data_digest": data_digest(examples), "commits": len(examples),
            "repositories": len({e["repo"] for e in examples}), "fitted_by": "train/pairs_models.py"}
    model = fit_category(examples, meta)
    MODEL_FILE.write_text(model.to_json(), encoding="utf-8")
    weights = fit_score(examples)
    WEIGHTS_FILE.write_text(json.dumps({"fitted_on": meta, "weights": {k: round(v, 6) for k, v in
                                                                         weights.model_dump().items()}},
                                       indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"category model: {len(model.classes)} classes, {len(model.features)} features -> {MODEL_FILE}")
    shown = ", ".join(f"{k} {v:.3f}" for k, v in weights.model_dump().items())
    print(f"score weights: {shown} -> {WEIGHTS_FILE}")
    import crossval  # it imports this module's fitting functions

    crossval.save_lro_predictions(examples)
    print(f"leave-repositories-out predictions -> {crossval.CACHE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
