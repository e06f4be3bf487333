"""`export`: the kept pairs as trainer-ready files (a Hugging Face dataset folder and JSONL).

One shard reads the kept pairs part by part, in part order, and writes files of `rows_per_file` rows, so
memory is bounded by a file, not the dataset. Nothing time-dependent is written: the same pairs give the same
bytes.
"""

from __future__ import annotations

import json
import math
from typing import BinaryIO

import pyarrow as pa
import pyarrow.parquet as pq

from codemill.config import ExportConfig
from codemill.engine.artifacts import PARQUET_OPTS, ROW_GROUP_ROWS
from codemill.engine.stage import PlanContext, Shard, ShardOutput, Stage, iter_rows
from codemill.engine.version import code_version
from codemill.exports import hf
from codemill.exports.messages import export_row
from codemill.ids import digest_json

FUNNEL_STAGES = ("sources", "repos", "commits", "pairs")


class ExportStage(Stage):
    name = "export"
    upstream = ("pairs", "commits", "repos", "sources")

    section: ExportConfig

    def plan(self, ctx: PlanContext) -> list[Shard]:
        parts = [art for _key, art in ctx.kept_parts("pairs")]
        funnel = [{"stage": s, **ctx.upstream[s].totals()} for s in FUNNEL_STAGES]
        digest = digest_json([[a.path, a.sha256] for a in parts] + [funnel])
        return [Shard("export", digest, (parts, funnel))]

    def run(self, shard: Shard, out: ShardOutput) -> None:
        parts, funnel = shard.payload
        cfg = self.section
        total = sum(a.rows for a in parts)
        n_files = max(1, math.ceil(total / cfg.rows_per_file))
        buffer: list[dict] = []
        index = 0

        def flush() -> None:
            nonlocal buffer, index
            self._write(out, buffer, index, n_files)
            buffer = []
            index += 1

        for art in parts:
            for pair in iter_rows(out.run_dir, art):
                buffer.append(export_row(pair, cfg))
                if len(buffer) == cfg.rows_per_file:
                    flush()
        while index < n_files:
            flush()
        if "hf" in cfg.formats:
            card = hf.dataset_card("codemill commit pairs", total, n_files, funnel, code_version())
            out.write_file("hf/README.md", lambda f: f.write(card.encode()))
        out.rows_in = out.kept = total

    def _write(self, out: ShardOutput, rows: list[dict], i: int, n: int) -> None:
        cfg = self.section
        if "hf" in cfg.formats:
            table = pa.Table.from_pylist(rows, schema=hf.SCHEMA)

            def write_parquet(f: BinaryIO) -> None:
                pq.write_table(table, f, row_group_size=ROW_GROUP_ROWS, **PARQUET_OPTS)

            out.write_file(f"hf/data/{hf.shard_name(i, n)}", write_parquet, len(rows))
        if "jsonl" in cfg.formats:
            blob = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in rows).encode()
            out.write_file(f"jsonl/{hf.shard_name(i, n, 'jsonl')}", lambda f: f.write(blob), len(rows))
