"""A repository's head made ready to run its tests: cloned into scratch space, its environment built in the
sandbox (in the head commit's era first, `swe.era`), and a runner for its whole pytest suite. Shared by the
stages that change code at head and watch the tests (`bugs`, `rl`).
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from codemill.mutate import TestOutcome, covered_functions, pytest_outcomes
from codemill.paths import is_test_path
from codemill.sandbox import Limits, Sandbox
from codemill.swe.env import EnvResult, build_in_era, detect_recipe, networked
from codemill.swe.run import TEST_LIMITS


@dataclass(frozen=True)
class Head:
    """A checked-out head with a working environment, and the sandbox (interpreter bound in) that runs it."""

    project: Path
    env: EnvResult
    sandbox: Sandbox

    def runner(self, limits: Limits = TEST_LIMITS) -> Callable[[Path], TestOutcome]:
        return sandbox_runner(self.sandbox, limits)


def sandbox_runner(sandbox: Sandbox, limits: Limits = TEST_LIMITS) -> Callable[[Path], TestOutcome]:
    """A `mutate` runner: the project's whole pytest suite in the sandbox with the network off."""
    offline = networked(sandbox, network=False)

    def run(project: Path) -> TestOutcome:
        report = project / ".codemill-head-junit.xml"
        argv = [str(project / ".venv" / "bin" / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider",
                f"--junitxml={report}"]
        try:
            res = offline.run(argv, project, limits)
            if res.killed or not report.is_file():
                return TestOutcome({}, error=f"pytest {res.killed or 'wrote no report'}: {res.stderr[-500:]}")
            return pytest_outcomes(report.read_text(), root=project)
        finally:
            report.unlink(missing_ok=True)

    return run


def prepare_head(location: str, head: str, dest: Path, sandbox: Sandbox, *,
                 era: bool = True) -> Head | tuple[str, str]:
    """The head checked out at `dest` with its environment, or (drop reason, detail): `no_packaging` or
    `env_failed`."""
    subprocess.run(["git", "clone", "-q", "--no-hardlinks", location, str(dest)], check=True, capture_output=True)
    subprocess.run(["git", "-C", str(dest), "checkout", "-q", head], check=True, capture_output=True)
    recipe = detect_recipe(dest)
    if not recipe.installable:
        return "no_packaging", "no pyproject.toml or setup.py to install from"
    stamp = subprocess.run(["git", "-C", str(dest), "show", "-s", "--format=%ct", "HEAD"], check=True,
                           capture_output=True, text=True).stdout.strip()
    # Git metadata stays readable but never writable inside the sandbox (see `swe.instance.verify`).
    sandbox = sandbox.derive(frozen=(*sandbox.frozen, ".git"))
    env, box = build_in_era(dest, recipe, sandbox, datetime.fromtimestamp(int(stamp), UTC), pinned=era)
    if not env.ok:
        return "env_failed", env.failure()
    return Head(dest, env, box)


def tested_files(project: Path, max_files: int) -> list[tuple[str, list[str]]]:
    """Non-test Python files with the functions their tests name, most such functions first."""
    listed = subprocess.run(["git", "-C", str(project), "ls-files", "*.py"], check=True, capture_output=True,
                            text=True).stdout.split()
    found = []
    for path in listed:
        if is_test_path(path) or path.startswith(("docs/", "examples/")) or path.endswith("setup.py"):
            continue
        try:
            functions = covered_functions(project, path)
        except (SyntaxError, UnicodeDecodeError, ValueError):
            continue
        if functions:
            found.append((path, functions))
    found.sort(key=lambda pf: (-len(pf[1]), pf[0]))
    return found[:max_files]
