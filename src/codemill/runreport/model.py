"""The figures of a run report and the typed records of the numbers behind them.

`collect` fills a `RunData` from a run directory; `plots` draws each record, `tables` turns it into captions and
tables; nothing here reads files. A figure whose stages did not run holds a `Skipped` with the reason instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path


class FigureId(StrEnum):
    """One figure each: its value is the PNG's stem in `DIR/report/` and the HTML anchor."""

    FUNNEL = "funnel"
    DROP_REASONS = "drop_reasons"
    LANGUAGES = "languages"
    LICENSES = "licenses"
    CATEGORIES = "categories"
    SCORES = "scores"
    REPOS = "repos"
    CLUSTERS = "clusters"
    TOKENS = "tokens"
    TASKS = "tasks"
    TIMINGS = "timings"

    @property
    def png(self) -> str:
        return f"{self.value}.png"


@dataclass(frozen=True)
class Skipped:
    """A figure that cannot be drawn for this run, and why (a stage that did not run, or is not enabled)."""

    reason: str


@dataclass(frozen=True)
class StageSummary:
    """One stage's manifest: the funnel, drop reasons and counters, and how long its shards took."""

    stage: str
    state: str  # done | stale (codemill.engine.status)
    why: str
    complete: bool
    rows_in: int
    kept: int
    dropped: int
    drop_reasons: dict[str, int]
    counters: dict[str, int]
    shards: int
    failed: int
    shards_run: int  # in the last run of the stage
    shards_reused: int
    wall_seconds: float  # the last run of the stage, reused shards costing nothing
    shard_seconds: float  # every listed shard's own time, whenever it ran
    slowest_shard: str | None
    slowest_seconds: float


@dataclass(frozen=True)
class Mix:
    """Counts per name (largest first), with an optional second measure (bytes) per name."""

    what: str  # what is counted, for captions ("files")
    counts: dict[str, int]
    sizes: dict[str, int] = field(default_factory=dict)
    note: str = ""

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class CategoryTarget:
    """One category of `select/shortfall.json` (or, without targets, of the selection itself)."""

    category: str
    share: float | None  # target share; None when the selection had no targets
    quota: int | None
    available: int | None
    selected: int  # rows in train, copies included
    lacking: int | None


@dataclass(frozen=True)
class CategoryMix:
    total: int | None  # target rows of train; None without targets
    categories: list[CategoryTarget]

    @property
    def has_targets(self) -> bool:
        return self.total is not None


SCORE_COMPONENTS = ("score_specificity", "score_coherence", "score_tests", "score_labels", "score_author")
QUANTILES = (0.0, 0.25, 0.5, 0.75, 1.0)


@dataclass(frozen=True)
class Distribution:
    """A sample summarised: size, mean, and the values at `QUANTILES` (minimum, quartiles, maximum)."""

    n: int
    mean: float
    quantiles: tuple[float, ...]


@dataclass(frozen=True)
class ScoreStats:
    """The scores of one category's candidates in `pairs`, kept or dropped (None when there are none)."""

    category: str
    kept: Distribution | None
    dropped: Distribution | None
    component_means: dict[str, float]  # over kept and dropped alike

    @property
    def n(self) -> int:
        return sum(d.n for d in (self.kept, self.dropped) if d is not None)


@dataclass(frozen=True)
class RepoPairs:
    repo: str
    candidates: int  # pairs rows, kept and dropped
    kept: int  # kept by `pairs`
    selected: int | None  # rows in the selection, copies included (None when `select` did not run)


@dataclass(frozen=True)
class ClusterSizes:
    """`dedup` clusters: how many clusters have each size (files sharing a survivor)."""

    sizes: dict[int, int]  # cluster size -> clusters
    files: int

    @property
    def clusters(self) -> int:
        return sum(self.sizes.values())


@dataclass(frozen=True)
class TokenCounts:
    documents: int
    tokens: int | None  # None: not tokenized
    packed_sequences: int | None
    seq_len: int | None
    per_document: list[int]  # tokens per document (from the Megatron-LM index), empty when not written
    note: str = ""


@dataclass(frozen=True)
class TaskOutcome:
    """One verification stage (`tasks` or `bugs`): instances kept and rows dropped by reason."""

    stage: str
    kept: int
    drop_reasons: dict[str, int]
    counters: dict[str, int]
    kept_by: dict[str, int]  # `bugs`: kept instances per mutation operator


@dataclass(frozen=True)
class TaskOutcomes:
    stages: list[TaskOutcome]  # the verification stages that ran
    skipped: dict[str, str]  # the others: stage -> why


@dataclass
class RunData:
    run_dir: Path
    stages: dict[str, StageSummary]  # stages with a manifest, in pipeline order
    not_run: list[str]  # stages without one
    code_versions: list[str]
    corpus_languages: Mix | Skipped
    corpus_licenses: Mix | Skipped
    categories: CategoryMix | Skipped
    scores: list[ScoreStats] | Skipped
    repos: list[RepoPairs] | Skipped
    clusters: ClusterSizes | Skipped
    tokens: TokenCounts | Skipped
    tasks: TaskOutcomes | Skipped
    notes: list[str] = field(default_factory=list)
