"""`langlines`: files and lines per language in each repository at head, from the `files` stage's kept parts.

One shard per `files` part (one repository), whose inputs digest is the part's checksum: a repository whose
files did not change is never counted again. A language with fewer than `min_files` files is dropped with a
reason, like any stage's rows, so the funnel accounts for it.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import Field

from codemill.config import Section
from codemill.engine.stage import PlanContext, Shard, ShardOutput, Stage
from codemill.ids import stable_id

NO_LANGUAGE = "(unknown)"
COLUMNS = ["repo_id", "repo_name", "language", "lines", "vendored"]  # never the file contents


class LangLinesConfig(Section):
    """`[stages.langlines]`: unknown keys are rejected when the pipeline loads the stage."""

    min_files: int = Field(1, ge=1, description="languages with fewer files in a repository are dropped")
    skip_vendored: bool = Field(True, description="leave vendored files out of the counts")


class LangLinesStage(Stage):
    name = "langlines"
    upstream = ("files",)
    schema = pa.schema([
        ("row_id", pa.string()),
        ("repo_id", pa.string()),
        ("repo_name", pa.string()),
        ("language", pa.string()),
        ("files", pa.int64()),
        ("lines", pa.int64()),
    ])
    id_column = "row_id"
    config_model = LangLinesConfig

    def plan(self, ctx: PlanContext) -> list[Shard]:
        return [Shard(key, art.sha256, str(ctx.run_dir / art.path)) for key, art in ctx.kept_parts("files")]

    def run(self, shard: Shard, out: ShardOutput) -> None:
        cfg = self.section
        assert isinstance(cfg, LangLinesConfig)
        files: dict[str, int] = defaultdict(int)
        lines: dict[str, int] = defaultdict(int)
        repo_id, repo_name = shard.key, None
        for row in pq.read_table(Path(shard.payload), columns=COLUMNS).to_pylist():
            repo_id, repo_name = row["repo_id"], row["repo_name"]
            if cfg.skip_vendored and row["vendored"]:
                continue
            language = row["language"] or NO_LANGUAGE
            files[language] += 1
            lines[language] += row["lines"] or 0
        for language in sorted(files):
            record = {"row_id": stable_id("langlines", repo_id, language), "repo_id": repo_id,
                      "repo_name": repo_name, "language": language, "files": files[language],
                      "lines": lines[language]}
            if files[language] < cfg.min_files:
                out.drop(record, "too_few_files", f"{files[language]} < {cfg.min_files}")
            else:
                out.keep(record)
