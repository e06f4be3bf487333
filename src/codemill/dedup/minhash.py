"""MinHash signatures (one-permutation hashing, optimal densification) and LSH banding, with numpy.

Default scheme: one-permutation hashing (`MinHasher`). It costs one hash and one sort per shingle set instead
of ``num_perm`` multiply-adds per shingle, so `NearDupIndex` (tokenising and shingling included, one process)
runs at 3.3-3.8x a plain rensa script, ~16x datasketch and 21-25x datatrove's MinHash pipeline on 10 versions
of requests, flask and sqlalchemy (bench/neardup_bench.py, 5576 files, 114 MB; classic permutations: 0.9x
rensa). Its estimates are no noisier than classic MinHash: on sets of a few thousand shingles the bins sample
without replacement, so the estimate's standard deviation near J = 0.7 is 0.0265 (planted corpus of
tests/dedup) against 0.0295 for 256 permutations. `PermutationMinHasher` (``scheme="permutations"``) is kept
for indexes built with it.

Signatures. One-permutation hashing (Li, Owen & Zhang 2012) with optimal densification (Shrivastava 2017):
each shingle hash ``x`` is hashed once more, ``h = fmix64(x ^ key)``, and falls in bin
``(h >> 32) * num_perm >> 32`` (the bins split the range of ``h`` into ``num_perm`` equal intervals, so sorting
``h`` sorts by bin); value ``i`` of the signature is the low 32 bits of the smallest ``h`` in bin ``i``. An
empty bin ``i`` copies the value of bin ``probe[t, i]`` for the first attempt ``t = 0, 1, ...`` that hits a
non-empty bin, where ``probe`` is a fixed random table: the same for every set, so two sets agree on a
densified bin with probability equal to their Jaccard similarity, as for the other bins. Per set this is one
sort (of the hashes in the low part of their bins, for large sets) and a ``searchsorted`` of the bin edges,
instead of ``num_perm`` multiply-adds per shingle. The estimate ``mean(sig_a == sig_b)`` is unbiased; its
variance is close to that of ``num_perm`` independent permutations (lower for sets much larger than
``num_perm``: the bins sample without replacement).

``key`` and the probe table are drawn from ``numpy.random.Generator(PCG64(seed))``: fixed by the seed, so
signatures are identical across machines and runs.

Bands. A band's key is a 64-bit hash of its ``rows`` values. Two rules pick ``(bands, rows)``:

- `optimal_param`: datasketch's rule, minimising the weighted false-positive area below the threshold plus
  the false-negative area above it of the S-curve ``1 - (1 - s^r)^b`` (integrated on a fine grid instead of
  with scipy). Right when a shared bucket is the decision (no verification). At J = 0.7 and 256 values it
  gives 25 x 10, whose S-curve only reaches 0.51 at the threshold and 0.77 at J = 0.75.
- `recall_banding`: when candidates are verified, a false positive of the LSH costs one signature
  comparison and a false negative is lost, so take the most rows (fewest bands, least work) that still make
  a pair at the threshold a candidate with probability >= 0.99: 42 x 6 at J = 0.7. The LSH then loses at most
  1% of the pairs at the threshold and fewer above it, and precision is decided by the verification.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from codemill.dedup.shingles import _fmix64

EMPTY_VALUE = np.uint32(0xFFFFFFFF)  # every value of a text without shingles
_LOW32 = np.uint64(0xFFFFFFFF)
_S32 = np.uint64(32)
_BLOCK_ROWS = 512  # shingles per broadcast block of the permutation scheme: 512 x 256 x 8 bytes = 1 MiB
_PREFILTER = 4  # hashes kept per bin on average by the prefilter of large sets


@lru_cache(maxsize=64)
def optimal_param(threshold: float, num_perm: int, fp_weight: float = 0.5, fn_weight: float = 0.5) -> tuple[int, int]:
    """(bands, rows) minimising ``fp_weight * FP area + fn_weight * FN area`` (datasketch's rule)."""
    lo = np.linspace(0.0, threshold, 1001)
    hi = np.linspace(threshold, 1.0, 1001)
    best, best_err = (1, 1), float("inf")
    for b in range(1, num_perm + 1):
        for r in range(1, num_perm // b + 1):
            fp = np.trapezoid(1.0 - (1.0 - lo**r) ** b, lo)
            fn = np.trapezoid((1.0 - hi**r) ** b, hi)
            err = fp * fp_weight + fn * fn_weight
            if err < best_err:
                best, best_err = (b, r), err
    return best


@lru_cache(maxsize=64)
def recall_banding(threshold: float, num_perm: int, min_probability: float = 0.99) -> tuple[int, int]:
    """(bands, rows) for verified candidates: the most rows (fewest bands) with ``floor(num_perm / rows)`` bands
    such that a pair with Jaccard `threshold` shares a bucket with probability >= `min_probability`."""
    for rows in range(num_perm, 0, -1):
        bands = num_perm // rows
        if 1.0 - (1.0 - threshold**rows) ** bands >= min_probability:
            return bands, rows
    return num_perm, 1


@dataclass(frozen=True)
class MinHasher:
    """One-permutation MinHash with optimal densification, keyed by `seed` (see the module docstring)."""

    num_perm: int = 256
    seed: int = 1

    def __post_init__(self) -> None:
        rng = np.random.Generator(np.random.PCG64(self.seed))
        key = rng.integers(0, 2**64, dtype=np.uint64, endpoint=False)
        # smallest top-32-bit value of each bin, shifted up: bin b holds h with edges[b] <= h < edges[b + 1]
        tops = -((-np.arange(self.num_perm + 1, dtype=object) << 32) // self.num_perm)
        edges = np.array([int(t) << 32 for t in tops[:-1]], dtype=np.uint64)
        object.__setattr__(self, "_key", np.uint64(key))
        object.__setattr__(self, "_edges", edges)
        object.__setattr__(self, "_probes", np.empty((0, self.num_perm), dtype=np.intp))

    def _probe(self, t: int) -> np.ndarray:
        """Bin probed by every bin at densification attempt `t` (a fixed random table, grown on demand)."""
        probes = self._probes  # type: ignore[attr-defined]
        while t >= len(probes):  # blocks of 64 attempts, each from its own stream: the table is fixed
            rng = np.random.Generator(np.random.PCG64([self.seed, 0xD3A5, len(probes) // 64]))
            block = rng.integers(0, self.num_perm, size=(64, self.num_perm)).astype(np.intp)
            probes = np.concatenate([probes, block])
            object.__setattr__(self, "_probes", probes)
        return probes[t]

    def _bins(self, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(uint32 value of the minimum of each bin, whether the bin is non-empty) before densification."""
        x = _fmix64(hashes ^ self._key)  # type: ignore[attr-defined]
        p = self.num_perm
        if len(x) <= 2 * _PREFILTER * p:
            return self._bin_minima(np.sort(x))
        # Keep only hashes in the low part of their bin (below ~_PREFILTER * p / n of its width): a bin's
        # minimum survives if anything in the bin does, so the bins still non-empty are exact; bins left
        # empty (a few) are redone from all their hashes. Same result as sorting everything, less work.
        pos = (x >> _S32) * np.uint64(p)  # bin in the high 32 bits, position within it in the low 32
        cut = np.uint64((_PREFILTER * p * 2**32) // len(x))
        vals, filled = self._bin_minima(np.sort(x[(pos & _LOW32) < cut]))
        if not filled.all():
            missing = ~filled
            more_vals, more_filled = self._bin_minima(np.sort(x[missing[(pos >> _S32).astype(np.intp)]]))
            vals[missing] = more_vals[missing]
            filled[missing] = more_filled[missing]
        return vals, filled

    def _bin_minima(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """_bins of sorted hashes `x`."""
        pos = np.searchsorted(x, self._edges)  # type: ignore[attr-defined]
        filled = np.empty(self.num_perm, dtype=bool)
        filled[:-1] = pos[1:] > pos[:-1]
        filled[-1] = pos[-1] < len(x)
        if not len(x):
            return np.full(self.num_perm, EMPTY_VALUE, dtype=np.uint32), filled
        vals = (x[np.minimum(pos, len(x) - 1)] & _LOW32).astype(np.uint32)
        return vals, filled

    def signature(self, hashes: np.ndarray) -> np.ndarray:
        """uint32[num_perm] signature of a set of uint64 shingle hashes (all EMPTY_VALUE if empty)."""
        return self.signatures([hashes])[0]

    def signatures(self, hash_sets: list[np.ndarray]) -> np.ndarray:
        """uint32[len(hash_sets), num_perm]: one signature per set."""
        n, p = len(hash_sets), self.num_perm
        out = np.full((n, p), EMPTY_VALUE, dtype=np.uint32)
        filled = np.ones((n, p), dtype=bool)
        for i, h in enumerate(hash_sets):
            if len(h):
                out[i], filled[i] = self._bins(np.asarray(h, dtype=np.uint64))
        rows = np.flatnonzero(~filled.all(axis=1))
        if len(rows):
            src_v, src_f = out[rows], filled[rows]
            vals, need = src_v.copy(), ~src_f
            t = 0
            while len(rows):
                probe = self._probe(t)
                hit = need & src_f[:, probe]
                vals[hit] = src_v[:, probe][hit]
                need &= ~hit
                t += 1
                done = ~need.any(axis=1)
                if done.any():
                    out[rows[done]] = vals[done]
                    keep = ~done
                    rows, src_v, src_f, vals, need = rows[keep], src_v[keep], src_f[keep], vals[keep], need[keep]
        return out


@dataclass(frozen=True)
class PermutationMinHasher:
    """Classic MinHash: ``num_perm`` universal-hash permutations (a, b) derived from `seed`, each shingle hashed
    by all of them. Not the default: ~3.5x slower than `MinHasher` end to end (0.9x a rensa script on the bench)
    for estimates that are no tighter on files (see the module docstring); kept for indexes built with it."""

    num_perm: int = 256
    seed: int = 1

    def __post_init__(self) -> None:
        rng = np.random.Generator(np.random.PCG64(self.seed))
        a = rng.integers(0, 2**64, size=self.num_perm, dtype=np.uint64, endpoint=False) | np.uint64(1)
        b = rng.integers(0, 2**64, size=self.num_perm, dtype=np.uint64, endpoint=False)
        object.__setattr__(self, "_a", a.reshape(1, -1))
        object.__setattr__(self, "_b", b.reshape(1, -1))

    def signature(self, hashes: np.ndarray) -> np.ndarray:
        """uint32[num_perm] signature of a set of uint64 shingle hashes (all EMPTY_VALUE if empty)."""
        n = len(hashes)
        if n == 0:
            return np.full(self.num_perm, EMPTY_VALUE, dtype=np.uint32)
        a, b = self._a, self._b  # type: ignore[attr-defined]
        col = hashes.reshape(-1, 1)
        buf = np.empty((min(n, _BLOCK_ROWS), self.num_perm), dtype=np.uint64)
        mins = None
        for start in range(0, n, _BLOCK_ROWS):  # blocks of shingles; permutations are the broadcast axis
            block = col[start : start + _BLOCK_ROWS]
            out = buf[: len(block)]
            np.multiply(block, a, out=out)
            out += b
            m = out.min(axis=0)
            mins = m if mins is None else np.minimum(mins, m, out=mins)
        return (mins >> _S32).astype(np.uint32)

    def signatures(self, hash_sets: list[np.ndarray]) -> np.ndarray:
        """uint32[len(hash_sets), num_perm]: one signature per set."""
        out = np.empty((len(hash_sets), self.num_perm), dtype=np.uint32)
        for i, h in enumerate(hash_sets):
            out[i] = self.signature(h)
        return out


def band_keys(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """uint64[n, bands]: a hash of each band's `rows` values (the first ``bands * rows`` permutations)."""
    n = signatures.shape[0]
    v = signatures[:, : bands * rows].reshape(n, bands, rows).astype(np.uint64)
    rng = np.random.Generator(np.random.PCG64(0xBA4D))
    coef = rng.integers(0, 2**64, size=rows, dtype=np.uint64, endpoint=False) | np.uint64(1)
    # A random odd linear combination mod 2^64 of the 32-bit values, mixed: distinct bands collide with
    # probability ~2^-64, so a key stands for the band's bytes.
    keys = (v * coef).sum(axis=2, dtype=np.uint64)
    return _fmix64(keys)


def estimated_jaccard(sig: np.ndarray, others: np.ndarray) -> np.ndarray:
    """Fraction of equal values between `sig` and each row of `others`: the MinHash Jaccard estimate."""
    return (others == sig).mean(axis=1)
