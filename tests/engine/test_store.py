"""A run directory on object storage, against a real S3-compatible server (moto's, started here): the same
digests as a local run, no work on a second run from an empty cache, resumption after a kill, corruption caught
by the fetch and by verify, one writer by lease, and no path from the remote outside the working copy."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import s3fs
from moto.server import ThreadedMotoServer

from codemill import pipeline
from codemill.config import Config
from codemill.engine.artifacts import Artifact
from codemill.engine.lease import Lease
from codemill.engine.lock import RunLocked
from codemill.engine.manifest import Manifest
from codemill.engine.store import LEASE_FILE, RemoteRun, StoreError
from codemill.pipeline import PipelineError, readable, verify_run

from gitrepo import Repo, fast_import_history
from readback import artifact_digests, dropped_rows, kept_rows, through


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server on a free local port; boto (and so s3fs) reach it through the environment alone, the way a
    user points codemill at MinIO or R2, so no credential or endpoint passes through codemill's arguments."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    with pytest.MonkeyPatch.context() as mp:
        for k, v in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                     "AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT_URL": f"http://{host}:{port}"}.items():
            mp.setenv(k, v)
        for k in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
            mp.delenv(k, raising=False)
        s3fs.S3FileSystem.clear_instance_cache()  # a cached filesystem would keep another endpoint
        yield f"http://{host}:{port}"
        s3fs.S3FileSystem.clear_instance_cache()
    server.stop()


@pytest.fixture
def bucket(s3_endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh bucket per test, and a working-copy cache of the test's own."""
    name = f"t{uuid.uuid4().hex[:12]}"
    s3fs.S3FileSystem().mkdir(name)
    monkeypatch.setenv("CODEMILL_CACHE", str(tmp_path / "cache"))
    return name


def cfg(**run) -> Config:
    return Config.model_validate({"run": {"workers": 1, **run}, "commits": {"shard_commits": 40}})


def fresh_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Another machine: an empty working copy, so only the remote can tell what is done."""
    monkeypatch.setenv("CODEMILL_CACHE", str(tmp_path / name))


def remote_digests(url: str) -> dict[str, str]:
    with readable(url, whole=True) as local:
        return artifact_digests(local)


def remote_keys(bucket: str) -> list[str]:
    fs = s3fs.S3FileSystem()
    fs.invalidate_cache()
    return sorted(k[len(bucket) + 1:] for k in fs.find(bucket))


def codemill(*args: str, fault: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "CODEMILL_FAULT": fault}
    return subprocess.run([sys.executable, "-m", "codemill", *args], env=env, capture_output=True, text=True,
                          timeout=600)


@pytest.mark.slow
def test_remote_run_equals_local_and_a_second_run_does_no_work(tmp_path: Path, small_repo: Repo, bucket: str,
                                                                monkeypatch: pytest.MonkeyPatch):
    url = f"s3://{bucket}/run"
    first = pipeline.run(url, cfg(), [str(small_repo.path)])
    local = pipeline.run(tmp_path / "local", cfg(), [str(small_repo.path)])
    assert first.ok and local.ok
    assert {k: m.digest() for k, m in first.manifests.items()} == {k: m.digest() for k, m in local.manifests.items()}
    assert remote_digests(url) == artifact_digests(tmp_path / "local")
    assert not [k for k in remote_keys(bucket) if "/.journal/" in k or k.endswith(LEASE_FILE)]

    fresh_cache(tmp_path, monkeypatch, "other-machine")
    again = pipeline.run(url, cfg(), [])
    assert again.ok and sum(again.ran.values()) == 0 and sum(again.reused.values()) > 0
    assert {k: m.digest() for k, m in again.manifests.items()} == {k: m.digest() for k, m in local.manifests.items()}

    status = codemill("status", url)
    assert status.returncode == 0, status.stderr
    assert "stale" not in status.stdout and "missing" not in status.stdout and "done" in status.stdout
    verified = codemill("verify", url)
    assert verified.returncode == 0 and "ok:" in verified.stdout, verified.stdout + verified.stderr
    shown = codemill("inspect", url, "pairs", "-n", "2")
    assert shown.returncode == 0 and "pair_id" in shown.stdout, shown.stderr


@pytest.mark.slow
def test_killed_remote_runs_resume_from_a_fresh_cache(tmp_path: Path, small_repo: Repo, bucket: str,
                                                      monkeypatch: pytest.MonkeyPatch):
    big = tmp_path / "big"
    fast_import_history(big, 150)
    conf = tmp_path / "c.toml"
    conf.write_text("[run]\nworkers = 1\n[commits]\nshard_commits = 40\n")
    repos = ["--repo", str(small_repo.path), "--repo", str(big)]
    only = ["--only", ",".join(through("pairs"))]
    ref = tmp_path / "ref"
    assert codemill("run", str(conf), "--out", str(ref), *repos, *only).returncode == 0

    url = f"s3://{bucket}/run"
    faults = ["remote.after_artifacts:2",  # a shard's parts uploaded, its journal entry not
              "stage.after_journal:3",  # journaled locally and remotely, the manifest not sealed
              "stage.before_manifest:2",  # every shard of a stage pushed, no manifest
              "artifact.before_rename:5"]
    for n, fault in enumerate(faults):
        fresh_cache(tmp_path, monkeypatch, f"machine-{n}")  # each resume on a machine with an empty cache
        done = codemill("run", str(conf), "--out", url, *repos, *only, fault=fault)
        assert done.returncode == -signal.SIGKILL, (fault, done.stderr)
    fresh_cache(tmp_path, monkeypatch, "last-machine")
    done = codemill("run", str(conf), "--out", url, *repos, *only)
    assert done.returncode == 0, done.stderr

    assert remote_digests(url) == artifact_digests(ref)
    with readable(url, whole=True) as copy:
        assert verify_run(copy).ok
        for stage, key in (("sources", "source_id"), ("commits", "commit_id"), ("pairs", "pair_id")):
            ids = [r[key] for r in kept_rows(copy, stage) + dropped_rows(copy, stage)]
            assert len(ids) == len(set(ids)), stage
        assert len(kept_rows(copy, "commits")) == 150 + 8
    assert not [k for k in remote_keys(bucket) if "/.journal/" in k or k.endswith(LEASE_FILE)]


@pytest.mark.slow
def test_a_corrupt_remote_part_is_refused_by_the_fetch_and_listed_by_verify(tmp_path: Path, small_repo: Repo,
                                                                          bucket: str,
                                                                          monkeypatch: pytest.MonkeyPatch):
    url = f"s3://{bucket}/run"
    assert pipeline.run(url, cfg(), [str(small_repo.path)], only=through("commits")).ok
    fs = s3fs.S3FileSystem()
    part = f"{bucket}/run/commits/part-00000.parquet"
    data = bytearray(fs.cat_file(part))
    data[len(data) // 2] ^= 0xFF  # same size: only the checksum can tell
    fs.pipe_file(part, bytes(data))

    verified = codemill("verify", url)
    assert verified.returncode == 1 and "commits/part-00000.parquet: checksum mismatch" in verified.stdout

    fresh_cache(tmp_path, monkeypatch, "other-machine")
    with pytest.raises(PipelineError, match=r"commits/part-00000.parquet does not match its manifest"):
        pipeline.run(url, cfg(), [], only=through("pairs"))
    assert not [p for p in (tmp_path / "other-machine").rglob("part-00000.parquet") if p.parent.name == "commits"]

    fs.rm(part)  # what the error says to do: the next run rebuilds the missing part, then reads it
    fs.invalidate_cache()
    again = pipeline.run(url, cfg(), [], only=through("pairs"))
    assert again.ok and again.ran["commits"] == 1 and again.ran["pairs"] >= 1
    assert codemill("verify", url).returncode == 0


def test_remote_paths_never_leave_the_working_copy(tmp_path: Path, bucket: str):
    remote = RemoteRun.open(f"s3://{bucket}/run", tmp_path / "copy")
    for path in ("commits/../../escape.parquet", "/etc/passwd", "commits", "commits/./x", "commits\\..\\x"):
        with pytest.raises(StoreError, match="refusing the path"):
            remote.fetch([Artifact(path, "0" * 64, 0, 0, "kept")])
    # A forged manifest on the remote: refused when a reader fetches what it lists, before any file is written.
    forged = Manifest("commits", "v", "c", {})
    forged.shards = {}
    doc = forged.to_json() | {"shards": [{"key": "k", "part": 0, "fingerprint": "f", "rows_in": 0, "kept": 0,
                                          "drop_reasons": {}, "seconds": 0, "artifacts": [
                                              {"path": "commits/../../../outside", "sha256": "0" * 64, "rows": 1,
                                               "bytes": 1, "role": "kept"}]}]}
    fs = s3fs.S3FileSystem()
    fs.pipe_file(f"{bucket}/run/commits/manifest.json", json.dumps(doc).encode())
    fs.pipe_file(f"{bucket}/run/config.toml", b"")
    with pytest.raises(StoreError, match="refusing the path"), readable(f"s3://{bucket}/run", {"commits": ("kept",)}):
        pass
    assert not (tmp_path.parent / "outside").exists()


def test_one_writer_per_remote_run(bucket: str, tmp_path: Path):
    remote = RemoteRun.open(f"s3://{bucket}/run", tmp_path / "copy")
    with Lease(remote), pytest.raises(RunLocked, match="leased by another run"), Lease(remote):
        pass
    with Lease(remote):  # released: taken again
        pass
    fs = s3fs.S3FileSystem()
    lease = f"{bucket}/run/{LEASE_FILE}"
    fs.pipe_file(lease, json.dumps({"host": "elsewhere", "pid": 1, "expires": 0}).encode())  # expired
    with Lease(remote):
        assert json.loads(fs.cat_file(lease))["pid"] == os.getpid()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    fs.pipe_file(lease, json.dumps({"host": socket.gethostname(), "pid": dead.pid, "expires": 4e9}).encode())
    with Lease(remote):  # a run of this host that was killed: resumed at once
        pass
    fs.pipe_file(lease, json.dumps({"host": "elsewhere", "pid": 1, "expires": 4e9}).encode())
    with pytest.raises(RunLocked, match="leased by another run"):
        pipeline.run(f"s3://{bucket}/run", cfg(), ["/nonexistent"])


@pytest.mark.parametrize(("url", "why"), [
    ("gs://bucket/run", "not supported"),
    ("s3://key:secret@bucket/run", "credentials or options in the URL are refused"),
    ("s3://bucket", "not the bucket itself"),
])
def test_unsupported_remote_urls_are_refused_by_name(url: str, why: str):
    with pytest.raises(PipelineError, match=why) as e:
        pipeline.run(url, cfg(), ["/nonexistent"])
    assert "secret" not in str(e.value)


def test_ray_with_a_remote_run_directory_is_refused():
    with pytest.raises(PipelineError, match="needs the local executor"):
        pipeline.run("s3://bucket/run", cfg(executor="ray"), ["/nonexistent"])


def test_a_file_url_is_the_local_run_directory(tmp_path: Path, small_repo: Repo):
    out = tmp_path / "out"
    assert pipeline.run(f"file://{out}", cfg(), [str(small_repo.path)], only=["sources", "repos"]).ok
    assert (out / "repos" / "manifest.json").is_file() and verify_run(out).ok


def test_readers_of_local_folders_name_the_url_they_cannot_read():
    from codemill.rundir import RunDir, RunDirError

    with pytest.raises(RunDirError, match="reads a local run directory"):
        RunDir(Path("s3://bucket/run"))
