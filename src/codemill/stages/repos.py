"""`repos`: decide which described repositories are milled, from the signals `sources` stored.

A pure function of the `sources` rows and the `[repos]` config: retuning a threshold or the license policy
re-runs this stage alone (and what follows, where its output changed), never a read of a repository. Each
rule is a small function returning a detail when it drops; the first that fires names the drop reason.
"""

from __future__ import annotations

from collections.abc import Callable

from codemill.config import ReposConfig
from codemill.engine.stage import PlanContext, Shard, ShardOutput, Stage, iter_rows
from codemill.ids import digest_json
from codemill.stages.sources import SCHEMA

Rule = Callable[[dict, ReposConfig], str | None]


def too_few_commits(row: dict, cfg: ReposConfig) -> str | None:
    n = row["commit_count"]
    return f"{n} commits < {cfg.min_commits}" if n < cfg.min_commits else None


def too_few_authors(row: dict, cfg: ReposConfig) -> str | None:
    n = row["distinct_authors"]
    return f"{n} authors < {cfg.min_authors}" if n < cfg.min_authors else None


RULES: tuple[tuple[str, Rule], ...] = (
    ("too_few_commits", too_few_commits),
    ("too_few_authors", too_few_authors),
)


class ReposStage(Stage):
    name = "repos"
    upstream = ("sources",)
    schema = SCHEMA
    id_column = "source_id"

    section: ReposConfig

    def plan(self, ctx: PlanContext) -> list[Shard]:
        return [Shard(key, digest_json(art.sha256), art) for key, art in ctx.kept_parts("sources")]

    def run(self, shard: Shard, out: ShardOutput) -> None:
        for row in iter_rows(out.run_dir, shard.payload):
            for reason, rule in RULES:
                detail = rule(row, self.section)
                if detail is not None:
                    out.drop(row, reason, detail)
                    break
            else:
                out.keep(row)
