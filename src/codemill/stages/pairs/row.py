"""The row the `pairs` stage writes for every candidate, kept or dropped: its schema and its type.

A pair is built in three steps (the change and its provenance, then its category and score, then the
decision), and a dict literal of 37 keys made a misspelt or forgotten column a failure at write time, inside a
shard. `Pair` names every column once; `row()` gives them in the schema's order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import pyarrow as pa

from codemill.quality.weights import COMPONENTS

SCHEMA = pa.schema([
    ("pair_id", pa.string()),
    ("kind", pa.string()),
    ("repo_id", pa.string()),
    ("repo_name", pa.string()),
    ("commit_sha", pa.string()),
    ("commit_id", pa.string()),
    ("license", pa.string()),
    ("instruction", pa.string()),
    ("response", pa.large_string()),
    ("response_format", pa.string()),
    ("paths", pa.list_(pa.string())),
    ("languages", pa.list_(pa.string())),
    ("n_files", pa.int32()),
    ("added", pa.int64()),
    ("deleted", pa.int64()),
    ("author_id", pa.string()),
    ("committed_at", pa.timestamp("s", tz="UTC")),
    ("web_url", pa.string()),
    ("merge_sha", pa.string()),  # pr: the commit that landed the PR (its merge, or a rebase merge's last commit)
    ("pr_tip_sha", pa.string()),  # pr: the PR branch's last commit
    ("base_sha", pa.string()),  # the commit the response applies to (a PR's merge-base, else the parent)
    ("pr_number", pa.int64()),  # pr, issue_pr, review, or a squash-merged commit's `(#N)`
    ("resolved_paths", pa.list_(pa.string())),  # pr: files the merge left different from the PR tip
    ("redacted", pa.list_(pa.string())),  # kinds of secrets/PII replaced by placeholders in this pair
    ("labels", pa.list_(pa.string())),  # issue/PR labels, when the pair comes from one
    ("hints", pa.large_string()),  # issue_pr: the redacted issue comments made before the fix (SWE-bench hints)
    ("category", pa.string()),
    ("category_rule", pa.string()),  # the rule of codemill.categorize that decided
    ("score", pa.float64()),  # P(good) under the shipped weights; `select` recombines with [select] weights
    ("score_specificity", pa.float64()),
    ("score_coherence", pa.float64()),
    ("score_tests", pa.float64()),
    ("score_labels", pa.float64()),  # null: no labels to judge by
    ("score_author", pa.float64()),
    ("score_code_work", pa.float64()),  # the category model's probability that the change is code work
    ("score_self_contained", pa.float64()),
    ("score_payload", pa.float64()),
])


@dataclass
class Pair:
    """One candidate pair. Provenance and the change are set when it is built; `category`, `category_rule`,
    `score` and `components` when it is judged (`PairsStage._judge`)."""

    pair_id: str
    kind: str  # commit, pr, issue_pr, review
    repo_id: str
    repo_name: str | None
    commit_sha: str
    commit_id: str
    license: str | None
    instruction: str
    response: str
    paths: list[str]
    languages: list[str]
    n_files: int
    added: int
    deleted: int
    author_id: str | None
    committed_at: datetime | None
    web_url: str | None
    response_format: str = "unified_diff"
    merge_sha: str | None = None
    pr_tip_sha: str | None = None
    base_sha: str | None = None
    pr_number: int | None = None
    resolved_paths: list[str] = field(default_factory=list)
    redacted: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    hints: str | None = None
    category: str | None = None
    category_rule: str | None = None
    score: float | None = None
    components: dict[str, float | None] = field(default_factory=dict)  # written as score_<name>

    def row(self) -> dict:
        """The pair as a `SCHEMA` row."""
        flat = {f"score_{name}": self.components.get(name) for name in COMPONENTS}
        return {name: flat[name] if name in flat else getattr(self, name) for name in SCHEMA.names}
