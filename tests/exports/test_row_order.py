"""exports.order: a seeded shuffle in which copies of an upsampled pair are never neighbours."""

from __future__ import annotations

from collections import Counter

from codemill.exports.order import adjacent_copies, shuffled


def test_every_copy_once_in_an_order_set_by_the_seed_alone() -> None:
    rows = [(f"p{i}", 1 + (i % 4 == 0) * 2) for i in range(300)]
    order = shuffled(rows, seed=7)
    assert Counter(pid for pid, _ in order) == {pid: n for pid, n in rows}
    assert sorted(order) == sorted((pid, k) for pid, n in rows for k in range(n))
    assert shuffled(list(reversed(rows)), seed=7) == order  # the input order does not matter
    assert shuffled(rows, seed=8) != order
    assert [pid for pid, _ in order[:20]] != [pid for pid, _ in rows[:20]]  # not the input order


def test_copies_are_spread_whenever_they_can_be() -> None:
    for seed in range(200):
        rows = [(f"s{seed}-{i}", 3 if i == 0 else 1) for i in range(5)]  # 3 copies among 7 rows
        assert adjacent_copies(shuffled(rows, seed)) == 0, seed
    # a pair holding more than half the rows cannot be spread; the rest still is
    order = shuffled([("a", 5), ("b", 1), ("c", 1)], seed=0)
    assert len(order) == 7 and adjacent_copies(order) >= 1
