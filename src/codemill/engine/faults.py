"""Fault injection for crash tests.

`CODEMILL_FAULT=point:n` makes the process SIGKILL itself the n-th time it reaches `point` (1 when n is
omitted). Named points sit where a crash is most dangerous: between writing and renaming a part, half-way
through a part, between a shard and its manifest entry; `shard:<stage>:<key>` is reached when that shard
starts, in whichever worker runs it. Unset, every call is a dictionary lookup.
"""

from __future__ import annotations

import os
import signal

_counts: dict[str, int] = {}


def _target() -> tuple[str, int] | None:
    spec = os.environ.get("CODEMILL_FAULT")
    if not spec:
        return None
    point, _, n = spec.rpartition(":")
    if not n.isdigit():  # a point that contains colons itself (`shard:stage:key`), without a count
        return spec, 1
    return point, int(n)


def crash_point(point: str) -> None:
    """SIGKILL this process if `point` is the configured fault and its count is reached."""
    target = _target()
    if target is None or target[0] != point:
        return
    _counts[point] = _counts.get(point, 0) + 1
    if _counts[point] >= target[1]:
        os.kill(os.getpid(), signal.SIGKILL)
