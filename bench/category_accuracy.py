"""Accuracy of `codemill.categorize` on hand-labelled commits, leaving whole repositories out.

    .venv/bin/python bench/category_accuracy.py --leave-repos-out [--folds 10] [--errors 20] [--json]

The labelled commits (tests/categorize/data/labelled_commits.jsonl, 110 repositories, 14 languages) are cut into
folds of whole repositories; each fold is categorised by a model fitted on the others, so nothing fitted on a
repository is scored on it. Printed: accuracy with a 95% Wilson interval (all commits, and the random sample
alone), the same per language and per category (precision, recall, F1), the most frequent confusions, and the
rules alone in their precedence order (fitted on nothing) for comparison. Then the sealed set
(tests/categorize/data/sealed_commits.jsonl: 11 repositories no feature was designed by looking at) scored by
the model fitted on every labelled commit: the figure to expect on repositories never seen.

Without `--leave-repos-out` the model is fitted and scored on the same commits (in-sample, optimistic): shown
only to make the gap visible. Features come from the stored features files; `train/pairs_models.py --rebuild`
recomputes them from the mirrors.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "train"))

import crossval
import pairs_examples
import pairs_models
from codemill.categorize import CATEGORIES
from crossval import proportion


def report(name: str, examples: list[dict], predicted: list[str], rules: list[str], top: int = 10) -> dict:
    gold = [e["category"] for e in examples]
    hits = sum(g == p for g, p in zip(gold, predicted, strict=True))
    rule_hits = sum(g == r for g, r in zip(gold, rules, strict=True))
    rnd = [i for i, e in enumerate(examples) if e["sample"] == "random"]
    print(f"\n== {name}: {len(examples)} commits, {len({e['repo'] for e in examples})} repositories")
    print(f"accuracy (95% Wilson)   model {proportion(hits, len(gold))}   "
          f"rules alone {proportion(rule_hits, len(gold))}")
    print(f"random sample only      model {proportion(sum(gold[i] == predicted[i] for i in rnd), len(rnd))}")
    for rnd_no, what in ((1, "round 1 (the features were designed reading these)"),
                         (2, "round 2 (labelled after; never read while designing)"),
                         (3, "round 3 (labelled after; never read while designing)")):
        idx = [i for i, e in enumerate(examples) if e.get("round") == rnd_no]
        if idx and len(idx) < len(examples):
            print(f"{what:<52} model {proportion(sum(gold[i] == predicted[i] for i in idx), len(idx))}")
    by_lang = crossval.by_language(examples)
    print(f"\n{'language':<12}{'n':>5}  accuracy [95% interval]")
    for lang, idx in by_lang:
        print(f"{lang:<12}{len(idx):>5}  {proportion(sum(gold[i] == predicted[i] for i in idx), len(idx))}")
    print(f"\n{'category':<12}{'P':>7}{'R':>7}{'F1':>7}{'support':>9}")
    per = {}
    for cat in CATEGORIES:
        tp = sum(g == p == cat for g, p in zip(gold, predicted, strict=True))
        n_gold, n_pred = gold.count(cat), predicted.count(cat)
        if not n_gold and not n_pred:
            continue
        p, r = tp / n_pred if n_pred else 0.0, tp / n_gold if n_gold else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        per[cat] = {"precision": p, "recall": r, "f1": f1, "support": n_gold}
        print(f"{cat:<12}{p:>7.2f}{r:>7.2f}{f1:>7.2f}{n_gold:>9}")
    confusions = Counter((g, p) for g, p in zip(gold, predicted, strict=True) if g != p)
    print("top confusions (gold -> predicted: n): " + ", ".join(f"{g}->{p}: {n}" for (g, p), n in
                                                               confusions.most_common(top)))
    return {"n": len(gold), "accuracy": hits / len(gold), "rules_accuracy": rule_hits / len(gold),
            "per_language": {k: sum(gold[i] == predicted[i] for i in v) / len(v) for k, v in by_lang},
            "per_category": per}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--leave-repos-out", action="store_true", help="score each repository with a model that never "
                    "saw it (without it: in-sample, optimistic)")
    ap.add_argument("--folds", type=int, default=10, help="folds of whole repositories (0: one repository per fold)")
    ap.add_argument("--errors", type=int, default=0, help="list this many misclassified commits")
    ap.add_argument("--json", action="store_true", help="also print a CATEGORY_JSON line with every figure")
    args = ap.parse_args()
    examples = pairs_models.checked_examples()
    if args.leave_repos_out:
        preds = [p.category for p in crossval.lro_predictions(examples, k=args.folds, scores=False)]
        name = "labelled set, leaving repositories out (" + (f"{args.folds} folds of whole repositories)"
                                                              if args.folds else "one repository per fold)")
    else:
        model = pairs_models.fit_category(examples)
        preds = [model.predict(e["features"]) for e in examples]
        name = "labelled set, IN-SAMPLE (fitted and scored on the same commits: optimistic)"
    figures = {"labelled": report(name, examples, preds, [e["rules"] for e in examples])}
    sealed = pairs_examples.load_sealed()
    if sealed:
        spreds = [p.category for p in crossval.predict_with(examples, sealed, scores=False)]
        figures["sealed"] = report("sealed set (repositories never looked at), model fitted on the labelled set",
                                   sealed, spreds, [e["rules"] for e in sealed])
    if args.errors:
        print("\nmisclassified (labelled set):")
        for e, p in [(e, p) for e, p in zip(examples, preds, strict=True) if e["category"] != p][:args.errors]:
            print(f"  {e['repo']:<28} {e['sha'][:10]} gold={e['category']:<9} pred={p:<9} "
                  f"{e['instruction'].partition(chr(10))[0][:70]}")
    if args.json:
        print("CATEGORY_JSON " + json.dumps(figures, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
