"""`codemill report DIR`: collect the run's numbers, draw each figure, write the PNGs and `index.html`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from codemill.engine.artifacts import atomic_write_bytes
from codemill.runreport.collect import collect
from codemill.runreport.html import render
from codemill.runreport.model import FigureId
from codemill.runreport.parts import ReportError
from codemill.runreport.plots import draw
from codemill.runreport.tables import sections

REPORT_DIR = "report"  # inside the run directory; the dataset cards link to ../report/index.html
INDEX = "index.html"


@dataclass(frozen=True)
class ReportResult:
    index: Path
    figures: dict[FigureId, Path]  # the PNGs written
    skipped: dict[FigureId, str]  # the figures not drawn, and why


def build_report(run_dir: Path, out_dir: Path | None = None) -> ReportResult:
    """Write the report of `run_dir` into `out_dir` (default `run_dir/report/`): one PNG per figure that has
    something to draw, and `index.html` linking them with their tables. Raises `RunDirError` on a run directory
    that is missing or cannot be read, `ReportError` on a report folder that cannot be written."""
    data = collect(run_dir)
    out = out_dir if out_dir is not None else run_dir / REPORT_DIR
    figures: dict[FigureId, Path] = {}
    skipped: dict[FigureId, str] = {}
    secs = sections(data)
    try:
        out.mkdir(parents=True, exist_ok=True)
        for s in secs:
            png = draw(s.figure, s.record)
            path = out / s.figure.png
            if png is None:
                path.unlink(missing_ok=True)  # drawn by an earlier report of this run
                skipped[s.figure] = s.skipped or "nothing to draw"
                continue
            atomic_write_bytes(path, png)
            figures[s.figure] = path
        page = render(data, secs, {f: p.name for f, p in figures.items()})
        atomic_write_bytes(out / INDEX, page.encode())
    except OSError as e:
        raise ReportError(f"cannot write the report to {out}: {e}") from None
    return ReportResult(out / INDEX, figures, skipped)
