"""What the labels say about the pipeline: the precision of each filter and drop reason, and whether reviewers
agree.

Precision of a decision is the share of judged rows it got right: for a stage's kept rows, the share judged good
examples (`accept`); for rows dropped for a reason, the share judged bad (`reject`), i.e. the share of drops that
were right. An item judged by several reviewers counts once, as the share of its (non-skip) verdicts that agree
with the decision, so two reviewers do not double a sample. The interval is Wilson's score interval (95 %), which
stays inside [0, 1] and is honest for the small samples a review desk gathers.

Agreement is Cohen's kappa for each pair of reviewers, on the items both judged (accept or reject).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import combinations

from codemill.learn.metrics import wilson
from codemill.review.labels import Judgment


def cohen_kappa(a: list[str], b: list[str]) -> float | None:
    """Cohen's kappa of two raters over the same items; None when undefined (both raters used one label only,
    so chance agreement is 1) or no items."""
    if len(a) != len(b):
        raise ValueError(f"{len(a)} and {len(b)} ratings")
    n = len(a)
    if n == 0:
        return None
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    labels = set(a) | set(b)
    expected = sum((a.count(k) / n) * (b.count(k) / n) for k in labels)
    if expected >= 1.0:
        return None
    return (observed - expected) / (1 - expected)


@dataclass(frozen=True)
class Precision:
    stage: str
    decision: str  # "kept" or the drop reason
    rows: int  # rows of the run with this decision (from the manifest), 0 when no longer in it
    judged: int  # items with at least one accept/reject
    right: float  # items' summed agreement with the decision
    skipped: int  # items only skipped

    @property
    def precision(self) -> float | None:
        return self.right / self.judged if self.judged else None

    @property
    def interval(self) -> tuple[float, float] | None:
        return wilson(self.right, self.judged)

    @property
    def meaning(self) -> str:
        return "kept rows judged good" if self.decision == "kept" else "drops judged right (bad examples)"


def _right(j: Judgment) -> bool:
    return j.verdict == ("accept" if j.role == "kept" else "reject")


def precision_table(labels: Iterable[Judgment], funnels: Mapping[str, tuple[int, dict[str, int]]]
                    ) -> list[Precision]:
    """One row per stage decision: every decision of `funnels` (stage -> (kept, drop reasons)), judged or not,
    and any decision only the labels still know (a reason the current run no longer drops for)."""
    votes: dict[tuple[str, str], dict[str, list[bool]]] = defaultdict(lambda: defaultdict(list))
    skipped: dict[tuple[str, str], set[str]] = defaultdict(set)
    for j in labels:
        key = (j.stage, "kept" if j.role == "kept" else (j.drop_reason or "?"))
        if j.verdict == "skip":
            skipped[key].add(j.item_id)
        else:
            votes[key][j.item_id].append(_right(j))
    keys: dict[tuple[str, str], int] = {}
    for stage, (kept, reasons) in funnels.items():
        keys[(stage, "kept")] = kept
        for reason, count in sorted(reasons.items()):
            keys[(stage, reason)] = count
    for key in sorted(set(votes) | set(skipped)):
        keys.setdefault(key, 0)
    out = []
    for (stage, decision), rows in keys.items():
        items = votes.get((stage, decision), {})
        right = sum(sum(v) / len(v) for v in items.values())
        only_skipped = skipped.get((stage, decision), set()) - set(items)
        out.append(Precision(stage, decision, rows, len(items), right, len(only_skipped)))
    return out


@dataclass(frozen=True)
class Agreement:
    reviewer_a: str
    reviewer_b: str
    items: int
    observed: float | None
    kappa: float | None


def agreement(labels: Iterable[Judgment]) -> list[Agreement]:
    """Cohen's kappa for every pair of reviewers on the items both judged (accept/reject; skips left out)."""
    by_reviewer: dict[str, dict[tuple[str, str], str]] = defaultdict(dict)
    for j in labels:
        if j.verdict != "skip":
            by_reviewer[j.reviewer][(j.stage, j.item_id)] = j.verdict
    out = []
    for a, b in combinations(sorted(by_reviewer), 2):
        both = sorted(set(by_reviewer[a]) & set(by_reviewer[b]))
        ra = [by_reviewer[a][k] for k in both]
        rb = [by_reviewer[b][k] for k in both]
        observed = sum(x == y for x, y in zip(ra, rb, strict=True)) / len(both) if both else None
        out.append(Agreement(a, b, len(both), observed, cohen_kappa(ra, rb)))
    return out


def reviewer_counts(labels: Iterable[Judgment]) -> dict[str, dict[str, int]]:
    """reviewer -> verdict -> count of current labels."""
    out: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(("accept", "reject", "skip"), 0))
    for j in labels:
        out[j.reviewer][j.verdict] += 1
    return dict(sorted(out.items()))
