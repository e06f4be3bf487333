"""Duplicates among verified synthetic problems, and against the instructions the run already has.

A small model asked for many problems repeats itself, and a problem that restates a real pair's instruction adds
nothing but weight to it. Problems are compared after lowercasing and collapsing whitespace (as `select` compares
messages): the same text is a `duplicate`, a MinHash Jaccard at or above the threshold (`codemill.dedup`) a
`near_duplicate`. Real pairs always win; among synthetic problems the earlier candidate (request order) wins.
Two problems whose solutions are the same module (whitespace aside) are duplicates as well: the same answer under
two phrasings of one task.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from codemill.dedup import DedupParams, NearDupIndex, content_hash, normalize_prose

PAIR = "pair:"
SYNTH = "synth:"


@dataclass(frozen=True)
class Candidate:
    synth_id: str
    problem: str
    solution: str


@dataclass(frozen=True)
class Duplicate:
    reason: str  # duplicate | near_duplicate
    of: str  # "pair:<pair_id>" or "synth:<synth_id>"


def find_duplicates(candidates: list[Candidate], existing: Iterable[tuple[str, str]], *,
                    threshold: float) -> dict[str, Duplicate]:
    """synth_id -> why it is a duplicate, for the candidates that are; `existing` is (pair_id, instruction)."""
    index = NearDupIndex(DedupParams(threshold=threshold, tokenizer="code", strip_license_header=False))
    batch: list[tuple[str, str, tuple]] = [(PAIR + pid, normalize_prose(text), (0, pid)) for pid, text in existing]
    batch += [(SYNTH + c.synth_id, normalize_prose(c.problem), (1, i)) for i, c in enumerate(candidates)]
    index.add(batch)
    out: dict[str, Duplicate] = {}
    solutions: dict[bytes, str] = {}
    for c in candidates:
        d = index.decision(SYNTH + c.synth_id)
        if not d.keep:
            out[c.synth_id] = Duplicate("duplicate" if d.reason == "exact_duplicate" else "near_duplicate",
                                        d.survivor)
            continue
        first = solutions.setdefault(content_hash(c.solution), c.synth_id)
        if first != c.synth_id:
            out[c.synth_id] = Duplicate("duplicate", SYNTH + first)
    return out
