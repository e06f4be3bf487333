"""Near-duplicate detection for the pretraining corpus: exact (normalised hash) and MinHash LSH.

- `normalize`: the exact-duplicate normalisation and content hash.
- `shingles`: the tokenizers (BigCode's words, the default; code tokens) and vectorised token n-gram hashes.
- `minhash`: one-permutation MinHash signatures with densification (the default scheme; why, with measured
  numbers, in its docstring), classic permutations, LSH banding, Jaccard estimates.
- `survivors`: `star_survivors`, the survivor choice of the `dedup` stage (a dropped content is linked to the
  content kept in its place).
- `index`: `DedupParams`, `signatures` (per text, for pipelines that band and verify themselves),
  `accept_many` (the verification rule) and `NearDupIndex`, persistent and extendable across batches, with
  deterministic survivors.
"""

from codemill.dedup.index import AddResult, Decision, DedupParams, NearDupIndex, accept_many, signatures
from codemill.dedup.minhash import (
    MinHasher,
    PermutationMinHasher,
    band_keys,
    estimated_jaccard,
    optimal_param,
    recall_banding,
)
from codemill.dedup.normalize import content_hash, normalize_content, normalize_prose
from codemill.dedup.shingles import shingle_hashes, shingle_hashes_many, tokenize, words
from codemill.dedup.survivors import star_survivors

__all__ = [
    "AddResult",
    "Decision",
    "DedupParams",
    "MinHasher",
    "NearDupIndex",
    "PermutationMinHasher",
    "accept_many",
    "band_keys",
    "content_hash",
    "estimated_jaccard",
    "normalize_content",
    "normalize_prose",
    "optimal_param",
    "recall_banding",
    "shingle_hashes",
    "shingle_hashes_many",
    "signatures",
    "star_survivors",
    "tokenize",
    "words",
]
