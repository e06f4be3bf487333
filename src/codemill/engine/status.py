"""Whether each stage's output is current: done, stale (and why), or missing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from codemill.engine.manifest import Manifest, load_manifest, why_missing

if TYPE_CHECKING:
    from codemill.config import Config
    from codemill.engine.fingerprint import Fingerprinted


@dataclass(frozen=True)
class StageState:
    stage: str
    state: str  # done | stale | missing
    why: str
    manifest: Manifest | None


def stage_states(run_dir: Path, config: Config, stages: Sequence[Fingerprinted]) -> dict[str, StageState]:
    """Each of `stages` (in pipeline order: `Stage` classes, or built-ins read from their source by
    `stages.index`) judged against the run directory and the config."""
    states: dict[str, StageState] = {}
    for cls in stages:
        m = load_manifest(run_dir / cls.name)
        states[cls.name] = StageState(cls.name, *_judge(run_dir, config, cls, m, states), m)
    return states


def _judge(run_dir: Path, config: Config, cls: Fingerprinted, m: Manifest | None,
           earlier: dict[str, StageState]) -> tuple[str, str]:
    if m is None:
        return "missing", why_missing(run_dir / cls.name) or "never run"
    if not m.complete:
        return "stale", f"incomplete: {len(m.failed)} failed shard(s)" if m.failed else "interrupted"
    if m.code_version != cls.code_version():
        return "stale", f"code changed ({m.code_version} -> {cls.code_version()})"
    if m.config_digest != cls.config_digest(config):
        return "stale", f"config [{', '.join(cls.sections())}] changed"
    for u in cls.upstream:
        up = earlier[u]
        if up.manifest is None or up.state == "missing":
            return "stale", f"input {u} missing"
        if m.inputs.get(u) != up.manifest.digest():
            return "stale", f"input {u} changed"
        if up.state == "stale":
            return "stale", f"input {u} is stale"
    return "done", ""
