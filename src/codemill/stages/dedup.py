"""`dedup`: clusters, survivors and the function-level rule, decided over every file of the directory at once.

One shard. Clusters are stars (`dedup.star_survivors`): files are walked in the survivor order
(`signatures.survivor_key`); a file is kept unless its content is the content of a kept file (dropped as
`exact_duplicate`) or is linked by `neardup` to a kept file's content (dropped as `near_duplicate` of the first
such file). So every file dropped as a near duplicate is itself verified near its survivor, named in the detail
and as `cluster_id` (the survivor's file id); a chain A - B - C with A and C apart keeps C when B is dropped for
A. `cluster_size` counts the survivor and the files dropped for it.

Function-level: survivors are visited in survivor order; a file with at least `min_functions` indexed functions
of which at least `max_duplicate_function_share` were already kept in another file is dropped as
`duplicate_functions`; otherwise its functions join the kept set. Functions seen and duplicated are counted.

Across batches. The ledger (`dedup/ledger.parquet`: file id -> batch) remembers in which run each file was first
decided. The batch leads the survivor order, so a file kept by an earlier run is never displaced by a file a
later run adds: later batches are deduplicated against earlier ones, and re-running a batch decides the same.
The ledger is read before and rewritten after the decision; its only effect is that order. It is read only
when its sha256 is the one written beside it (`ledger.sha256`): a corrupted or missing ledger fails the shard
with what to do, instead of merging garbage into the next ledger for good, and a failed run never deletes it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import ClassVar

import pyarrow as pa
import pyarrow.parquet as pq

from codemill.config import DedupConfig
from codemill.dedup import star_survivors
from codemill.engine.artifacts import Artifact, sha256_file, table_writer
from codemill.engine.manifest import load_manifest
from codemill.engine.reads import Reads
from codemill.engine.stage import PlanContext, Shard, ShardOutput, Stage, read_part
from codemill.ids import digest_json
from codemill.stages.signatures import survivor_key

SCHEMA = pa.schema([
    ("file_id", pa.string()),
    ("repo_id", pa.string()),
    ("repo_name", pa.string()),
    ("path", pa.string()),
    ("content_hash", pa.string()),
    ("cluster_id", pa.string()),  # the survivor's file id
    ("cluster_size", pa.int64()),
    ("batch", pa.int32()),
    ("functions", pa.int32()),  # indexed functions in the file
    ("duplicate_functions", pa.int32()),  # of which already kept elsewhere
])
LEDGER = "ledger.parquet"
LEDGER_SUM = "ledger.sha256"  # written after the ledger: a crash between the two fails the next run, loudly
SIGNATURE_COLUMNS = ["file_id", "repo_id", "repo_name", "path", "content_hash", "functions", "is_fork",
                     "license_severity", "authors", "commits", "last_commit_at"]


class LedgerError(ValueError):
    """The dedup ledger does not match the checksum written beside it (or, for an older ledger, the one its
    manifest recorded)."""


@dataclass(frozen=True)
class DedupShard:
    """Every signature part and near-duplicate link part, and the ledger's checksum as last recorded (its
    batches decide which copy survives across runs)."""

    signatures: list[Artifact]
    links: list[Artifact]
    ledger_sha256: str | None


class DedupStage(Stage[DedupShard]):
    name = "dedup"
    upstream = ("signatures", "neardup")
    reads: ClassVar[Reads] = {"signatures": SIGNATURE_COLUMNS, "neardup": ("a", "b")}
    schema = SCHEMA
    id_column = "file_id"
    row_group_rows = 8192
    state_files = (LEDGER, LEDGER_SUM)

    section: DedupConfig

    def plan(self, ctx: PlanContext) -> list[Shard[DedupShard]]:
        sigs = [a for _k, a in ctx.kept_parts("signatures")]
        links = [a for _k, a in ctx.kept_parts("neardup")]
        # The ledger's checksum as the last complete listing recorded it (read before this run rewrites the
        # manifest); not in the digest, which would otherwise change after every run.
        prev = load_manifest(ctx.run_dir / self.name)
        recorded = next((a.sha256 for a in prev.artifacts() if a.path == f"{self.name}/{LEDGER}"), None) \
            if prev is not None else None
        return [Shard("all", digest_json([[a.sha256 for a in sigs], [a.sha256 for a in links]]),
                      DedupShard(sigs, links, recorded))]

    def run(self, shard: Shard[DedupShard], out: ShardOutput) -> None:
        sig_arts, link_arts, recorded = shard.payload.signatures, shard.payload.links, shard.payload.ledger_sha256
        files = [r for a in sig_arts for r in read_part(out.run_dir, a, SIGNATURE_COLUMNS).to_pylist()]
        ledger = self._read_ledger(out, recorded)
        new_batch = max(ledger.values(), default=0) + 1
        batch = {f["file_id"]: ledger.get(f["file_id"], new_batch) for f in files}
        files.sort(key=lambda f: survivor_key(f, batch[f["file_id"]]))

        contents: dict[str, int] = {}  # content hash -> number, in survivor order of its best file
        best: list[dict] = []  # per content: its first file in survivor order
        for f in files:
            if f["content_hash"] not in contents:
                contents[f["content_hash"]] = len(best)
                best.append(f)
        links = [(contents[link["a"]], contents[link["b"]])
                 for a in link_arts for link in read_part(out.run_dir, a, ["a", "b"]).to_pylist()
                 if link["a"] in contents and link["b"] in contents]
        star = star_survivors(range(len(best)), links)
        size = Counter(star[contents[f["content_hash"]]] for f in files)

        kept_functions: set[int] = set()
        cfg = self.section
        for f in files:
            root = star[contents[f["content_hash"]]]
            first = best[root]
            fns = f["functions"] or []
            dup = sum(1 for h in fns if h in kept_functions)
            row = {k: f[k] for k in ("file_id", "repo_id", "repo_name", "path", "content_hash")} | {
                "cluster_id": first["file_id"], "cluster_size": size[root], "batch": batch[f["file_id"]],
                "functions": len(fns), "duplicate_functions": dup,
            }
            if first is not f:
                reason = "exact_duplicate" if first["content_hash"] == f["content_hash"] else "near_duplicate"
                out.drop(row, reason, f"of {first['repo_name']}:{first['path']}")
                continue
            out.count("functions.indexed", len(fns))
            out.count("functions.duplicate", dup)
            if len(fns) >= cfg.min_functions and dup / len(fns) >= cfg.max_duplicate_function_share:
                out.drop(row, "duplicate_functions", f"{dup} of {len(fns)} functions kept in other files")
                continue
            kept_functions.update(fns)
            out.keep(row)
        self._write_ledger(out, ledger, batch)

    @staticmethod
    def _read_ledger(out: ShardOutput, recorded: str | None) -> dict[str, int]:
        """The ledger, trusted only when its sha256 is the one written beside it (`ledger.sha256`; for a ledger
        older than that file, the one the manifest recorded): a changed, missing or unvouched ledger fails the
        shard rather than reorder or forget earlier batches for good."""
        folder = out.run_dir / out.stage
        path, sidecar = folder / LEDGER, folder / LEDGER_SUM
        expected = sidecar.read_text().strip() if sidecar.is_file() else recorded
        found = sha256_file(path) if path.is_file() else None
        if found != expected:
            raise LedgerError(
                f"{out.stage}/{LEDGER} is not the one recorded beside it (sha256 {expected or 'none'}, found "
                f"{found or 'no file'}): the batches of earlier runs cannot be trusted. Restore it, or delete "
                f"{out.stage}/{LEDGER} and {out.stage}/{LEDGER_SUM} to start a new ledger (every file then counts "
                "as this batch's)")
        if found is None:
            return {}
        t = pq.read_table(path)
        return dict(zip(t.column("file_id").to_pylist(), t.column("batch").to_pylist(), strict=True))

    @staticmethod
    def _write_ledger(out: ShardOutput, ledger: dict[str, int], batch: dict[str, int]) -> None:
        """Every file ever decided, with its first batch (files gone from the input stay: they were released)."""
        merged = {**ledger, **batch}
        ids = sorted(merged)
        table = pa.table({"file_id": ids, "batch": pa.array([merged[i] for i in ids], pa.int32())})
        out.write_file(LEDGER, table_writer(table), rows=len(ids))
        digest = sha256_file(out.run_dir / out.stage / LEDGER)
        out.write_file(LEDGER_SUM, lambda f: f.write(f"{digest}\n".encode()))
