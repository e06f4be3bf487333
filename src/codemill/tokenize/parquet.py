"""Parquet shards for Hugging Face-style trainers: documents as `text`, and `input_ids` packed into blocks.

`datasets.load_dataset("parquet", data_files=...)` reads both. Packing follows `group_texts` in transformers'
`run_clm.py` (concatenate, cut into `seq_len` blocks, drop the remainder), with EOS after every document so
a block that spans two documents still marks where one ends.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

TEXT_SCHEMA = pa.schema([
    pa.field("text", pa.string(), nullable=False),
    ("doc_id", pa.string()),
    ("repo_name", pa.string()),
    ("language", pa.string()),
    ("license", pa.string()),
])
IDS_FIELD = pa.field("input_ids", pa.list_(pa.int32()))
PACKED_SCHEMA = pa.schema([IDS_FIELD])
_REQUIRED = ("text", "doc_id", "repo_name")
# A row group per ~32 MiB of text: small enough for streaming readers, large enough to compress well.
_GROUP_BYTES = 32 << 20
_GROUP_BLOCKS = 2048
_COMPRESSION = "zstd"


class Packer:
    """Push-style packing: documents in (each followed by `eos_id`), full `seq_len` int32 blocks out, so a
    writer that receives documents one batch at a time packs with memory bounded by one block."""

    def __init__(self, seq_len: int, eos_id: int):
        if seq_len <= 0:
            raise ValueError(f"seq_len must be positive, got {seq_len}")
        self.seq_len = seq_len
        self._eos = np.array([eos_id], dtype=np.int32)
        self._pending: list[np.ndarray] = []
        self._n = 0

    def add(self, ids: Sequence[int] | np.ndarray) -> list[np.ndarray]:
        """Append a document; return the blocks it completed (possibly none)."""
        self._pending += [np.asarray(ids, dtype=np.int32), self._eos]
        self._n += len(self._pending[-2]) + 1
        if self._n < self.seq_len:
            return []
        buf = np.concatenate(self._pending)
        full = self._n - self._n % self.seq_len
        self._pending, self._n = [buf[full:]], self._n - full
        return list(buf[:full].reshape(-1, self.seq_len))

    def tail(self) -> np.ndarray | None:
        """The final short block, if any tokens are left."""
        return np.concatenate(self._pending) if self._n else None


def pack_sequences(
    docs_ids: Iterable[Sequence[int] | np.ndarray], seq_len: int, eos_id: int, *, drop_last: bool = True
) -> Iterator[np.ndarray]:
    """Yield int32 blocks of exactly `seq_len` tokens from the documents, each followed by `eos_id`.

    With `drop_last=False` the final short block is yielded too, so no token is lost.
    """
    packer = Packer(seq_len, eos_id)
    for ids in docs_ids:
        yield from packer.add(ids)
    if not drop_last and (tail := packer.tail()) is not None:
        yield tail


def _atomic_writer(path: Path, schema: pa.Schema) -> tuple[pq.ParquetWriter, Path]:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    return pq.ParquetWriter(tmp, schema, compression=_COMPRESSION), tmp


def _ids_array(blocks: list[np.ndarray]) -> pa.ListArray:
    """One Arrow list<int32> column from many id arrays without a Python-level loop over tokens."""
    offsets = np.zeros(len(blocks) + 1, dtype=np.int32)
    np.cumsum([len(b) for b in blocks], out=offsets[1:])
    values = np.concatenate(blocks) if blocks else np.zeros(0, np.int32)
    return pa.ListArray.from_arrays(pa.array(offsets), pa.array(values, type=pa.int32()))


def write_text_shard(path: str | Path, rows: Iterable[Mapping[str, Any]]) -> int:
    """Write documents (text, doc_id, repo_name, optional language and license) and return the row count.

    Rows may also carry `input_ids` (a document's unpacked ids); then every row must. An unknown key is an
    error rather than a silently dropped column.
    """
    path = Path(path)
    names = [f.name for f in TEXT_SCHEMA]
    schema: pa.Schema | None = None
    writer: pq.ParquetWriter | None = None
    tmp: Path | None = None
    cols: dict[str, list[Any]] = {}
    ids: list[np.ndarray] = []
    group_bytes = count = 0

    def flush() -> None:
        assert writer is not None and schema is not None
        arrays = [pa.array(cols[n], type=TEXT_SCHEMA.field(n).type) for n in names]
        if IDS_FIELD.name in schema.names:
            arrays.append(_ids_array(ids))
        writer.write_table(pa.Table.from_arrays(arrays, schema=schema))

    try:
        for row in rows:
            if schema is None:
                has_ids = IDS_FIELD.name in row
                schema = TEXT_SCHEMA.append(IDS_FIELD) if has_ids else TEXT_SCHEMA
                writer, tmp = _atomic_writer(path, schema)
            if unknown := set(row) - set(schema.names):
                raise ValueError(f"unknown column(s) {sorted(unknown)}; a text shard has {schema.names}")
            if missing := [k for k in _REQUIRED if row.get(k) is None]:
                raise ValueError(f"row {count} lacks {missing}")
            if (IDS_FIELD.name in row) != (IDS_FIELD.name in schema.names):
                raise ValueError(f"row {count}: input_ids must be on every row or on none")
            if not cols:
                cols = {n: [] for n in names}
            for n in names:
                cols[n].append(row.get(n))
            if IDS_FIELD.name in row:
                ids.append(np.asarray(row[IDS_FIELD.name], dtype=np.int32))
            group_bytes += len(row["text"])
            count += 1
            if group_bytes >= _GROUP_BYTES:
                flush()
                cols, ids, group_bytes = {}, [], 0
        if schema is None:  # no rows: a valid shard with no row group (`datasets` fails on a 0-row one)
            schema = TEXT_SCHEMA
            writer, tmp = _atomic_writer(path, schema)
        if cols:
            flush()
        assert writer is not None and tmp is not None
        writer.close()
        tmp.replace(path)
    except BaseException:
        if writer is not None:
            writer.close()
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        raise
    return count


def write_packed_shard(path: str | Path, blocks: Iterable[Sequence[int] | np.ndarray]) -> int:
    """Write one `input_ids` (list<int32>) row per block, e.g. from `pack_sequences`; returns the row count."""
    path = Path(path)
    writer, tmp = _atomic_writer(path, PACKED_SCHEMA)
    batch: list[np.ndarray] = []
    count = 0
    try:
        for block in blocks:
            batch.append(np.asarray(block, dtype=np.int32))
            count += 1
            if len(batch) >= _GROUP_BLOCKS:
                writer.write_table(pa.Table.from_arrays([_ids_array(batch)], schema=PACKED_SCHEMA))
                batch = []
        if batch:  # an empty shard has no row group at all: `datasets` fails on a 0-row one
            writer.write_table(pa.Table.from_arrays([_ids_array(batch)], schema=PACKED_SCHEMA))
        writer.close()
        tmp.replace(path)
    except BaseException:
        writer.close()
        tmp.unlink(missing_ok=True)
        raise
    return count
