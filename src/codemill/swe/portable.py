"""Re-verify an exported SWE-bench task from its task directory alone, as the harness would run its image.

`export_tasks/swebench/tasks/<instance_id>/` holds what the image is built from (`Dockerfile`, `testbed.tar.gz`,
`requirements.txt`) and what the harness runs (`eval.sh`, `gold.patch`, `tests.json`). This builds the same
testbed outside Docker: the base tree as a fresh git repository, the frozen requirements installed without
resolution into its `.venv` with the recorded interpreter, the project installed editable (or put first on
`sys.path`), and then runs `eval.sh` twice in the sandbox, offline: without a patch (FAIL_TO_PASS must not all
pass) and with the gold patch (everything must). Nothing comes from the source repository or the environment the
`tasks` stage verified in, so agreement shows the export is portable, not only that the verifier is
deterministic.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from codemill.exports.swebench import resolved, statuses
from codemill.sandbox import Limits, Sandbox
from codemill.swe.env import era_named, networked, with_interpreter
from codemill.swe.run import TEST_LIMITS
from codemill.swe.testbed import rebuild, unpack


@dataclass
class Reverification:
    """What the task directory alone showed. `agrees`: the gold patch resolves it and no patch does not."""

    built: bool
    resolved_with_gold: bool = False
    resolved_without_patch: bool = False
    detail: str = ""
    statuses: dict[str, str] = field(default_factory=dict)
    logs: dict[str, str] = field(default_factory=dict)  # eval.sh's output: "none" (no patch) and "gold"

    @property
    def agrees(self) -> bool:
        return self.built and self.resolved_with_gold and not self.resolved_without_patch


def reverify(task_dir: Path, sandbox: Sandbox, scratch: Path | None = None,
             limits: Limits = TEST_LIMITS) -> Reverification:
    """Build the task's testbed from its directory and grade an empty and the gold patch (see the module)."""
    task_dir = Path(task_dir)
    meta = json.loads((task_dir / "task.yaml").read_text(encoding="utf-8"))  # JSON is YAML: written as JSON
    tests = json.loads((task_dir / "tests.json").read_text(encoding="utf-8"))
    f2p, p2p = tests["FAIL_TO_PASS"], tests["PASS_TO_PASS"]
    script = (task_dir / "eval.sh").read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory(prefix="codemill-portable-", dir=scratch) as tmp:
        testbed = Path(tmp) / "testbed"
        unpack(task_dir / "testbed.tar.gz", testbed, exclude=(".venv",))  # as the Dockerfile makes it
        pins = task_dir / "constraints.txt"  # absent from exports made before it was: then the frozen pins
        box, why = _build(testbed, (task_dir / "requirements.txt").read_text(encoding="utf-8"),
                          pins.read_text(encoding="utf-8") if pins.is_file() else None, meta["python"], sandbox)
        if why is not None:
            return Reverification(False, detail=why)
        offline = networked(box, network=False, env={"TESTBED": str(testbed)})
        logs = {}
        for name, patch in (("none", ""), ("gold", (task_dir / "gold.patch").read_text(encoding="utf-8"))):
            _git(testbed, "reset", "-q", "--hard")
            _git(testbed, "clean", "-qxdf", "-e", ".venv")
            if patch and (failed := _git(testbed, "apply", "-", stdin=patch)):
                return Reverification(True, detail=f"gold patch does not apply: {failed}")
            # One stream, as the harness captures the container's: the markers (bash's trace) land between the
            # test output they bracket.
            res = offline.run(["bash", "-c", "exec 2>&1\n" + script], testbed, limits)
            logs[name] = res.stdout + res.stderr
        gold, none = statuses(logs["gold"]), statuses(logs["none"])
        return Reverification(True, resolved(gold, f2p, p2p), resolved(none, f2p, p2p), statuses=gold, logs=logs)


def _build(testbed: Path, requirements: str, constraints: str | None, python: str,
           sandbox: Sandbox) -> tuple[Sandbox, str | None]:
    """The testbed's `.venv` with the recorded interpreter (`testbed.rebuild`); the sandbox that runs it, and why
    the build failed (None: built)."""
    era = era_named(python)
    if era.interpreter.label != python:
        return sandbox, f"no Python {python} on this machine"
    box = with_interpreter(sandbox, era.interpreter)
    return box, rebuild(testbed, requirements, era.interpreter, box, constraints)


def _git(cwd: Path, *args: str, stdin: str | None = None) -> str:
    """Run git on the throwaway testbed; the error text, or "" when it succeeded."""
    proc = subprocess.run(["git", *args], cwd=cwd, input=stdin.encode() if stdin is not None else None,
                          capture_output=True, check=False)
    return "" if proc.returncode == 0 else proc.stderr.decode(errors="replace").strip() or f"exit {proc.returncode}"
