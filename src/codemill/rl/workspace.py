"""Scoring a model's function against a repository's tests at reward time, many times, from exported files alone.

A function task's ground truth names a workspace archive (the repository's tree at the task's commit, written by
`export_tasks` under `rl/workspaces/`, with its SHA-256), the file and function, the tests, and the environment (the
interpreter version and the frozen requirements the `rl` stage verified with). The first reward for a workspace
unpacks it into a cache directory, makes it a git repository (so every run can be undone) and builds the
environment in the sandbox; later rewards reuse it. A reward splices the answer into the file, runs the task's
tests in the sandbox with the network off and the whole checkout read-only (`rl.graded`), and restores the file.
One lock per workspace serialises the runs that share it (across processes: a file lock), so trainers may call
in parallel.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from codemill.extras import need
from codemill.rl.graded import HARNESS_DIR, graded_run
from codemill.sandbox import Limits, Sandbox
from codemill.swe import testbed
from codemill.swe.env import era_named, with_interpreter
from codemill.swe.era import Era

KIND = "repo_function"
ENV_WORKSPACES = "CODEMILL_RL_WORKSPACES"  # where the exported archives are (export_tasks/rl/workspaces)
ENV_CACHE = "CODEMILL_RL_CACHE"  # where they are unpacked and their environments built
REWARD_TEST_LIMITS = Limits(cpu_seconds=120, wall_seconds=300, memory_mb=2048, processes=256, output_bytes=2_000_000)


class WorkspaceError(RuntimeError):
    """The workspace cannot be prepared (missing or altered archive, failed environment build)."""


@dataclass(frozen=True)
class FunctionGroundTruth:
    """What a reward needs to judge an answer to a function task; serialised as the ground-truth JSON string."""

    workspace: str  # archive file name under the workspaces directory
    sha256: str  # of the archive
    path: str
    function: str
    tests: list[str]
    python: str | None = None  # "3.12": the interpreter version the task was verified with
    requirements: list[str] = field(default_factory=list)  # pip freeze of the verified environment
    kind: str = KIND

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> FunctionGroundTruth:
        data = json.loads(text)
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Workspaces:
    """Prepared workspaces under `cache`, made from the archives in `root`."""

    def __init__(self, root: Path | None = None, cache: Path | None = None, sandbox: Sandbox | None = None):
        self.root = Path(root or os.environ.get(ENV_WORKSPACES, "rl/workspaces"))
        self.cache = Path(cache or os.environ.get(ENV_CACHE, Path.home() / ".cache" / "codemill" / "rl"))
        self._sandbox = sandbox

    @property
    def sandbox(self) -> Sandbox:
        if self._sandbox is None:
            self._sandbox = Sandbox()
        return self._sandbox

    def score(self, truth: FunctionGroundTruth, new_source: str | None) -> float:
        """Pass fraction of `truth.tests` with the file replaced by `new_source` (0.0 for None), from the signed
        report of a run in which the checkout is read-only (`rl.graded`)."""
        if new_source is None or not truth.tests:
            return 0.0
        with self._locked(truth) as (checkout, box):
            try:
                (checkout / truth.path).write_text(new_source, encoding="utf-8")
                outcomes = graded_run(checkout, truth.tests, box, REWARD_TEST_LIMITS)
                return sum(outcomes.get(t) == "passed" for t in truth.tests) / len(truth.tests) if outcomes else 0.0
            finally:
                _restore(checkout)

    def source(self, truth: FunctionGroundTruth) -> str:
        """The file the task is about, as the workspace has it (the reference implementation)."""
        with self._locked(truth) as (checkout, _box):
            return (checkout / truth.path).read_text(encoding="utf-8")

    @contextmanager
    def _locked(self, truth: FunctionGroundTruth) -> Iterator[tuple[Path, Sandbox]]:
        era = era_named(truth.python)
        home = self.cache / f"{truth.sha256[:20]}-py{era.interpreter.label}"
        home.mkdir(parents=True, exist_ok=True)
        with open(home.with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                checkout = home / "checkout"
                box = with_interpreter(self.sandbox, era.interpreter)
                if not (home / "ready").is_file():
                    self._prepare(truth, era, checkout, box)
                    (home / "ready").write_text(truth.sha256)
                yield checkout, box
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _prepare(self, truth: FunctionGroundTruth, era: Era, checkout: Path, box: Sandbox) -> None:
        need("tasks", "a function task's reward (its workspace's environment is built with uv)")
        archive = self.root / truth.workspace
        if not archive.is_file():
            raise WorkspaceError(f"workspace archive not found: {archive} (set {ENV_WORKSPACES})")
        if (found := file_sha256(archive)) != truth.sha256:
            raise WorkspaceError(f"{archive}: sha256 {found[:12]} does not match the task's {truth.sha256[:12]}")
        subprocess.run(["rm", "-rf", str(checkout)], check=True)
        testbed.unpack(archive, checkout, exclude=(".venv/", f"{HARNESS_DIR}/"))
        if (why := testbed.rebuild(checkout, "".join(f"{r}\n" for r in truth.requirements), era.interpreter,
                                   box)) is not None:
            raise WorkspaceError(f"environment build failed: {why}")


def _restore(checkout: Path) -> None:
    """Put the task's file back (the run itself could change nothing in the tree: it was read-only)."""
    subprocess.run(["git", "-C", str(checkout), "checkout", "-q", "--", "."], check=False, capture_output=True)
    subprocess.run(["git", "-C", str(checkout), "clean", "-fdq"], check=False, capture_output=True)
