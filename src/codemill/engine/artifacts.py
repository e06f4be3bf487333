"""Writing artifacts safely and hashing them.

Every file codemill writes goes to a temporary name in the same directory, is fsynced, then renamed over its
final name: a reader (or a resumed run) sees either the old complete file or the new complete file, never a
torn one. Parquet is written with fixed options so that the same table gives the same bytes everywhere.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from codemill.engine.faults import crash_point

if TYPE_CHECKING:  # imported where Parquet is written: reading a manifest (`codemill status`) needs no pyarrow
    import pyarrow as pa

TMP_MARK = ".tmp-"
ROW_GROUP_ROWS = 2048
PARQUET_OPTS = dict(compression="zstd", compression_level=3, write_statistics=True, use_dictionary=True)


@dataclass(frozen=True)
class Artifact:
    """One file a shard wrote, relative to the run directory."""

    path: str
    sha256: str
    rows: int
    bytes: int
    role: str  # "kept", "dropped" or "file"

    def to_json(self) -> dict:
        return {"path": self.path, "sha256": self.sha256, "rows": self.rows, "bytes": self.bytes, "role": self.role}

    @staticmethod
    def from_json(d: dict) -> Artifact:
        return Artifact(d["path"], d["sha256"], int(d["rows"]), int(d["bytes"]), d["role"])


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def tmp_name(final: Path) -> Path:
    """A unique temporary sibling of `final`; unique per writer so concurrent writers never share one."""
    return final.with_name(f"{final.name}{TMP_MARK}{os.getpid()}-{secrets.token_hex(4)}")


def atomic_write(final: Path, write: Callable[[BinaryIO], None]) -> None:
    """Write through `write(fileobj)` to a temporary file, fsync it, and rename it over `final`."""
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = tmp_name(final)
    try:
        with open(tmp, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        crash_point("artifact.before_rename")
        os.replace(tmp, final)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(final.parent)


def atomic_write_bytes(final: Path, data: bytes) -> None:
    atomic_write(final, lambda f: f.write(data))


def table_writer(table: pa.Table, row_group_size: int | None = None) -> Callable[[BinaryIO], None]:
    """A `write(fileobj)` for `atomic_write` / `ShardOutput.write_file` storing `table` with the fixed Parquet
    options (so the same table always gives the same bytes)."""

    def write(f: BinaryIO) -> None:
        import pyarrow.parquet as pq

        pq.write_table(table, f, row_group_size=row_group_size, **PARQUET_OPTS)

    return write


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class ParquetRowWriter:
    """Streams rows into a zstd Parquet file, a row group at a time, and publishes it atomically on close.

    Memory is bounded by one row group. Row groups are cut by row count only, so the same rows always give the
    same bytes. A writer that is never closed (a crash) leaves only its temporary file, which the next run
    removes.
    """

    def __init__(self, final: Path, schema: pa.Schema, row_group_rows: int = ROW_GROUP_ROWS):
        import pyarrow.parquet as pq

        self.final = final
        self.schema = schema
        self.row_group_rows = row_group_rows
        self.rows = 0
        self._buffer: list[dict] = []
        self._groups = 0
        final.parent.mkdir(parents=True, exist_ok=True)
        self._tmp = tmp_name(final)
        self._file = open(self._tmp, "wb")  # noqa: SIM115 - closed in close() or abort()
        self._writer = pq.ParquetWriter(self._file, schema, **PARQUET_OPTS)

    def add(self, row: dict) -> None:
        self._buffer.append(row)
        self.rows += 1
        if len(self._buffer) >= self.row_group_rows:
            self._flush()

    def _flush(self) -> None:
        import pyarrow as pa

        if self._groups == 1:
            crash_point("parquet.mid_write")
        self._writer.write_table(pa.Table.from_pylist(self._buffer, schema=self.schema))
        self._groups += 1
        self._buffer = []

    def close(self) -> None:
        if self._buffer or self._groups == 0:
            self._flush()
        self._writer.close()
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        crash_point("artifact.before_rename")
        os.replace(self._tmp, self.final)
        _fsync_dir(self.final.parent)

    def abort(self) -> None:
        if self._file.closed:
            return
        try:
            self._writer.close()
        finally:
            self._file.close()
            self._tmp.unlink(missing_ok=True)


def clean_temporaries(root: Path) -> int:
    """Remove temporary files left by a killed writer; returns how many were removed."""
    n = 0
    if root.exists():
        for p in root.rglob(f"*{TMP_MARK}*"):
            if p.is_file():
                p.unlink(missing_ok=True)
                n += 1
    return n
