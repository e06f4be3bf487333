"""`export_tasks` apart from `export`: a change on one side rewrites that side only, and within the task exports
only the family whose inputs changed. (What each family's files hold: `test_tasks.py`, `test_bugs.py`,
`test_rl.py`.)"""

from __future__ import annotations

from pathlib import Path

from codemill import pipeline
from codemill.config import Config
from codemill.engine.manifest import load_manifest

from gitrepo import Repo
from readback import dropped_rows

BASE = {"run": {"workers": 1}}


def config(**sections: dict) -> Config:
    return Config.model_validate({**BASE, **sections})


def test_an_rl_change_rewrites_the_rl_family_and_leaves_the_sft_export(tmp_path: Path, small_repo: Repo):
    out = tmp_path / "out"
    assert pipeline.run(out, config(), [str(small_repo.path)]).ok
    assert set(load_manifest(out / "export_tasks").shards) == {"swebench", "swesmith", "rl"}
    sft = load_manifest(out / "export").digest()
    # The repository has no packaging: `rl` now drops it with that reason, so its output changes and no code runs.
    summary = pipeline.run(out, config(rl={"enabled": True, "sandbox": "unsafe-subprocess"}), [])
    assert summary.ok and [r["drop_reason"] for r in dropped_rows(out, "rl")] == ["no_packaging"]
    assert summary.ran["rl"] == 1
    assert summary.ran["export"] == 0 and summary.reused["export"] == 1
    assert summary.ran["export_tasks"] == 1 and summary.reused["export_tasks"] == 2  # rl; swebench, swesmith kept
    assert load_manifest(out / "export").digest() == sft


def test_an_sft_change_leaves_the_task_exports(tmp_path: Path, small_repo: Repo):
    out = tmp_path / "out"
    assert pipeline.run(out, config(), [str(small_repo.path)]).ok
    tasks = load_manifest(out / "export_tasks").digest()
    summary = pipeline.run(out, config(export={"seed": 7}), [])
    assert summary.ok and summary.ran["export"] == 1
    assert summary.ran["export_tasks"] == 0 and summary.reused["export_tasks"] == 3
    assert load_manifest(out / "export_tasks").digest() == tasks
