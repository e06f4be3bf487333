"""Kill test: SIGKILL a run at many points, mid-write among them; the resumed run equals an uninterrupted one."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from codemill.pipeline import verify_run

from gitrepo import Repo, fast_import_history
from readback import artifact_digests, dropped_rows, kept_rows

CONFIG = "[commits]\nshard_commits = 2100\n"  # parts over one 2048-row group, so a kill can land mid-write


def mill(cfg: Path, out: Path, repos: list[Path], workers: int = 1, fault: str | None = None,
         kill_after: float | None = None) -> int:
    env = {**os.environ, "CODEMILL_FAULT": fault or ""}
    cmd = [sys.executable, "-m", "codemill", "run", str(cfg), "--out", str(out), "--workers", str(workers)]
    for r in repos:
        cmd += ["--repo", str(r)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if kill_after is not None:
        time.sleep(kill_after)
        proc.send_signal(signal.SIGKILL)
    _out, errs = proc.communicate(timeout=300)
    if proc.returncode not in (0, -signal.SIGKILL):
        raise AssertionError(errs.decode())
    return proc.returncode


@pytest.mark.slow
def test_killed_runs_resume_to_identical_outputs(tmp_path: Path, small_repo: Repo):
    big = tmp_path / "big"
    fast_import_history(big, 5000)
    cfg = tmp_path / "c.toml"
    cfg.write_text(CONFIG)
    repos = [small_repo.path, big]

    ref = tmp_path / "ref"
    assert mill(cfg, ref, repos) == 0
    reference = artifact_digests(ref)

    out = tmp_path / "out"
    faults = [
        "parquet.mid_write:1",  # half-way through the first big commits part
        "artifact.before_rename:2",  # written and fsynced, not yet renamed
        "stage.after_journal:2",  # shard journaled, manifest not yet sealed
        "parquet.mid_write:2",
        "stage.before_manifest:2",  # every shard of a stage done, manifest not written
        "artifact.before_rename:4",
    ]
    kills = 0
    for fault in faults:
        kills += mill(cfg, out, repos, fault=fault) == -signal.SIGKILL
    # And killed from outside while two workers write in parallel.
    kills += mill(cfg, out, repos, workers=2, kill_after=2.5) == -signal.SIGKILL
    assert kills >= 6
    assert mill(cfg, out, repos) == 0

    assert artifact_digests(out) == reference
    report = verify_run(out)
    assert report.ok and not report.warnings, report
    keys = (("sources", "source_id"), ("repos", "source_id"), ("commits", "commit_id"), ("pairs", "pair_id"))
    for stage, key in keys:
        ids = [r[key] for r in kept_rows(out, stage) + dropped_rows(out, stage)]
        assert len(ids) == len(set(ids))
    assert len(kept_rows(out, "commits")) == 5000 + 8  # small_repo has 8 first-parent commits
    leftovers = [p for p in out.rglob("*") if ".tmp-" in p.name or p.name == ".journal.jsonl"]
    assert leftovers == []


@pytest.mark.slow
def test_a_shard_that_kills_its_worker_is_retried_then_quarantined(tmp_path: Path, small_repo: Repo,
                                                                   monkeypatch: pytest.MonkeyPatch):
    """A worker SIGKILLed (as the OOM killer would) breaks the process pool: the shards in flight run again
    alone, the one that kills its worker again is quarantined with its reason, and the run finishes."""
    from codemill import pipeline
    from codemill.config import Config, LicenseConfig, RunConfig
    from codemill.engine.executors import WORKER_DIED
    from codemill.engine.manifest import load_manifest

    big = tmp_path / "big"
    fast_import_history(big, 40)
    cfg = Config(run=RunConfig(workers=2), license=LicenseConfig(keep_missing=True),
                 commits={"shard_commits": 10})
    victim = f"{big.resolve()}#000002"
    monkeypatch.setenv("CODEMILL_FAULT", f"shard:commits:{victim}")  # spawned workers inherit it
    out = tmp_path / "out"
    summary = pipeline.run(out, cfg, [str(small_repo.path), str(big)], only=["sources", "repos", "commits"])
    assert not summary.ok and summary.errors["commits"] == {victim: WORKER_DIED}
    m = load_manifest(out / "commits")
    assert not m.complete and m.failed == {victim: WORKER_DIED}
    assert len(m.shards) == 4  # the small repository's shard and the big one's other three
    assert [(q.what, q.stage, q.key, q.reason, q.attempts) for q in summary.quarantined] == [
        ("shard", "commits", victim, WORKER_DIED, 2)]
    assert json.loads((out / "quarantine.json").read_text())[0]["key"] == victim
    positions = {r["position"] for r in kept_rows(out, "commits") if r["repo_id"] == str(big.resolve())}
    assert positions == set(range(40)) - set(range(20, 30))
    # Without the fault the re-run mines just that shard and the stage is complete.
    monkeypatch.delenv("CODEMILL_FAULT")
    again = pipeline.run(out, cfg, [str(small_repo.path), str(big)], only=["sources", "repos", "commits"])
    assert again.ok and again.ran["commits"] == 1 and verify_run(out).ok
    assert again.quarantined == [] and json.loads((out / "quarantine.json").read_text()) == []
