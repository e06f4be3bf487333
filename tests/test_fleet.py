"""A `--repos-file` of many real repositories, cloned from a `git daemon` behind a proxy that closes, cuts or stalls
one connection in ten, milled through two killed runs to completion: every repository is milled or quarantined
with its reason, no id repeats in any stage, and the run after that does no work.

The stages are those through `pairs` (sources, repos, commits, events, issues, reviews, pairs): what clones,
quarantines and mints ids per repository. The later stages read those outputs and are covered elsewhere; milling a
thousand repositories through all of them takes minutes more and shows nothing this test is about.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from codemill.engine.manifest import load_manifest
from codemill.pipeline import verify_run
from codemill.stages.registry import PIPELINE

from flakyproxy import Fate, FlakyProxy
from gitdaemon import serve
from manyrepos import make_fleet
from readback import dropped_rows, kept_rows, through

STAGES = through("pairs")
RETRIES = 2
TIMEOUT_S = 3  # a stalled connection costs this long; a healthy clone of a tiny repository takes milliseconds
COMMITS = 4


def mill(cfg: Path, listing: Path, out: Path, workers: int, fault: str = "") -> subprocess.CompletedProcess[str]:
    """The real CLI in its own process; a `fault` (engine/faults.py) makes it SIGKILL itself there."""
    cmd = [sys.executable, "-m", "codemill", "run", str(cfg), "--repos-file", str(listing), "--out", str(out),
           "--workers", str(workers), "--only", ",".join(STAGES)]
    return subprocess.run(cmd, env={**os.environ, "CODEMILL_FAULT": fault}, capture_output=True, text=True,
                          timeout=3600)


def shards_run(out: Path) -> dict[str, int]:
    return {s: int((load_manifest(out / s) or pytest.fail(f"{s} has no manifest")).timings["shards_run"])
            for s in STAGES}


def check_fleet(tmp_path: Path, n: int, doomed: dict[int, Fate], *, kill_in_commits: bool, workers: int) -> None:
    served = tmp_path / "served"
    names = make_fleet(served, n, COMMITS)
    doomed_names = {names[i]: fate for i, fate in doomed.items()}
    healthy = sorted(set(names) - set(doomed_names))
    cfg = tmp_path / "fleet.toml"
    cfg.write_text(f'[sources]\ncache_dir = "{tmp_path / "clones"}"\nclone_timeout_s = {TIMEOUT_S}\n'
                   f"clone_retries = {RETRIES}\nmax_concurrent_clones = 8\n")
    out = tmp_path / "out"
    with serve(served) as daemon:
        proxy = FlakyProxy(daemon.port, seed=20, max_failures_in_row=RETRIES, doomed=doomed_names)
        try:
            urls = {proxy.url(name): name for name in names}
            listing = tmp_path / "repos.txt"
            listing.write_text("".join(f"{u}\n" for u in urls))

            # 1. Killed while cloning: a third of the clones landed, others in flight (their git left running).
            killed = mill(cfg, listing, out, workers, fault=f"clone.done:{n // 3}")
            assert killed.returncode == -signal.SIGKILL, killed.stderr
            assert load_manifest(out / "sources") is None
            if kill_in_commits:
                # 2. Killed in `commits` with a third of its shards journaled (after every sources and repos shard).
                journaled = n + len(healthy) + len(healthy) // 3
                killed = mill(cfg, listing, out, workers, fault=f"stage.after_journal:{journaled}")
                assert killed.returncode == -signal.SIGKILL, killed.stderr
                interrupted = load_manifest(out / "commits")
                assert interrupted is not None and not interrupted.complete
            # 3. Resumed to completion.
            third = mill(cfg, listing, out, workers)
            assert third.returncode == 0, third.stderr
            before = {repo: len(fates) for repo, fates in proxy.ledger.fates.items()}
            # 4. Nothing left to do: every shard of every stage reused.
            fourth = mill(cfg, listing, out, workers)
            assert fourth.returncode == 0, fourth.stderr
            retried = {repo: len(fates) - before[repo] for repo, fates in proxy.ledger.fates.items()}
        finally:
            proxy.close()

    assert shards_run(out) == dict.fromkeys(STAGES, 0)
    # The cached clones are used as they are; only the doomed repositories are tried again (a source that could
    # not be fetched is tried on every run, so a server that comes back is picked up).
    assert retried == {name: RETRIES + 1 if name in doomed_names else 0 for name in names}

    # The network really failed, every way it can, on healthy repositories that retries then rescued.
    fates = Counter(f for r in healthy for f in proxy.ledger.fates[r])
    assert fates[Fate.CLOSE] and fates[Fate.CUT] and fates[Fate.STALL] and proxy.ledger.cuts_made, fates
    rescued = [r for r in healthy if set(proxy.ledger.fates[r]) != {Fate.PASS}]
    assert len(rescued) >= n // 20, fates

    # Every repository milled or quarantined with its reason, none both, none lost.
    milled = {r["source"] for r in kept_rows(out, "repos")}
    held = {q["key"]: q for q in json.loads((out / "quarantine.json").read_text())}
    assert milled | set(held) == set(urls) and not milled & set(held)
    assert {urls[u] for u in milled} == set(healthy)
    reasons = {Fate.CLOSE: "fatal: Could not read from remote repository.",
               Fate.STALL: f"clone timed out after {TIMEOUT_S}s"}
    assert {urls[k]: (q["what"], q["stage"], q["reason"], q["attempts"]) for k, q in held.items()} == {
        name: ("source", "sources", f"clone_failed: clone failed after {RETRIES + 1} attempts: {reasons[fate]}",
               RETRIES + 1) for name, fate in doomed_names.items()}
    assert {r["repo_name"] for r in kept_rows(out, "repos")} == set(healthy)

    # Every commit of every milled repository, and its pairs; no id twice in any stage.
    commits = Counter(r["repo_id"] for r in kept_rows(out, "commits"))
    assert sorted(commits.values()) == [COMMITS] * len(healthy)
    assert set(Counter(r["repo_id"] for r in kept_rows(out, "pairs") + dropped_rows(out, "pairs"))) == set(commits)
    for cls in PIPELINE:
        if cls.name in STAGES:
            m = load_manifest(out / cls.name)
            assert m is not None and m.complete and not m.failed, (cls.name, m and m.failed)
            assert cls.id_column, cls.name
            ids = [r[cls.id_column] for r in kept_rows(out, cls.name) + dropped_rows(out, cls.name)]
            assert len(ids) == len(set(ids)), cls.name
    report = verify_run(out)
    assert report.ok, report


@pytest.mark.slow
def test_forty_repositories_through_a_flaky_network(tmp_path: Path) -> None:
    """No repository is doomed to stall here (each would hold three clone timeouts per run): the healthy ones
    that stall once are enough to show the timeout."""
    check_fleet(tmp_path, 40, {7: Fate.CLOSE}, kill_in_commits=False, workers=1)


@pytest.mark.scale
@pytest.mark.timeout(3600)  # four runs over a thousand repositories: minutes, more on a busy machine
def test_a_thousand_repositories_through_a_flaky_network(tmp_path: Path) -> None:
    check_fleet(tmp_path, 1000, {i: (Fate.CLOSE, Fate.STALL)[k % 2] for k, i in enumerate(range(17, 1000, 97))},
                kill_in_commits=True, workers=2)
