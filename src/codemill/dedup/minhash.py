"""MinHash signatures and LSH banding, vectorised with numpy.

Permutations. Permutation ``i`` of a 64-bit shingle hash ``x`` is ``h_i(x) = (a_i * x + b_i) mod 2^64`` with
``a_i`` odd, and the signature value is the top 32 bits of ``min_x h_i(x)``. This is Dietzfelbinger's
multiply-add-shift family: the high bits of ``a*x + b mod 2^64`` are (approximately) universal, like
``(a*x + b) mod (2^61 - 1)`` in datasketch and datatrove, but without the modulo, which numpy cannot do
on 128-bit products anyway (those libraries let ``a*x`` wrap in uint64 before reducing, which is the same
family with extra work). Taking the minimum over the full 64 bits and keeping the top 32 orders shingles by
their high bits, so the 32-bit value is the minimum of the high bits. All 256 permutations of a block of
shingles are one broadcast ``(n, 1) * (1, 256)`` product; blocks are sized to stay in cache.

Parameters ``a``, ``b`` are drawn from ``numpy.random.Generator(PCG64(seed))``: fixed by the seed, so
signatures are identical across machines and runs.

Bands. ``optimal_param`` picks ``(bands, rows)`` with ``bands * rows <= num_perm`` minimising the weighted
false-positive area below the threshold plus false-negative area above it of the S-curve
``1 - (1 - s^r)^b`` (the rule of datasketch's ``_optimal_param``, integrated on a fine grid instead of with
scipy). A band's key is a 64-bit hash of its ``rows`` values.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from codemill.dedup.shingles import _fmix64

_BLOCK_ROWS = 512  # shingles per broadcast block: 512 x 256 x 8 bytes = 1 MiB
_S32 = np.uint64(32)
EMPTY_VALUE = np.uint32(0xFFFFFFFF)  # every value of a text without shingles


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


@dataclass(frozen=True)
class MinHasher:
    """The permutations: ``num_perm`` (a, b) pairs derived from `seed`."""

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
