from __future__ import annotations

from pathlib import Path

import pytest

from codemill.engine.artifacts import Artifact, atomic_write, clean_temporaries
from codemill.engine.manifest import Journal, Manifest, ShardEntry, load_manifest
from codemill.engine.runner import assign_parts


def test_assign_parts_keeps_known_numbers_and_fills_gaps():
    assert assign_parts(["b", "a", "c"], {}) == {"a": 0, "b": 1, "c": 2}
    # A new key sorting first must not renumber existing parts.
    assert assign_parts(["0", "a", "b"], {"a": 0, "b": 1}) == {"0": 2, "a": 0, "b": 1}
    # A removed key frees its number for the next new key.
    assert assign_parts(["a", "z"], {"a": 0, "b": 1}) == {"a": 0, "z": 1}


def _entry(key: str, part: int) -> ShardEntry:
    art = Artifact(f"s/part-{part:05d}.parquet", "ab" * 32, 3, 100, "kept")
    return ShardEntry(key, part, "fp", [art], 5, 3, {"merge": 2}, 0.1)


def test_manifest_roundtrip_and_digest_ignores_timings(tmp_path: Path):
    m = Manifest("s", "v", "cfg", {"up": "d"}, complete=True, shards={"k": _entry("k", 0)})
    m.save(tmp_path)
    back = load_manifest(tmp_path)
    assert back is not None and back.to_json() == m.to_json()
    before = m.digest()
    m.timings = {"seconds": 99.0}
    m.shards["k"].seconds = 42.0
    assert m.digest() == before
    assert m.totals() == {"in": 5, "kept": 3, "dropped": 2, "drop_reasons": {"merge": 2}, "bytes": 100, "counters": {}}


def test_unreadable_manifest_counts_as_absent(tmp_path: Path):
    (tmp_path / "manifest.json").write_text("{not json")
    assert load_manifest(tmp_path) is None


def test_journal_skips_a_torn_line(tmp_path: Path):
    j = Journal(tmp_path)
    j.append(_entry("a", 0))
    with open(j.path, "a") as f:
        f.write('{"key": "b", "par')  # killed mid-append
    assert [e.key for e in j.read()] == ["a"]


def test_atomic_write_leaves_nothing_on_failure(tmp_path: Path):
    final = tmp_path / "out.bin"

    def boom(f):
        f.write(b"half")
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        atomic_write(final, boom)
    assert list(tmp_path.iterdir()) == []


def test_clean_temporaries(tmp_path: Path):
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "part-00000.parquet.tmp-1-ab").write_bytes(b"x")
    (tmp_path / "s" / "part-00000.parquet").write_bytes(b"y")
    assert clean_temporaries(tmp_path) == 1
    assert [p.name for p in (tmp_path / "s").iterdir()] == ["part-00000.parquet"]


def test_entry_verify_detects_missing_and_changed(tmp_path: Path):
    (tmp_path / "s").mkdir()
    p = tmp_path / "s" / "part-00000.parquet"
    p.write_bytes(b"hello")
    import hashlib

    e = ShardEntry("k", 0, "fp", [Artifact("s/part-00000.parquet", hashlib.sha256(b"hello").hexdigest(), 1, 5,
                                           "kept")], 1, 1, {}, 0.0)
    assert e.verify(tmp_path) == []
    p.write_bytes(b"hellO")
    assert e.verify(tmp_path) == ["s/part-00000.parquet: checksum mismatch"]
    p.unlink()
    assert e.verify(tmp_path) == ["s/part-00000.parquet: missing"]
