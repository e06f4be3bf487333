"""The few columns a figure needs from a stage's parts, read through `codemill.rundir` (which raises
`RunDirError` for a run directory, manifest or part that cannot be read)."""

from __future__ import annotations

import pyarrow as pa

from codemill.engine.manifest import Manifest
from codemill.rundir import Role, RunDir


class ReportError(ValueError):
    """A report that cannot be made from a readable run (a stage file lacking a field, no stage run yet, a report
    folder that cannot be written); the message names the path and what to do."""


def read_columns(run: RunDir, manifest: Manifest, role: Role, columns: list[str]) -> pa.Table:
    """`columns` of every part of `role` ("kept" or "dropped") of the stage, in part order; a column a part lacks
    (written by an older codemill) reads as nulls. Only those columns are read from disk."""
    tables: list[pa.Table] = []
    for a in run.parts(manifest, role):
        names = run.names(a)
        table = run.read(a, [c for c in columns if c in names])
        for c in columns:
            if c not in names:
                table = table.append_column(c, pa.nulls(table.num_rows))
        tables.append(table.select(columns))
    if not tables:
        return pa.table({c: pa.nulls(0) for c in columns})
    return pa.concat_tables(tables, promote_options="permissive")
