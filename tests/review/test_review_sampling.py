"""Seeded, stratified samples of a real run's kept and dropped rows."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest

from codemill.review.data import NotFound, ReviewError, Run
from codemill.review.sampling import SampleSpec, allocate, sample, score_band

from readback import dropped_rows, kept_rows


def test_score_bands():
    assert [score_band(s) for s in (0.0, 0.19, 0.2, 0.55, 0.8, 1.0)] == \
        ["0.0-0.2", "0.0-0.2", "0.2-0.4", "0.4-0.6", "0.8-1.0", "0.8-1.0"]
    assert score_band(None) == score_band(float("nan")) == "-"


def test_allocation_is_proportional_and_exact():
    sizes = {("a",): 60, ("b",): 30, ("c",): 9, ("d",): 1}
    quota = allocate(sizes, 10, random.Random(0))
    assert sum(quota.values()) == 10
    assert quota[("a",)] == 6 and quota[("b",)] == 3 and quota[("c",)] == 1 and quota[("d",)] == 0
    assert allocate(sizes, 500, random.Random(0)) == sizes  # asking for more than there is takes everything
    for seed in range(20):  # remainders tie: the seed decides, the total never moves
        q = allocate({(k,): 1 for k in "abcdef"}, 3, random.Random(seed))
        assert sum(q.values()) == 3 and set(q.values()) <= {0, 1}


def test_the_same_seed_draws_the_same_rows(built_run: Path):
    run = Run(built_run)
    a = sample(run, SampleSpec("pairs", seed=7, n=5))
    b = sample(run, SampleSpec("pairs", seed=7, n=5))
    assert [c.loc.item_id for c in a.items] == [c.loc.item_id for c in b.items]
    kept = {r["pair_id"] for r in kept_rows(built_run, "pairs")}
    assert a.population == len(kept) and {c.loc.item_id for c in a.items} <= kept and len(a.items) == 5
    draws = {tuple(c.loc.item_id for c in sample(run, SampleSpec("pairs", seed=s, n=5)).items) for s in range(8)}
    assert len(draws) > 1  # other seeds, other rows


def test_strata_are_repository_category_and_score_band(built_run: Path):
    run = Run(built_run)
    s = sample(run, SampleSpec("pairs", seed=0, n=100))
    rows = {r["pair_id"]: r for r in kept_rows(built_run, "pairs")}
    assert len(s.items) == len(rows)  # n beyond the population: all of it
    expected = Counter((r["repo_id"], r["category"], score_band(r["score"])) for r in rows.values())
    assert {k: v[0] for k, v in s.strata.items()} == dict(expected)
    small = sample(run, SampleSpec("pairs", seed=3, n=len(expected)))
    # proportional allocation with a quota per stratum: never more from a stratum than its rounded-up share
    per = Counter(c.stratum for c in small.items)
    total = sum(expected.values())
    assert all(per[k] <= -(-expected[k] * len(expected) // total) for k in per)


def test_dropped_rows_of_one_reason(built_run: Path):
    run = Run(built_run)
    s = sample(run, SampleSpec("pairs", role="dropped", reason="lockfile_only", seed=0, n=10))
    want = {r["pair_id"] for r in dropped_rows(built_run, "pairs") if r["drop_reason"] == "lockfile_only"}
    assert {c.loc.item_id for c in s.items} == want and all(c.drop_reason == "lockfile_only" for c in s.items)
    every = sample(run, SampleSpec("pairs", role="dropped", seed=0, n=10))
    assert {c.drop_reason for c in every.items} == {"lockfile_only", "generic_message", "bot_author"}
    with pytest.raises(NotFound, match="reasons are bot_author, generic_message, lockfile_only"):
        sample(run, SampleSpec("pairs", role="dropped", reason="no_such_reason"))


def test_bad_specs_are_refused(built_run: Path):
    with pytest.raises(ReviewError, match="role"):
        SampleSpec("pairs", role="maybe")
    with pytest.raises(ReviewError, match="only applies to dropped"):
        SampleSpec("pairs", role="kept", reason="merge")
    with pytest.raises(ReviewError, match="n must be"):
        SampleSpec("pairs", n=0)
    with pytest.raises(NotFound, match="unknown stage"):
        sample(Run(built_run), SampleSpec("pears"))
    with pytest.raises(NotFound, match="has not run"):
        sample(Run(built_run), SampleSpec("rl"))
