"""Reading a run directory for the report: manifests and the few columns a figure needs from a stage's parts."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from codemill.engine.manifest import MANIFEST, Manifest, load_manifest


class ReportError(ValueError):
    """A run directory the report cannot read; the message names the path and what to do."""


def manifest_of(run_dir: Path, stage: str) -> Manifest | None:
    """The stage's manifest, None when the stage never ran; a manifest that exists but cannot be read is an
    error, not a stage that did not run."""
    m = load_manifest(run_dir / stage)
    if m is None and (run_dir / stage / MANIFEST).exists():
        raise ReportError(f"{run_dir / stage / MANIFEST} cannot be read; re-run the pipeline to rewrite it")
    return m


def read_columns(run_dir: Path, manifest: Manifest, role: str, columns: list[str]) -> pa.Table:
    """`columns` of every part of `role` ("kept" or "dropped") of the stage, in part order; a column a part lacks
    (written by an older codemill) reads as nulls. Only those columns are read from disk."""
    tables: list[pa.Table] = []
    for a in manifest.artifacts():
        if a.role != role or not a.rows:
            continue
        path = run_dir / a.path
        try:
            with pq.ParquetFile(path) as f:
                have = [c for c in columns if c in f.schema_arrow.names]
                table = f.read(columns=have)
        except (OSError, pa.ArrowException) as e:
            raise ReportError(f"{path} cannot be read ({e}); `codemill verify {run_dir}` checks every part") from None
        for c in columns:
            if c not in have:
                table = table.append_column(c, pa.nulls(table.num_rows))
        tables.append(table.select(columns))
    if not tables:
        return pa.table({c: pa.nulls(0) for c in columns})
    return pa.concat_tables(tables, promote_options="permissive")


def stage_file(run_dir: Path, manifest: Manifest, rel: str) -> Path | None:
    """A file artifact of the stage (`rel` inside its folder) when the manifest lists it, else None."""
    path = f"{manifest.stage}/{rel}"
    if not any(a.path == path for a in manifest.artifacts()):
        return None
    full = run_dir / path
    if not full.is_file():
        raise ReportError(f"{full} is listed in its manifest but missing; `codemill run` rebuilds it")
    return full


def read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise ReportError(f"{path} cannot be read ({e}); re-run the stage that writes it") from None
    if not isinstance(data, dict):
        raise ReportError(f"{path} is not a JSON object; re-run the stage that writes it")
    return data
