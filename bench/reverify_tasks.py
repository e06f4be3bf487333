"""Re-verify exported SWE-style instances from the export file alone, as a consumer of the dataset would.

Reads `export_tasks/swegym/instances.jsonl` (or the SWE-bench form: test lists as JSON strings), and for a seeded sample
of instances rebuilds the environment at `base_commit` from a clone of the repository, applies `test_patch`,
runs the tests twice, applies `patch`, runs again (`codemill.swe.verify`), and compares the FAIL_TO_PASS it finds
with the exported one. Nothing of the run directory is read: only the JSONL and the repositories.

    .venv/bin/python bench/reverify_tasks.py RUN/export_tasks/swegym/instances.jsonl \
        --repo /work/.mirror/psf+requests/repo --repo /work/.mirror/pallets+flask/repo [--sample 3] [--seed 0]

`--repo PATH` is a local clone (repeatable); each instance uses the one that holds its `base_commit`.

Portable mode: given the export's task repository instead of a JSONL file, each sampled task is rebuilt from its
task directory alone (`codemill.swe.portable`: the base tree, the frozen requirements, `eval.sh`; no repository,
no resolution), and counts when the gold patch resolves it and no patch does not:

    .venv/bin/python bench/reverify_tasks.py RUN/export_tasks/swebench --sample 10
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from codemill.sandbox import Sandbox
from codemill.swe.instance import verify
from codemill.swe.portable import reverify


def load(path: Path) -> list[dict]:
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    for r in rows:
        for key in ("FAIL_TO_PASS", "PASS_TO_PASS"):
            if isinstance(r[key], str):
                r[key] = json.loads(r[key])
    return rows


def has_commit(clone: Path, sha: str) -> bool:
    return subprocess.run(["git", "-C", str(clone), "cat-file", "-e", f"{sha}^{{commit}}"],
                          capture_output=True).returncode == 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("instances", type=Path)
    ap.add_argument("--repo", action="append", default=[], type=Path, help="a local clone (repeatable)")
    ap.add_argument("--sample", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    if args.instances.is_dir():
        return portable(args.instances, args.sample, args.seed)
    rows = load(args.instances)
    sample = random.Random(args.seed).sample(rows, min(args.sample, len(rows)))
    sandbox, failures = Sandbox(), 0
    for r in sample:
        clone = next((c for c in args.repo if has_commit(c, r["base_commit"])), None)
        if clone is None:
            print(f"{r['instance_id']}: no --repo holds {r['base_commit']}", file=sys.stderr)
            failures += 1
            continue
        start = time.monotonic()
        v = verify(clone, r["base_commit"], r["patch"], r["test_patch"], sandbox)
        same = sorted(v.fail_to_pass) == sorted(r["FAIL_TO_PASS"])
        failures += not same
        print(f"{r['instance_id']}: {'same' if same else 'DIFFERENT'} FAIL_TO_PASS "
              f"({len(v.fail_to_pass)} found, {len(r['FAIL_TO_PASS'])} exported; "
              f"{len(v.pass_to_pass)}/{len(r['PASS_TO_PASS'])} PASS_TO_PASS) "
              f"era {v.env.era if v.env else None} in {time.monotonic() - start:.0f}s"
              + ("" if same else f" [{v.reason}: {v.detail[:300]}]"))
    print(f"{len(sample) - failures}/{len(sample)} re-verified from {args.instances}")
    return 1 if failures else 0


def portable(task_repo: Path, n: int, seed: int) -> int:
    tasks = sorted(p for p in (task_repo / "tasks").iterdir() if (p / "task.yaml").is_file())
    sample = random.Random(seed).sample(tasks, min(n, len(tasks)))
    agreed = graded = 0
    for task in sample:
        start = time.monotonic()
        r = reverify(task, Sandbox())
        agreed += r.agrees
        harness = harness_verdicts(task, r.logs)
        graded += harness == (True, False)
        print(f"{task.name}: {'agrees' if r.agrees else 'DIFFERENT'} (built {r.built}, gold resolves "
              f"{r.resolved_with_gold}, no patch resolves {r.resolved_without_patch}; swebench's grader: gold "
              f"{harness[0]}, no patch {harness[1]}) in {time.monotonic() - start:.0f}s"
              + (f" [{r.detail[:300]}]" if r.detail else ""))
    print(f"{agreed}/{len(sample)} re-verified portably from {task_repo}; swebench's grader agrees on {graded}")
    return 0 if agreed == graded == len(sample) else 1


def harness_verdicts(task: Path, logs: dict[str, str]) -> tuple[bool | None, bool | None]:
    """swebench's own `get_eval_report` on eval.sh's logs (gold patch, no patch); None without swebench."""
    try:
        from swebench.harness.grading import get_eval_report
        from swebench.harness.utils import make_test_spec
        from swebench.task.repo import load_task
    except ImportError:
        return None, None
    instance = load_task(task)
    spec = make_test_spec(instance)
    verdicts = []
    for name in ("gold", "none"):
        if name not in logs:
            verdicts.append(None)
            continue
        with tempfile.NamedTemporaryFile("w", suffix=".log") as log:
            log.write(logs[name])
            log.flush()
            report = get_eval_report(spec, {"instance_id": spec.instance_id, "model_patch": "-"}, log.name, False)
        verdicts.append(report[spec.instance_id]["resolved"])
    return verdicts[0], verdicts[1]


if __name__ == "__main__":
    raise SystemExit(main())
