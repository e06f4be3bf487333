"""`neardup`: near-duplicate links between distinct contents, one shard per group of LSH bands.

Partitioning by band is what lets the executor (local processes or Ray) spread near-deduplication: every shard
reads the signatures of all files (small: `num_perm` uint32 each) but builds the bucket tables of its own bands
only. Exact duplicates share a content hash and enter once. In each bucket, members are compared pairwise
(a bucket larger than `BUCKET_CAP` compares every member with its first `BUCKET_CAP`, in content-hash order) and
a pair is linked when its Jaccard reaches the threshold: estimated from the signatures, or, when the estimate is
within `exact_margin` of the threshold, exact (`dedup.verify`: the shingle sets of both contents recomputed from
one `clean` file each; only the contents of such borderline pairs are read and held, after the bucket pass). A pair
is written only by the lowest band in which it collides, so each link appears once across shards, and the set of
links depends only on the set of contents: the same links from any executor, any shard order, any batch order.
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
from codemill.dedup.verify import borderline, exact_jaccard, shingle_sets
from codemill.engine.artifacts import Artifact
from codemill.engine.reads import Reads
from codemill.engine.stage import PlanContext, Shard, ShardOutput, Stage, read_part
from codemill.ids import digest_json
from codemill.stages.signatures import dedup_params

SCHEMA = pa.schema([
    ("link_id", pa.string()),
    ("a", pa.string()),  # content hashes, a < b
    ("b", pa.string()),
    ("similarity", pa.float32()),  # Jaccard: exact if `exact`, else estimated
    ("exact", pa.bool_()),  # the estimate was within exact_margin of the threshold: exact Jaccard decided
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
    """A contiguous range of LSH bands [lo, hi) over every signature part, and the `clean` parts (texts of the
    borderline pairs)."""

    lo: int
    hi: int
    parts: list[Artifact]
    clean: list[Artifact]


class NearDupStage(Stage[BandsShard]):
    name = "neardup"
    upstream = ("signatures", "clean")
    reads: ClassVar[Reads] = {"signatures": ("file_id", "content_hash", "signature"), "clean": ("file_id", "content")}
    schema = SCHEMA
    id_column = "link_id"
    section_name = "dedup"

    section: DedupConfig

    def plan(self, ctx: PlanContext) -> list[Shard[BandsShard]]:
        arts = [a for _k, a in ctx.kept_parts("signatures")]
        clean = [a for _k, a in ctx.kept_parts("clean")]
        inputs = digest_json([[a.sha256 for a in arts], [a.sha256 for a in clean]])
        bands, _rows = dedup_params(self.section).banding()
        return [Shard(f"bands-{g.start:03d}-{g.stop - 1:03d}", inputs, BandsShard(g.start, g.stop, arts, clean))
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
        margin = self.section.exact_margin
        pending: list[tuple[int, np.ndarray, np.ndarray, int]] = []  # borderline (i, js, estimates, band)
        for band, i, j in candidate_pairs(keys, lo, hi):
            ok = accept_many(params, sigs[i], sigs[j])
            est = (sigs[j] == sigs[i]).mean(axis=1)
            near = borderline(params, est, margin) & ~(sigs[j] == EMPTY_VALUE).all(axis=1)
            for k in np.flatnonzero(ok & ~near):
                _write(out, hashes[i], hashes[j[k]], float(est[k]), False, band)
            if near.any():
                pending.append((int(i), j[near], est[near], band))
        if pending:
            self._verify(out, hashes, pending, params, shard.payload)

    @staticmethod
    def _verify(out, hashes, pending, params, payload: BandsShard) -> None:
        """Link the borderline pairs whose exact Jaccard reaches the threshold (texts of their contents only)."""
        needed = {str(hashes[c]) for i, js, _e, _b in pending for c in (i, *js.tolist())}
        file_of: dict[str, str] = {}  # file id -> content hash, one file per needed content
        for art in payload.parts:
            t = read_part(out.run_dir, art, ["file_id", "content_hash"])
            for fid, h in zip(t.column("file_id").to_pylist(), t.column("content_hash").to_pylist(), strict=True):
                if h in needed:
                    file_of[fid] = h
                    needed.discard(h)
        sets: dict[str, np.ndarray] = {}
        for art in payload.clean:
            t = read_part(out.run_dir, art, ["file_id", "content"])
            rows = t.filter(pc.is_in(t.column("file_id"), pa.array(list(file_of), pa.string()))).to_pylist()
            for r, s in zip(rows, shingle_sets(params, [r["content"] for r in rows]), strict=True):
                sets[file_of[r["file_id"]]] = s
        for i, js, _est, band in pending:
            a = sets[str(hashes[i])]
            for c in js.tolist():
                sim = exact_jaccard(a, sets[str(hashes[c])])
                if sim >= params.threshold:
                    _write(out, hashes[i], hashes[c], sim, True, band)


def _write(out: ShardOutput, x, y, similarity: float, exact: bool, band: int) -> None:
    a, b = sorted((str(x), str(y)))
    out.keep({"link_id": f"{a}{b}", "a": a, "b": b, "similarity": similarity, "exact": exact, "band": band})


def candidate_pairs(keys: np.ndarray, lo: int, hi: int):
    """(band, i, js) for bands lo..hi-1: the members `js` of i's buckets (after i, capped) that collide with i
    first in that band, so each candidate pair comes once across all bands."""
    for band in range(lo, hi):
        for i, j in _bucket_pairs(keys[:, band]):
            earlier = (keys[j, :band] == keys[i, :band]).any(axis=1) if band else np.zeros(len(j), dtype=bool)
            if (~earlier).any():
                yield band, i, j[~earlier]


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
