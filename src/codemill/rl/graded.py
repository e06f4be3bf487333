"""Running a function task's tests so that an answer spliced into the repository cannot grade itself.

The answer runs inside the test process (it is code of the repository's module), so its outcome must not come
from anything that process writes afterwards on its own say. Three things hold it:
- the checkout is read-only to the run: no test, `conftest.py` or report in it can be edited, added or deleted
  (the answer's file too: it is bound over the original for that run alone, so runs can share a checkout);
- outcomes come only from the signed report (`rl.harness.report`, loaded with `-p` before any repository code is
  imported), with its consistency checks: one record per test, the session's end, no collection error;
- the answer was screened before it was spliced (`rl.screen`), so it names nothing that reaches the report.
The `rl` stage verifies a task's reference the same way, so a task whose tests write into the tree is dropped at
mining time rather than scoring 0 at every reward.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from codemill.rl import harness
from codemill.sandbox import Limits, Sandbox
from codemill.swe.env import networked

HARNESS_DIR = ".codemill-harness"  # inside the checkout, excluded from its git status


def graded_run(checkout: Path, tests: Sequence[str], sandbox: Sandbox, limits: Limits,
               overlays: Mapping[str, Path] | None = None) -> dict[str, str] | None:
    """{nodeid: outcome ("passed", "failed", "skipped", "error")} of one offline run of `tests` in the checkout's
    `.venv`, or None when the report cannot be trusted (killed, crashed, unsigned or inconsistent). `overlays`
    (checkout path -> host file) replace files for this run only, read-only like the rest (`Sandbox.overlays`):
    many runs share one checkout at once, each with its own answer spliced in."""
    folder = checkout / HARNESS_DIR
    folder.mkdir(exist_ok=True)
    harness.write(folder, harness.REPORT)
    box = networked(sandbox, network=False)
    box = box.derive(frozen=(".",), env={**box.env, "PYTHONPATH": f"{checkout / HARNESS_DIR}"},
                     overlays=overlays or {})
    argv = [str(checkout / ".venv" / "bin" / "python"), "-m", "pytest", "-p", "_codemill_report",
            "-p", "no:cacheprovider", "-q", *tests]
    res = box.run(argv, checkout, limits)
    if res.killed is not None:
        return None
    return harness.signed_outcomes(res.stdout)
