"""Megatron-LM's indexed dataset (`{prefix}.bin` + `{prefix}.idx`), as `tools/preprocess_data.py` writes it.

Layout of the `.idx`, all little-endian (megatron/core/datasets/indexed_dataset.py, `_IndexWriter` and
`_IndexReader`; GPT-NeoX's and nanotron's `MMapIndexedDataset` read the same bytes):

    9 bytes  b"MMIDIDX\\x00\\x00"
    <Q       version, 1
    <B       dtype code (4 = int32, 8 = uint16, ...)
    <Q       sequence count S
    <Q       document-index count D (documents + 1: the list starts with 0)
    S x int32  sequence lengths in tokens
    S x int64  sequence pointers: byte offsets into `.bin`
    D x int64  document indices: 0, then the sequence count at the end of each document

The `.bin` is the token ids back to back in that dtype. The dtype follows `DType.optimal_dtype`: uint16 when
the vocabulary has fewer than 65,500 ids, else int32, so readers that infer it from the vocab agree.
"""

from __future__ import annotations

import os
import struct
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import numpy as np

HEADER = b"MMIDIDX\x00\x00"
VERSION = 1
# Only the integer codes: token ids are never floats, and the float codes differ between Megatron versions.
DTYPE_CODES: dict[np.dtype, int] = {
    np.dtype(np.uint8): 1,
    np.dtype(np.int8): 2,
    np.dtype(np.int16): 3,
    np.dtype(np.int32): 4,
    np.dtype(np.int64): 5,
    np.dtype(np.uint16): 8,
}


def optimal_dtype(vocab_size: int) -> np.dtype:
    """Megatron's `DType.optimal_dtype`: uint16 below 65,500 ids, else int32."""
    return np.dtype(np.uint16) if vocab_size < 65500 else np.dtype(np.int32)


def _paths(prefix: str | Path) -> tuple[Path, Path]:
    prefix = str(prefix)
    return Path(prefix + ".bin"), Path(prefix + ".idx")


def _tmp(path: Path) -> Path:
    return path.with_name(f".{path.name}.tmp-{os.getpid()}")


class MegatronWriter:
    """Stream documents into `{prefix}.bin` and write `{prefix}.idx` on `close()`.

    Both files are written under temporary names and renamed on close (`.bin` first, `.idx` last), so a crash
    never leaves a pair that Megatron would load with a truncated index.
    """

    def __init__(self, prefix: str | Path, vocab_size: int) -> None:
        if vocab_size <= 0:
            raise ValueError(f"vocab_size must be positive, got {vocab_size}")
        self.bin_path, self.idx_path = _paths(prefix)
        self.vocab_size = vocab_size
        self.dtype = optimal_dtype(vocab_size)
        self._bin_tmp, self._idx_tmp = _tmp(self.bin_path), _tmp(self.idx_path)
        self.bin_path.parent.mkdir(parents=True, exist_ok=True)
        self._bin = open(self._bin_tmp, "wb")  # noqa: SIM115 - closed in close()/abort()
        self._lengths = array("q")
        self._doc_ends = array("q", [0])
        self.tokens = 0

    @property
    def documents(self) -> int:
        return len(self._doc_ends) - 1

    def add_document(self, ids: Sequence[int] | np.ndarray, lengths: Sequence[int] | None = None) -> None:
        """Append one document: one sequence, or several whose token counts are `lengths` (summing to len(ids))."""
        if self._bin.closed:
            raise ValueError("writer is closed")
        a = np.asarray(ids)
        if a.ndim != 1 or (a.size and not np.issubdtype(a.dtype, np.integer)):
            raise ValueError(f"a document is a 1-D sequence of integer ids, got shape {a.shape} dtype {a.dtype}")
        if a.size and (int(a.min()) < 0 or int(a.max()) >= self.vocab_size):
            raise ValueError(f"token id out of range [0, {self.vocab_size}): min {a.min()}, max {a.max()}")
        parts = [a.size] if lengths is None else [int(n) for n in lengths]
        if sum(parts) != a.size or any(n < 0 or n >= 2**31 for n in parts):
            raise ValueError(f"sequence lengths {parts} do not split a document of {a.size} tokens")
        self._bin.write(a.astype(self.dtype.newbyteorder("<"), copy=False).tobytes())
        self._lengths.extend(parts)
        self._doc_ends.append(len(self._lengths))
        self.tokens += a.size

    def close(self) -> None:
        """Write the index and publish both files."""
        if self._bin.closed:
            return
        self._bin.close()
        lengths = np.frombuffer(self._lengths, dtype=np.int64) if self._lengths else np.zeros(0, np.int64)
        pointers = np.zeros(len(lengths), dtype="<i8")
        np.cumsum(lengths[:-1] * self.dtype.itemsize, out=pointers[1:])
        with open(self._idx_tmp, "wb") as f:
            f.write(HEADER)
            f.write(struct.pack("<Q", VERSION))
            f.write(struct.pack("<B", DTYPE_CODES[self.dtype]))
            f.write(struct.pack("<Q", len(lengths)))
            f.write(struct.pack("<Q", len(self._doc_ends)))
            f.write(lengths.astype("<i4").tobytes())
            f.write(pointers.tobytes())
            f.write(np.frombuffer(self._doc_ends, dtype=np.int64).astype("<i8").tobytes())
        self._bin_tmp.replace(self.bin_path)
        self._idx_tmp.replace(self.idx_path)

    def abort(self) -> None:
        """Drop everything written so far; nothing is published."""
        self._bin.close()
        for p in (self._bin_tmp, self._idx_tmp):
            p.unlink(missing_ok=True)

    def __enter__(self) -> MegatronWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


@dataclass(frozen=True)
class MegatronIndex:
    dtype: np.dtype
    sequence_lengths: np.ndarray
    sequence_pointers: np.ndarray
    document_indices: np.ndarray


_READ_DTYPES = {1: "<u1", 2: "<i1", 3: "<i2", 4: "<i4", 5: "<i8", 8: "<u2"}


def read_megatron_index(prefix: str | Path) -> MegatronIndex:
    """Parse `{prefix}.idx` field by field, as Megatron's `_IndexReader` does, and check it is consistent."""
    idx = _paths(prefix)[1].read_bytes()
    if idx[:9] != HEADER:
        raise ValueError(f"{prefix}.idx: bad magic {idx[:9]!r}")
    pos = 9
    (version,) = struct.unpack_from("<Q", idx, pos)
    pos += 8
    (code,) = struct.unpack_from("<B", idx, pos)
    pos += 1
    seq_count, doc_count = struct.unpack_from("<QQ", idx, pos)
    pos += 16
    if version != 1 or code not in _READ_DTYPES:
        raise ValueError(f"{prefix}.idx: unsupported version {version} or dtype code {code}")
    if len(idx) != pos + 12 * seq_count + 8 * doc_count:
        raise ValueError(f"{prefix}.idx: {len(idx)} bytes do not hold {seq_count} sequences, {doc_count} doc indices")
    lengths = np.frombuffer(idx, dtype="<i4", count=seq_count, offset=pos)
    pointers = np.frombuffer(idx, dtype="<i8", count=seq_count, offset=pos + 4 * seq_count)
    docs = np.frombuffer(idx, dtype="<i8", count=doc_count, offset=pos + 12 * seq_count)
    if doc_count == 0 or docs[0] != 0 or docs[-1] != seq_count or np.any(np.diff(docs) < 0):
        raise ValueError(f"{prefix}.idx: document indices do not cover the {seq_count} sequences")
    return MegatronIndex(np.dtype(_READ_DTYPES[code]), lengths, pointers, docs)


def read_megatron(prefix: str | Path) -> list[np.ndarray]:
    """Every sequence of `{prefix}.bin`, located by the index's pointers (for tests and inspection)."""
    index = read_megatron_index(prefix)
    data = _paths(prefix)[0].read_bytes()
    out = []
    for ptr, n in zip(index.sequence_pointers.tolist(), index.sequence_lengths.tolist(), strict=True):
        if ptr + n * index.dtype.itemsize > len(data):
            raise ValueError(f"{prefix}.bin: sequence at byte {ptr} with {n} tokens runs past the end")
        out.append(np.frombuffer(data, dtype=index.dtype, count=n, offset=ptr).copy())
    return out
