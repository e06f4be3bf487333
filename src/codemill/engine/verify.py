"""Re-hash every artifact of a run against its manifest, and check that no id repeats."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from codemill.engine.manifest import load_manifest
from codemill.engine.runner import duplicate_ids


@dataclass
class VerifyReport:
    checked: int = 0
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_run(run_dir: Path) -> VerifyReport:
    from codemill.stages.registry import PIPELINE

    report = VerifyReport()
    for cls in PIPELINE:
        stage_dir = run_dir / cls.name
        m = load_manifest(stage_dir)
        if m is None:
            if (stage_dir / "manifest.json").exists():
                report.problems.append(f"{cls.name}/manifest.json: unreadable")
            continue
        if not m.complete:
            report.warnings.append(f"{cls.name}: incomplete (interrupted or failed shards); run again")
        for key in sorted(m.shards):
            entry = m.shards[key]
            report.checked += len(entry.artifacts)
            report.problems.extend(entry.verify(run_dir))
        if not report.problems and cls.id_column:
            dup = duplicate_ids(cls.id_column, m, run_dir)
            if dup:
                report.problems.append(f"{cls.name}: {dup}")
    return report
