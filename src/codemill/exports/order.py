"""The order of rows in an export: a seeded shuffle in which no two copies of one pair are neighbours.

Reading order is training order for most trainers' defaults (streaming, or no shuffle buffer), so a file ordered by
repository teaches one repository at a time, and an upsampled pair written `copies` times in a row is a burst of
identical gradient steps. Each row `(pair_id, copy)` gets a position from a hash of the seed, the id and the copy
number, so the order depends on nothing but those; then any copy that lands next to another copy of the same pair
is swapped with the nearest later row that keeps both places free of neighbours.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterable

Row = tuple[str, int]  # (pair id, copy number)


def _key(seed: int, pair_id: str, copy: int) -> bytes:
    return hashlib.blake2b(f"{seed}\0{pair_id}\0{copy}".encode(), digest_size=8).digest()


def shuffled(rows: Iterable[tuple[str, int]], seed: int) -> list[Row]:
    """Every `(pair_id, copies)` expanded to its copies, in a seeded order with no adjacent copies of one pair
    (where the pairs allow it: a pair holding more than half the rows cannot be spread)."""
    order = sorted(((pair_id, k) for pair_id, copies in rows for k in range(copies)),
                   key=lambda r: (_key(seed, *r), r))
    for i in range(1, len(order)):
        if order[i][0] == order[i - 1][0]:
            j = next((j for j in [*range(i + 1, len(order)), *range(i - 1)] if _swap_ok(order, i, j)), None)
            if j is not None:
                order[i], order[j] = order[j], order[i]
    return order


def _swap_ok(order: list[Row], i: int, j: int) -> bool:
    """Would swapping places i and j leave both with no neighbour that is a copy of the same pair?"""
    trial = {i: order[j][0], j: order[i][0]}

    def at(k: int) -> str | None:
        return trial.get(k, order[k][0]) if 0 <= k < len(order) else None

    return all(at(k) != at(k - 1) and at(k) != at(k + 1) for k in (i, j))


def adjacent_copies(order: list[Row]) -> int:
    """How many neighbours are copies of the same pair (0 for a well-spread order)."""
    return sum(a[0] == b[0] for a, b in itertools.pairwise(order))
