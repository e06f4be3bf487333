"""Precision with Wilson intervals, and Cohen's kappa, on hand-checked numbers."""

from __future__ import annotations

import pytest

from codemill.review.labels import Judgment
from codemill.review.stats import agreement, cohen_kappa, precision_table, reviewer_counts, wilson


def j(item: str, reviewer: str, verdict: str, role: str = "kept", reason: str | None = None,
      stage: str = "pairs") -> Judgment:
    return Judgment(stage=stage, item_id=item, reviewer=reviewer, verdict=verdict, role=role, manifest_digest="d",
                    drop_reason=reason)


def test_wilson_interval():
    assert wilson(0, 0) is None
    lo, hi = wilson(5, 10)
    assert lo == pytest.approx(0.2366, abs=1e-4) and hi == pytest.approx(0.7634, abs=1e-4)
    lo, hi = wilson(10, 10)  # all good: the interval still admits doubt, and stays within [0, 1]
    assert lo == pytest.approx(0.7225, abs=1e-4) and hi == 1.0
    lo, hi = wilson(0, 4)
    assert lo == 0.0 and hi == pytest.approx(0.4899, abs=1e-4)


def test_cohen_kappa():
    # the textbook table: 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no -> po 0.7, pe 0.5, kappa 0.4
    a = ["y"] * 25 + ["n"] * 25
    b = ["y"] * 20 + ["n"] * 5 + ["y"] * 10 + ["n"] * 15
    assert cohen_kappa(a, b) == pytest.approx(0.4)
    assert cohen_kappa(["y", "n"], ["y", "n"]) == pytest.approx(1.0)
    assert cohen_kappa(["y", "y"], ["y", "y"]) is None  # one label only: chance agreement is 1, kappa undefined
    assert cohen_kappa([], []) is None


def test_precision_per_decision_counts_each_item_once():
    labels = [
        j("k1", "ada", "accept"), j("k1", "bob", "accept"),    # kept, right twice: 1 item, 1 right
        j("k2", "ada", "accept"), j("k2", "bob", "reject"),    # kept, reviewers split: half right
        j("k3", "ada", "reject"),                               # kept, wrong
        j("k4", "ada", "skip"),                                 # no opinion
        j("d1", "ada", "reject", "dropped", "merge"),           # the drop was right
        j("d2", "ada", "accept", "dropped", "merge"),           # the drop lost a good example
        j("d3", "ada", "reject", "dropped", "gone_reason"),     # a reason the run no longer has
    ]
    table = {(p.stage, p.decision): p for p in
             precision_table(labels, {"pairs": (11, {"merge": 1, "lockfile_only": 1})})}
    kept = table[("pairs", "kept")]
    assert (kept.rows, kept.judged, kept.right, kept.skipped) == (11, 3, 1.5, 1)
    assert kept.precision == pytest.approx(0.5) and kept.interval == pytest.approx(wilson(1.5, 3))
    merge = table[("pairs", "merge")]
    assert (merge.judged, merge.precision) == (2, 0.5) and merge.meaning.startswith("drops judged right")
    assert table[("pairs", "lockfile_only")].judged == 0 and table[("pairs", "lockfile_only")].precision is None
    assert table[("pairs", "gone_reason")].rows == 0 and table[("pairs", "gone_reason")].precision == 1.0


def test_agreement_on_items_both_judged():
    labels = [j("a", "ada", "accept"), j("a", "bob", "accept"), j("b", "ada", "reject"), j("b", "bob", "reject"),
              j("c", "ada", "accept"), j("c", "bob", "reject"), j("d", "ada", "accept"), j("d", "bob", "skip"),
              j("e", "cy", "accept")]
    pairs = {(x.reviewer_a, x.reviewer_b): x for x in agreement(labels)}
    ab = pairs[("ada", "bob")]
    assert ab.items == 3 and ab.observed == pytest.approx(2 / 3)
    assert ab.kappa == pytest.approx(cohen_kappa(["accept", "reject", "accept"], ["accept", "reject", "reject"]))
    assert pairs[("ada", "cy")].items == 0 and pairs[("ada", "cy")].kappa is None
    assert reviewer_counts(labels)["bob"] == {"accept": 1, "reject": 2, "skip": 1}
