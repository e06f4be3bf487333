"""Procedural bug synthesis: keep the mutants that a repository's own tests catch, cleanly.

A mutant becomes a task only when the tests give a crisp signal: at least one test goes passed -> failed, every
other test keeps its baseline result (no collateral errors, no collection failures, no hangs), and some test
still passes (a mutant that breaks everything is a broken import, not a bug to localise). FAIL_TO_PASS and
PASS_TO_PASS then verify a fix exactly as in SWE-bench / SWE-smith.
"""

from __future__ import annotations

import ast
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import zip_longest
from pathlib import Path

from codemill.mutate.operators import Mutation, iter_functions, mutations
from codemill.mutate.outcomes import TestOutcome

Runner = Callable[[Path], TestOutcome]

_TEST_FILE = re.compile(r"(?:^test_.*|.*_test|^conftest)\.py$")
_SKIP_DIRS = {".git", ".venv", "venv", "node_modules", "site-packages", "__pycache__", ".tox", "build", "dist"}


@dataclass(frozen=True)
class SynthesizedBug:
    """A mutant that the tests catch, and the tests that verify its fix."""

    mutation: Mutation
    path: str  # the mutated file, relative to the project
    fail_to_pass: tuple[str, ...]
    pass_to_pass: tuple[str, ...]
    failures: dict[str, str] = field(default_factory=dict)  # FAIL_TO_PASS test id -> failure text under the bug


class Synthesis(list[SynthesizedBug]):
    """The kept bugs (a plain list), plus why nothing was tried and what was rejected, for reports."""

    def __init__(self, bugs: Iterable[SynthesizedBug] = (), *, reason: str | None = None) -> None:
        super().__init__(bugs)
        self.reason = reason
        self.tried = 0
        self.rejected: Counter[str] = Counter()


def _test_files(project: Path) -> Iterable[Path]:
    for root, dirs, files in os.walk(project):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith("."))
        for name in sorted(files):
            if _TEST_FILE.match(name):
                yield Path(root, name)


def covered_functions(project: Path, path: str, *, names: Iterable[str] | None = None) -> list[str]:
    """Functions of `path` that the tests plausibly exercise (qualified names, source order).

    `coverage` is not a dependency, so this is a cheap static approximation: a function counts when its name
    occurs as an identifier in a test file (test_*.py, *_test.py, conftest.py), or when a counted function of the
    same module calls it by name. It over-includes (a name mentioned for another reason) and misses indirect
    callers across modules; both only cost or save mutant runs, since `synthesize` verifies every mutant by
    running the tests. Callers with real coverage data pass `names` (qualified or simple) and get exactly those.
    """
    source = (project / path).read_text(encoding="utf-8")
    defs = list(iter_functions(ast.parse(source).body))
    if names is not None:
        wanted = set(names)
        return [q for q, f in defs if q in wanted or f.name in wanted]
    words: set[str] = set()
    for test_file in _test_files(project):
        if test_file.resolve() != (project / path).resolve():
            words.update(re.findall(r"[A-Za-z_]\w*", test_file.read_text(encoding="utf-8", errors="replace")))
    covered = {q for q, f in defs if f.name in words}
    by_name = {f.name: q for q, f in defs}
    frontier = list(covered)
    while frontier:  # close over same-module calls: `paginate` calling `_clamp` covers `_clamp`
        func = dict(defs)[frontier.pop()]
        for node in ast.walk(func):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name | ast.Attribute):
                callee = by_name.get(node.func.id if isinstance(node.func, ast.Name) else node.func.attr)
                if callee and callee not in covered:
                    covered.add(callee)
                    frontier.append(callee)
    return [q for q, _ in defs if q in covered]


def classify(baseline: TestOutcome, mutant: TestOutcome) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """("kept" or the rejection reason, FAIL_TO_PASS, PASS_TO_PASS) of a mutant run against the baseline run."""
    if mutant.error:
        return "run_error", (), ()
    if set(mutant.results) != set(baseline.results):
        return "collateral", (), ()
    changed = [t for t in baseline.results if mutant.results[t] != baseline.results[t]]
    if not changed:
        return "no_effect", (), ()
    f2p = tuple(t for t in changed if baseline.results[t] == "passed" and mutant.results[t] == "failed")
    if len(f2p) != len(changed):
        return "collateral", (), ()
    p2p = tuple(t for t, s in baseline.results.items() if s == "passed" and mutant.results[t] == "passed")
    if not p2p:
        return "breaks_all", (), ()
    return "kept", f2p, p2p


def _interleave(muts: Sequence[Mutation]) -> list[Mutation]:
    """Round-robin over kinds, so `max_per_function` keeps varied bugs rather than the first lines' flips."""
    by_kind: dict[str, list[Mutation]] = {}
    for m in muts:
        by_kind.setdefault(m.kind, []).append(m)
    return [m for group in zip_longest(*by_kind.values()) for m in group if m is not None]


def run_with(project: Path, path: str, text: str, runner: Runner, *, tick: int) -> TestOutcome:
    """The tests' outcome with `project/path` replaced by `text`; the file is restored byte for byte, with its
    mtime, also on errors and interrupts. `tick` shifts the mtime so a runner that writes bytecode never serves a
    stale .pyc of a same-size variant."""
    target = project / path
    original, stat = target.read_bytes(), target.stat()
    try:
        target.write_bytes(text.encode("utf-8"))
        os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns + tick * 1_000_000_000))
        return runner(project)
    finally:
        target.write_bytes(original)
        os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def synthesize(project: Path, path: str, *, runner: Runner, max_per_function: int = 3,
               functions: Iterable[str] | None = None) -> Synthesis:
    """Mutate the covered functions of `project/path` one at a time and keep the mutants the tests catch.

    `runner` runs the project's tests (e.g. `partial(run_pytest, timeout=60)` or a sandbox); each mutant is run
    with `run_with`, which restores the file afterwards.
    """
    target = project / path
    baseline = runner(project)
    bad = sorted(t for t, s in baseline.results.items() if s in ("failed", "error"))
    if baseline.error or not baseline.results or bad:
        why = baseline.error or (f"{len(bad)} tests do not pass at baseline: {', '.join(bad[:5])}" if bad else
                                 "no tests were collected")
        return Synthesis(reason=why)
    source = target.read_bytes().decode("utf-8")
    wanted = list(functions) if functions is not None else covered_functions(project, path)
    result = Synthesis()
    if not wanted:
        result.reason = "no covered functions"
        return result
    for name in wanted:
        kept = 0
        for mutation in _interleave(mutations(source, function=name, path=path)):
            if kept >= max_per_function:
                break
            result.tried += 1
            outcome = run_with(project, path, mutation.source, runner, tick=result.tried)
            verdict, f2p, p2p = classify(baseline, outcome)
            if verdict != "kept":
                result.rejected[verdict] += 1
                continue
            kept += 1
            result.append(SynthesizedBug(mutation, path, f2p, p2p, {t: outcome.details.get(t, "") for t in f2p}))
    return result


_NOISE = re.compile(r"^(Use -v to get|Full diff:|Omitting \d+ identical|\.\.\.Full output truncated)")
_EQ = re.compile(r"^(?:AssertionError: )?assert (?P<got>.+?) == (?P<expected>.+)$")


def _evidence(text: str, hidden: Sequence[str]) -> list[str]:
    """pytest's `E` lines of a failure, minus noise and any line that quotes the mutated code."""
    lines = [ln[1:].strip() for ln in text.splitlines() if ln.startswith("E ") or ln == "E"]
    if not lines:
        lines = [ln.strip() for ln in text.splitlines()[:3]]
    squash = [re.sub(r"\s+", "", h) for h in hidden if h.strip()]
    return [ln for ln in lines if ln and not _NOISE.match(ln)
            and not any(h in re.sub(r"\s+", "", ln) for h in squash)][:6]


def _summary(first: str) -> str:
    if (m := _EQ.match(first)) and m["got"].count(" == ") == 0:
        return f"expected {m['expected']}, got {m['got']}"
    if first.startswith("Failed: DID NOT RAISE"):
        return f"expected {first.removeprefix('Failed: DID NOT RAISE').strip()} to be raised, but nothing was raised"
    return first


def problem_statement(bug: SynthesizedBug) -> str:
    """A bug report written from the failing tests only: which tests fail and how, never the mutated line."""
    hidden = [ln.strip() for ln in bug.mutation.mutated_snippet.splitlines() if len(ln.strip()) > 3]
    count = len(bug.fail_to_pass)
    parts = [f"{count} test{'s' if count > 1 else ''} fail{'' if count > 1 else 's'} while "
             f"{len(bug.pass_to_pass)} other{'s' if len(bug.pass_to_pass) != 1 else ''} still pass."]
    for test in bug.fail_to_pass:
        evidence = _evidence(bug.failures.get(test, ""), hidden)
        head = f"`{test}` fails" + (f": {_summary(evidence[0])}" if evidence else ".")
        parts.append("\n".join([head, *(f"    {ln}" for ln in evidence)]))
    parts.append("Expected: these tests pass again without changing them, and the other tests keep passing.")
    return "\n\n".join(parts)
