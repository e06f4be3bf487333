"""Reading a run's outputs back in tests."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pyarrow.parquet as pq

from codemill.engine.manifest import load_manifest
from codemill.engine.stage import Stage


def _rows(run_dir: Path, stage: str, role: str) -> list[dict]:
    m = load_manifest(run_dir / stage)
    assert m is not None, f"{stage} has no manifest"
    rows: list[dict] = []
    for a in m.artifacts():
        if a.role == role:
            rows.extend(pq.read_table(run_dir / a.path).to_pylist())
    return rows


def kept_rows(run_dir: Path, stage: str) -> list[dict]:
    return _rows(run_dir, stage, "kept")


def dropped_rows(run_dir: Path, stage: str) -> list[dict]:
    return _rows(run_dir, stage, "dropped")


def artifact_digests(run_dir: Path, stages: Sequence[type[Stage]] | None = None) -> dict[str, str]:
    """path -> sha256 of every artifact of every stage (the built-in pipeline's unless `stages` are given)."""
    from codemill.stages.registry import PIPELINE

    out: dict[str, str] = {}
    for cls in PIPELINE if stages is None else stages:
        m = load_manifest(run_dir / cls.name)
        if m is not None:
            out.update({a.path: a.sha256 for a in m.artifacts()})
    return out


def through(*stages: str) -> list[str]:
    """`stages` and every stage they read from, transitively, in pipeline order: an `only=` list that stays right
    when a stage gains an upstream."""
    from codemill.stages.registry import PIPELINE, STAGES

    need, todo = set(), list(stages)
    while todo:
        name = todo.pop()
        if name not in need:
            need.add(name)
            todo.extend(STAGES[name].upstream)
    return [cls.name for cls in PIPELINE if cls.name in need]
