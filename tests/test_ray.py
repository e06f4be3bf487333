"""The Ray executor, on a real local Ray instance, gives byte-identical parts to the local executor."""

from __future__ import annotations

from pathlib import Path

import pytest

from codemill import pipeline
from codemill.config import Config

from gitrepo import Repo, fast_import_history
from readback import artifact_digests

ray = pytest.importorskip("ray")


@pytest.mark.ray
def test_ray_and_local_give_identical_digests(tmp_path: Path, small_repo: Repo):
    big = tmp_path / "big"
    fast_import_history(big, 400)
    repos = [str(small_repo.path), str(big)]
    base = {"commits": {"shard_commits": 100}}
    local = pipeline.run(tmp_path / "local", Config.model_validate({**base, "run": {"workers": 2}}), repos)
    try:
        on_ray = pipeline.run(tmp_path / "ray", Config.model_validate(
            {**base, "run": {"executor": "ray", "workers": 2}}), repos)
    finally:
        ray.shutdown()
    assert local.ok and on_ray.ok
    assert on_ray.ran["commits"] == 5
    a, b = artifact_digests(tmp_path / "local"), artifact_digests(tmp_path / "ray")
    assert a == b and len(a) > 8
