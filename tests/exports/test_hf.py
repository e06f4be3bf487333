"""The export loads the way its consumers load it: `datasets` offline for the Parquet folder, JSON per line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from codemill import pipeline
from codemill.config import Config

from gitrepo import Repo
from readback import kept_rows


@pytest.fixture
def run_dir(tmp_path: Path, small_repo: Repo) -> Path:
    out = tmp_path / "out"
    # No balancing and no score floor: every kept pair is exported, so the files can be checked against pairs.
    cfg = Config.model_validate({"run": {"workers": 1}, "export": {"rows_per_file": 2},
                                 "select": {"targets": {}, "min_score": 0}})
    assert pipeline.run(out, cfg, [str(small_repo.path)]).ok
    return out


def test_hf_folder_loads_offline_with_datasets(run_dir: Path, monkeypatch, tmp_path: Path):
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    import datasets

    pairs = kept_rows(run_dir, "pairs")
    data_dir = run_dir / "export" / "hf" / "data"
    files = sorted(p.name for p in data_dir.iterdir())
    n = len(files)
    assert files == [f"train-{i:05d}-of-{n:05d}.parquet" for i in range(n)] and n == (len(pairs) + 1) // 2
    # Its own cache: `datasets` reads HF_HOME once, at its first import (by an earlier test), and keys a local
    # folder's cache by the folder's name and file patterns, so another test's `hf` export would be served.
    cache = str(tmp_path / "cache")
    ds = datasets.load_dataset("parquet", data_dir=str(data_dir), split="train", cache_dir=cache)
    assert len(ds) == len(pairs) > 0
    assert {r["pair_id"] for r in ds} == {p["pair_id"] for p in pairs}
    row = next(r for r in ds if "off-by-one" in r["messages"][1]["content"])
    assert [m["role"] for m in row["messages"]] == ["system", "user", "assistant"]
    assert row["messages"][2]["content"].startswith("```diff\ndiff --git a/src/pages.py b/src/pages.py")
    # The card's YAML header declares the split, so loading the folder itself works too.
    card = (run_dir / "export" / "hf" / "README.md").read_text()
    assert card.startswith("---\n") and "path: data/train-*" in card and "| pairs |" in card
    ds2 = datasets.load_dataset(str(run_dir / "export" / "hf"), split="train", cache_dir=cache)
    assert len(ds2) == len(pairs)


def test_jsonl_matches_parquet(run_dir: Path):
    lines = [json.loads(line) for p in sorted((run_dir / "export" / "jsonl").iterdir())
             for line in p.read_text().splitlines()]
    assert len(lines) == len(kept_rows(run_dir, "pairs"))
    assert all(set(r) >= {"messages", "pair_id", "repo", "commit_sha", "license"} for r in lines)
