"""Star survivors: a file is dropped only for a kept file it is linked to."""

from __future__ import annotations

from codemill.dedup import star_survivors


def test_a_chain_keeps_its_far_end():
    # A - B - C with A and C apart: B is dropped for A, C has no kept neighbour and is kept
    assert star_survivors([0, 1, 2], [(0, 1), (1, 2)]) == {0: 0, 1: 0, 2: 2}


def test_the_order_decides_and_kept_contents_are_never_linked():
    # B first: A and C are both dropped for B
    assert star_survivors([1, 0, 2], [(0, 1), (1, 2)]) == {1: 1, 0: 1, 2: 1}
    order, links = [3, 1, 4, 0, 2, 5], [(0, 1), (1, 2), (2, 3), (3, 4), (0, 5), (4, 5)]
    survivor = star_survivors(order, links)
    kept = {c for c, s in survivor.items() if s == c}
    assert not any(a in kept and b in kept for a, b in links)
    for c, s in survivor.items():  # a dropped content is linked to its own survivor, the earliest kept one
        assert s == c or (min(c, s), max(c, s)) in {(min(a, b), max(a, b)) for a, b in links}


def test_links_outside_the_order_and_self_links_are_ignored():
    assert star_survivors([0, 1], [(0, 7), (1, 1)]) == {0: 0, 1: 1}
    assert star_survivors([], [(0, 1)]) == {}
