"""Declared reads: the columns a stage reads from each upstream stage, checked when the run is planned and at
every read.

A column renamed or dropped upstream would otherwise surface late, inside a shard, as a `KeyError` far from its
cause. A stage states `reads = {"repos": ("repo_id", "location"), "commits": ROWS}`; the engine then
- refuses to plan it when an upstream's kept parts lack a declared column, naming both stages and what the
  upstream does write (`check_declared`);
- fails any read, while the stage plans or runs, of an upstream part it did not declare, or of columns beyond
  those declared (`check_read`, called by `engine.stage.read_part` and `iter_rows`), so the declaration stays
  the truth as the code changes.
A stage that declares nothing (`reads = None`, a user's stage) is not checked.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Literal

import pyarrow.parquet as pq

ROWS: Literal["*"] = "*"  # whole rows: every column the upstream writes, whatever it adds later
Reads = Mapping[str, Sequence[str] | Literal["*"]]

_current: ContextVar[tuple[str, Reads] | None] = ContextVar("codemill_reads", default=None)


class ReadError(RuntimeError):
    """A stage reads what its upstream does not write, or what it did not declare."""


@contextmanager
def reading(stage: str, reads: Reads | None) -> Iterator[None]:
    """Check every part read inside the block against `stage`'s declared reads."""
    token = _current.set((stage, reads) if reads is not None else None)
    try:
        yield
    finally:
        _current.reset(token)


def check_read(part_path: str, columns: Sequence[str] | None) -> None:
    """Raise unless the stage reading now declared this upstream's `columns` (None: whole rows)."""
    current = _current.get()
    if current is None:
        return
    stage, reads = current
    upstream = part_path.split("/", 1)[0]
    if upstream == stage:
        return  # its own earlier output
    if upstream not in reads:
        raise ReadError(f"{stage} reads {part_path} but declares no read of {upstream} (Stage.reads)")
    declared = reads[upstream]
    if declared == ROWS:
        return
    if columns is None:
        raise ReadError(f"{stage} reads whole rows of {upstream} but declares only {', '.join(declared)}")
    extra = sorted(set(columns) - set(declared))
    if extra:
        raise ReadError(f"{stage} reads {', '.join(extra)} from {upstream} without declaring them (Stage.reads)")


def check_declared(stage: str, upstream: Sequence[str], reads: Reads | None, run_dir: Path,
                   first_parts: Mapping[str, str | None]) -> None:
    """Refuse to plan `stage` when a declared read names no upstream, or a column its upstream's kept parts do
    not have. `first_parts` maps each upstream to one of its kept parts (relative path), None when it has none
    (nothing to check against yet)."""
    if reads is None:
        return
    for name, columns in reads.items():
        if name not in upstream:
            raise ReadError(f"{stage} declares a read of {name}, which is not one of its upstream stages "
                            f"({', '.join(upstream) or 'none'})")
        part = first_parts.get(name)
        if columns == ROWS or part is None:
            continue
        written = pq.read_schema(run_dir / part).names
        missing = [c for c in columns if c not in written]
        if missing:
            raise ReadError(f"{stage} reads column(s) {', '.join(missing)} from {name}, which {name} does not "
                            f"write ({name} writes: {', '.join(written)}); re-run {name} or fix {stage}'s reads")
