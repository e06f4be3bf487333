"""Deterministic record ids.

An id is derived from provenance (and content where provenance is not enough), never from time, order or
randomness: the same input yields the same id on any machine, executor or re-run, so duplicates can be
detected by id alone.
"""

from __future__ import annotations

import hashlib

_SEP = b"\x1f"


def stable_id(kind: str, *parts: str) -> str:
    """A 32-hex id for a record of `kind` identified by `parts` (e.g. repo id and commit sha)."""
    h = hashlib.sha256(kind.encode())
    for part in parts:
        h.update(_SEP)
        h.update(part.encode("utf-8", "surrogateescape"))
    return h.hexdigest()[:32]


def digest_json(obj: object) -> str:
    """sha256 of the canonical JSON form of `obj` (sorted keys, no whitespace)."""
    import json

    blob = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()
