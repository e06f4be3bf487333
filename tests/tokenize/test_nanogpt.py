"""nanoGPT .bin: read back exactly as nanoGPT's train.py does, with np.memmap(dtype=np.uint16)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from tokenizers import Tokenizer

from codemill.tokenize import NanoGPTWriter, encode_batch, eos_id


def test_memmap_round_trip_with_eot_after_each_document(tmp_path: Path, small_tok: Tokenizer, code_texts: list[str]):
    eot = eos_id(small_tok, "<|endoftext|>")
    docs = [*encode_batch(small_tok, code_texts), [], [65535, 1]]
    path = tmp_path / "data" / "train.bin"
    with NanoGPTWriter(path, eot) as w:
        for d in docs:
            w.add_document(np.asarray(d, dtype=np.int64) if d and d[0] % 2 else d)
    m = np.memmap(path, dtype=np.uint16, mode="r")
    expected = [t for d in docs for t in [*d, eot]]
    assert m.tolist() == expected and w.tokens == len(expected) and w.documents == len(docs)
    # Splitting on EOT gives the documents back (this tokenizer never emits EOT inside code).
    ends = np.flatnonzero(m == eot)
    assert len(ends) == len(docs)
    first = m[: ends[0]].tolist()
    assert small_tok.decode(first) == code_texts[0]
    assert sorted(p.name for p in path.parent.iterdir()) == ["train.bin"]


def test_ids_beyond_uint16_are_rejected(tmp_path: Path):
    with pytest.raises(ValueError, match="uint16"):
        NanoGPTWriter(tmp_path / "x.bin", eot_id=65536)
    with NanoGPTWriter(tmp_path / "x.bin", eot_id=50256) as w:
        with pytest.raises(ValueError, match="uint16"):
            w.add_document([1, 65536])
        with pytest.raises(ValueError, match="uint16"):
            w.add_document(np.array([-1]))
        w.add_document([7])
    assert np.memmap(tmp_path / "x.bin", dtype=np.uint16, mode="r").tolist() == [7, 50256]


def test_failed_write_leaves_no_file(tmp_path: Path):
    with pytest.raises(KeyError), NanoGPTWriter(tmp_path / "y.bin", eot_id=0) as w:
        w.add_document([1, 2, 3])
        raise KeyError("boom")
    assert list(tmp_path.iterdir()) == []
