"""Scoring a model's function against a repository's tests at reward time, many times, from exported files alone.

A function task's ground truth names a workspace archive (the repository's tree at the task's commit, written by
`export_tasks` under `rl/workspaces/`, with its SHA-256), the file and function, the tests, and the environment (the
interpreter version and the frozen requirements the `rl` stage verified with). The first reward for a workspace
unpacks it into a cache directory, builds the environment in the sandbox and compiles the tree once (`_warm`),
under an exclusive file lock; later rewards reuse it. The checkout is never written again: a reward writes the
spliced file into a replica slot of its own and runs the task's tests in the sandbox with that file bound
read-only over the original, the network off and the whole checkout read-only (`rl.graded`). So runs share one
checkout at once, each seeing only its own answer; a pool of `replicas` slots per workspace (file locks, so
across processes too; by default one per core) bounds how many run together.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from codemill.extras import need
from codemill.rl.graded import HARNESS_DIR, graded_run
from codemill.sandbox import Limits, Sandbox
from codemill.swe import testbed
from codemill.swe.env import COLLECT_LIMITS, era_named, networked, with_interpreter
from codemill.swe.era import Era
from codemill.swe.testbed import GIT

KIND = "repo_function"
ENV_WORKSPACES = "CODEMILL_RL_WORKSPACES"  # where the exported archives are (export_tasks/rl/workspaces)
ENV_CACHE = "CODEMILL_RL_CACHE"  # where they are unpacked and their environments built
ENV_REPLICAS = "CODEMILL_RL_REPLICAS"  # runs at once per workspace (default: the cores this process may use)
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


def default_replicas() -> int:
    """Runs at once per workspace: `CODEMILL_RL_REPLICAS`, else the cores this process may use (a run is one
    pytest process, CPU-bound)."""
    return max(1, int(os.environ.get(ENV_REPLICAS) or len(os.sched_getaffinity(0))))


class Workspaces:
    """Prepared workspaces under `cache`, made from the archives in `root`; at most `replicas` runs at once on
    each (across processes), each run under `limits`."""

    def __init__(self, root: Path | None = None, cache: Path | None = None, sandbox: Sandbox | None = None,
                 *, replicas: int | None = None, limits: Limits = REWARD_TEST_LIMITS):
        self.root = Path(root or os.environ.get(ENV_WORKSPACES, "rl/workspaces"))
        self.cache = Path(cache or os.environ.get(ENV_CACHE, Path.home() / ".cache" / "codemill" / "rl"))
        self._sandbox = sandbox
        self.replicas = replicas or default_replicas()
        self.limits = limits
        self._checked: set[Path] = set()  # workspaces whose checkout this process has seen clean

    @property
    def sandbox(self) -> Sandbox:
        if self._sandbox is None:
            self._sandbox = Sandbox()
        return self._sandbox

    def score(self, truth: FunctionGroundTruth, new_source: str | None) -> float:
        """Pass fraction of `truth.tests` with the file replaced by `new_source` (0.0 for None), from the signed
        report of a run in which the checkout is read-only (`rl.graded`). Safe to call from many threads and
        processes at once."""
        if new_source is None or not truth.tests:
            return 0.0
        with self._shared(truth) as (home, checkout, box), self._replica(home) as slot:
            spliced = slot / "answer.py"
            spliced.write_text(new_source, encoding="utf-8")
            # A second later than the original: the original's bytecode (`_warm`), checked by mtime and size,
            # can never pass for the answer's.
            original = (checkout / truth.path).stat()
            os.utime(spliced, ns=(original.st_atime_ns, original.st_mtime_ns + 1_000_000_000))
            try:
                outcomes = graded_run(checkout, truth.tests, box, self.limits, overlays={truth.path: spliced})
            finally:
                spliced.unlink()
            return sum(outcomes.get(t) == "passed" for t in truth.tests) / len(truth.tests) if outcomes else 0.0

    def source(self, truth: FunctionGroundTruth) -> str:
        """The file the task is about, as the workspace has it (the reference implementation)."""
        with self._shared(truth) as (_home, checkout, _box):
            return (checkout / truth.path).read_text(encoding="utf-8")

    @contextmanager
    def _shared(self, truth: FunctionGroundTruth) -> Iterator[tuple[Path, Path, Sandbox]]:
        """The workspace, prepared if it is not yet (under the exclusive lock), then held shared: runs read it
        together, and none starts while a (re)preparation rewrites it."""
        era = era_named(truth.python)
        home = self.cache / f"{truth.sha256[:20]}-py{era.interpreter.label}"
        home.mkdir(parents=True, exist_ok=True)
        checkout, box = home / "checkout", with_interpreter(self.sandbox, era.interpreter)
        with open(home.parent / f"{home.name}.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_SH)
            if not (home / "ready").is_file() or (home not in self._checked and _altered(checkout)):
                fcntl.flock(lock, fcntl.LOCK_EX)  # drops the shared lock first: two waiters cannot deadlock
                if not (home / "ready").is_file():
                    self._prepare(truth, era, checkout, box)
                    (home / "ready").write_text(truth.sha256)
                elif _altered(checkout):
                    subprocess.run(["git", "-C", str(checkout), "checkout", "-q", "--", "."], check=True,
                                   capture_output=True)
                fcntl.flock(lock, fcntl.LOCK_SH)
            self._checked.add(home)
            try:
                yield home, checkout, box
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    @contextmanager
    def _replica(self, home: Path) -> Iterator[Path]:
        """A free replica slot of the workspace (its own folder for the spliced file), held until the run ends;
        waits while all `replicas` are busy, in this process or another."""
        slots = home / "replicas"
        slots.mkdir(exist_ok=True)
        while True:
            for n in range(self.replicas):
                lock = open(slots / f"{n}.lock", "a")  # noqa: SIM115 - closed below, or held until the run ends
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    lock.close()
                    continue
                try:
                    slot = slots / str(n)
                    slot.mkdir(exist_ok=True)
                    yield slot
                    return
                finally:
                    lock.close()  # closing releases the lock
            time.sleep(0.05)

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
        _warm(checkout, box)


def _altered(checkout: Path) -> bool:
    """Whether a tracked file differs from the archive's tree: only an earlier codemill, which spliced answers
    into the checkout, killed mid-run, leaves one so; checked once per workspace and process (without writing
    git's index), as nothing writes the checkout now."""
    status = subprocess.run(["git", "--no-optional-locks", "-C", str(checkout), "status", "--porcelain",
                             "--untracked-files=no"], capture_output=True, text=True, check=False)
    return bool(status.stdout.strip())


def _warm(checkout: Path, box: Sandbox) -> None:
    """Compile the tree's modules and let pytest write its rewritten test modules, once, while the tree is still
    writable: every run then loads them instead of compiling them again, which it would on each run (it can
    write nothing), at up to half its CPU (structlog's suite). Only the repository's own code runs, offline, with
    `.venv` and `.git` read-only; anything but bytecode it leaves in the tree is removed. Best effort: a failure
    leaves runs slower, never different."""
    python = str(checkout / ".venv" / "bin" / "python")
    warm = networked(box, network=False)
    warm = warm.derive(frozen=(".venv", ".git"), env={**warm.env, "PYTHONDONTWRITEBYTECODE": ""})
    warm.run([python, "-m", "compileall", "-q", "-x", r"(^|/)\.(venv|git)/", "."], checkout, COLLECT_LIMITS)
    warm.run([python, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"], checkout, COLLECT_LIMITS)
    subprocess.run([*GIT, "-C", str(checkout), "checkout", "-q", "--", "."], check=True, capture_output=True)
    subprocess.run([*GIT, "-C", str(checkout), "clean", "-fdqx", "-e", ".venv", "-e", "__pycache__", "-e",
                    HARNESS_DIR], check=True, capture_output=True)
