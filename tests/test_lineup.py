"""Status judges the built-in stages read from their source exactly as the imported classes, on a real run: the
same states for the same reasons, before and after an edit to the code a stage runs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import codemill
from codemill import pipeline
from codemill.config import Config
from codemill.engine import status
from codemill.lineup import judged_stages, stage_states, stages_of
from codemill.stages.index import StageInfo

from gitrepo import Repo

ONLY = ["sources", "repos", "commits", "files"]


def cfg() -> Config:
    return Config.model_validate({"run": {"workers": 1}})


def test_the_states_of_a_real_run_are_the_imported_stages_states(tmp_path: Path, small_repo: Repo) -> None:
    out = tmp_path / "out"
    assert pipeline.run(out, cfg(), [str(small_repo.path)], only=ONLY).ok
    judged = judged_stages(cfg())
    assert all(isinstance(s, StageInfo) for s in judged)
    light = stage_states(out, cfg())
    assert light == status.stage_states(out, cfg(), stages_of(cfg()))
    assert {n for n, s in light.items() if s.state == "done"} == set(ONLY)


def test_status_sees_an_edit_to_a_module_a_stage_imports(tmp_path: Path, small_repo: Repo) -> None:
    """End to end, each command a new process on a copy of codemill with its own scan cache: run, edit a module
    the `commits` stage imports, and status calls commits stale and the corpus side still done."""
    src = tmp_path / "src"
    shutil.copytree(Path(codemill.__file__).parent, src / "codemill", ignore=shutil.ignore_patterns("__pycache__"))
    env = {**os.environ, "PYTHONPATH": str(src), "XDG_CACHE_HOME": str(tmp_path / "cache"), "COLUMNS": "200"}
    out = tmp_path / "out"

    def codemill_(*args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "codemill", *args], capture_output=True, text=True, env=env,
                              timeout=600, check=True)
        return done.stdout

    codemill_("run", "--repo", str(small_repo.path), "--out", str(out), "--only", ",".join(ONLY), "--workers", "1")
    assert _states(codemill_("status", str(out)))["commits"] == "done"
    prs = src / "codemill/stages/commits/prs.py"
    prs.write_text(prs.read_text() + "\n# edited\n")
    states = _states(codemill_("status", str(out)))
    assert states["commits"] == "stale" and states["files"] == "done" and states["repos"] == "done"


def _states(table: str) -> dict[str, str]:
    rows = [[c.strip() for c in line.split("│")[1:3]] for line in table.splitlines() if line.startswith("│")]
    return {stage: state for stage, state in rows if stage}
