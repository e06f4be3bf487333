"""Drawing reproducible random samples of a stage's kept or dropped rows, for spot-checks."""

from __future__ import annotations

import random
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq

from codemill.engine.manifest import load_manifest
from codemill.engine.stage import DROP_REASON


class InspectError(ValueError):
    pass


def sample_rows(run_dir: Path, stage: str, n: int = 5, seed: int = 0, dropped: bool = False,
                reason: str | None = None) -> tuple[list[dict], int]:
    """`n` rows drawn with `seed` from the stage's kept rows (or dropped rows, optionally of one reason).

    Returns the rows and how many rows they were drawn from.
    """
    m = load_manifest(run_dir / stage)
    if m is None:
        raise InspectError(f"stage {stage!r} has no manifest in {run_dir}")
    role = "dropped" if dropped else "kept"
    arts = [a for a in m.artifacts() if a.role == role and a.rows]
    if not dropped and not arts and any(a.role == "file" for a in m.artifacts()):
        raise InspectError(f"stage {stage!r} writes files, not rows; look in {run_dir / stage}")
    index: list[tuple[int, int]] = []  # (artifact number, row in it)
    for i, a in enumerate(arts):
        if reason:
            col = pq.read_table(run_dir / a.path, columns=[DROP_REASON]).column(0)
            rows = pc.indices_nonzero(pc.equal(col, reason)).to_pylist()
            index.extend((i, r) for r in rows)
        else:
            index.extend((i, r) for r in range(a.rows))
    if reason and not index:
        reasons = sorted(m.totals()["drop_reasons"])
        raise InspectError(f"no rows dropped for {reason!r} in {stage}; reasons: {', '.join(reasons) or 'none'}")
    picked = sorted(random.Random(seed).sample(index, min(n, len(index))))
    out: list[dict] = []
    for i in sorted({i for i, _ in picked}):
        table = pq.read_table(run_dir / arts[i].path)
        out.extend(table.take([r for j, r in picked if j == i]).to_pylist())
    order = random.Random(seed + 1)
    order.shuffle(out)
    return out, len(index)


def best_rows(run_dir: Path, stage: str, n: int = 3, dropped: bool = False) -> tuple[list[dict], int]:
    """The `n` best-scored rows of each category (stages with `category` and `score` columns: pairs, select),
    ordered by category and then score, best first; and how many rows they were chosen from."""
    m = load_manifest(run_dir / stage)
    if m is None:
        raise InspectError(f"stage {stage!r} has no manifest in {run_dir}")
    arts = [a for a in m.artifacts() if a.role == ("dropped" if dropped else "kept") and a.rows]
    ranked: list[tuple[str, float, int, int]] = []
    for i, a in enumerate(arts):
        names = pq.read_schema(run_dir / a.path).names
        if not {"category", "score"} <= set(names):
            raise InspectError(f"stage {stage!r} has no category and score columns to rank by")
        t = pq.read_table(run_dir / a.path, columns=["category", "score"])
        ranked += [(c or "-", s or 0.0, i, r) for r, (c, s) in enumerate(zip(t.column(0).to_pylist(),
                                                                             t.column(1).to_pylist(), strict=True))]
    top: list[tuple[str, float, int, int]] = []
    per: dict[str, int] = {}
    for item in sorted(ranked, key=lambda x: (x[0], -x[1], x[2], x[3])):
        if per.get(item[0], 0) < n:
            per[item[0]] = per.get(item[0], 0) + 1
            top.append(item)
    tables = {i: pq.read_table(run_dir / arts[i].path) for i in {i for _c, _s, i, _r in top}}
    return [tables[i].slice(r, 1).to_pylist()[0] for _c, _s, i, r in top], len(ranked)
