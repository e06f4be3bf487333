"""`neardup`: near-duplicate links between distinct contents, one shard per group of LSH bands.

Partitioning by band is what lets the executor (local processes or Ray) spread near-deduplication: every shard
reads the signatures of all files (small: `num_perm` uint32 each) but builds the bucket tables of its own bands
only. Exact duplicates share a content hash and enter once. In each bucket, members are compared pairwise
(a bucket larger than `BUCKET_CAP` compares every member with its first `BUCKET_CAP`, in content-hash order) and
a pair is linked when its estimated Jaccard reaches the threshold. A pair is written only by the lowest band in
which it collides, so each link appears once across shards, and the set of links depends only on the set of
contents: the same links from any executor, any shard order, any batch order.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from codemill.config import DedupConfig
from codemill.dedup import accept_many, band_keys
from codemill.dedup.minhash import EMPTY_VALUE
from codemill.engine.artifacts import Artifact
from codemill.engine.reads import Reads
from codemill.engine.stage import PlanContext, Shard, ShardOutput, Stage, read_part
from codemill.ids import digest_json
from codemill.stages.signatures import dedup_params

SCHEMA = pa.schema([
    ("link_id", pa.string()),
    ("a", pa.string()),  # content hashes, a < b
    ("b", pa.string()),
    ("similarity", pa.float32()),  # estimated Jaccard
    ("band", pa.int32()),  # the lowest band in which the pair collides
])
BUCKET_CAP = 256


def load_signatures(ctx_run_dir, arts) -> tuple[np.ndarray, np.ndarray]:
    """(content hashes sorted, one signature per distinct content) from the `signatures` parts."""
    tables = [read_part(ctx_run_dir, a, ["content_hash", "signature"]) for a in arts]
    if not tables:
        return np.array([], dtype=object), np.zeros((0, 0), dtype=np.uint32)
    table = pa.concat_tables(tables)
    hashes = table.column("content_hash").to_numpy(zero_copy_only=False).astype(str)
    _, first = np.unique(hashes, return_index=True)  # sorted distinct contents, first occurrence of each
    sigs = pc.list_flatten(table.column("signature")).to_numpy(zero_copy_only=False).astype(np.uint32)
    width = len(sigs) // max(len(hashes), 1)
    return hashes[first], sigs.reshape(len(hashes), width)[first]


def band_groups(bands: int, groups: int) -> list[range]:
    """Bands split into `groups` contiguous ranges (fewer when there are fewer bands)."""
    groups = max(1, min(groups, bands))
    edges = np.linspace(0, bands, groups + 1).round().astype(int)
    return [range(int(lo), int(hi)) for lo, hi in itertools.pairwise(edges) if hi > lo]


@dataclass(frozen=True)
class BandsShard:
    """A contiguous range of LSH bands [lo, hi) over every signature part."""

    lo: int
    hi: int
    parts: list[Artifact]


class NearDupStage(Stage[BandsShard]):
    name = "neardup"
    upstream = ("signatures",)
    reads: ClassVar[Reads] = {"signatures": ("content_hash", "signature")}
    schema = SCHEMA
    id_column = "link_id"
    section_name = "dedup"

    section: DedupConfig

    def plan(self, ctx: PlanContext) -> list[Shard[BandsShard]]:
        arts = [a for _k, a in ctx.kept_parts("signatures")]
        inputs = digest_json([a.sha256 for a in arts])
        bands, _rows = dedup_params(self.section).banding()
        return [Shard(f"bands-{g.start:03d}-{g.stop - 1:03d}", inputs, BandsShard(g.start, g.stop, arts))
                for g in band_groups(bands, self.section.band_groups)]

    def run(self, shard: Shard[BandsShard], out: ShardOutput) -> None:
        lo, hi, arts = shard.payload.lo, shard.payload.hi, shard.payload.parts
        params = dedup_params(self.section)
        bands, rows = params.banding()
        hashes, sigs = load_signatures(out.run_dir, arts)
        # A content without tokens has an all-EMPTY signature: it matches nothing by estimate (exact copies were
        # merged already), and bucketing them would compare every empty file with every other.
        has_tokens = ~(sigs == EMPTY_VALUE).all(axis=1) if len(hashes) else np.zeros(0, dtype=bool)
        hashes, sigs = hashes[has_tokens], sigs[has_tokens]
        if len(hashes) < 2:
            return
        keys = band_keys(sigs, bands, rows)  # (n, bands)
        for band in range(lo, hi):
            for i, j in _bucket_pairs(keys[:, band]):
                self._link(hashes, sigs, keys, band, i, j, params, out)

    @staticmethod
    def _link(hashes, sigs, keys, band, i, j, params, out) -> None:
        """Link `i` with each of `j` that reaches the threshold and first collides with it in `band`."""
        earlier = (keys[j, :band] == keys[i, :band]).any(axis=1) if band else np.zeros(len(j), dtype=bool)
        j = j[~earlier]
        if not len(j):
            return
        ok = accept_many(params, sigs[i], sigs[j])
        sim = (sigs[j] == sigs[i]).mean(axis=1)
        for k in np.flatnonzero(ok):
            a, b = sorted((str(hashes[i]), str(hashes[j[k]])))
            out.keep({"link_id": f"{a}{b}", "a": a, "b": b, "similarity": float(sim[k]), "band": band})


def _bucket_pairs(keys: np.ndarray):
    """For each bucket with two or more members: (i, members after i) for every member i, capped."""
    order = np.argsort(keys, kind="stable")  # rows are in content-hash order, so ties keep that order
    sorted_keys = keys[order]
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    ends = np.r_[starts[1:], len(keys)]
    for s, e in zip(starts, ends, strict=True):
        if e - s < 2:
            continue
        members = order[s:e]
        for pos in range(min(len(members), BUCKET_CAP)):
            rest = members[pos + 1:]
            if len(rest):
                yield members[pos], rest
