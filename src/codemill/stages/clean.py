"""`clean`: keep or drop each file from the signals `files` stored, and redact what is kept.

The first check that fires names the drop reason:
0. `blob_not_fetched`: a partial clone left the file's blob on the server;
1. the license policy, applied to the file's own license (a GPL file vendored in an MIT tree is dropped);
2. the quality rules of `codemill.files.rules` (binary, size, encoding, line lengths, alphanumeric share,
   auto-generated, minified, data files, vendored, repository metadata, ... each documented with its published source);
3. benchmark contamination (`decontam` section): the detail names the benchmark item that matched.

Kept files have secrets and personal data replaced by typed placeholders (`<KEY>`, `<EMAIL>`, ...), counted per
kind in the manifest (`redacted.KIND`) and listed per row in `redacted`. Dropped rows keep their text as read,
for inspection. Thresholds live in the `clean` section; changing one re-runs this stage, never a read.
"""

from __future__ import annotations

from typing import ClassVar

import pyarrow as pa

from codemill import licenses
from codemill.config import CleanConfig
from codemill.engine.artifacts import Artifact
from codemill.engine.reads import ROWS, Reads
from codemill.engine.stage import PlanContext, Shard, ShardOutput, Stage, iter_rows
from codemill.files import PathClasses, first_drop
from codemill.ids import digest_json
from codemill.redact import redact
from codemill.stages import files
from codemill.stages.resources import CONTAMINATED, decontaminator

SCHEMA = files.SCHEMA.append(pa.field("redacted", pa.list_(pa.string())))


class CleanStage(Stage[Artifact]):  # payload: one `files` part
    name = "clean"
    upstream = ("files",)
    reads: ClassVar[Reads] = {"files": ROWS}
    also_reads = ("license", "decontam")
    schema = SCHEMA
    id_column = "file_id"
    row_group_rows = 256

    section: CleanConfig

    def plan(self, ctx: PlanContext) -> list[Shard]:
        bench = decontaminator(self.config.decontam).digest()
        return [Shard(key, digest_json([art.sha256, bench]), art) for key, art in ctx.kept_parts("files")]

    def run(self, shard: Shard, out: ShardOutput) -> None:
        decon = decontaminator(self.config.decontam)
        for row in iter_rows(out.run_dir, shard.payload, batch_rows=64):
            row["redacted"] = []
            drop = self._first_drop(row)
            if drop is None and (match := decon.match(row["content"])):
                drop = (CONTAMINATED, f"{match.benchmark}:{match.item_id} ({match.kind}: {match.detail})")
                out.count(f"contaminated.{match.benchmark}")
            if drop is not None:
                out.drop(row, *drop)
                continue
            done = redact(row["content"], row["path"])
            for kind, n in done.counts.items():
                out.count(f"redacted.{kind}", n)
            out.keep({**row, "content": done.text, "redacted": sorted(done.counts)})

    def _first_drop(self, row: dict) -> tuple[str, str] | None:
        if not row["read"] and row["size_bytes"] is None:
            return "blob_not_fetched", f"{row['blob_id']} was left on the server by a partial clone"
        reason = licenses.decide(row["license"], self.config.license)
        if reason is not None:
            return reason, f"{row['path']} is under {row['license'] or 'no license'}"
        classes = PathClasses(row["vendored"], row["generated"], row["documentation"], row["test"], row["path_kind"])
        drop = first_drop(row, row["language"], classes, self.section)
        if drop is None and row["content"] is None:
            drop = ("no_text", "the file was not read or has no text")  # a guard: the rules should have named it
        return drop
