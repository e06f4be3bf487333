"""Terminal output: per-stage progress, the funnel, status tables and readable samples.

The progress bars and the diff highlighter (pygments) are imported where used, not by `codemill status`."""

from __future__ import annotations

import time
from collections.abc import Mapping

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from codemill.engine.manifest import Manifest, ShardEntry
from codemill.engine.status import StageState
from codemill.layout import SELECT_SHORTFALL, SELECT_SPLITS
from codemill.rundir import RunDir


class ProgressReporter:
    """Shows, per stage, shards done of shards to run, rows produced, rows per second and an ETA."""

    def __init__(self, console: Console):
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.progress = Progress(
            TextColumn("{task.description:<8}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[rows]:>9,} rows  {task.fields[rate]:>8} rows/s"), TimeRemainingColumn(),
            console=console, transient=False, disable=not console.is_terminal,
        )
        self.console = console
        self._tasks: dict[str, int] = {}
        self._start: dict[str, float] = {}
        self._rows: dict[str, int] = {}

    def __enter__(self) -> ProgressReporter:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def stage_start(self, stage: str, todo: int, reused: int) -> None:
        self._start[stage] = time.perf_counter()
        self._rows[stage] = 0
        note = f" ({reused} reused)" if reused else ""
        self._tasks[stage] = self.progress.add_task(f"{stage}{note}", total=max(todo, 1) if todo else 1,
                                                    rows=0, rate="-", completed=0 if todo else 1)

    def shard_done(self, stage: str, entry: ShardEntry | None, error: str | None) -> None:
        if entry is not None:
            self._rows[stage] += entry.rows_in
        elapsed = max(time.perf_counter() - self._start[stage], 1e-6)
        self.progress.update(self._tasks[stage], advance=1, rows=self._rows[stage],
                             rate=f"{self._rows[stage] / elapsed:,.0f}")

    def stage_end(self, stage: str, manifest: Manifest) -> None:
        task = self._tasks[stage]
        self.progress.update(task, completed=self.progress.tasks[task].total)
        if not self.console.is_terminal:
            t = manifest.totals()
            self.console.print(f"{stage}: {t['in']:,} in, {t['kept']:,} kept, {t['dropped']:,} dropped "
                               f"({manifest.timings.get('seconds', 0):.1f}s, "
                               f"{manifest.timings.get('shards_run', 0)} shards run, "
                               f"{manifest.timings.get('shards_reused', 0)} reused)")


def kept_cell(totals: dict) -> str:
    """Kept rows; for `select`, with the upsampled copies that make them the export's rows (one dataset size)."""
    copies = totals["counters"].get("upsampled_copies", 0)
    return f"{totals['kept']:,} (+{copies:,} copies = {totals['kept'] + copies:,} rows)" if copies else \
        f"{totals['kept']:,}"


def funnel_table(manifests: Mapping[str, Manifest], ran: Mapping[str, int] | None = None,
                 reused: Mapping[str, int] | None = None) -> Table:
    table = Table(title="funnel", title_justify="left")
    for col in ("stage", "in", "kept", "dropped", "dropped by reason", "shards run/reused"):
        table.add_column(col, justify="right" if col in ("in", "kept", "dropped") else "left",
                         no_wrap=col == "dropped by reason")
    for name, m in manifests.items():
        t = m.totals()
        reasons = "\n".join(f"{k} {v:,}" for k, v in sorted(t["drop_reasons"].items(), key=lambda kv: -kv[1]))
        shards = f"{(ran or {}).get(name, 0)}/{(reused or {}).get(name, 0)}"
        table.add_row(name, f"{t['in']:,}", kept_cell(t), f"{t['dropped']:,}", reasons or "-", shards)
    return table


def print_funnel(console: Console, manifests: Mapping[str, Manifest], ran: Mapping[str, int],
                 reused: Mapping[str, int]) -> None:
    console.print(funnel_table(manifests, ran, reused))
    for name, m in manifests.items():
        counters = m.totals()["counters"]
        if counters:
            console.print(Text(f"{name}: " + ", ".join(f"{k} {v:,}" for k, v in counters.items())))


def print_selection(console: Console, run: RunDir) -> None:
    """The category mix of the selection against its targets, and what each category lacks (`select`)."""
    select = run.manifest_or_none("select")
    report = run.stage_json(select, SELECT_SHORTFALL) if select else None
    if not report or not report.get("categories"):
        return
    table = Table(title=f"category mix (train; {report['total']:,} target rows)", title_justify="left")
    for col in ("category", "target share", "quota", "available", "selected", "lacking"):
        table.add_column(col, justify="left" if col == "category" else "right")
    for cat, r in sorted(report["categories"].items(), key=lambda kv: -kv[1]["quota"]):
        lacking = f"[yellow]{r['lacking']:,}[/]" if r["lacking"] else "0"
        table.add_row(cat, f"{r['share']:.0%}", f"{r['quota']:,}", f"{r['available']:,}", f"{r['selected']:,}",
                      lacking)
    console.print(table)
    notice = (run.stage_json(select, SELECT_SPLITS) or {}).get("notice")
    if notice:
        console.print(Text(f"splits: {notice}", style="yellow"))


def print_status(console: Console, states: Mapping[str, StageState]) -> None:
    table = Table(title="status", title_justify="left")
    for col in ("stage", "state", "why", "kept", "dropped", "bytes", "digest"):
        table.add_column(col, justify="right" if col in ("kept", "dropped", "bytes") else "left")
    colors = {"done": "green", "stale": "yellow", "missing": "red"}
    for name, s in states.items():
        if s.manifest is None:
            table.add_row(name, f"[red]{s.state}[/]", Text(s.why), "-", "-", "-", "-")
            continue
        t = s.manifest.totals()
        table.add_row(name, f"[{colors[s.state]}]{s.state}[/]", Text(s.why), f"{t['kept']:,}", f"{t['dropped']:,}",
                      f"{t['bytes']:,}", s.manifest.digest()[:16])
    console.print(table)


_LONG = ("response", "diff", "instruction", "body")


def _render(stage: str, row: dict) -> Panel:
    from rich.syntax import Syntax

    parts: list = []
    meta = Table.grid(padding=(0, 1))
    meta.add_column(style="bold cyan")
    meta.add_column()
    for k, v in row.items():
        if k in _LONG or k in ("files", "license_evidence"):
            continue
        meta.add_row(k, Text(str(v)[:300]))
    parts.append(meta)
    if row.get("license_evidence") is not None:
        parts.append(_evidence_table(row))
    if stage == "commits" and row.get("files"):
        for f in row["files"][:10]:
            parts.append(Text(f"{f['status']} {f['path']} (+{f['added']} -{f['deleted']})", style="bold"))
            if f.get("diff"):
                parts.append(Syntax(_clip(f["diff"]), "diff", theme="ansi_dark", word_wrap=True))
    for k in ("instruction", "body"):
        if row.get(k):
            parts.append(Panel(Text(row[k]), title=k, title_align="left"))
    if row.get("response"):
        parts.append(Syntax(_clip(row["response"]), "diff", theme="ansi_dark", word_wrap=True))
    title = row.get("drop_reason") or row.get("pair_id") or row.get("commit_id") or row.get("source_id") or ""
    return Panel(Group(*parts), title=str(title), title_align="left")


def _evidence_table(row: dict) -> Text:
    """The license decision and every piece of evidence behind it, a line each."""
    decision = row.get("drop_reason") or "kept"
    out = Text(f"license {row.get('license') or '(none found)'}: {decision}\n", style="bold")
    for e in row["license_evidence"]:
        span = f" chars {e['span_start']}-{e['span_end']}" if e.get("span_start") is not None else ""
        out.append(f"  {e['spdx'] or '?'}", style="cyan")
        out.append(f"  {e['kind']} {e['path'] or ''}{span}  confidence {e['confidence']:.2f}\n")
        out.append(f"      {e['detail'] or ''}\n", style="dim")
    for o in row.get("license_overrides") or []:
        out.append(f"  override {o['path']} -> {o['spdx']}\n", style="yellow")
    return out


def _clip(text: str, lines: int = 80) -> str:
    all_lines = text.splitlines()
    if len(all_lines) <= lines:
        return text
    return "\n".join([*all_lines[:lines], f"... ({len(all_lines) - lines} more lines)"])


def print_samples(console: Console, stage: str, rows: list[dict], total: int, dropped: bool) -> None:
    what = "dropped" if dropped else "kept"
    console.print(f"{len(rows)} of {total:,} {what} rows of {stage}")
    for row in rows:
        console.print(_render(stage, row))
