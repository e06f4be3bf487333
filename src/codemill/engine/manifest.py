"""Stage manifests: the checksummed record of what a stage produced, from what, and why rows were dropped.

`manifest.json` is rewritten atomically at the end of a stage. While a stage runs, each finished shard is
appended to `.journal.jsonl` (fsynced), so a killed run resumes without redoing finished shards. The manifest's
`digest` covers only content (artifact paths, checksums, row counts), never timings, so downstream stages can
use it as their input digest and identical work always hashes the same.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from codemill.engine.artifacts import Artifact, atomic_write_bytes, sha256_file
from codemill.ids import digest_json

MANIFEST = "manifest.json"
JOURNAL = ".journal.jsonl"


@dataclass
class ShardEntry:
    key: str
    part: int
    fingerprint: str
    artifacts: list[Artifact]
    rows_in: int
    kept: int
    drop_reasons: dict[str, int]
    seconds: float
    counters: dict[str, int] = field(default_factory=dict)  # what a stage did to kept rows (e.g. redactions)

    @property
    def dropped(self) -> int:
        return sum(self.drop_reasons.values())

    def to_json(self) -> dict:
        return {
            "key": self.key,
            "part": self.part,
            "fingerprint": self.fingerprint,
            "artifacts": [a.to_json() for a in self.artifacts],
            "rows_in": self.rows_in,
            "kept": self.kept,
            "drop_reasons": dict(sorted(self.drop_reasons.items())),
            "seconds": self.seconds,
            "counters": dict(sorted(self.counters.items())),
        }

    @staticmethod
    def from_json(d: dict) -> ShardEntry:
        return ShardEntry(
            d["key"], int(d["part"]), d["fingerprint"], [Artifact.from_json(a) for a in d["artifacts"]],
            int(d["rows_in"]), int(d["kept"]), {k: int(v) for k, v in d["drop_reasons"].items()},
            float(d["seconds"]), {k: int(v) for k, v in d.get("counters", {}).items()},
        )

    def verify(self, run_dir: Path) -> list[str]:
        """Problems with this entry's artifacts on disk (missing, wrong checksum); empty when sound."""
        problems = []
        for a in self.artifacts:
            p = run_dir / a.path
            if not p.is_file():
                problems.append(f"{a.path}: missing")
            elif p.stat().st_size != a.bytes or sha256_file(p) != a.sha256:
                problems.append(f"{a.path}: checksum mismatch")
        return problems


@dataclass
class Manifest:
    stage: str
    code_version: str
    config_digest: str
    inputs: dict[str, str]
    complete: bool = False
    shards: dict[str, ShardEntry] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    def artifacts(self) -> list[Artifact]:
        return [a for k in sorted(self.shards) for a in self.shards[k].artifacts]

    def digest(self) -> str:
        return digest_json(
            {"complete": self.complete, "artifacts": sorted((a.path, a.sha256, a.rows) for a in self.artifacts())}
        )

    def totals(self) -> dict:
        reasons: Counter[str] = Counter()
        counters: Counter[str] = Counter()
        rows_in = kept = 0
        for e in self.shards.values():
            rows_in += e.rows_in
            kept += e.kept
            reasons.update(e.drop_reasons)
            counters.update(e.counters)
        nbytes = sum(a.bytes for a in self.artifacts())
        return {"in": rows_in, "kept": kept, "dropped": sum(reasons.values()),
                "drop_reasons": dict(sorted(reasons.items())), "bytes": nbytes,
                "counters": dict(sorted(counters.items()))}

    def to_json(self) -> dict:
        return {
            "stage": self.stage,
            "code_version": self.code_version,
            "config_digest": self.config_digest,
            "inputs": dict(sorted(self.inputs.items())),
            "complete": self.complete,
            "digest": self.digest(),
            "totals": self.totals(),
            "shards": [self.shards[k].to_json() for k in sorted(self.shards)],
            "failed": dict(sorted(self.failed.items())),
            "timings": self.timings,
        }

    @staticmethod
    def from_json(d: dict) -> Manifest:
        m = Manifest(d["stage"], d["code_version"], d["config_digest"], dict(d["inputs"]), bool(d["complete"]))
        m.shards = {s["key"]: ShardEntry.from_json(s) for s in d["shards"]}
        m.failed = dict(d.get("failed", {}))
        m.timings = dict(d.get("timings", {}))
        return m

    def save(self, stage_dir: Path) -> None:
        data = json.dumps(self.to_json(), indent=1, sort_keys=False).encode()
        atomic_write_bytes(stage_dir / MANIFEST, data)


def load_manifest(stage_dir: Path) -> Manifest | None:
    """The stage's manifest, or None when absent. A manifest that cannot be parsed counts as absent."""
    path = stage_dir / MANIFEST
    if not path.is_file():
        return None
    try:
        return Manifest.from_json(json.loads(path.read_text()))
    except (ValueError, KeyError, TypeError):
        return None


def why_missing(stage_dir: Path) -> str | None:
    """Why a stage without a loadable manifest is not simply one that never ran: its manifest is unreadable, or
    the folder holds outputs no manifest lists. None when there is nothing there."""
    if (stage_dir / MANIFEST).exists():
        return "manifest unreadable: run the stage again"
    if stage_dir.is_dir() and any(stage_dir.iterdir()):
        return "outputs without a manifest (deleted, or the run was cut before writing it): run the stage again"
    return None


class Journal:
    """Append-only, fsynced record of finished shards while a stage runs."""

    def __init__(self, stage_dir: Path):
        self.path = stage_dir / JOURNAL

    def read(self) -> list[ShardEntry]:
        entries = []
        if self.path.is_file():
            for line in self.path.read_text().splitlines():
                try:
                    entries.append(ShardEntry.from_json(json.loads(line)))
                except (ValueError, KeyError, TypeError):
                    continue  # a line torn by a crash
        return entries

    def append(self, entry: ShardEntry) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a") as f:
            f.write(json.dumps(entry.to_json()) + "\n")
            f.flush()
            os.fsync(f.fileno())

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)
