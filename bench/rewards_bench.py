"""Rewards of one RL step on a real repository function task: one call at a time (`rewards.score`) against the
pooled batch (`rewards.score_many`, what TRL's `test_pass_reward` and verl's `compute_score_batch` call).

The task comes from a real `rl` run on a real repository (milled into `--run` first when that folder has no RL
export), its workspace archive and ground truth read from the export alone, as a trainer would. The completions
are a GRPO step's worth for that one task (`--completions`, default 64), all different, so none is scored twice:
correct ones (the reference definition, each with its own comment), wrong ones (the signature and docstring with
a different constant returned), and ones that never run (no code, a syntax error, a screened-out `open`).

    PYTHONPATH=src .venv/bin/python bench/rewards_bench.py            # itsdangerous, cold then warm
    PYTHONPATH=src .venv/bin/python bench/rewards_bench.py --repo /work/.mirror/hynek+structlog/repo \\
        --run /tmp/structlog-run --replicas 1,2 --repeat 2

Rows: `cold pooled` (a fresh cache: the environment is built inside the timed call; left out when `--cache`
already holds the workspace), then on that warm cache `serial` and `pooled` for each `--replicas`. The rewards
of every row must be identical (`agree`). The load average is printed per row: the machine is shared, so the
figures move with it.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq

from codemill import pipeline, rewards
from codemill.config import Config
from codemill.rl.functions import stub
from codemill.rl.workspace import FunctionGroundTruth, Workspaces
from codemill.sandbox import Sandbox

DEFAULT_REPO = "/work/.mirror/pallets+itsdangerous/repo"


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def task(run: Path, repo: str, function: str | None) -> dict:
    """A function task of the run's RL export, milled first when there is none."""
    prompts = run / "export_tasks/rl/trl-grpo/train.parquet"
    if not prompts.is_file():
        cfg = Config.model_validate({"run": {"workers": 1}, "rl": {"enabled": True, "max_files": 1,
                                                                   "max_functions": 3}})
        started = time.monotonic()
        if not pipeline.run(run, cfg, [repo]).ok:
            sys.exit(f"milling {repo} into {run} failed")
        print(f"milled {repo} in {time.monotonic() - started:.0f} s")
    rows = [r for r in pq.read_table(prompts).to_pylist() if r["kind"] == "repo_function"]
    rows = [r for r in rows if function in (None, r["function"])]
    if not rows:
        sys.exit(f"no repository function task{f' named {function}' if function else ''} in {prompts}")
    return max(rows, key=lambda r: len(FunctionGroundTruth.from_json(r["ground_truth"]).tests))


def completions(source: str, qualname: str, n: int) -> list[str]:
    """`n` distinct completions: 3/8 correct, 3/8 wrong, 1/4 that never run (round robin)."""
    stubbed = stub(source, qualname)
    assert stubbed is not None, qualname
    reference = stubbed.reference
    node = ast.parse(reference).body[0]
    assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    lines = reference.splitlines(keepends=True)
    first = node.body[0].lineno - 1
    indent = lines[first][: len(lines[first]) - len(lines[first].lstrip())]
    head = stubbed.signature + (f'{indent}"""{stubbed.docstring}"""\n' if stubbed.docstring else "")
    out = []
    for i in range(n):
        kind = i % 8
        if kind in (0, 1, 2):
            text = "".join([*lines[:first], f"{indent}# answer {i}\n", *lines[first:]])
        elif kind in (3, 4, 5):
            text = f"{head}{indent}return {[None, True, False, 0, '', i][i % 6]!r}\n"
        elif kind == 6:
            text = f"I think the answer is {i}." if i % 16 == 6 else reference.replace(":", "", 1)
        else:
            text = f"{head}{indent}open('/etc/hostname').read()  # {i}\n{indent}return None\n"
        out.append(f"Here is the function.\n\n```python\n{text}```\n")
    return out


def timed(label: str, call, rows: list[dict]) -> list[float]:
    before = time.monotonic()
    scores = call()
    wall = time.monotonic() - before
    rows.append({"row": label, "seconds": round(wall, 1), "load": load()})
    print(f"{label:<24} {wall:7.1f} s   load average {load()}", flush=True)
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repo", default=DEFAULT_REPO)
    parser.add_argument("--run", type=Path, default=Path(tempfile.gettempdir()) / "codemill-rewards-bench")
    parser.add_argument("--function", help="the task's function (default: the one with the most tests)")
    parser.add_argument("--completions", type=int, default=64)
    parser.add_argument("--replicas", default=str(len(os.sched_getaffinity(0))),
                        help="pool sizes to time, comma-separated")
    parser.add_argument("--repeat", type=int, default=1, help="time each warm row this many times")
    parser.add_argument("--cache", type=Path, help="workspace cache to keep and reuse (default: a fresh one, "
                        "removed after); the cold row runs only while it holds no workspace")
    args = parser.parse_args()

    print(f"load average at start: {load()} ({len(os.sched_getaffinity(0))} cores)")
    row = task(args.run, args.repo, args.function)
    truth = FunctionGroundTruth.from_json(row["ground_truth"])
    archives, sandbox = args.run / "export_tasks/rl/workspaces", Sandbox()
    print(f"task: {row['repo']} {truth.path}::{truth.function}, {len(truth.tests)} tests")
    rows: list[dict] = []
    results: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="codemill-rewards-bench-") as scratch:
        cache = args.cache or Path(scratch)
        cold = not any(cache.glob("*/ready"))
        sizes = [int(n) for n in args.replicas.split(",")]
        spaces = {n: Workspaces(archives, cache, sandbox, replicas=n) for n in sizes}
        answers = completions(_source(archives, truth), truth.function, args.completions)
        truths = [row["ground_truth"]] * len(answers)
        if cold:
            results["cold pooled"] = timed(
                f"cold pooled ({sizes[-1]})", lambda: rewards.score_many(answers, truths, workspaces=spaces[sizes[-1]]),
                rows)
        for _ in range(args.repeat):
            results["serial"] = timed("serial", lambda: [rewards.score(a, t, workspaces=spaces[sizes[0]])
                                                         for a, t in zip(answers, truths, strict=True)], rows)
            for n in sizes:
                results[f"pooled ({n})"] = timed(
                    f"pooled ({n})", lambda n=n: rewards.score_many(answers, truths, workspaces=spaces[n]), rows)
    first = next(iter(results.values()))
    agree = all(scores == first for scores in results.values())
    counts = {"1.0": sum(s == 1.0 for s in first), "0 < r < 1": sum(0 < s < 1 for s in first),
              "0.0": sum(s == 0.0 for s in first)}
    serial = min(r["seconds"] for r in rows if r["row"] == "serial")
    for n in sizes:
        pooled = min(r["seconds"] for r in rows if r["row"] == f"pooled ({n})")
        print(f"serial / pooled ({n}): {serial / pooled:.2f}x")
    print(f"rewards: {counts}; identical in every row: {agree}")
    print(f"load average at end: {load()}")
    print("BENCH_JSON " + json.dumps({"task": f"{row['repo']}:{truth.path}::{truth.function}",
                                      "tests": len(truth.tests), "completions": len(answers), "rows": rows,
                                      "rewards": counts, "agree": agree}))


def _source(archives: Path, truth: FunctionGroundTruth) -> str:
    """The task's file from its archive (what the workspace holds), without preparing a workspace for it."""
    import tarfile

    with tarfile.open(archives / truth.workspace) as tar:
        member = next(m for m in tar.getmembers() if m.name.removeprefix("./") == truth.path)
        handle = tar.extractfile(member)
        assert handle is not None
        return handle.read().decode()


if __name__ == "__main__":
    main()
