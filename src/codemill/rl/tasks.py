"""Function-level RL tasks from a repository whose tests pass: which tests does each function answer to?

A function's tests are found by execution, not by name: its body is stubbed (`functions.stub`) and the whole
suite is run; the tests that go from passing to failing or erroring (a stubbed function called from a fixture
errors the test) are the ones the function must satisfy (FAIL_TO_PASS), and the reference body makes them pass
(the baseline run). Tests that did not pass at baseline grade nothing and must not move. A stub that changes the
set of tests or a non-passing test (`collateral`), changes nothing (`no_effect`), breaks every passing test
(`breaks_all`) or crashes the run (`run_error`) is rejected with that reason.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from codemill.mutate import Runner, TestOutcome
from codemill.mutate.synthesize import run_with
from codemill.rl.functions import Stubbed, stub


@dataclass(frozen=True)
class FunctionTask:
    """One function to write: where it is, the file without its body, the reference, and the tests that judge it."""

    path: str
    function: str  # qualified name, e.g. `Session.request`
    stubbed: Stubbed
    fail_to_pass: tuple[str, ...]
    pass_to_pass: tuple[str, ...]


class FunctionTasks(list[FunctionTask]):
    """The tasks of one file (a plain list), with the reasons the other functions were rejected."""

    def __init__(self) -> None:
        super().__init__()
        self.rejected: Counter[str] = Counter()


def classify_stub(baseline: TestOutcome, stubbed: TestOutcome) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """("kept" or the rejection reason, FAIL_TO_PASS, PASS_TO_PASS) of a run with one function stubbed."""
    if stubbed.error:
        return "run_error", (), ()
    if set(stubbed.results) != set(baseline.results):
        return "collateral", (), ()
    passing = [t for t, s in baseline.results.items() if s == "passed"]
    broken = tuple(t for t in passing if stubbed.results[t] in ("failed", "error"))
    if not broken:
        return "no_effect", (), ()
    moved = [t for t, s in baseline.results.items() if s != "passed" and stubbed.results[t] != s]
    if moved or any(stubbed.results[t] == "skipped" for t in passing):
        return "collateral", (), ()
    kept = tuple(t for t in passing if t not in broken)
    return ("kept", broken, kept) if kept else ("breaks_all", (), ())


def function_tasks(project: Path, path: str, functions: Iterable[str], *, runner: Runner, baseline: TestOutcome,
                   tick: int = 0) -> FunctionTasks:
    """The verified tasks among `functions` of `project/path`, given a `baseline` run of the suite."""
    source = (project / path).read_text(encoding="utf-8")
    found = FunctionTasks()
    for name in functions:
        stubbed = stub(source, name)
        if stubbed is None:
            found.rejected["not_stubbable"] += 1
            continue
        tick += 1
        verdict, f2p, p2p = classify_stub(baseline, run_with(project, path, stubbed.source, runner, tick=tick))
        if verdict != "kept":
            found.rejected[verdict] += 1
            continue
        found.append(FunctionTask(path, name, stubbed, f2p, p2p))
    return found
