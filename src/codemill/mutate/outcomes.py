"""Per-test outcomes of a pytest run, read from its JUnit XML.

Bug synthesis compares two runs test by test (baseline vs mutant), so a run is reduced to a status per test id
plus the failure text that the problem statement is written from. The JUnit XML is pytest's only stable,
machine-readable per-test report without plugins, so it is what both the default runner and a sandboxed runner
(which only has to hand back the XML) are expected to produce.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from codemill.junit import ERROR, FAILED, PASSED, SKIPPED, parse_junit

Status = Literal["passed", "failed", "error", "skipped"]
# A test with several entries keeps the worst, error above failure (as SWE-bench grades): a test that failed in
# its call and errored in teardown is an error, never a clean failure a mutant can claim.
_STATUS: dict[str, Status] = {PASSED: "passed", FAILED: "failed", ERROR: "error", SKIPPED: "skipped"}


@dataclass(frozen=True)
class TestOutcome:
    """Status per test id, the failure text of the tests that did not pass, and why the run itself failed."""

    __test__ = False  # not a pytest test class, though its name starts with "Test"

    results: dict[str, Status]
    details: dict[str, str] = field(default_factory=dict)
    error: str | None = None  # timeout, crash, collection error: the results cannot be trusted as a whole


def pytest_outcomes(junit_xml: str, *, root: Path | None = None) -> TestOutcome:
    """Parse pytest's `--junitxml` report with the reader the verifier and the eval scripts use
    (`codemill.junit`); `root` (the rootdir) turns dotted classnames into node ids when the report has no file."""
    details: dict[str, str] = {}
    statuses = parse_junit(junit_xml.encode(), root, details=details)
    return TestOutcome({test: _STATUS[s] for test, s in statuses.items()}, details)


def run_pytest(project: Path, *, timeout: float, args: tuple[str, ...] = ()) -> TestOutcome:
    """Run the project's tests with this interpreter: the default runner for `synthesize` (no isolation).

    `python -m pytest` puts the project root on sys.path, as most projects expect. Bytecode writing is off so a
    run leaves no `__pycache__` behind and a same-size mutant can never be served from a stale .pyc.
    """
    env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_ADDOPTS", "PYTEST_PLUGINS")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    with tempfile.TemporaryDirectory(prefix="codemill-junit-") as tmp:
        xml_path = Path(tmp) / "junit.xml"
        cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={xml_path}",
               f"--rootdir={project}", *args]
        try:
            proc = subprocess.run(cmd, cwd=project, env=env, capture_output=True, text=True, timeout=timeout,
                                  check=False)
        except subprocess.TimeoutExpired:
            return TestOutcome({}, error=f"timed out after {timeout:g}s")
        if not xml_path.is_file():
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
            return TestOutcome({}, error=f"pytest exited with {proc.returncode}, no report: " + " | ".join(tail))
        outcome = pytest_outcomes(xml_path.read_text(encoding="utf-8"), root=project)
    if proc.returncode not in (0, 1):  # 2 interrupted (collection error), 3 internal, 4 usage, 5 no tests
        return TestOutcome(outcome.results, outcome.details, error=f"pytest exited with {proc.returncode}")
    return outcome
