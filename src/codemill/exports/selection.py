"""What both export stages read from a run besides their parts: `select`'s split names and repository split, and
where each repository is. One reader here, so the SFT and the task exports agree on a repository's split without
one stage importing the other."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from codemill.engine.artifacts import Artifact
from codemill.engine.stage import PlanContext, read_part
from codemill.layout import SELECT_SPLITS

SPLITS = ("train", "validation", "test")


@dataclass(frozen=True)
class Splitting:
    """`select/splits.json` as the exports use it: repository -> split, and the notice a degraded split carries."""

    repositories: dict[str, str] = field(default_factory=dict)
    notice: str | None = None


def read_splitting(run_dir: Path) -> Splitting:
    path = run_dir / "select" / SELECT_SPLITS
    data = json.loads(path.read_text()) if path.is_file() else {}
    return Splitting(data.get("repositories", {}), data.get("notice"))


def repo_locations(ctx: PlanContext) -> dict[str, str]:
    """repo_id -> the path its objects are read from, for every kept repository."""
    return {r["repo_id"]: r["location"] for _key, art in ctx.kept_parts("repos")
            for r in read_part(ctx.run_dir, art, ["repo_id", "location"]).to_pylist()}


def repo_ids(run_dir: Path, parts: Iterable[Artifact]) -> set[str]:
    """The repositories some rows of `parts` come from: what an export shard needs locations and splits of."""
    return {r for art in parts for r in read_part(run_dir, art, ["repo_id"]).column("repo_id").to_pylist()}
