"""Drawing reproducible random samples of a stage's kept or dropped rows, for spot-checks."""

from __future__ import annotations

import random
from pathlib import Path

import pyarrow.compute as pc

from codemill.engine.artifacts import Artifact
from codemill.engine.stage import DROP_REASON
from codemill.rundir import RunDir


class InspectError(ValueError):
    """A sample that cannot be drawn from a readable run (no such reason, no score to rank by, files not rows);
    a run directory that cannot be read is a `RunDirError`."""


def sample_rows(run_dir: Path, stage: str, n: int = 5, seed: int = 0, dropped: bool = False,
                reason: str | None = None) -> tuple[list[dict], int]:
    """`n` rows drawn with `seed` from the stage's kept rows (or dropped rows, optionally of one reason).

    Returns the rows and how many rows they were drawn from.
    """
    run = RunDir(run_dir)
    m = run.manifest(stage)
    arts = run.parts(m, "dropped" if dropped else "kept")
    if not dropped and not arts and run.files(m):
        raise InspectError(f"stage {stage!r} writes files, not rows; look in {run_dir / stage}")
    index = _row_index(run, arts, reason)
    if reason and not index:
        reasons = sorted(m.totals()["drop_reasons"])
        raise InspectError(f"no rows dropped for {reason!r} in {stage}; reasons: {', '.join(reasons) or 'none'}")
    picked = sorted(random.Random(seed).sample(index, min(n, len(index))))
    out: list[dict] = []
    for i in sorted({i for i, _ in picked}):
        out.extend(run.read(arts[i]).take([r for j, r in picked if j == i]).to_pylist())
    order = random.Random(seed + 1)
    order.shuffle(out)
    return out, len(index)


def _row_index(run: RunDir, arts: list[Artifact], reason: str | None) -> list[tuple[int, int]]:
    """(artifact number, row in it) of every row to draw from: all of them, or those dropped for `reason`."""
    index: list[tuple[int, int]] = []
    for i, a in enumerate(arts):
        if reason:
            col = run.read(a, [DROP_REASON]).column(0)
            index.extend((i, r) for r in pc.indices_nonzero(pc.equal(col, reason)).to_pylist())
        else:
            index.extend((i, r) for r in range(a.rows))
    return index


def best_rows(run_dir: Path, stage: str, n: int = 3, dropped: bool = False) -> tuple[list[dict], int]:
    """The `n` best-scored rows of each category (stages with `category` and `score` columns: pairs, select),
    ordered by category and then score, best first; and how many rows they were chosen from."""
    run = RunDir(run_dir)
    arts = run.parts(run.manifest(stage), "dropped" if dropped else "kept")
    ranked = _ranked(run, stage, arts)
    top: list[tuple[str, float, int, int]] = []
    per: dict[str, int] = {}
    for item in sorted(ranked, key=lambda x: (x[0], -x[1], x[2], x[3])):
        if per.get(item[0], 0) < n:
            per[item[0]] = per.get(item[0], 0) + 1
            top.append(item)
    tables = {i: run.read(arts[i]) for i in {i for _c, _s, i, _r in top}}
    return [tables[i].slice(r, 1).to_pylist()[0] for _c, _s, i, r in top], len(ranked)


def _ranked(run: RunDir, stage: str, arts: list[Artifact]) -> list[tuple[str, float, int, int]]:
    """(category, score, artifact number, row) of every row."""
    ranked: list[tuple[str, float, int, int]] = []
    for i, a in enumerate(arts):
        if not {"category", "score"} <= set(run.names(a)):
            raise InspectError(f"stage {stage!r} has no category and score columns to rank by")
        t = run.read(a, ["category", "score"])
        ranked += [(c or "-", s or 0.0, i, r) for r, (c, s) in enumerate(zip(t.column(0).to_pylist(),
                                                                             t.column(1).to_pylist(), strict=True))]
    return ranked
