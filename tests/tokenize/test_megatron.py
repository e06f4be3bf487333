"""Megatron-LM indexed dataset: byte layout checked literally, round trip through the independent reader."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest
from tokenizers import Tokenizer

from codemill.tokenize import MegatronWriter, encode_batch, optimal_dtype, read_megatron, read_megatron_index


def _docs(rng: np.random.Generator, vocab: int, n: int) -> list[np.ndarray]:
    return [rng.integers(0, vocab, size=int(rng.integers(0, 300)), dtype=np.int64) for _ in range(n)]


@pytest.mark.parametrize(("vocab", "code", "itemsize"), [(512, 8, 2), (65499, 8, 2), (65500, 4, 4), (100_352, 4, 4)])
def test_round_trip_and_header_bytes(tmp_path: Path, vocab: int, code: int, itemsize: int):
    rng = np.random.default_rng(vocab)
    docs = [*_docs(rng, vocab, 40), np.array([0, vocab - 1]), np.array([], dtype=np.int64)]
    prefix = tmp_path / "out" / "code_text_document"
    w = MegatronWriter(prefix, vocab_size=vocab)
    for d in docs:
        w.add_document(d if len(d) % 2 else d.tolist())  # both arrays and lists
    w.close()
    n, tokens = len(docs), sum(map(len, docs))

    idx = Path(f"{prefix}.idx").read_bytes()
    assert idx[:9] == b"MMIDIDX\x00\x00"
    assert idx[9:17] == b"\x01\x00\x00\x00\x00\x00\x00\x00"
    assert idx[17] == code
    assert idx[18:26] == n.to_bytes(8, "little")  # sequences: one per document
    assert idx[26:34] == (n + 1).to_bytes(8, "little")  # document indices, with the leading 0
    assert len(idx) == 34 + 4 * n + 8 * n + 8 * (n + 1)
    lengths = struct.unpack_from(f"<{n}i", idx, 34)
    pointers = struct.unpack_from(f"<{n}q", idx, 34 + 4 * n)
    doc_index = struct.unpack_from(f"<{n + 1}q", idx, 34 + 12 * n)
    assert list(lengths) == [len(d) for d in docs]
    assert pointers[0] == 0 and all(
        pointers[i + 1] - pointers[i] == lengths[i] * itemsize for i in range(n - 1))
    assert list(doc_index) == list(range(n + 1))
    assert Path(f"{prefix}.bin").stat().st_size == tokens * itemsize

    back = read_megatron(prefix)
    assert len(back) == n and all(np.array_equal(a, b) for a, b in zip(back, docs, strict=True))
    assert read_megatron_index(prefix).dtype == np.dtype(np.uint16 if code == 8 else np.int32)
    assert sorted(p.name for p in prefix.parent.iterdir()) == ["code_text_document.bin", "code_text_document.idx"]
    assert w.documents == n and w.tokens == tokens


def test_optimal_dtype_matches_megatron():
    assert optimal_dtype(50_257) == np.uint16 and optimal_dtype(65_499) == np.uint16
    assert optimal_dtype(65_500) == np.int32 and optimal_dtype(151_936) == np.int32


def test_several_sequences_per_document(tmp_path: Path):
    prefix = tmp_path / "s"
    with MegatronWriter(prefix, vocab_size=1000) as w:
        w.add_document([1, 2, 3, 4, 5], lengths=[2, 3])
        w.add_document([6])
        w.add_document([7, 8, 9], lengths=[1, 1, 1])
    index = read_megatron_index(prefix)
    assert index.document_indices.tolist() == [0, 2, 3, 6]
    assert index.sequence_lengths.tolist() == [2, 3, 1, 1, 1, 1]
    assert index.sequence_pointers.tolist() == [0, 4, 10, 12, 14, 16]
    assert [s.tolist() for s in read_megatron(prefix)] == [[1, 2], [3, 4, 5], [6], [7], [8], [9]]
    with MegatronWriter(tmp_path / "t", vocab_size=10) as w, pytest.raises(ValueError, match="do not split"):
        w.add_document([1, 2, 3], lengths=[1, 1])


def test_real_tokens_from_a_trained_tokenizer(tmp_path: Path, small_tok: Tokenizer, code_texts: list[str]):
    docs = encode_batch(small_tok, code_texts)
    with MegatronWriter(tmp_path / "real", vocab_size=small_tok.get_vocab_size()) as w:
        for d in docs:
            w.add_document(d)
    back = read_megatron(tmp_path / "real")
    assert [b.tolist() for b in back] == docs
    assert [small_tok.decode(b.tolist()) for b in back] == code_texts


def test_out_of_range_ids_are_rejected(tmp_path: Path):
    with MegatronWriter(tmp_path / "bad", vocab_size=512) as w:
        for ids in ([1, 512], [-1, 3], np.array([1.0, 2.0]), [[1, 2]]):
            with pytest.raises(ValueError):
                w.add_document(ids)
        w.add_document([511])
    assert [a.tolist() for a in read_megatron(tmp_path / "bad")] == [[511]]


def test_nothing_is_published_before_close_or_after_an_error(tmp_path: Path):
    w = MegatronWriter(tmp_path / "p", vocab_size=100)
    w.add_document([1, 2])
    assert not (tmp_path / "p.bin").exists() and not (tmp_path / "p.idx").exists()
    w.close()
    assert (tmp_path / "p.bin").exists() and (tmp_path / "p.idx").exists()
    with pytest.raises(RuntimeError), MegatronWriter(tmp_path / "q", vocab_size=100) as w2:
        w2.add_document([3])
        raise RuntimeError("stage failed")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.bin", "p.idx"]


def test_reader_rejects_corrupt_index(tmp_path: Path):
    with MegatronWriter(tmp_path / "c", vocab_size=100) as w:
        w.add_document([1, 2, 3])
    idx = (tmp_path / "c.idx").read_bytes()
    (tmp_path / "c.idx").write_bytes(b"TNTIDX\x00\x00\x00" + idx[9:])
    with pytest.raises(ValueError, match="bad magic"):
        read_megatron(tmp_path / "c")
    (tmp_path / "c.idx").write_bytes(idx[:-8])
    with pytest.raises(ValueError, match="do not hold"):
        read_megatron(tmp_path / "c")
