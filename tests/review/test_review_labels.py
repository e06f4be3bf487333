"""The labels store: one current verdict per reviewer and item, every judgment kept, two writers at once."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from codemill.review.labels import Judgment, LabelError, LabelStore, db_path


def judgment(item: str = "p1", reviewer: str = "ada", verdict: str = "accept", **kw) -> Judgment:
    return Judgment(stage="pairs", item_id=item, reviewer=reviewer, verdict=verdict, role="kept",
                    manifest_digest="d" * 64, **kw)


def test_latest_verdict_wins_and_every_event_is_kept(tmp_path: Path):
    store = LabelStore.for_run(tmp_path)
    assert store.path == tmp_path / "review" / "labels.sqlite"
    store.record(judgment(features={"tests": 1.0, "labels": None}, category="bugfix", score=0.8))
    store.record(judgment(verdict="reject", reason="trivial change"))
    store.record(judgment(reviewer="bob"))
    labels = store.labels("pairs")
    assert [(j.reviewer, j.verdict, j.reason) for j in labels] == [("ada", "reject", "trivial change"),
                                                                    ("bob", "accept", None)]
    assert store.events() == 3
    assert store.verdicts("pairs", ["p1", "p2"]) == {"p1": {"ada": "reject (trivial change)", "bob": "accept"}}
    assert labels[0].at and labels[0].manifest_digest == "d" * 64


def test_a_judgment_is_checked_before_it_is_stored(tmp_path: Path):
    store = LabelStore.for_run(tmp_path)
    with pytest.raises(LabelError, match="reviewer name"):
        store.record(judgment(reviewer="   "))
    with pytest.raises(LabelError, match="verdict must be"):
        store.record(judgment(verdict="maybe"))
    with pytest.raises(LabelError, match="at most 64"):
        store.record(judgment(reviewer="x" * 65))
    assert store.record(judgment(reviewer="  Ada   Lovelace ")).reviewer == "Ada Lovelace"
    assert store.events() == 1


def test_the_database_is_in_wal_mode(tmp_path: Path):
    LabelStore.for_run(tmp_path).record(judgment())
    with sqlite3.connect(db_path(tmp_path)) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


WRITER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from codemill.review.labels import Judgment, LabelStore

    run_dir, reviewer, n, go = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
    store = LabelStore.for_run(run_dir)
    while not go.exists():
        time.sleep(0.01)
    for i in range(n):
        for who in (reviewer, "shared"):  # its own label, and one both writers fight over
            store.record(Judgment(stage="pairs", item_id=f"p{i}", reviewer=who,
                                  verdict=("accept", "reject")[i % 2], reason="r" if i % 2 else None, role="kept",
                                  manifest_digest="d" * 64, features={"tests": i / n}))
    print("done", reviewer)
""")


def test_two_reviewers_write_at_once(tmp_path: Path):
    """Two processes record 2 x 150 judgments at the same time, each in its own transaction, over the same items
    (and one reviewer name both use): nothing is lost, nothing torn, the database stays sound."""
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    go = tmp_path / "go"
    LabelStore.for_run(tmp_path)  # the schema exists before either starts
    procs = [subprocess.Popen([sys.executable, str(script), str(tmp_path), who, "150", str(go)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for who in ("ada", "bob")]
    go.touch()
    results = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    store = LabelStore.for_run(tmp_path)
    assert store.events() == 600
    labels = store.labels("pairs")
    assert len(labels) == 450  # 150 items x (ada, bob, shared)
    assert {j.reviewer for j in labels} == {"ada", "bob", "shared"}
    assert all(j.verdict == ("accept", "reject")[int(j.item_id[1:]) % 2] for j in labels)
    assert store.integrity() == "ok"
