"""`NearDupIndex`: exact and near-duplicate clustering that persists and grows batch by batch.

What is stored grows with the index, not the corpus text: per distinct (normalised) content a 16-byte hash,
a uint32 signature of `num_perm` values and a union-find parent; per document its id, its sort key and its
content number; and, in memory only, one bucket table per LSH band (rebuilt from the signatures on load).

Clustering. Documents with the same normalised content (`normalize.content_hash`) share one content entry.
Contents are linked when they share an LSH bucket in any band and (with ``verify=True``, the default) their
estimated Jaccard (equal signature values / `num_perm`) is at least the threshold (`accept_many`); clusters
are the connected components (union-find), so a chain of near duplicates is one cluster.

Defaults, and why. One-permutation MinHash (`minhash.MinHasher`: ~3.5x faster than 256 permutations, as
precise; numbers in `minhash`'s docstring) with 256 values, 5-grams of BigCode's alphanumeric words
(`shingles`; ``tokenizer="code"`` for code tokens; the figures below were measured on code tokens), threshold
0.7, bands by
`minhash.recall_banding` (42 x 6) and verification by the estimate. Verified candidates make LSH false
positives cheap, so the banding is chosen for recall (datasketch's balanced 25 x 10 only makes half the pairs
at J = 0.7 candidates) and the verification decides precision. Against exact Jaccard over all pairs of the
planted corpus of tests/dedup: precision 0.970, recall 0.970 (256 permutations, same banding: 0.936 / 0.970;
the previous default, permutations with 25 x 10: 0.966 / 0.878, its loss mostly the banding's). Over 8 seeds
of that corpus x 3 MinHash seeds: precision 0.970 on average (lowest 0.944), recall 0.973 (lowest 0.932); what
is left is the estimate's noise (sd ~0.027) on the pairs within a few points of the threshold. Verifying
those pairs with exact Jaccard would remove it but needs both texts, which only a pair within one batch has:
links would then depend on how documents are batched, which the determinism below rules out.

Decisions. For every document: ``cluster_id`` is the smallest document id in its cluster; ``survivor`` is the
document with the smallest ``(key, doc_id)`` in the cluster, where ``key`` is the caller's sort key (a tuple
of ints, floats, strings or bools; smaller is better, so encode "more is better" signals negated, e.g.
``(license_rank, -stars, -last_commit_ts, is_fork)``); ``keep`` is whether it is the survivor; ``reason`` is
``"kept"``, ``"exact_duplicate"`` (same normalised content as the survivor) or ``"near_duplicate"``.

Determinism. Signatures depend only on the text and the parameters. The pairs that are linked depend only
on the set of contents (not on their order) as long as no bucket exceeds `bucket_cap` members; so the final
clusters, cluster ids and survivors depend only on the set of documents added, whatever the batches and
their order. Within one `add`, decisions are reported as of the end of that batch; a later batch can make a
document that was kept a duplicate (it then appears in `AddResult.revoked`). When a bucket is full (more
than `bucket_cap` contents with the same band key; versions of one file), further contents are still
compared with its first `bucket_cap` members but not stored in it: then, and only then, results can depend
on the order of insertion (same order, same results).

Idempotence. Adding a document id that is already in the index changes nothing and reports its current
decision; the same id with a different content is an error.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from codemill.dedup.headers import without_license_header
from codemill.dedup.minhash import (
    EMPTY_VALUE,
    MinHasher,
    PermutationMinHasher,
    band_keys,
    optimal_param,
    recall_banding,
)
from codemill.dedup.normalize import content_hash
from codemill.dedup.shingles import shingle_hashes, shingle_hashes_many

# 4: word shingles by default (3: one-permutation default, recall banding for bands=0; 2: permutations default,
# 25 x 10; 1: xxh3 tokens)
FORMAT_VERSION = 5
SortKey = tuple[Any, ...]


@dataclass(frozen=True)
class DedupParams:
    """Everything that changes results; saved with the index and checked on load."""

    threshold: float = 0.7
    num_perm: int = 256
    shingle_size: int = 5
    # "words": BigCode's alphanumeric words (the field's shingles, the default); "code": code tokens (shingles)
    tokenizer: str = "words"
    normalize_identifiers: bool = False  # code tokenizer only
    strip_license_header: bool = True  # shingle a file after its leading license comment (`headers`)
    verify: bool = True  # link a candidate pair only if its estimated Jaccard >= threshold (accept_many)
    # "one_permutation": one hash per shingle with optimal densification, the default (~3.5x faster end to end,
    # estimates as tight on files); "permutations": classic MinHash, num_perm universal hashes (minhash's doc).
    scheme: str = "one_permutation"
    seed: int = 1
    bucket_cap: int = 256
    bands: int = 0  # 0: recall_banding(threshold, num_perm) if verify, else optimal_param(threshold, num_perm)
    rows: int = 0

    def banding(self) -> tuple[int, int]:
        """(bands, rows) of the LSH: verified candidates can afford the recall rule (minhash docstring)."""
        if self.bands and self.rows:
            return self.bands, self.rows
        if self.verify:
            return recall_banding(self.threshold, self.num_perm)
        return optimal_param(self.threshold, self.num_perm)

    def min_equal(self) -> int:
        """Equal signature values a verified pair needs: ``ceil(threshold * num_perm)``, in integers so that a
        count at the boundary is never lost to float rounding."""
        return math.ceil(self.threshold * self.num_perm - 1e-9)


@dataclass(frozen=True)
class Decision:
    doc_id: str
    keep: bool
    reason: str  # kept | exact_duplicate | near_duplicate
    cluster_id: str  # smallest doc id in the cluster
    survivor: str  # doc id of the cluster's survivor
    cluster_size: int  # documents in the cluster


@dataclass(frozen=True)
class AddResult:
    decisions: list[Decision]  # one per input document, in input order
    revoked: list[str] = field(default_factory=list)  # earlier-kept doc ids that are no longer survivors


def _freeze(value: Any) -> Any:
    return tuple(_freeze(v) for v in value) if isinstance(value, list | tuple) else value


def _canonical_key(key: Sequence[Any]) -> SortKey:
    """The key as it will read back from disk (JSON round trip), so a loaded index decides the same."""
    return _freeze(json.loads(json.dumps(list(key))))


class _Growable:
    """A numpy array that grows along axis 0 by doubling (amortised O(1) append of a block of rows)."""

    def __init__(self, width: int | None, dtype: Any) -> None:
        shape = (16, width) if width else (16,)
        self._a = np.empty(shape, dtype=dtype)
        self.n = 0

    def extend(self, rows: np.ndarray) -> None:
        need = self.n + len(rows)
        if need > len(self._a):
            cap = max(need, 2 * len(self._a))
            grown = np.empty((cap, *self._a.shape[1:]), dtype=self._a.dtype)
            grown[: self.n] = self._a[: self.n]
            self._a = grown
        self._a[self.n : need] = rows
        self.n = need

    @property
    def view(self) -> np.ndarray:
        return self._a[: self.n]


class NearDupIndex:
    """Exact + MinHash-LSH near-duplicate index over batches of ``(doc_id, text, key)``; see the module doc."""

    def __init__(self, params: DedupParams | None = None, *, track_links: bool = False, workers: int = 1) -> None:
        """`track_links` records every linked content pair in `links` (for measuring; costs memory).

        `workers` > 1 computes the signatures of each batch in that many processes (same results; call
        `close` when done). Everything else runs in the calling process.
        """
        self.params = params or DedupParams()
        self.workers = workers
        self._pool: Any = None
        self.links: list[tuple[str, str]] | None = [] if track_links else None
        self.bands, self.rows = self.params.banding()
        if self.bands * self.rows > self.params.num_perm:
            raise ValueError("bands * rows must not exceed num_perm")
        # documents
        self._doc_ids: list[str] = []
        self._keys: list[SortKey] = []
        self._doc_content: list[int] = []
        self._doc_index: dict[str, int] = {}
        # contents
        self._hashes: dict[bytes, int] = {}
        self._hash_list: list[bytes] = []
        self._sigs = _Growable(self.params.num_perm, np.uint32)
        self._parent: list[int] = []
        # per band: key -> its content (most buckets hold one: no list for them) or its first bucket_cap contents
        self._buckets: list[dict[int, int | list[int]]] = [{} for _ in range(self.bands)]
        # per union-find root: (key, doc_id, doc) of the survivor, smallest doc id, number of documents
        self._best: dict[int, tuple[SortKey, str, int]] = {}
        self._min_id: dict[int, str] = {}
        self._size: dict[int, int] = {}

    def __len__(self) -> int:
        return len(self._doc_ids)

    # ---- union-find over contents -------------------------------------------------------------------
    def _find(self, c: int) -> int:
        parent = self._parent
        root = c
        while parent[root] != root:
            root = parent[root]
        while parent[c] != root:
            parent[c], c = root, parent[c]
        return root

    def _union(self, x: int, y: int) -> None:
        rx, ry = self._find(x), self._find(y)
        if rx == ry:
            return
        if ry < rx:  # the smaller content number is the root: deterministic
            rx, ry = ry, rx
        self._parent[ry] = rx
        self._absorb(rx, ry)

    def _absorb(self, rx: int, ry: int) -> None:
        by = self._best.pop(ry, None)
        my = self._min_id.pop(ry, None)
        sy = self._size.pop(ry, 0)
        if by is not None:
            bx = self._best.get(rx)
            if bx is None or (by[0], by[1]) < (bx[0], bx[1]):
                self._best[rx] = by
        if my is not None and (rx not in self._min_id or my < self._min_id[rx]):
            self._min_id[rx] = my
        self._size[rx] = self._size.get(rx, 0) + sy

    def _attach_doc(self, d: int) -> None:
        root = self._find(self._doc_content[d])
        entry = (self._keys[d], self._doc_ids[d], d)
        best = self._best.get(root)
        if best is None or (entry[0], entry[1]) < (best[0], best[1]):
            self._best[root] = entry
        doc_id = self._doc_ids[d]
        if root not in self._min_id or doc_id < self._min_id[root]:
            self._min_id[root] = doc_id
        self._size[root] = self._size.get(root, 0) + 1

    # ---- adding --------------------------------------------------------------------------------------
    def _link_contents(self, first: int, keys: np.ndarray) -> None:
        """Insert contents ``first..`` (band keys `keys`) into the buckets, linking verified candidates."""
        sigs = self._sigs.view
        cap, verify, min_equal = self.params.bucket_cap, self.params.verify, self.params.min_equal()
        empty = (sigs[first:] == EMPTY_VALUE).all(axis=1).tolist()
        tables = self._buckets
        for i, row in enumerate(keys.tolist()):
            c = first + i
            if empty[i]:
                continue  # no tokens: only exact duplicates apply
            cands: set[int] = set()
            for table, key in zip(tables, row, strict=True):
                bucket = table.get(key)
                if bucket is None:
                    table[key] = c
                elif isinstance(bucket, int):
                    cands.add(bucket)
                    if cap > 1:
                        table[key] = [bucket, c]
                else:
                    cands.update(bucket)
                    if len(bucket) < cap:
                        bucket.append(c)
            if not cands:
                continue
            cand = np.fromiter(sorted(cands), dtype=np.int64, count=len(cands))
            if verify:
                cand = cand[(sigs[cand] == sigs[c]).sum(axis=1) >= min_equal]
            for o in cand.tolist():
                self._union(c, o)
                if self.links is not None:
                    self.links.append((self._hash_list[o].hex(), self._hash_list[c].hex()))

    def add(self, batch: Iterable[tuple[str, str, Sequence[Any]]]) -> AddResult:
        """Add a batch of ``(doc_id, text, key)``; decisions against everything added so far (module doc)."""
        batch_ids: list[str] = []
        new_texts: list[str] = []
        new_docs: list[int] = []
        for doc_id, text, key in batch:
            batch_ids.append(doc_id)
            h = content_hash(text)
            known = self._doc_index.get(doc_id)
            if known is not None:
                if self._hash_list[self._doc_content[known]] != h:
                    raise ValueError(f"document {doc_id!r} was added before with a different content")
                continue
            d = len(self._doc_ids)
            self._doc_ids.append(doc_id)
            self._keys.append(_canonical_key(key))
            self._doc_index[doc_id] = d
            c = self._hashes.get(h)
            if c is None:
                c = len(self._hash_list)
                self._hashes[h] = c
                self._hash_list.append(h)
                self._parent.append(c)
                new_texts.append(text)
            self._doc_content.append(c)
            new_docs.append(d)

        first = self._sigs.n
        if new_texts:
            sigs = self._signatures(new_texts)
            self._sigs.extend(sigs)
        old_survivors = {best[2] for best in self._best.values()}  # to report revocations
        for d in new_docs:
            self._attach_doc(d)
        if new_texts:
            self._link_contents(first, band_keys(self._sigs.view[first:], self.bands, self.rows))
        revoked = sorted(self._doc_ids[d] for d in old_survivors if self._survivor_of(d) != d)
        return AddResult([self.decision(doc_id) for doc_id in batch_ids], revoked)

    def _signatures(self, texts: list[str]) -> np.ndarray:
        if self.workers <= 1 or len(texts) < 2 * self.workers:
            return signatures(self.params, texts)
        if self._pool is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))
        # interleaved chunks balance the work; results are put back in order
        n, parts = len(texts), 4 * self.workers
        chunks = [texts[i::parts] for i in range(parts)]
        out = np.empty((n, self.params.num_perm), dtype=np.uint32)
        for i, sigs in enumerate(self._pool.map(signatures, [self.params] * parts, chunks)):
            out[i::parts] = sigs
        return out

    def close(self) -> None:
        """Stop the worker processes (if any)."""
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    # ---- reading -------------------------------------------------------------------------------------
    def _survivor_of(self, d: int) -> int:
        return self._best[self._find(self._doc_content[d])][2]

    def decision(self, doc_id: str) -> Decision:
        """The current decision for an added document."""
        d = self._doc_index[doc_id]
        c = self._doc_content[d]
        root = self._find(c)
        s = self._best[root][2]
        if s == d:
            reason = "kept"
        elif self._doc_content[s] == c:
            reason = "exact_duplicate"
        else:
            reason = "near_duplicate"
        return Decision(doc_id, s == d, reason, self._min_id[root], self._doc_ids[s], self._size[root])

    def decisions(self) -> list[Decision]:
        """Current decisions for every document, in the order they were first added."""
        return [self.decision(doc_id) for doc_id in self._doc_ids]

    def signature(self, doc_id: str) -> np.ndarray:
        return self._sigs.view[self._doc_content[self._doc_index[doc_id]]].copy()

    # ---- persistence ---------------------------------------------------------------------------------
    def save(self, directory: str | os.PathLike[str]) -> None:
        """Write the index to `directory` (created if needed): params.json, docs.parquet, contents arrays.

        Each file is written to a temporary sibling and renamed; ``params.json`` is written last, so a
        directory without it is not an index.
        """
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        parents = np.asarray([self._find(c) for c in range(len(self._parent))], dtype=np.int64)
        docs = pa.table(
            {
                "doc_id": pa.array(self._doc_ids, pa.string()),
                "key": pa.array([json.dumps(list(k)) for k in self._keys], pa.string()),
                "content": pa.array(self._doc_content, pa.int64()),
            }
        )
        hashes = np.frombuffer(b"".join(self._hash_list), dtype=np.uint8).reshape(-1, 16)
        (out / "params.json").unlink(missing_ok=True)
        _atomic(out / "docs.parquet", lambda p: pq.write_table(docs, p, compression="zstd"))
        for name, arr in (("signatures.npy", self._sigs.view), ("parents.npy", parents), ("hashes.npy", hashes)):
            _atomic(out / name, lambda p, a=arr: np.save(p, a, allow_pickle=False))
        meta = {"format": FORMAT_VERSION, "params": self.params.__dict__}
        _atomic(out / "params.json", lambda p: Path(p).write_text(json.dumps(meta, sort_keys=True, indent=1)))

    @classmethod
    def load(cls, directory: str | os.PathLike[str]) -> NearDupIndex:
        src = Path(directory)
        meta = json.loads((src / "params.json").read_text())
        if meta["format"] != FORMAT_VERSION:
            raise ValueError(
                f"unsupported index format {meta['format']} (this version reads format {FORMAT_VERSION}): "
                "signatures changed between formats, rebuild the index from the documents"
            )
        index = cls(DedupParams(**meta["params"]))
        sigs = np.load(src / "signatures.npy", allow_pickle=False)
        parents = np.load(src / "parents.npy", allow_pickle=False)
        hashes = np.load(src / "hashes.npy", allow_pickle=False)
        docs = pq.read_table(src / "docs.parquet").to_pydict()
        index._hash_list = [bytes(h) for h in hashes]
        index._hashes = {h: i for i, h in enumerate(index._hash_list)}
        index._sigs.extend(sigs)
        index._parent = parents.tolist()
        # buckets in content order, as they were filled (links come from the saved parents)
        keys = band_keys(sigs, index.bands, index.rows).tolist() if len(sigs) else []
        empty = (sigs == EMPTY_VALUE).all(axis=1) if len(sigs) else []
        cap = index.params.bucket_cap
        for c, row in enumerate(keys):
            if empty[c]:
                continue
            for table, key in zip(index._buckets, row, strict=True):
                bucket = table.get(key)
                if bucket is None:
                    table[key] = c
                elif isinstance(bucket, int):
                    if cap > 1:
                        table[key] = [bucket, c]
                elif len(bucket) < cap:
                    bucket.append(c)
        for c in range(len(parents)):
            if parents[c] == c:
                index._size[c] = 0
        index._doc_ids = docs["doc_id"]
        index._keys = [_freeze(json.loads(k)) for k in docs["key"]]
        index._doc_content = docs["content"]
        index._doc_index = {doc_id: d for d, doc_id in enumerate(index._doc_ids)}
        for d in range(len(index._doc_ids)):
            index._attach_doc(d)
        return index


def shingled_texts(params: DedupParams, texts: list[str]) -> list[str]:
    """The texts as near-duplicate detection shingles them: after their license headers, unless turned off."""
    return [without_license_header(t) for t in texts] if params.strip_license_header else texts


def signatures(params: DedupParams, texts: list[str]) -> np.ndarray:
    """uint32[len(texts), num_perm]: the MinHash signature of each text under `params`, as `NearDupIndex` computes it.

    A module function so that worker processes (and the pipeline's signature stage) can run it; texts without
    tokens get all `EMPTY_VALUE`.
    """
    texts = shingled_texts(params, texts)
    if params.normalize_identifiers and params.tokenizer == "code":
        sets = [shingle_hashes(t, params.shingle_size, True, "code") for t in texts]
    else:
        sets = shingle_hashes_many(texts, params.shingle_size, params.tokenizer)
    return _hasher(params.scheme, params.num_perm, params.seed).signatures(sets)


def accept_many(params: DedupParams, sig: np.ndarray, others: np.ndarray) -> np.ndarray:
    """bool per row of `others`: whether a candidate pair with `sig` is linked, as `NearDupIndex` decides it.

    With ``params.verify``: at least `DedupParams.min_equal` equal values (estimated Jaccard >= threshold); without,
    every candidate. A signature of a text without tokens (all `EMPTY_VALUE`) is never linked: such texts are
    only exact duplicates.
    """
    others = np.atleast_2d(others)
    if (sig == EMPTY_VALUE).all():
        return np.zeros(len(others), dtype=bool)
    ok = (others == sig).sum(axis=1) >= params.min_equal() if params.verify else np.ones(len(others), dtype=bool)
    return ok & ~(others == EMPTY_VALUE).all(axis=1)


@lru_cache(maxsize=8)
def _hasher(scheme: str, num_perm: int, seed: int) -> MinHasher | PermutationMinHasher:
    if scheme == "one_permutation":
        return MinHasher(num_perm, seed)
    if scheme == "permutations":
        return PermutationMinHasher(num_perm, seed)
    raise ValueError(f"unknown MinHash scheme {scheme!r} (permutations or one_permutation)")


def _atomic(path: Path, write: Any) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    if tmp.suffix != path.suffix:  # np.save appends .npy to names without it
        tmp = path.with_name(f".tmp-{path.name}")
    write(tmp)
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, path)
