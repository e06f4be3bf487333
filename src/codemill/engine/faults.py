"""Fault injection for crash and node-loss tests.

`CODEMILL_FAULT=point:n` makes the process SIGKILL itself the n-th time it reaches `point` (1 when n is
omitted). Named points sit where a crash is most dangerous: between writing and renaming a part, half-way
through a part, between a shard and its manifest entry, after a source's clone lands in the cache (`clone.done`,
while other clones are still in flight); `shard:<stage>:<key>` is reached when that shard starts, in whichever
worker runs it. Unset, every call is two dictionary lookups.

`CODEMILL_HOLD=shard:<stage>:<key>` with `CODEMILL_HOLD_DIR=<dir>` (a folder every worker sees) stops the first
attempt at that shard where its first part lies complete under a temporary name, the moment a dying node leaves
the most behind, until its process is killed (a test removes the node running it). Every attempt appends who ran
it to `<dir>/attempts.jsonl`; the first claims `<dir>/claim` and writes `<dir>/held.json`, which the test waits
for. Later attempts pass, so the shard's retry runs to the end.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path

_counts: dict[str, int] = {}
_shard: str | None = None  # the `shard:<stage>:<key>` point this process reached last: the shard it runs
HOLD_AT = "artifact.before_rename"
HOLD_SECONDS = 600  # a held attempt nobody kills (a failed test) continues after this, so nothing hangs forever


def _target() -> tuple[str, int] | None:
    spec = os.environ.get("CODEMILL_FAULT")
    if not spec:
        return None
    point, _, n = spec.rpartition(":")
    if not n.isdigit():  # a point that contains colons itself (`shard:stage:key`), without a count
        return spec, 1
    return point, int(n)


def crash_point(point: str) -> None:
    """SIGKILL this process if `point` is the configured fault and its count is reached; hold it if it is the
    configured hold."""
    _hold_point(point)
    target = _target()
    if target is None or target[0] != point:
        return
    _counts[point] = _counts.get(point, 0) + 1
    if _counts[point] >= target[1]:
        os.kill(os.getpid(), signal.SIGKILL)


def _hold_point(point: str) -> None:
    global _shard
    hold, folder = os.environ.get("CODEMILL_HOLD"), os.environ.get("CODEMILL_HOLD_DIR")
    if not hold or not folder:
        return
    if point.startswith("shard:"):
        _shard = point
    elif point == HOLD_AT and _shard == hold:
        _shard = None  # once per attempt: the dropped part's rename passes
        _attempt(Path(folder))


def _attempt(folder: Path) -> None:
    """Record this attempt; the first one to claim `held.json` waits there until killed (or released)."""
    record = json.dumps({"pid": os.getpid(), "node": _ray_node(), "module": __file__}) + "\n"
    with open(folder / "attempts.jsonl", "a") as f:
        f.write(record)
    try:
        os.close(os.open(folder / "claim", os.O_WRONLY | os.O_CREAT | os.O_EXCL))
    except FileExistsError:
        return
    (folder / "held.tmp").write_text(record)
    os.replace(folder / "held.tmp", folder / "held.json")  # whole, so a reader never parses half of it
    deadline = time.monotonic() + HOLD_SECONDS
    while time.monotonic() < deadline and not (folder / "release").exists():
        time.sleep(0.05)


def _ray_node() -> str | None:
    """The Ray node running this process, when it is a Ray worker (Ray is never imported here for it)."""
    ray = sys.modules.get("ray")
    if ray is None or not ray.is_initialized():
        return None
    return ray.get_runtime_context().get_node_id()
