"""The Ray executor, on a real local Ray instance, gives byte-identical parts to the local executor."""

from __future__ import annotations

from pathlib import Path

import pytest

from codemill import pipeline
from codemill.config import Config

from corpus_repos import five_repositories
from gitrepo import Repo
from readback import artifact_digests, dropped_rows

ray = pytest.importorskip("ray")


@pytest.mark.slow
@pytest.mark.ray
def test_ray_and_local_give_identical_digests(tmp_path: Path, small_repo: Repo):
    repos = five_repositories(tmp_path, small_repo)
    # Near-deduplication partitioned by LSH band: its shards run as separate Ray tasks.
    base = {"commits": {"shard_commits": 100}, "dedup": {"band_groups": 3}}
    local = pipeline.run(tmp_path / "local", Config.model_validate({**base, "run": {"workers": 2}}), repos)
    try:
        on_ray = pipeline.run(tmp_path / "ray", Config.model_validate(
            {**base, "run": {"executor": "ray", "workers": 2}}), repos)
    finally:
        ray.shutdown()
    assert local.ok and on_ray.ok
    assert on_ray.ran["commits"] == 8  # 5 for the two histories, one per corpus repository
    a, b = artifact_digests(tmp_path / "local"), artifact_digests(tmp_path / "ray")
    assert a == b and len(a) > 8
    assert len(on_ray.manifests["neardup"].shards) == 3
    reasons = {r["drop_reason"] for r in dropped_rows(tmp_path / "ray", "dedup")}
    assert {"exact_duplicate", "near_duplicate", "duplicate_functions"} <= reasons
