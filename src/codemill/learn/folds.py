"""Leave-repositories-out folds: every repository's items are scored by a model that never saw that repository.

A classifier fitted and scored on the same repository learns its conventions (its commit prefixes, its paths)
and reports accuracy no new repository will see; holding out whole repositories measures what a new user gets.
Repositories are dealt to folds in a seeded hash order, so the folds never depend on the data's order.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence


def repo_folds(repos: Sequence[str], k: int = 0, seed: int = 0) -> list[list[int]]:
    """Item indices per fold, each fold a set of whole repositories; k = 0 leaves one repository out per fold."""
    names = sorted(set(repos), key=lambda r: hashlib.sha256(f"{seed}:{r}".encode()).hexdigest())
    k = len(names) if k <= 0 else min(k, len(names))
    fold_of = {name: i % k for i, name in enumerate(names)}
    folds: list[list[int]] = [[] for _ in range(k)]
    for i, r in enumerate(repos):
        folds[fold_of[r]].append(i)
    return folds
