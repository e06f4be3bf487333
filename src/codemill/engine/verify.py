"""Re-hash every artifact of a run against its manifest, and check that no id repeats."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from codemill.engine.manifest import load_manifest, why_missing
from codemill.engine.runner import duplicate_ids
from codemill.engine.stage import Stage


@dataclass
class VerifyReport:
    checked: int = 0
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_run(run_dir: Path, stages: Sequence[type[Stage]]) -> VerifyReport:
    """Every stage that left anything in the run directory must have a readable, complete manifest whose
    artifacts all match it, and every stage a manifest names as its input must have one: a run is verified
    only when all of it can be trusted, not when what happens to be listed does. `stages`: the pipeline's, in
    order (`codemill.pipeline.verify_run` passes them)."""
    report = VerifyReport()
    manifests = {}
    for cls in stages:
        stage_dir = run_dir / cls.name
        m = load_manifest(stage_dir)
        if m is None:
            if (why := why_missing(stage_dir)) is not None:
                report.problems.append(f"{cls.name}: {why}")
            continue
        manifests[cls.name] = m
        if not m.complete:
            report.problems.append(f"{cls.name}: incomplete (interrupted or failed shards); run again")
        for key in sorted(m.shards):
            entry = m.shards[key]
            report.checked += len(entry.artifacts)
            report.problems.extend(entry.verify(run_dir))
        if not report.problems and cls.id_column:
            dup = duplicate_ids(cls.id_column, m, run_dir)
            if dup:
                report.problems.append(f"{cls.name}: {dup}")
    names = {c.name for c in stages}
    for name, m in manifests.items():
        for upstream in sorted((set(m.inputs) & names) - set(manifests)):
            report.problems.append(f"{name}: its input {upstream} has no manifest")
    return report
