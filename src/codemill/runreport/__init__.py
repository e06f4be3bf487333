"""The run report (`codemill report DIR`): a static `DIR/report/index.html` with PNG figures and the tables of
numbers behind them: the funnel, drop reasons, the corpus's languages and licenses, the category mix against
targets, score distributions, pairs per repository, dedup cluster sizes, token counts, task verification outcomes
and stage timings. Stages that did not run are skipped with a note.

`collect` reads the run directory into the records of `model`; `plots` draws them (matplotlib, Agg), `tables`
formats the numbers, `html` writes the page, and `build` ties them together."""

from codemill.runreport.build import INDEX, REPORT_DIR, ReportResult, build_report
from codemill.runreport.model import FigureId
from codemill.runreport.parts import ReportError

__all__ = ["INDEX", "REPORT_DIR", "FigureId", "ReportError", "ReportResult", "build_report"]
