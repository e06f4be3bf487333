"""nanoGPT's `train.bin`/`val.bin`: one flat array of uint16 token ids, EOT appended after every document.

This is what `data/openwebtext/prepare.py` writes and what `train.py` reads with
`np.memmap(path, dtype=np.uint16, mode="r")`; there is no header and no index, so ids must fit in 16 bits.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

import numpy as np

MAX_ID = 65535
_DTYPE = np.dtype("<u2")  # nanoGPT's np.uint16 on the little-endian machines it trains on


class NanoGPTWriter:
    """Append documents to a nanoGPT `.bin`; written under a temporary name and renamed on `close()`."""

    def __init__(self, path: str | Path, eot_id: int) -> None:
        if not 0 <= eot_id <= MAX_ID:
            raise ValueError(f"eot_id {eot_id} does not fit nanoGPT's uint16 tokens")
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._tmp = self.path.with_name(f".{self.path.name}.tmp-{os.getpid()}")
        self._f = open(self._tmp, "wb")  # noqa: SIM115 - closed in close()/abort()
        self._eot = np.array([eot_id], dtype=_DTYPE).tobytes()
        self.tokens = 0
        self.documents = 0

    def add_document(self, ids: Sequence[int] | np.ndarray) -> None:
        """Write the document's ids, then EOT; an id that does not fit uint16 is an error, never wrapped."""
        if self._f.closed:
            raise ValueError("writer is closed")
        a = np.asarray(ids)
        if a.ndim != 1 or (a.size and not np.issubdtype(a.dtype, np.integer)):
            raise ValueError(f"a document is a 1-D sequence of integer ids, got shape {a.shape} dtype {a.dtype}")
        if a.size and (int(a.min()) < 0 or int(a.max()) > MAX_ID):
            raise ValueError(f"token id out of nanoGPT's uint16 range: min {a.min()}, max {a.max()}")
        self._f.write(a.astype(_DTYPE, copy=False).tobytes())
        self._f.write(self._eot)
        self.tokens += a.size + 1
        self.documents += 1

    def close(self) -> None:
        if self._f.closed:
            return
        self._f.close()
        self._tmp.replace(self.path)

    def abort(self) -> None:
        self._f.close()
        self._tmp.unlink(missing_ok=True)

    def __enter__(self) -> NanoGPTWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()
