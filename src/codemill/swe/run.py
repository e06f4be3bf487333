"""Running a checkout's tests in its `.venv`, sandboxed and offline, into per-test statuses keyed by pytest nodeid.

Statuses come from pytest's JUnit XML rather than its terminal output, which plugins and long ids reformat;
`junit_family=xunit1` is asked for because only it records each test's file, which the nodeid is rebuilt from.
A test is flaky when repeated runs of the same tree disagree on it; such tests cannot grade anything.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from codemill.junit import parse_junit
from codemill.sandbox import Limits, Sandbox
from codemill.swe.env import networked

TEST_LIMITS = Limits(cpu_seconds=600, wall_seconds=900, memory_mb=4096, processes=256, file_size_mb=256,
                     output_bytes=4_000_000)


class TestRunError(RuntimeError):
    """pytest produced no report (it crashed, or was killed); `killed` says which limit, if any."""

    __test__ = False  # not a test class, despite the name

    def __init__(self, message: str, killed: str | None = None) -> None:
        super().__init__(message)
        self.killed = killed


@dataclass(frozen=True)
class Outcomes:
    """Statuses of the first run, and the tests whose status (or presence) changed across the repeats."""

    statuses: dict[str, str]
    flaky: frozenset[str]
    offline: frozenset[str] = frozenset()  # failed or errored reaching the network (tests run offline)
    messages: dict[str, str] = field(default_factory=dict)  # a failing test's message, its first line
    details: dict[str, str] = field(default_factory=dict)  # a failing test's whole report, of the first run

    def stable(self) -> dict[str, str]:
        return {test: status for test, status in self.statuses.items() if test not in self.flaky}


def run_tests(checkout: Path, tests: Sequence[str] | None, sandbox: Sandbox,
              limits: Limits = TEST_LIMITS, offline: set[str] | None = None,
              messages: dict[str, str] | None = None, details: dict[str, str] | None = None) -> dict[str, str]:
    """{nodeid: status} of one pytest run over `tests` (nodeids or paths; None for pytest's own discovery);
    `offline` receives the tests that failed reaching the network, `messages` the failing tests' messages and
    `details` their whole reports."""
    report = checkout / f".codemill-junit-{uuid.uuid4().hex[:12]}.xml"
    argv = [str(checkout / ".venv" / "bin" / "python"), "-m", "pytest",
            *pytest_args(pytest_version(checkout), report), *(tests or ())]
    try:
        res = networked(sandbox, network=False).run(argv, checkout, limits)
        if res.killed in ("wall", "cpu"):
            raise TestRunError(f"pytest killed by the {res.killed} limit", res.killed)
        if not report.is_file():
            tail = (res.stdout + res.stderr)[-2000:]
            raise TestRunError(f"pytest exited {res.returncode} without a report: {tail}", res.killed)
        return parse_junit(report.read_bytes(), checkout, offline, messages, details)
    finally:
        report.unlink(missing_ok=True)


def pytest_version(checkout: Path) -> tuple[int, int] | None:
    """The (major, minor) of the pytest installed in `checkout/.venv`, from its dist-info; None if not found."""
    for meta in sorted((checkout / ".venv").glob("lib/python*/site-packages/pytest-*.*-info")):
        found = re.match(r"pytest-(\d+)\.(\d+)", meta.name)
        if found:
            return int(found.group(1)), int(found.group(2))
    return None


def pytest_args(version: tuple[int, int] | None, report: Path) -> list[str]:
    """The options this pytest understands, and needs: an era's environment may hold a pytest from before `-o`
    and `--continue-on-collection-errors` (3.0) or `junit_family` (5.1, where xunit1 was still the default), or
    one whose assertion rewriting no interpreter here can run (before 2.8)."""
    args = ["-p", "no:cacheprovider", f"--junitxml={report}"]
    if version is None or version >= (3, 0):
        args[:0] = ["-rA"] if version is None or version >= (4, 0) else []
        args.append("--continue-on-collection-errors")
    if version is None or version >= (5, 1):
        args += ["-o", "junit_family=xunit1"]
    if version is not None and (2, 1) <= version < (2, 8):
        # Assertion rewriting before 2.8 builds `ast.Call` nodes Python 3.5 changed: every test module fails to
        # collect ("Call constructor takes at most 3 positional arguments"). Plain asserts still fail as asserts.
        args.append("--assert=plain")
    return args


def stable_outcomes(checkout: Path, tests: Sequence[str] | None, sandbox: Sandbox, limits: Limits = TEST_LIMITS,
                    repeats: int = 2) -> Outcomes:
    """Run `repeats` times; a test is flaky when any run gives it another status or lacks it. The failure
    reports kept are the first run's (the one whose statuses are kept)."""
    offline: set[str] = set()
    messages: dict[str, str] = {}
    details: dict[str, str] = {}
    runs = [run_tests(checkout, tests, sandbox, limits, offline, messages, details if i == 0 else None)
            for i in range(max(1, repeats))]
    every = set().union(*runs)
    flaky = frozenset(test for test in every if len({run.get(test) for run in runs}) > 1)
    return Outcomes(runs[0], flaky, frozenset(offline), messages, details)
