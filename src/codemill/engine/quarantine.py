"""One record for everything a run set aside: a shard that failed (a bug, bad input, a worker that died) and a
source that could not be used (missing, not a repository, a clone that failed or stalled).

The records are derived from the manifests, so they are never out of step with them, and written to
`DIR/quarantine.json` after every run: what (`shard` or `source`), the stage, its key (the shard key, or the
source as given), the reason and the attempts made. A re-run that succeeds removes a record; the scale-out
executor reads the same file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from codemill.engine.artifacts import Artifact, atomic_write_bytes
from codemill.engine.manifest import load_manifest

if TYPE_CHECKING:
    from codemill.engine.fingerprint import Fingerprinted

QUARANTINE_FILE = "quarantine.json"
_ATTEMPTS = re.compile(r"after (\d+) attempts?")


@dataclass(frozen=True)
class Quarantined:
    what: str  # shard | source
    stage: str
    key: str
    reason: str
    attempts: int


def quarantined(run_dir: Path, stages: Sequence[Fingerprinted]) -> list[Quarantined]:
    """Every shard a stage's manifest lists as failed, and every source the `sources` stage dropped."""
    out: list[Quarantined] = []
    for cls in stages:
        m = load_manifest(run_dir / cls.name)
        if m is None:
            continue
        if m.failed:  # the executors, and below pyarrow, only when there is something to report
            from codemill.engine.executors import WORKER_DIED

            for key, reason in sorted(m.failed.items()):
                out.append(Quarantined("shard", cls.name, key, reason, 2 if reason == WORKER_DIED else 1))
        if cls.name == "sources":
            for a in m.artifacts():
                if a.role != "dropped" or not a.rows:
                    continue
                import pyarrow.parquet as pq

                for r in pq.read_table(run_dir / a.path, columns=["source", "drop_reason", "drop_detail"]).to_pylist():
                    detail = r["drop_detail"] or ""
                    attempts = int(m_[1]) if (m_ := _ATTEMPTS.search(detail)) else 1
                    out.append(Quarantined("source", "sources", r["source"], f"{r['drop_reason']}: {detail}",
                                           attempts))
    return out


def parts_read(run_dir: Path, stages: Sequence[Fingerprinted]) -> list[Artifact]:
    """The parts `quarantined` reads besides manifests (the sources a run could not use), so that a remote run's
    working copy can fetch them first."""
    m = load_manifest(run_dir / "sources") if any(cls.name == "sources" for cls in stages) else None
    return [a for a in m.artifacts() if a.role == "dropped" and a.rows] if m is not None else []


def write_quarantine(run_dir: Path, stages: Sequence[Fingerprinted]) -> list[Quarantined]:
    """Write `quarantine.json` (an empty list when nothing is set aside) and return its records."""
    records = quarantined(run_dir, stages)
    atomic_write_bytes(run_dir / QUARANTINE_FILE,
                       (json.dumps([asdict(r) for r in records], indent=1, ensure_ascii=False) + "\n").encode())
    return records
