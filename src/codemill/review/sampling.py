"""Seeded samples of a stage's kept rows, or of its rows dropped for one reason, stratified by repository,
category and score band.

The population is read from a few columns only (id, repository, category, score, drop reason), in manifest
order, so the same seed over the same parts always draws the same rows. Allocation is proportional (largest
remainder, ties broken by the seed): every stratum gets its share of the sample, so a precision measured on the
sample estimates the precision of the whole population without re-weighting, and small repositories or rare
categories are not left out by chance more than their share says.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from dataclasses import dataclass, field

from codemill.engine.stage import DROP_REASON
from codemill.review.data import ROLES, Located, NotFound, ReviewError, Run, id_column

MAX_SAMPLE = 500
# Columns that name a row's repository and its category, by stage family (first present wins).
REPO_COLUMNS = ("repo_id", "repo", "source_id")
CATEGORY_COLUMNS = ("category", "language", "mutation", "level")
BAND_EDGES = (0.2, 0.4, 0.6, 0.8)


def score_band(score: float | None) -> str:
    """The band of a score in [0, 1]: `0.0-0.2` ... `0.8-1.0`, or `-` for none."""
    if score is None or (isinstance(score, float) and math.isnan(score)):
        return "-"
    lo = 0.0
    for edge in BAND_EDGES:
        if score < edge:
            return f"{lo:.1f}-{edge:.1f}"
        lo = edge
    return f"{lo:.1f}-1.0"


@dataclass(frozen=True)
class SampleSpec:
    stage: str
    role: str = "kept"
    reason: str | None = None  # dropped rows of this reason only
    seed: int = 0
    n: int = 20

    def __post_init__(self) -> None:
        id_column(self.stage)  # a known stage that writes rows
        if self.role not in ROLES:
            raise ReviewError(f"role must be one of {', '.join(ROLES)}, not {self.role!r}")
        if self.reason and self.role != "dropped":
            raise ReviewError("a drop reason only applies to dropped rows (role=dropped)")
        if not 1 <= self.n <= MAX_SAMPLE:
            raise ReviewError(f"n must be between 1 and {MAX_SAMPLE}, not {self.n}")

    def query(self) -> dict[str, str | int]:
        q: dict[str, str | int] = {"role": self.role, "seed": self.seed, "n": self.n}
        if self.reason:
            q["reason"] = self.reason
        return q


@dataclass(frozen=True)
class Candidate:
    loc: Located
    repo: str
    category: str
    band: str
    drop_reason: str | None

    @property
    def stratum(self) -> tuple[str, str, str]:
        return (self.repo, self.category, self.band)


@dataclass
class Sample:
    spec: SampleSpec
    digest: str  # the stage manifest's digest when drawn
    population: int
    items: list[Candidate]
    strata: dict[tuple[str, str, str], tuple[int, int]] = field(default_factory=dict)  # -> (population, drawn)

    def position(self, item_id: str) -> int:
        for i, c in enumerate(self.items):
            if c.loc.item_id == item_id:
                return i
        raise NotFound(f"{item_id!r} is not in this sample of {self.spec.stage} (seed {self.spec.seed}, "
                       f"n {self.spec.n}); open it without sample parameters or redraw")


def _first(names: list[str], options: tuple[str, ...]) -> str | None:
    return next((c for c in options if c in names), None)


def population(run: Run, spec: SampleSpec) -> tuple[str, list[Candidate]]:
    """(manifest digest, every candidate row) for the spec, in manifest order."""
    col = id_column(spec.stage)
    m = run.manifest(spec.stage)
    out: list[Candidate] = []
    for a in run.parts(spec.stage, spec.role, m):
        names = run.names(spec.stage, a.path)
        repo_col, cat_col = _first(names, REPO_COLUMNS), _first(names, CATEGORY_COLUMNS)
        cols = [c for c in (col, repo_col, cat_col, "score" if "score" in names else None,
                            DROP_REASON if spec.role == "dropped" else None) if c]
        t = run.read(spec.stage, a.path, cols).to_pydict()
        for i, item_id in enumerate(t[col]):
            reason = t[DROP_REASON][i] if spec.role == "dropped" else None
            if spec.reason and reason != spec.reason:
                continue
            out.append(Candidate(Located(a.path, i, item_id, spec.role),
                                 str(t[repo_col][i]) if repo_col else "-",
                                 str(t[cat_col][i] or "-") if cat_col else "-",
                                 score_band(t["score"][i]) if "score" in t else "-", reason))
    if spec.reason and not out:
        reasons = sorted(m.totals()["drop_reasons"])
        raise NotFound(f"no rows of {spec.stage} dropped for {spec.reason!r}; its reasons are "
                       f"{', '.join(reasons) or 'none'}")
    return m.digest(), out


def allocate(sizes: dict[tuple, int], n: int, rng: random.Random) -> dict[tuple, int]:
    """Proportional allocation of `n` draws over strata of `sizes` (largest remainder, ties by `rng`)."""
    total = sum(sizes.values())
    if n >= total:
        return dict(sizes)
    exact = {k: n * s / total for k, s in sizes.items()}
    quota = {k: math.floor(v) for k, v in exact.items()}
    order = sorted(sizes, key=lambda k: (-(exact[k] - quota[k]), rng.random()))
    for k in order[: n - sum(quota.values())]:
        quota[k] += 1
    return quota


def draw(spec: SampleSpec, digest: str, candidates: list[Candidate]) -> Sample:
    rng = random.Random(f"{spec.stage}:{spec.role}:{spec.reason or ''}:{spec.seed}")
    groups: dict[tuple, list[Candidate]] = defaultdict(list)
    for c in candidates:
        groups[c.stratum].append(c)
    keys = sorted(groups)
    quota = allocate({k: len(groups[k]) for k in keys}, spec.n, rng)
    picked: list[Candidate] = []
    strata = {}
    for k in keys:
        rows = groups[k][:]
        rng.shuffle(rows)
        picked += rows[: quota[k]]
        strata[k] = (len(groups[k]), quota[k])
    rng.shuffle(picked)  # interleave strata, so a reviewer who stops early still saw a spread
    return Sample(spec, digest, len(candidates), picked, strata)


def sample(run: Run, spec: SampleSpec) -> Sample:
    digest, cands = population(run, spec)
    return draw(spec, digest, cands)
