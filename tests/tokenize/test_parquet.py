"""Parquet text and packed shards, read back with `datasets` offline from local files; packing as group_texts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from tokenizers import Tokenizer

from codemill.tokenize import encode_batch, eos_id, pack_sequences, write_packed_shard, write_text_shard


@pytest.fixture
def load_parquet(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """`datasets.load_dataset("parquet", ...)` with the network off and caches under tmp_path."""
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    import datasets

    def load(files: list[Path]) -> datasets.Dataset:
        return datasets.load_dataset("parquet", data_files=[str(f) for f in files], split="train",
                                     cache_dir=str(tmp_path / "hf-cache"))

    return load


def _rows(texts: list[str]) -> list[dict]:
    return [{"text": t, "doc_id": f"{i:032x}", "repo_name": "numpy/numpy",
             **({"language": "Python", "license": "BSD-3-Clause"} if i % 2 else {})}
            for i, t in enumerate(texts)]


def test_pack_sequences_preserves_tokens_and_block_size():
    rng = np.random.default_rng(0)
    docs = [rng.integers(1, 1000, size=int(n)).tolist() for n in rng.integers(0, 50, size=200)]
    stream = [t for d in docs for t in [*d, 0]]  # eos after every document
    for seq_len in (1, 7, 64, 5000):
        kept = list(pack_sequences(docs, seq_len, eos_id=0, drop_last=False))
        assert np.concatenate(kept).tolist() == stream
        assert all(len(b) == seq_len for b in kept[:-1]) and 0 < len(kept[-1]) <= seq_len
        dropped = list(pack_sequences(iter(docs), seq_len, eos_id=0))
        assert len(dropped) == len(stream) // seq_len and all(len(b) == seq_len for b in dropped)
        assert np.concatenate(dropped or [np.zeros(0, np.int32)]).tolist() == stream[: len(dropped) * seq_len]
        assert all(b.dtype == np.int32 for b in kept)
    # One long document spans many blocks; nothing in, nothing out.
    assert [b.tolist() for b in pack_sequences([list(range(1, 10))], 4, eos_id=0)] == [[1, 2, 3, 4], [5, 6, 7, 8]]
    assert list(pack_sequences([], 4, eos_id=0, drop_last=False)) == []
    with pytest.raises(ValueError):
        list(pack_sequences([[1]], 0, eos_id=0))


def test_text_shards_load_with_datasets(tmp_path: Path, load_parquet, code_texts: list[str]):
    texts = [*code_texts, "# 你好 🎉 e\u0301\r\n", ""]
    rows = _rows(texts)
    files = [tmp_path / "corpus" / f"train-{i:05d}-of-00002.parquet" for i in range(2)]
    assert write_text_shard(files[0], rows[:3]) == 3
    assert write_text_shard(files[1], iter(rows[3:])) == len(rows) - 3
    assert sorted(p.name for p in files[0].parent.iterdir()) == [f.name for f in files]  # no temp files left
    ds = load_parquet(files)
    assert ds.column_names == ["text", "doc_id", "repo_name", "language", "license"]
    assert len(ds) == len(rows)
    for got, want in zip(ds, rows, strict=True):
        assert got == {"language": None, "license": None, **want}


def test_text_shard_with_document_ids(tmp_path: Path, load_parquet, small_tok: Tokenizer, code_texts: list[str]):
    ids = encode_batch(small_tok, code_texts)
    rows = [{**r, "input_ids": i} for r, i in zip(_rows(code_texts), ids, strict=True)]
    write_text_shard(tmp_path / "t.parquet", rows)
    assert pq.read_schema(tmp_path / "t.parquet").field("input_ids").type == pa.list_(pa.int32())
    ds = load_parquet([tmp_path / "t.parquet"])
    assert ds["input_ids"] == ids and ds["text"] == code_texts


def test_packed_shards_load_with_datasets(tmp_path: Path, load_parquet, small_tok: Tokenizer, code_texts: list[str]):
    eos = eos_id(small_tok, "<|endoftext|>")
    docs = encode_batch(small_tok, code_texts)
    blocks = list(pack_sequences(docs, 256, eos))
    path = tmp_path / "packed" / "train-00000-of-00001.parquet"
    assert write_packed_shard(path, blocks) == len(blocks) == (sum(map(len, docs)) + len(docs)) // 256
    assert pq.read_schema(path).field("input_ids").type == pa.list_(pa.int32())
    ds = load_parquet([path])
    assert len(ds) == len(blocks) and ds.column_names == ["input_ids"]
    assert ds.features["input_ids"].feature.dtype == "int32"
    got = ds.with_format("numpy")[:]["input_ids"]
    assert got.shape == (len(blocks), 256)
    assert np.array_equal(got, np.stack(blocks))
    # The packed stream decodes back to the documents joined by EOS.
    joined = small_tok.decode(got.reshape(-1).tolist(), skip_special_tokens=False)
    assert "<|endoftext|>".join(code_texts).startswith(joined[:-100])


def test_many_row_groups_and_empty_shards(tmp_path: Path, load_parquet):
    blocks = [np.arange(i, i + 3) for i in range(5000)]  # more than one row group per shard
    write_packed_shard(tmp_path / "many.parquet", blocks)
    assert pq.ParquetFile(tmp_path / "many.parquet").num_row_groups > 1
    assert write_packed_shard(tmp_path / "empty.parquet", []) == 0
    assert write_text_shard(tmp_path / "empty-text.parquet", []) == 0
    ds = load_parquet([tmp_path / "many.parquet", tmp_path / "empty.parquet"])
    assert len(ds) == 5000 and ds[4999]["input_ids"] == [4999, 5000, 5001]
    assert pq.read_table(tmp_path / "empty-text.parquet").num_rows == 0


def test_bad_rows_are_errors_and_leave_no_file(tmp_path: Path):
    good = _rows(["a"])[0]
    for bad in ({**good, "path": "x.py"}, {"text": "a", "doc_id": "1"}, {**good, "text": None}):
        with pytest.raises(ValueError):
            write_text_shard(tmp_path / "bad.parquet", [good, bad])
    with pytest.raises(ValueError, match="every row or on none"):
        write_text_shard(tmp_path / "bad.parquet", [{**good, "input_ids": [1]}, good])
    assert list(tmp_path.iterdir()) == []
