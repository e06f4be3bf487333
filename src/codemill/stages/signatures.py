"""`signatures`: what deduplication needs of each kept file, computed once per file, in parallel.

One shard per `clean` part. A row holds the file's normalised content hash (exact duplicates), its MinHash
signature over word (or code-token) shingles (near duplicates), the hashes of its normalised functions
(function-level duplicates, `codemill.functions`) and the survivor sort key's fields (the documented order of
`DedupConfig`). Later deduplication reads these small rows, and the text only of borderline pairs (`neardup`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

import numpy as np
import pyarrow as pa

from codemill import licenses
from codemill.config import DedupConfig
from codemill.dedup import DedupParams, content_hash, signatures
from codemill.engine.artifacts import Artifact
from codemill.engine.reads import ROWS, Reads
from codemill.engine.stage import PlanContext, Shard, ShardOutput, Stage, iter_rows, read_part
from codemill.functions import function_hashes
from codemill.ids import digest_json

SCHEMA = pa.schema([
    ("file_id", pa.string()),
    ("repo_id", pa.string()),
    ("repo_name", pa.string()),
    ("path", pa.string()),
    ("language", pa.string()),
    ("content_hash", pa.string()),  # hex of the normalised content's 128-bit hash
    ("signature", pa.list_(pa.uint32())),
    ("functions", pa.list_(pa.uint64())),
    # The survivor sort key's fields, smaller first (see DedupConfig).
    ("is_fork", pa.bool_()),
    ("license_severity", pa.int8()),
    ("authors", pa.int64()),
    ("commits", pa.int64()),
    ("last_commit_at", pa.timestamp("s", tz="UTC")),
])
REPO_COLUMNS = ["repo_id", "is_fork_or_mirror", "distinct_authors", "commits", "last_commit_at"]
BATCH = 64  # files per signature batch: vectorised hashing without holding a whole part's text


def dedup_params(cfg: DedupConfig) -> DedupParams:
    return DedupParams(threshold=cfg.threshold, num_perm=cfg.num_perm, shingle_size=cfg.shingle_size,
                       tokenizer=cfg.tokenizer, strip_license_header=cfg.strip_license_header)


def survivor_key(row: dict, batch: int) -> tuple:
    """The documented survivor order (smaller is better): earlier batch, not a fork, more permissive license,
    more authors, more commits, more recent, then name and path so that the order is total."""
    last = row["last_commit_at"]
    recency = -last.timestamp() if isinstance(last, datetime) else 0.0
    return (batch, bool(row["is_fork"]), row["license_severity"], -(row["authors"] or 0), -(row["commits"] or 0),
            recency, row["repo_name"] or "", row["path"], row["file_id"])


@dataclass(frozen=True)
class SignaturesShard:
    """One repository's cleaned files and its provenance (`repos` columns)."""

    part: Artifact
    repo: dict


class SignaturesStage(Stage[SignaturesShard]):
    name = "signatures"
    upstream = ("clean", "repos")
    reads: ClassVar[Reads] = {"clean": ROWS, "repos": REPO_COLUMNS}
    schema = SCHEMA
    id_column = "file_id"
    row_group_rows = 4096

    section_name = "dedup"
    section: DedupConfig

    def plan(self, ctx: PlanContext) -> list[Shard[SignaturesShard]]:
        repos: dict[str, dict] = {}
        for _key, art in ctx.kept_parts("repos"):
            for r in read_part(ctx.run_dir, art, REPO_COLUMNS).to_pylist():
                repos[r["repo_id"]] = r
        shards = []
        for key, art in ctx.kept_parts("clean"):
            info = repos.get(key, {"repo_id": key})
            shards.append(Shard(key, digest_json([art.sha256, info]), SignaturesShard(art, info)))
        return shards

    def run(self, shard: Shard[SignaturesShard], out: ShardOutput) -> None:
        art, repo = shard.payload.part, shard.payload.repo
        params, cfg = dedup_params(self.section), self.section
        batch: list[dict] = []
        for row in iter_rows(out.run_dir, art, batch_rows=BATCH):
            batch.append(row)
            if len(batch) == BATCH:
                self._flush(batch, repo, params, cfg, out)
                batch = []
        self._flush(batch, repo, params, cfg, out)

    @staticmethod
    def _flush(rows: list[dict], repo: dict, params: DedupParams, cfg: DedupConfig, out: ShardOutput) -> None:
        if not rows:
            return
        sigs = signatures(params, [r["content"] for r in rows])
        for row, sig in zip(rows, sigs, strict=True):
            out.keep({
                "file_id": row["file_id"],
                "repo_id": row["repo_id"],
                "repo_name": row["repo_name"],
                "path": row["path"],
                "language": row["language"],
                "content_hash": content_hash(row["content"]).hex(),
                "signature": np.asarray(sig, dtype=np.uint32).tolist(),
                "functions": function_hashes(row["content"], row["language"], min_tokens=cfg.function_min_tokens)
                if row["language"] else [],
                "is_fork": bool(repo.get("is_fork_or_mirror")),
                "license_severity": licenses.severity(row["license"]),
                "authors": repo.get("distinct_authors"),
                "commits": repo.get("commits"),
                "last_commit_at": repo.get("last_commit_at"),
            })
