"""Ray across nodes: a real three-node Ray cluster on this machine loses a node under a running shard; the shard
runs again on another node and the run's manifests equal the local executor's, with nothing of the dead attempt
left in the run directory.

The cluster is the one `ray.cluster_utils.Cluster` starts: a head with no CPUs (the driver's node, as on KubeRay)
and two one-CPU workers, each its own raylet and object store. The run joins it through RAY_ADDRESS as a user
would. `engine.faults`' hold stops the shard's first attempt with its kept part written under a temporary name;
the test removes the node running it, then checks who ran each attempt.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from codemill import pipeline
from codemill.config import Config
from codemill.engine import faults
from codemill.engine.artifacts import TMP_MARK
from codemill.engine.manifest import JOURNAL, MANIFEST
from codemill.pipeline import RunSummary

from corpus_repos import five_repositories
from gitrepo import Repo, fast_import_history
from readback import artifact_digests, through

ray = pytest.importorskip("ray")
from ray.cluster_utils import Cluster  # noqa: E402

try:  # the "current cluster" file's path: ray._common in recent releases, ray._private before
    from ray._common.utils import get_ray_address_file
except ImportError:
    from ray._private.utils import get_ray_address_file  # type: ignore[no-redef]

WAIT = 240.0  # seconds a poll may take before the test fails: the held attempt, a dead worker


@contextmanager
def three_nodes(env: dict[str, str]) -> Iterator[Cluster]:
    """A head with no CPUs and two one-CPU workers started with `env`, reached through RAY_ADDRESS only: Ray's
    "current cluster" file is put back as it was, so no other Ray user on this machine joins this cluster."""
    address_file = Path(get_ray_address_file(None))
    before = address_file.read_text() if address_file.exists() else None

    def put_back() -> None:
        if before is None:
            address_file.unlink(missing_ok=True)
        else:
            address_file.write_text(before)

    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 0, "include_dashboard": False})
    put_back()
    old = os.environ.get("RAY_ADDRESS")
    try:
        for _ in range(2):
            cluster.add_node(num_cpus=1, env_vars=env)
        cluster.wait_for_nodes()
        os.environ["RAY_ADDRESS"] = cluster.address
        yield cluster
    finally:
        ray.shutdown()
        cluster.shutdown()
        put_back()
        if old is None:
            os.environ.pop("RAY_ADDRESS", None)
        else:
            os.environ["RAY_ADDRESS"] = old


def poll(what: str, ready: Callable[[], bool], timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            raise TimeoutError(f"no {what} within {timeout:.0f} s")
        time.sleep(0.05)


@dataclass
class NodeKiller:
    """Waits in a thread for the held attempt, notes its temporary files, and removes the node running it."""

    cluster: Cluster
    hold_dir: Path
    stage_dir: Path
    held: dict = field(default_factory=dict)
    removed: str | None = None
    temporaries: list[Path] = field(default_factory=list)
    error: BaseException | None = None
    run_ended: threading.Event = field(default_factory=threading.Event)

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self._run, daemon=True)
        thread.start()
        return thread

    def _run(self) -> None:
        try:
            held = self.hold_dir / "held.json"
            poll("held attempt", lambda: held.exists() or self.run_ended.is_set())
            if not held.exists():
                raise AssertionError("the run ended and no attempt was held")
            self.held = json.loads(held.read_text())
            self.temporaries = sorted(self.stage_dir.rglob(f"*{TMP_MARK}{self.held['pid']}-*"))
            node = next(n for n in self.cluster.worker_nodes if n.node_id == self.held["node"])
            self.cluster.remove_node(node)
            self.removed = node.node_id
        except BaseException as exc:  # reported by the test; the held attempt is let go so the run ends
            self.error = exc
            (self.hold_dir / "release").touch()


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def stray_files(run_dir: Path, summary: RunSummary) -> list[str]:
    """Files in the stages' folders that their manifests do not list: what a dead attempt could leave."""
    out = []
    for name, m in summary.manifests.items():
        listed = {a.path for a in m.artifacts()}
        for p in (run_dir / name).rglob("*"):
            rel = p.relative_to(run_dir).as_posix()
            if p.is_file() and rel not in listed and p.name not in (MANIFEST, JOURNAL):
                out.append(rel)
    return sorted(out)


def lose_a_node_mid_run(tmp_path: Path, repos: list[str], base: dict, victim: str,
                        only: list[str] | None = None) -> None:
    """Run `repos` locally, then on three Ray nodes while the node running shard `victim` is removed; assert
    the shard ran twice, on two nodes, and that both runs' manifests are identical and hold nothing else."""
    stage = victim.split(":")[1]
    local = pipeline.run(tmp_path / "local", Config.model_validate({**base, "run": {"workers": 2}}), repos,
                         only=only)
    assert local.ok, local.errors
    hold_dir = tmp_path / "hold"
    hold_dir.mkdir()
    env = {"CODEMILL_HOLD": victim, "CODEMILL_HOLD_DIR": str(hold_dir)}
    out = tmp_path / "ray"
    with three_nodes(env) as cluster:
        killer = NodeKiller(cluster, hold_dir, out / stage)
        thread = killer.start()
        on_ray = pipeline.run(out, Config.model_validate({**base, "run": {"executor": "ray"}}), repos, only=only)
        killer.run_ended.set()
        thread.join(WAIT)
        survivor = next(iter(cluster.worker_nodes)).node_id
    assert killer.error is None, killer.error
    held = killer.held
    assert killer.removed == held["node"] and held["module"] == faults.__file__  # workers ran this checkout
    attempts = [json.loads(line) for line in (hold_dir / "attempts.jsonl").read_text().splitlines()]
    assert [a["node"] for a in attempts] == [held["node"], survivor]
    assert attempts[0]["pid"] == held["pid"]
    poll("end of the removed node's worker", lambda: not alive(held["pid"]))
    # The dead attempt had written its part under a temporary name; the stage removed it with the orphans.
    assert killer.temporaries and not any(p.exists() for p in killer.temporaries)
    assert on_ray.ok, on_ray.errors
    assert stray_files(out, on_ray) == []
    assert {n: m.digest() for n, m in on_ray.manifests.items()} == {
        n: m.digest() for n, m in local.manifests.items()}
    digests = artifact_digests(out)
    assert digests == artifact_digests(tmp_path / "local") and digests
    assert pipeline.verify_run(out).ok


@pytest.mark.slow
@pytest.mark.ray
def test_a_node_lost_under_a_shard_changes_no_output(tmp_path: Path, small_repo: Repo):
    """The short variant: sources, repos and commits of two repositories, six commit shards."""
    big = tmp_path / "big"
    fast_import_history(big, 50)
    repos = [str(small_repo.path), str(big)]
    base = {"commits": {"shard_commits": 10}}
    lose_a_node_mid_run(tmp_path, repos, base, f"shard:commits:{big.resolve()}#000002", only=through("commits"))


@pytest.mark.scale
@pytest.mark.ray
def test_a_node_lost_mid_run_changes_no_output_of_the_whole_pipeline(tmp_path: Path, small_repo: Repo):
    """The long variant: every stage, on the five repositories of `tests/test_ray.py`; the node goes under a
    `pairs` shard, whose inputs the two nodes wrote between them."""
    repos = five_repositories(tmp_path, small_repo)
    big = Path(repos[1])
    base = {"commits": {"shard_commits": 100}, "dedup": {"band_groups": 3}}
    lose_a_node_mid_run(tmp_path, repos, base, f"shard:pairs:{big.resolve()}#000002")
