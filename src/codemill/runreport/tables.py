"""What each section of the report says: its title, caption, the record its figure draws, and the tables of the
numbers behind it (formatted text, so the HTML shows exactly what the manifests and parts hold)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from codemill.runreport.model import (
    SCORE_COMPONENTS,
    CategoryMix,
    ClusterSizes,
    Distribution,
    FigureId,
    Mix,
    RepoPairs,
    RunData,
    ScoreStats,
    Skipped,
    StageSummary,
    TaskOutcomes,
    TokenCounts,
)

MAX_TABLE_ROWS = 500  # longer tables (repositories) show their head and say how many rows are left out


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[list[str]]
    numeric: frozenset[int] = frozenset()  # right-aligned columns
    title: str = ""
    note: str = ""


@dataclass(frozen=True)
class Section:
    figure: FigureId
    title: str
    caption: str
    record: object  # what `plots.draw` draws; a `Skipped` gives a note instead of a figure
    tables: list[Table] = field(default_factory=list)

    @property
    def skipped(self) -> str | None:
        return self.record.reason if isinstance(self.record, Skipped) else None


def n(v: int | None) -> str:
    return "-" if v is None else f"{v:,}"


def pct(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else "-"


def f3(v: float | None) -> str:
    return "-" if v is None else f"{v:.3f}"


def sections(data: RunData) -> list[Section]:
    stages = list(data.stages.values())
    return [
        Section(FigureId.FUNNEL, "Funnel", "Rows in, kept and dropped per stage, from each stage's manifest "
                "(`in = kept + dropped`). Counters record what a stage did to rows without dropping them.",
                stages, [_funnel_table(stages), _counters_table(stages)]),
        Section(FigureId.DROP_REASONS, "Drop reasons", "Why rows were dropped, per stage (every dropped row is kept "
                "in the stage's `dropped/` parts; `codemill inspect DIR STAGE --dropped REASON` shows samples).",
                stages if any(s.drop_reasons for s in stages) else Skipped("no stage dropped any row"),
                [_drop_table(stages)]),
        _mix_section(FigureId.LANGUAGES, "Languages of the corpus files", "language", data.corpus_languages),
        _mix_section(FigureId.LICENSES, "Licenses of the corpus files", "license", data.corpus_licenses),
        _categories_section(data.categories),
        _scores_section(data.scores),
        _repos_section(data.repos),
        _clusters_section(data.clusters),
        _tokens_section(data.tokens),
        _tasks_section(data.tasks),
        Section(FigureId.TIMINGS, "Run timings", "Seconds per stage from the manifests: the sum of the times its "
                "listed shards took when they ran (work reused from earlier runs included), and the wall clock of "
                "the stage's last run (parallel shards overlap; reused shards cost almost nothing).",
                stages, [_timings_table(stages)]),
    ]


def _funnel_table(stages: list[StageSummary]) -> Table:
    rows = [[s.stage, s.state, n(s.rows_in), n(s.kept), n(s.dropped),
             pct(s.kept, s.rows_in)] for s in stages]
    return Table(["stage", "state", "in", "kept", "dropped", "kept share"], rows, frozenset({2, 3, 4, 5}))


def _counters_table(stages: list[StageSummary]) -> Table:
    rows = [[s.stage, k, n(v)] for s in stages for k, v in s.counters.items()]
    return Table(["stage", "counter", "value"], rows, frozenset({2}), title="counters")


def _drop_table(stages: list[StageSummary]) -> Table:
    rows = [[s.stage, reason, n(v), pct(v, s.dropped)]
            for s in stages for reason, v in sorted(s.drop_reasons.items(), key=lambda kv: (-kv[1], kv[0]))]
    return Table(["stage", "reason", "rows", "share of the stage's drops"], rows, frozenset({2, 3}))


def _mix_section(figure: FigureId, title: str, key: str, m: Mix | Skipped) -> Section:
    caption = (f"The {key} of each file in the pretraining corpus, counted in files (bars) and bytes (table)"
               + (f": {m.note}." if isinstance(m, Mix) and m.note else "."))
    if isinstance(m, Skipped):
        return Section(figure, title, caption, m)
    total_bytes = sum(m.sizes.values())
    rows = [[k, n(v), pct(v, m.total), n(m.sizes.get(k, 0)), pct(m.sizes.get(k, 0), total_bytes)]
            for k, v in m.counts.items()]
    table = Table([key, "files", "share", "bytes", "byte share"], rows, frozenset({1, 2, 3, 4}))
    return Section(figure, title, caption, m if m.counts else Skipped("no file reached the corpus"), [table])


def _categories_section(c: CategoryMix | Skipped) -> Section:
    caption = ("The train split's category mix against the `[select] targets`, from `select/shortfall.json`: "
               "each category's quota, the pairs available for it, the rows selected (best-scored first, repeated "
               "up to `max_upsample` times) and what is still lacking, which synthesis is to fill.")
    if isinstance(c, Skipped):
        return Section(FigureId.CATEGORIES, "Category mix against targets", caption, c)
    if not c.has_targets:
        rows = [[x.category, n(x.selected), pct(x.selected, sum(y.selected for y in c.categories))]
                for x in c.categories]
        return Section(FigureId.CATEGORIES, "Category mix", "The train split's category mix (rows with their "
                       "copies); the run set no `[select] targets`, so there are no quotas to compare with.", c,
                       [Table(["category", "train rows", "share"], rows, frozenset({1, 2}))])
    rows = [[x.category, f"{x.share:.1%}", n(x.quota), n(x.available), n(x.selected), n(x.lacking)]
            for x in c.categories]
    rows.append(["total", pct(sum(x.quota or 0 for x in c.categories), c.total or 0), n(c.total),
                 n(sum(x.available or 0 for x in c.categories)), n(sum(x.selected for x in c.categories)),
                 n(sum(x.lacking or 0 for x in c.categories))])
    table = Table(["category", "target share", "quota", "available", "selected", "lacking"], rows,
                  frozenset({1, 2, 3, 4, 5}))
    return Section(FigureId.CATEGORIES, "Category mix against targets", caption, c, [table])


def _dist_cells(d: Distribution | None) -> list[str]:
    if d is None:
        return ["0", "-", "-", "-", "-", "-", "-"]
    return [n(d.n), f3(d.mean), *(f3(q) for q in d.quantiles)]


def _scores_section(stats: list[ScoreStats] | Skipped) -> Section:
    caption = ("The `pairs` score of every candidate, kept or dropped, per category (`score` combines the "
               "components under the shipped weights; `select` combines them again under `[select] weights`, "
               "then ranks and cuts).")
    if isinstance(stats, Skipped):
        return Section(FigureId.SCORES, "Score distributions per category", caption, stats)
    dist = [[s.category, side, *_dist_cells(getattr(s, side))] for s in stats for side in ("kept", "dropped")]
    comps = [[s.category, n(s.n), *(f3(s.component_means.get(c)) for c in SCORE_COMPONENTS)] for s in stats]
    return Section(FigureId.SCORES, "Score distributions per category", caption, stats, [
        Table(["category", "candidates", "n", "mean", "min", "q1", "median", "q3", "max"], dist,
              frozenset(range(2, 9)), title="score"),
        Table(["category", "candidates", *(c.removeprefix("score_") for c in SCORE_COMPONENTS)], comps,
              frozenset(range(1, 2 + len(SCORE_COMPONENTS))), title="mean score components (kept and dropped)"),
    ])


def _repos_section(rows: list[RepoPairs] | Skipped) -> Section:
    caption = ("Candidate pairs per repository (kept and dropped by `pairs`), those `pairs` kept, and the rows "
               "`select` took from it in any split (copies included).")
    if isinstance(rows, Skipped):
        return Section(FigureId.REPOS, "Pairs per repository", caption, rows)
    shown = rows[:MAX_TABLE_ROWS]
    note = f"{len(rows) - len(shown):,} more repositories not shown" if len(rows) > len(shown) else ""
    table = Table(["repository", "candidates", "kept by pairs", "selected"],
                  [[r.repo, n(r.candidates), n(r.kept), n(r.selected)] for r in shown], frozenset({1, 2, 3}),
                  note=note)
    return Section(FigureId.REPOS, "Pairs per repository", caption, rows, [table])


def _clusters_section(c: ClusterSizes | Skipped) -> Section:
    caption = ("`dedup` clusters: files with the same `cluster_id` (exact and near duplicates of one survivor). "
               "A cluster of size 1 is a file without duplicates; every other file of a cluster was dropped.")
    if isinstance(c, Skipped):
        return Section(FigureId.CLUSTERS, "Dedup cluster sizes", caption, c)
    rows = [[str(size), n(k), n(size * k)] for size, k in c.sizes.items()]
    rows.append(["total", n(c.clusters), n(c.files)])
    return Section(FigureId.CLUSTERS, "Dedup cluster sizes", caption, c,
                   [Table(["cluster size", "clusters", "files"], rows, frozenset({0, 1, 2}))])


def _tokens_section(t: TokenCounts | Skipped) -> Section:
    caption = ("Tokens of the pretraining corpus with the configured tokenizer: totals from the `corpus` manifest, "
               "tokens per document (EOS included) from the Megatron-LM index.")
    if isinstance(t, Skipped):
        return Section(FigureId.TOKENS, "Token counts", caption, t)
    rows = [["documents", n(t.documents)], ["tokens", n(t.tokens)], ["packed sequences", n(t.packed_sequences)],
            ["sequence length", n(t.seq_len)]]
    if t.per_document:
        v = np.array(t.per_document)
        rows += [["tokens per document: min", n(int(v.min()))], ["tokens per document: median", n(int(np.median(v)))],
                 ["tokens per document: mean", f"{float(v.mean()):,.1f}"],
                 ["tokens per document: max", n(int(v.max()))]]
    return Section(FigureId.TOKENS, "Token counts", caption + (f" ({t.note}.)" if t.note else ""),
                   t if t.per_document else Skipped(t.note or "no per-document counts"),
                   [Table(["measure", "value"], rows, frozenset({1}))])


def _tasks_section(o: TaskOutcomes | Skipped) -> Section:
    caption = ("Verified task instances: `tasks` (SWE-bench-style, from pairs) and `bugs` (synthetic bugs), each "
               "kept when verified in the sandbox, else dropped with the reason it failed.")
    if isinstance(o, Skipped):
        return Section(FigureId.TASKS, "Task verification outcomes", caption, o)
    rows = [r for s in o.stages for r in ([[s.stage, "verified (kept)", n(s.kept)]]
                                          + [[s.stage, k, n(v)] for k, v in s.drop_reasons.items()])]
    tables = [Table(["stage", "outcome", "rows"], rows, frozenset({2}))]
    counters = [[s.stage, k, n(v)] for s in o.stages for k, v in s.counters.items()]
    if counters:
        tables.append(Table(["stage", "counter", "value"], counters, frozenset({2}), title="counters"))
    kept_by = [[s.stage, k, n(v)] for s in o.stages for k, v in s.kept_by.items()]
    if kept_by:
        tables.append(Table(["stage", "mutation", "kept"], kept_by, frozenset({2}), title="kept by mutation operator"))
    if o.skipped:
        caption += " " + " ".join(f"`{s}` {why}." for s, why in o.skipped.items())
    return Section(FigureId.TASKS, "Task verification outcomes", caption, o, tables)


def _timings_table(stages: list[StageSummary]) -> Table:
    rows = [[s.stage, n(s.shards), n(s.shards_run), n(s.shards_reused), n(s.failed), f"{s.shard_seconds:,.2f}",
             f"{s.wall_seconds:,.2f}", s.slowest_shard or "-", f"{s.slowest_seconds:,.2f}"] for s in stages]
    return Table(["stage", "shards", "run", "reused", "failed", "shard seconds (sum)", "last run seconds",
                  "slowest shard", "its seconds"], rows, frozenset({1, 2, 3, 4, 5, 6, 8}))
