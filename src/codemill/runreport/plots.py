"""The report's figures as PNG bytes: one function per `FigureId`, each drawing one record of `model`.

Matplotlib is used through `Figure` and the Agg canvas only (no pyplot, no GUI backend, no global state), under
matplotlib's default style plus `STYLE` whatever the user's matplotlibrc says, at a fixed DPI and without the
`Software` PNG chunk, so the same numbers give the same bytes on the same matplotlib and FreeType.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Sequence

import matplotlib.style
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from codemill.runreport.model import (
    CategoryMix,
    ClusterSizes,
    FigureId,
    Mix,
    RepoPairs,
    ScoreStats,
    Skipped,
    StageSummary,
    TaskOutcomes,
    TokenCounts,
)

DPI = 100
WIDTH = 10.0  # inches: 1000 px
STYLE = {
    "font.family": "DejaVu Sans",  # ships with matplotlib: the same glyphs on every machine
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.color": "#e4e4e4",
    "legend.frameon": False,
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "path.simplify": False,
}
KEPT, DROPPED, TARGET, AVAILABLE, OTHER = "#4c72b0", "#dd8452", "#8c8c8c", "#a1c9f4", "#55a868"
MAX_BARS = 25  # longer lists show their head and an "other" bar; the tables hold every row
LABEL_CHARS = 42
REJECTED = ".rejected."  # `bugs.rejected.<reason>`, `rl.rejected.<reason>`: candidates tried and rejected


def draw(figure: FigureId, record: object) -> bytes | None:
    """The figure's PNG from its record (see `tables.sections`), or None when there is nothing to draw."""
    if isinstance(record, Skipped):
        return None
    return _DRAW[figure](record)


def _render(build: Callable[[], Figure | None]) -> bytes | None:
    with matplotlib.style.context(["default", STYLE]):
        fig = build()
        if fig is None:
            return None
        FigureCanvasAgg(fig)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue()


def _figure(height: float, **kw) -> Figure:
    return Figure(figsize=(WIDTH, max(height, 2.0)), layout="constrained", **kw)


def _label(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[:LABEL_CHARS - 1] + "…"


def _head(items: Sequence[tuple[str, int]], limit: int = MAX_BARS) -> list[tuple[str, int]]:
    """The first `limit - 1` items and one summing the rest, when there are more than `limit`."""
    items = list(items)
    if len(items) <= limit:
        return items
    rest = items[limit - 1:]
    return [*items[:limit - 1], (f"other ({len(rest)})", sum(n for _, n in rest))]


def _hbars(ax: Axes, labels: list[str], values: list[float], color: str, fmt: Callable[[float], str],
           log: bool = False) -> None:
    """Horizontal bars, first label at the top, each annotated with its value."""
    y = np.arange(len(labels))
    ax.barh(y, values, color=color, height=0.7)
    ax.set_yticks(y, [_label(x) for x in labels])
    ax.invert_yaxis()
    ax.grid(axis="y", visible=False)
    if log:
        ax.set_xscale("log")
        ax.set_xlim(left=0.8, right=max([*values, 1]) * 8)
    else:
        ax.set_xlim(0, max([*values, 1]) * 1.15)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    for yi, v in zip(y, values, strict=True):
        ax.annotate(fmt(v), (max(v, 1 if log else 0), yi), xytext=(3, 0), textcoords="offset points",
                    va="center", fontsize=8)


def _count(v: float) -> str:
    return f"{int(v):,}"


def funnel(stages: list[StageSummary]) -> bytes | None:
    def build() -> Figure:
        fig = _figure(0.32 * len(stages) + 1.3)
        left, right = fig.subplots(1, 2, sharey=True, width_ratios=[1, 1.25])
        names = [s.stage for s in stages]
        _hbars(left, names, [s.rows_in for s in stages], TARGET, _count, log=True)
        left.set_title("rows in (log scale)")
        y = np.arange(len(stages))
        kept = np.array([s.kept / s.rows_in if s.rows_in else 0.0 for s in stages])
        right.barh(y, kept, color=KEPT, height=0.7, label="kept")
        right.barh(y, [1 - k if s.rows_in else 0.0 for k, s in zip(kept, stages, strict=True)], left=kept,
                   color=DROPPED, height=0.7, label="dropped")
        for yi, s in zip(y, stages, strict=True):
            text = f"{s.kept:,} kept · {s.dropped:,} dropped" if s.rows_in else "no rows"
            right.annotate(text, (0.01, yi), va="center", fontsize=8, color="white" if s.rows_in else "black")
        right.set_xlim(0, 1)
        right.xaxis.set_major_formatter(lambda v, _pos: f"{v:.0%}")
        right.grid(axis="y", visible=False)
        right.set_title("kept and dropped share of rows in")
        fig.legend(loc="outside lower center", ncols=2)
        return fig

    return _render(build) if stages else None


def drop_reasons(stages: list[StageSummary]) -> bytes | None:
    with_drops = [s for s in stages if s.drop_reasons]
    if not with_drops:
        return None

    def build() -> Figure:
        rows = [_head(sorted(s.drop_reasons.items(), key=lambda kv: (-kv[1], kv[0])), 15) for s in with_drops]
        fig = _figure(sum(0.24 * len(r) + 0.55 for r in rows) + 0.3)
        axes = fig.subplots(len(rows), 1, height_ratios=[len(r) + 0.6 for r in rows], squeeze=False)[:, 0]
        for ax, s, r in zip(axes, with_drops, rows, strict=True):
            _hbars(ax, [k for k, _ in r], [v for _, v in r], DROPPED, _count)
            ax.set_title(f"{s.stage}: {s.dropped:,} dropped of {s.rows_in:,}", loc="left")
        return fig

    return _render(build)


def mix(m: Mix, title: str) -> bytes | None:
    if not m.counts:
        return None

    def build() -> Figure:
        rows = _head(list(m.counts.items()))
        total = m.total or 1
        fig = _figure(0.24 * len(rows) + 1.0)
        ax = fig.subplots()
        _hbars(ax, [k for k, _ in rows], [v for _, v in rows], KEPT, lambda v: f"{int(v):,} ({v / total:.1%})")
        ax.set_title(f"{title}: {m.total:,} {m.what}", loc="left")
        ax.set_xlabel(m.what)
        return fig

    return _render(build)


def categories(c: CategoryMix) -> bytes | None:
    if not c.categories:
        return None

    def build() -> Figure:
        cats = c.categories
        fig = _figure(0.42 * len(cats) + 1.2 if c.has_targets else 0.26 * len(cats) + 1.0)
        ax = fig.subplots()
        y = np.arange(len(cats))
        if not c.has_targets:
            _hbars(ax, [x.category for x in cats], [x.selected for x in cats], KEPT, _count)
            ax.set_title("train rows per category (no category targets)", loc="left")
            return fig
        h = 0.26
        ax.barh(y - h, [x.quota or 0 for x in cats], h, color=TARGET, label="quota (target)")
        ax.barh(y, [x.available or 0 for x in cats], h, color=AVAILABLE, label="available")
        ax.barh(y + h, [x.selected for x in cats], h, color=KEPT, label="selected (with copies)")
        top = max(max(x.quota or 0, x.available or 0, x.selected) for x in cats) or 1
        for yi, x in zip(y, cats, strict=True):
            end = max(x.quota or 0, x.available or 0, x.selected)
            text = f"lacking {x.lacking:,}" if x.lacking else "quota met"
            ax.annotate(text, (end, yi), xytext=(4, 0), textcoords="offset points", va="center", fontsize=8,
                        color=DROPPED if x.lacking else "#444444")
        ax.set_xlim(0, top * 1.22)
        ax.set_yticks(y, [f"{_label(x.category)} ({x.share:.0%})" for x in cats])
        ax.invert_yaxis()
        ax.grid(axis="y", visible=False)
        ax.set_xlabel("train rows")
        ax.set_title(f"category mix against targets ({c.total:,} target train rows; target share in brackets)",
                     loc="left")
        fig.legend(loc="outside lower center", ncols=3)
        return fig

    return _render(build)


def scores(stats: list[ScoreStats]) -> bytes | None:
    if not stats:
        return None

    def build() -> Figure:
        fig = _figure(0.45 * len(stats) + 1.3)
        ax = fig.subplots()
        for offset, side, color in ((-0.19, "kept", KEPT), (0.19, "dropped", DROPPED)):
            boxes, pos = [], []
            for i, s in enumerate(stats):
                d = getattr(s, side)
                if d is None:
                    continue
                q0, q1, q2, q3, q4 = d.quantiles
                boxes.append({"whislo": q0, "q1": q1, "med": q2, "q3": q3, "whishi": q4, "mean": d.mean,
                              "fliers": [], "label": ""})
                pos.append(i + offset)
            if boxes:
                art = ax.bxp(boxes, positions=pos, orientation="horizontal", widths=0.32, patch_artist=True,
                             showmeans=True, meanprops={"marker": "D", "markersize": 3.5, "markerfacecolor": "white",
                                                        "markeredgecolor": "black"},
                             medianprops={"color": "black"}, manage_ticks=False)
                for patch in art["boxes"]:
                    patch.set_facecolor(color)
                art["boxes"][0].set_label(side)
        labels = [f"{_label(s.category)}  ({s.kept.n if s.kept else 0:,} kept, "
                  f"{s.dropped.n if s.dropped else 0:,} dropped)" for s in stats]
        ax.set_yticks(np.arange(len(stats)), labels)
        ax.set_ylim(len(stats) - 0.5, -0.5)
        ax.grid(axis="y", visible=False)
        ax.set_xlabel("score (box: quartiles, whiskers: min and max, diamond: mean)")
        ax.set_title("pair scores per category, kept and dropped candidates", loc="left")
        fig.legend(loc="outside lower center", ncols=2)
        return fig

    return _render(build)


def repos(rows: list[RepoPairs]) -> bytes | None:
    if not rows:
        return None

    def build() -> Figure:
        shown = rows[:MAX_BARS]
        with_selected = any(r.selected is not None for r in shown)
        bars = [("candidates", TARGET, [r.candidates for r in shown]), ("kept by pairs", KEPT, [r.kept for r in shown])]
        if with_selected:
            bars.append(("selected (with copies)", OTHER, [r.selected or 0 for r in shown]))
        fig = _figure((0.16 * len(bars) + 0.14) * len(shown) + 1.2)
        ax = fig.subplots()
        y = np.arange(len(shown))
        h = 0.8 / len(bars)
        for i, (name, color, values) in enumerate(bars):
            pos = y + (i - (len(bars) - 1) / 2) * h
            ax.barh(pos, values, h, color=color, label=name)
            for p, v in zip(pos, values, strict=True):
                ax.annotate(f"{v:,}", (v, p), xytext=(3, 0), textcoords="offset points", va="center", fontsize=7)
        ax.set_yticks(y, [_label(r.repo) for r in shown])
        ax.invert_yaxis()
        ax.grid(axis="y", visible=False)
        ax.set_xlim(0, max(r.candidates for r in shown) * 1.15 or 1)
        ax.set_xlabel("pairs")
        more = f" (top {len(shown)} of {len(rows):,} by kept pairs)" if len(rows) > len(shown) else ""
        ax.set_title(f"pairs per repository{more}", loc="left")
        fig.legend(loc="outside lower center", ncols=len(bars))
        return fig

    return _render(build)


def _size_buckets(sizes: dict[int, int]) -> list[tuple[str, int]]:
    """Cluster sizes as bars: one per size while there are few, else powers of two (1, 2, 3-4, 5-8, ...)."""
    if len(sizes) <= 16:
        return [(str(k), v) for k, v in sorted(sizes.items())]
    buckets: dict[tuple[int, int], int] = {}
    for size, n in sizes.items():
        hi = 1 << max(0, math.ceil(math.log2(size)))
        lo = hi // 2 + 1 if hi > 1 else 1
        buckets[(lo, hi)] = buckets.get((lo, hi), 0) + n
    return [(str(lo) if lo == hi else f"{lo}-{hi}", n) for (lo, hi), n in sorted(buckets.items())]


def clusters(c: ClusterSizes) -> bytes | None:
    def build() -> Figure:
        rows = _size_buckets(c.sizes)
        fig = _figure(3.6)
        ax = fig.subplots()
        x = np.arange(len(rows))
        values = [n for _, n in rows]
        ax.bar(x, values, color=KEPT, width=0.7)
        ax.set_xticks(x, [k for k, _ in rows])
        ax.set_xlim(-0.6, max(len(rows), 8) - 0.4)  # a bar stays a bar when there are few sizes
        ax.set_yscale("log")
        ax.set_ylim(0.8, max(values) * 5)
        ax.grid(axis="x", visible=False)
        for xi, v in zip(x, values, strict=True):
            ax.annotate(f"{v:,}", (xi, v), xytext=(0, 2), textcoords="offset points", ha="center", fontsize=8)
        ax.set_xlabel("cluster size (files with the same survivor; 1 = no duplicate)")
        ax.set_ylabel("clusters (log scale)")
        ax.set_title(f"dedup clusters: {c.clusters:,} clusters over {c.files:,} files", loc="left")
        return fig

    return _render(build) if c.sizes else None


def tokens(t: TokenCounts) -> bytes | None:
    if not t.per_document:
        return None

    def build() -> Figure:
        fig = _figure(3.6)
        ax = fig.subplots()
        values = np.array(t.per_document)
        lo, hi = max(int(values.min()), 1), max(int(values.max()), 2)
        bins = np.unique(np.geomspace(lo * 0.99, hi * 1.01, num=min(40, max(5, len(values) // 2))))
        ax.hist(values, bins=bins, color=KEPT)
        ax.set_xscale("log")
        ax.set_xlabel("tokens per document (log scale)")
        ax.set_ylabel("documents")
        ax.grid(axis="x", visible=False)
        ax.set_title(f"tokens per document: {t.tokens:,} tokens over {t.documents:,} documents, "
                     f"median {int(np.median(values)):,}", loc="left")
        return fig

    return _render(build)


def tasks(o: TaskOutcomes) -> bytes | None:
    panels: list[tuple[str, list[tuple[str, int]], list[str]]] = []
    for s in o.stages:
        rows = [("verified (kept)", s.kept), *sorted(s.drop_reasons.items(), key=lambda kv: (-kv[1], kv[0]))]
        panels.append((f"{s.stage}: verification outcomes", rows, [KEPT] + [DROPPED] * (len(rows) - 1)))
        if s.kept_by:
            panels.append((f"{s.stage}: kept by mutation operator", list(s.kept_by.items()), [KEPT] * len(s.kept_by)))
        prefix = f"{s.stage}{REJECTED}"
        rejected = sorted(((k.removeprefix(prefix), v) for k, v in s.counters.items() if k.startswith(prefix)),
                          key=lambda kv: (-kv[1], kv[0]))
        if rejected:
            what = {"bugs": "mutants", "rl": "functions"}.get(s.stage, "candidates")
            panels.append((f"{s.stage}: rejected {what} by reason", rejected, [TARGET] * len(rejected)))

    def build() -> Figure:
        fig = _figure(sum(0.26 * len(r) + 0.6 for _, r, _ in panels) + 0.3)
        axes = fig.subplots(len(panels), 1, height_ratios=[len(r) + 0.6 for _, r, _ in panels], squeeze=False)[:, 0]
        for ax, (title, rows, colors) in zip(axes, panels, strict=True):
            y = np.arange(len(rows))
            values = [n for _, n in rows]
            ax.barh(y, values, color=colors, height=0.7)
            ax.set_yticks(y, [_label(k) for k, _ in rows])
            ax.invert_yaxis()
            ax.grid(axis="y", visible=False)
            ax.set_xlim(0, max([*values, 1]) * 1.15)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            for yi, v in zip(y, values, strict=True):
                ax.annotate(f"{v:,}", (v, yi), xytext=(3, 0), textcoords="offset points", va="center", fontsize=8)
            ax.set_title(title, loc="left")
        return fig

    return _render(build)


def timings(stages: list[StageSummary]) -> bytes | None:
    if not stages:
        return None

    def build() -> Figure:
        fig = _figure(0.36 * len(stages) + 1.3)
        ax = fig.subplots()
        y = np.arange(len(stages))
        h = 0.38
        shard = [s.shard_seconds for s in stages]
        wall = [s.wall_seconds for s in stages]
        ax.barh(y - h / 2, shard, h, color=KEPT, label="sum of its shards' times (whenever each ran)")
        ax.barh(y + h / 2, wall, h, color=TARGET, label="last run of the stage (wall clock; reused shards cost ~0)")
        for yi, a, b in zip(y, shard, wall, strict=True):
            ax.annotate(f"{a:,.1f}s", (a, yi - h / 2), xytext=(3, 0), textcoords="offset points", va="center",
                        fontsize=7)
            ax.annotate(f"{b:,.1f}s", (b, yi + h / 2), xytext=(3, 0), textcoords="offset points", va="center",
                        fontsize=7)
        ax.set_yticks(y, [s.stage for s in stages])
        ax.invert_yaxis()
        ax.grid(axis="y", visible=False)
        ax.set_xlim(0, max([*shard, *wall, 0.001]) * 1.15)
        ax.set_xlabel("seconds")
        ax.set_title("stage timings", loc="left")
        fig.legend(loc="outside lower center", ncols=2)
        return fig

    return _render(build)


_DRAW: dict[FigureId, Callable[[object], bytes | None]] = {
    FigureId.FUNNEL: funnel,
    FigureId.DROP_REASONS: drop_reasons,
    FigureId.LANGUAGES: lambda m: mix(m, "languages of the corpus files"),
    FigureId.LICENSES: lambda m: mix(m, "licenses of the corpus files"),
    FigureId.CATEGORIES: categories,
    FigureId.SCORES: scores,
    FigureId.REPOS: repos,
    FigureId.CLUSTERS: clusters,
    FigureId.TOKENS: tokens,
    FigureId.TASKS: tasks,
    FigureId.TIMINGS: timings,
}
