"""How well the pair score ranks hand-labelled commits, and how dense the default selection is.

    .venv/bin/python bench/quality_ranking.py --leave-repos-out [--folds 10] [--json]

Every labelled commit (tests/categorize/data/labelled_commits.jsonl) has a `good` label: the instruction states a
concrete task a model could act on from the prompt alone, and the change does exactly that with real code (docs,
style, tooling, dependency, release and bookkeeping commits are never good). With `--leave-repos-out` each fold of
whole repositories is scored by a category model and score weights fitted on the other repositories only.

Printed: the base rate; the score's AUC and the precision of its top third (with the ceiling a perfect ranking
would reach: a third of the commits holds more than the good ones when fewer than a third are good); each
component's own AUC (components are fixed functions, not fitted, except `code_work`, the category model's
probability of a teaching category); the default `select` (score floor `select.min_score`, targeted categories
only, pairs the `pairs` rules keep) as precision and recall of good commits with Wilson intervals, and the same at
other floors; the same per language; and the sealed set (11 repositories never looked at while designing the
features) scored by models fitted on every labelled commit.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "train"))

import crossval
import pairs_examples
import pairs_models
from codemill.config import SelectConfig
from codemill.learn.metrics import auc, top_precision
from codemill.quality.score import combine
from codemill.quality.weights import COMPONENTS
from crossval import proportion

FLOORS = (0.4, 0.5, 0.6, 0.7, 0.8)


def selection(examples: list[dict], preds: list[crossval.Prediction], floor: float) -> tuple[int, int, int, int]:
    """(selected, selected good, all good, n) under the default targets and this floor."""
    cfg = SelectConfig(min_score=floor)
    chosen = [e for e, p in zip(examples, preds, strict=True) if crossval.selected(e, p, cfg)]
    return len(chosen), sum(e["good"] for e in chosen), sum(e["good"] for e in examples), len(examples)


def report(name: str, examples: list[dict], preds: list[crossval.Prediction]) -> dict:
    good = [e["good"] for e in examples]
    scores = [p.score for p in preds]
    n_good = sum(good)
    ceiling = min(1.0, n_good / math.ceil(len(good) / 3))
    figures = {"n": len(good), "good": n_good, "auc": auc(scores, good), "top_third": top_precision(scores, good),
               "top_third_ceiling": ceiling}
    print(f"\n== {name}: {len(good)} commits, {len({e['repo'] for e in examples})} repositories, "
          f"{n_good} good (base rate {n_good / len(good):.3f})")
    print(f"score AUC {figures['auc']:.3f}   top-third precision {figures['top_third']:.3f} "
          f"(a perfect ranking: {ceiling:.3f})   top-{n_good} precision "
          f"{top_precision(scores, good, n_good / len(good)):.3f}")
    print("component AUC: " + ", ".join(
        f"{c} {auc([e['components'][c] if e['components'][c] is not None else 0.5 for e in examples], good):.3f}"
        for c in COMPONENTS if c != "code_work") + f", code_work {auc([p.code_work for p in preds], good):.3f}")
    floor = SelectConfig().min_score
    sel, hit, n_good, _ = selection(examples, preds, floor)
    figures |= {"selected": sel, "precision": hit / sel if sel else math.nan, "recall": hit / n_good}
    print(f"default selection (min_score {floor}): {sel} selected, precision {proportion(hit, sel)}, "
          f"recall {proportion(hit, n_good)}")
    for f in FLOORS:
        s, h, g, _ = selection(examples, preds, f)
        print(f"  min_score {f:.1f}: {s:>4} selected, precision {proportion(h, s)}, recall {proportion(h, g)}")
    print(f"\n{'language':<12}{'n':>5}{'good':>6}{'AUC':>7}  default selection precision / recall")
    for lang, idx in crossval.by_language(examples):
        ex, pr = [examples[i] for i in idx], [preds[i] for i in idx]
        s, h, g, _ = selection(ex, pr, floor)
        a = auc([p.score for p in pr], [e["good"] for e in ex])
        print(f"{lang:<12}{len(idx):>5}{g:>6}{a:>7.3f}  {proportion(h, s)} / {proportion(h, g)}")
    return figures


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--leave-repos-out", action="store_true", help="score each repository with models that never "
                    "saw it (without it: in-sample, optimistic)")
    ap.add_argument("--folds", type=int, default=10, help="folds of whole repositories (0: one repository per fold)")
    ap.add_argument("--json", action="store_true", help="also print a QUALITY_JSON line with every figure")
    args = ap.parse_args()
    examples = pairs_models.checked_examples()
    if args.leave_repos_out:
        preds = crossval.lro_predictions(examples, k=args.folds)
        name = "labelled set, leaving repositories out (" + (f"{args.folds} folds of whole repositories)"
                                                              if args.folds else "one repository per fold)")
    else:
        model, weights = pairs_models.fit_category(examples), pairs_models.fit_score(examples)
        preds = []
        for e in examples:
            cw = pairs_models.teaching(model, e)
            preds.append(crossval.Prediction(model.predict(e["features"]), cw,
                                             combine(pairs_models.score_rows([e], [cw])[0], weights)))
        name = "labelled set, IN-SAMPLE (fitted and scored on the same commits: optimistic)"
    figures = {"labelled": report(name, examples, preds)}
    sealed = pairs_examples.load_sealed()
    if sealed:
        figures["sealed"] = report("sealed set (repositories never looked at), models fitted on the labelled set",
                                   sealed, crossval.predict_with(examples, sealed))
    if args.json:
        print("QUALITY_JSON " + json.dumps(figures, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
