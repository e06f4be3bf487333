"""The command line as a user runs it: a subprocess, real repositories, real output."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gitrepo import Repo, build_small_repo


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "160", "CODEMILL_FAULT": ""}
    return subprocess.run([sys.executable, "-m", "codemill", *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=300)


@pytest.fixture(scope="module")
def milled_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One full run of the small repository, made once for the tests that only read it or change a copy."""
    base = tmp_path_factory.mktemp("cli")
    repo = build_small_repo(base / "small")
    out = base / "out"
    res = cli("run", "--repo", str(repo.path), "--out", str(out), "--workers", "1")
    assert res.returncode == 0, res.stderr
    assert "funnel" in res.stdout and "generic_message" in res.stdout and str(out) in res.stdout
    return out


@pytest.fixture
def milled(milled_once: Path, tmp_path: Path) -> Path:
    """A copy of the shared run, for a test to change (artifacts are recorded relative to the run directory)."""
    out = tmp_path / "out"
    shutil.copytree(milled_once, out, symlinks=True)
    return out


@pytest.mark.slow
def test_status_verify_inspect(milled: Path):
    status = cli("status", str(milled))
    assert status.returncode == 0
    for stage in ("sources", "repos", "commits", "pairs", "export"):
        assert stage in status.stdout
    from codemill.stages.registry import PIPELINE

    assert status.stdout.count("done") == len(PIPELINE)

    ok = cli("verify", str(milled))
    assert ok.returncode == 0 and "artifacts match" in ok.stdout

    kept = cli("inspect", str(milled), "pairs", "-n", "2", "--seed", "3")
    assert kept.returncode == 0 and "2 of" in kept.stdout and "diff --git" in kept.stdout
    assert kept.stdout == cli("inspect", str(milled), "pairs", "-n", "2", "--seed", "3").stdout

    repos = cli("inspect", str(milled), "repos")
    assert repos.returncode == 0 and "license MIT: kept" in repos.stdout and "license_file LICENSE" in repos.stdout

    dropped = cli("inspect", str(milled), "pairs", "--dropped", "lockfile_only")
    assert dropped.returncode == 0 and "Update lockfile" in dropped.stdout
    any_dropped = cli("inspect", str(milled), "pairs", "--dropped", "-n", "50")
    assert any_dropped.returncode == 0 and "bot_author" in any_dropped.stdout
    bad = cli("inspect", str(milled), "pairs", "--dropped", "no_such_reason")
    assert bad.returncode == 2 and "reasons:" in bad.stderr


@pytest.mark.slow
def test_verify_fails_on_a_changed_artifact(milled: Path):
    part = milled / "pairs" / "part-00000.parquet"
    part.write_bytes(part.read_bytes() + b"\0")
    res = cli("verify", str(milled))
    assert res.returncode == 1 and "pairs/part-00000.parquet" in res.stdout
    status = cli("status", str(milled))
    assert status.returncode == 0


@pytest.mark.slow
def test_stale_status_after_config_change(milled: Path, tmp_path: Path):
    cfg = tmp_path / "c.toml"
    cfg.write_text("[pairs]\nmax_files = 1\n")
    res = cli("run", str(cfg), "--out", str(milled), "--only", "sources")
    assert res.returncode == 0
    status = cli("status", str(milled))
    assert "stale" in status.stdout and "config [pairs, license, decontam] changed" in status.stdout


@pytest.mark.slow
def test_init_writes_a_config_that_runs(tmp_path: Path, small_repo: Repo):
    res = cli("init", cwd=tmp_path)
    assert res.returncode == 0 and (tmp_path / "codemill.toml").is_file()
    assert cli("init", cwd=tmp_path).returncode == 2  # never overwrites silently
    repos_file = tmp_path / "repos.txt"
    repos_file.write_text(f"# my repositories\n{small_repo.path}\n")
    res = cli("run", "codemill.toml", "--repos-file", str(repos_file), "--out", "o", "--workers", "1", cwd=tmp_path)
    assert res.returncode == 0, res.stderr


def test_config_errors_name_the_key(tmp_path: Path, small_repo: Repo):
    cfg = tmp_path / "c.toml"
    cfg.write_text("[commits]\nshard_size = 10\n")
    res = cli("run", str(cfg), "--repo", str(small_repo.path), "--out", str(tmp_path / "o"))
    assert res.returncode == 2 and "commits.shard_size: unknown key" in res.stderr
    res = cli("run", "--repo", str(small_repo.path), "--out", str(tmp_path / "o"), "--executor", "spark")
    assert res.returncode == 2 and "run.executor" in res.stderr


@pytest.mark.slow
def test_clear_errors_for_bad_invocations(tmp_path: Path):
    assert "no sources" in cli("run", "--out", str(tmp_path / "o")).stderr
    res = cli("inspect", str(tmp_path), "nope")
    assert res.returncode == 2 and "unknown stage" in res.stderr
    res = cli("inspect", str(tmp_path), "pairs")
    assert res.returncode == 2 and f"error: {tmp_path} is not a run directory" in res.stderr


@pytest.mark.slow
def test_run_on_a_clone_url_served_by_git_daemon(tmp_path: Path, small_repo: Repo):
    from gitdaemon import publish, serve

    served = publish(small_repo.path, tmp_path / "served", "small.git").parent
    cfg = tmp_path / "c.toml"
    cfg.write_text(f"[sources]\ncache_dir = '{tmp_path / 'cache'}'\n")
    out = tmp_path / "out"
    with serve(served) as daemon:
        res = cli("run", str(cfg), "--repo", daemon.url("small.git"), "--out", str(out), "--workers", "1")
        assert res.returncode == 0, res.stderr
    local = tmp_path / "local"
    assert cli("run", "--repo", str(small_repo.path), "--out", str(local), "--workers", "1").returncode == 0
    from readback import kept_rows

    assert kept_rows(out, "repos")[0]["repo_id"] == f"127.0.0.1:{daemon.port}/small"
    pairs = {(r["commit_sha"], r["instruction"], r["response"]) for r in kept_rows(out, "pairs")}
    assert pairs == {(r["commit_sha"], r["instruction"], r["response"]) for r in kept_rows(local, "pairs")}
    # The daemon is gone: a re-run uses the cached clone and does no work.
    again = cli("run", str(cfg), "--out", str(out), "--workers", "1")
    assert again.returncode == 0 and "0/1" in again.stdout


@pytest.mark.slow
def test_partial_clone_keeps_history_and_drops_only_commits_touching_unfetched_blobs(tmp_path: Path):
    import os as _os

    from gitdaemon import publish, serve
    from gitrepo import MIT, git
    from readback import dropped_rows, kept_rows

    r = Repo(tmp_path / "src")
    r.commit("Add the parser", {"parser.py": "def parse(s):\n    return s.split()\n", "LICENSE": MIT})
    r.commit("Add a large fixture of recorded responses", {"fixture.bin": _os.urandom(200_000)})
    r.commit("Handle empty input in the parser", {"parser.py": "def parse(s):\n    return (s or '').split()\n"})
    git(publish(r.path, tmp_path / "served", "src.git"), "config", "uploadpack.allowFilter", "true")
    served = tmp_path / "served"
    cfg = tmp_path / "c.toml"
    cfg.write_text(f"[sources]\ncache_dir = '{tmp_path / 'cache'}'\npartial_clone_blob_limit = 50000\n")
    out = tmp_path / "out"
    with serve(served) as daemon:
        res = cli("run", str(cfg), "--repo", daemon.url("src.git"), "--out", str(out), "--workers", "1")
    assert res.returncode == 0, res.stderr
    assert "blobs-under-50000" in kept_rows(out, "repos")[0]["location"]
    assert len(kept_rows(out, "commits")) == 3  # the whole history
    assert {p["instruction"] for p in kept_rows(out, "pairs")} == {
        "Add the parser", "Handle empty input in the parser"}
    dropped = {p["instruction"]: p["drop_reason"] for p in dropped_rows(out, "pairs")}
    assert dropped == {"Add a large fixture of recorded responses": "blob_not_fetched"}


@pytest.mark.slow
def test_verify_fails_on_a_deleted_manifest_and_status_says_so(milled: Path):
    (milled / "pairs" / "manifest.json").unlink()
    res = cli("verify", str(milled))
    assert res.returncode == 1
    assert "pairs: outputs without a manifest" in res.stdout and "select: its input pairs has no manifest" in res.stdout
    status = cli("status", str(milled))
    assert "outputs without a manifest" in status.stdout and "never run" not in status.stdout.split("pairs", 1)[1][:200]


@pytest.mark.slow
def test_verify_fails_on_an_interrupted_stage(milled: Path):
    m = json.loads((milled / "repos" / "manifest.json").read_text())
    m["complete"] = False
    (milled / "repos" / "manifest.json").write_text(json.dumps(m))
    res = cli("verify", str(milled))
    assert res.returncode == 1 and "repos: incomplete" in res.stdout


@pytest.mark.slow
def test_bad_sources_are_named_and_a_run_with_none_usable_fails(tmp_path: Path, small_repo: Repo):
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "notes.txt").write_text("not a repository\n")
    missing = tmp_path / "missing"
    bad = cli("run", "--repo", str(missing), "--repo", str(plain), "--out", str(tmp_path / "bad"), "--workers", "1",
              "--only", "sources,repos")
    assert bad.returncode == 1
    assert f"quarantined source {missing}: not_found" in bad.stderr
    assert f"quarantined source {plain}: not_git" in bad.stderr
    assert "error: no usable source: all 2 were quarantined" in bad.stderr
    records = json.loads((tmp_path / "bad" / "quarantine.json").read_text())
    assert {(r["what"], r["key"], r["reason"].split(":")[0]) for r in records} == {
        ("source", str(missing), "not_found"), ("source", str(plain), "not_git")}
    status = cli("status", str(tmp_path / "bad"))
    assert f"quarantined source sources {missing}: not_found" in status.stdout
    # A partly bad list goes on, and says which source it set aside.
    mixed = cli("run", "--repo", str(missing), "--repo", str(small_repo.path), "--out", str(tmp_path / "mixed"),
                "--workers", "1", "--only", "sources,repos")
    assert mixed.returncode == 0 and f"quarantined source {missing}: not_found" in mixed.stderr


def test_a_file_as_the_run_directory_is_one_line(tmp_path: Path, small_repo: Repo):
    out = tmp_path / "a-file"
    out.write_text("x")
    res = cli("run", "--repo", str(small_repo.path), "--out", str(out))
    assert res.returncode == 2
    assert res.stderr.strip() == f"error: the run directory {out} is a file: pass a folder to --out"
