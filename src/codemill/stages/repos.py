"""`repos`: decide which described repositories are milled, from the signals `sources` stored.



re-runs this stage alone (and what follows, where its output changed), never a read of a repository. Each
rule is a small function returning a detail when it drops; the first that fires names the drop reason.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from codemill import licenses
from codemill.config import ReposConfig
from codemill.engine.artifacts import Artifact
from codemill.engine.reads import ROWS, Reads
from codemill.engine.stage import PlanContext, Shard, ShardOutput, Stage, iter_rows, read_part
from codemill.ids import digest_json
from codemill.stages.sources import SCHEMA

Rule = Callable[[dict, ReposConfig], str | None]


def _at_least(column: str, key: str) -> Rule:
    """Drop when the signal `column` is below the threshold `key` (a missing signal counts as 0)."""

    def rule(row: dict, cfg: ReposConfig) -> str | None:
        value, floor = row[column] or 0, getattr(cfg, key)
        return f"{column} = {value:g} < {key} = {floor:g}" if value < floor else None

    return rule


def _required(column: str, key: str) -> Rule:
    def rule(row: dict, cfg: ReposConfig) -> str | None:
        return f"{column} is false and {key} is set" if getattr(cfg, key) and not row[column] else None

    return rule


def fork_or_mirror(row: dict, cfg: ReposConfig) -> str | None:
    if cfg.drop_forks_and_mirrors and row["is_fork_or_mirror"]:
        return ", ".join(row["fork_indications"])
    return None


# The first rule that fires names the drop reason; each reason names the signal it reads.
RULES: tuple[tuple[str, Rule], ...] = (
    ("too_few_commits", _at_least("commits", "min_commits")),
    ("too_few_authors", _at_least("distinct_authors", "min_authors")),
    ("too_short_active_span", _at_least("active_days", "min_active_days")),
    ("inactive_last_year", _at_least("commits_last_year", "min_commits_last_year")),
    ("too_few_tests", _at_least("test_file_share", "min_test_file_share")),
    ("too_few_issue_refs", _at_least("ref_share", "min_ref_share")),
    ("no_ci", _required("has_ci", "require_ci")),
    ("no_packaging", _required("has_packaging", "require_packaging")),
    ("fork_or_mirror", fork_or_mirror),
)


def _license_summary(row: dict) -> str:
    """The decided expression and the evidence that carried the most weight, for the drop detail."""
    best = sorted(row["license_evidence"] or [], key=lambda e: -e["confidence"])[:3]
    found = "; ".join(f"{e['spdx']} from {e['path'] or '?'} ({e['kind']}, {e['confidence']:.2f})" for e in best)
    return f"{row['license'] or 'no license'}" + (f" [{found}]" if found else "")


def repo_shards(ctx: PlanContext, columns: list[str]) -> list[Shard]:
    """One shard per kept repository, its payload the row's `columns` (for stages that work at a repository's
    head: `bugs`, `rl`); the shard is re-run when any of those values (the head, say) changes."""
    return [Shard(r["repo_id"], digest_json(r), r) for _key, art in ctx.kept_parts("repos")
            for r in read_part(ctx.run_dir, art, ["repo_id", *columns]).to_pylist()]


class ReposStage(Stage[Artifact]):  # payload: one `sources` part
    name = "repos"
    upstream = ("sources",)
    reads: ClassVar[Reads] = {"sources": ROWS}
    also_reads = ("license",)
    schema = SCHEMA
    id_column = "source_id"

    section: ReposConfig

    def plan(self, ctx: PlanContext) -> list[Shard]:
        return [Shard(key, digest_json(art.sha256), art) for key, art in ctx.kept_parts("sources")]

    def run(self, shard: Shard, out: ShardOutput) -> None:
        policy = self.config.license
        for row in iter_rows(out.run_dir, shard.payload):
            reason = licenses.decide(row["license"], policy)
            if reason is not None:
                out.drop(row, reason, _license_summary(row))
                continue
            for reason, rule in RULES:
                detail = rule(row, self.section)
                if detail is not None:
                    out.drop(row, reason, detail)
                    break
            else:
                out.keep(row)
