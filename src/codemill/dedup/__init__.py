"""Near-duplicate detection for the pretraining corpus: exact (normalised hash) and MinHash LSH.

- `normalize`: the exact-duplicate normalisation and content hash.
- `shingles`: the code tokenizer and vectorised (batch) token n-gram hashes.
- `minhash`: one-permutation MinHash signatures with densification, LSH banding, Jaccard estimates.
- `index`: `NearDupIndex`, persistent and extendable across batches, with deterministic survivors.
"""

from codemill.dedup.index import AddResult, Decision, DedupParams, NearDupIndex
from codemill.dedup.minhash import MinHasher, band_keys, estimated_jaccard, optimal_param
from codemill.dedup.normalize import content_hash, normalize_content
from codemill.dedup.shingles import shingle_hashes, shingle_hashes_many, tokenize

__all__ = [
    "AddResult",
    "Decision",
    "DedupParams",
    "MinHasher",
    "NearDupIndex",
    "band_keys",
    "content_hash",
    "estimated_jaccard",
    "normalize_content",
    "optimal_param",
    "shingle_hashes",
    "shingle_hashes_many",
    "tokenize",
]
