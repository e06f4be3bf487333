"""Benchmark (not a test) of the whole default mill: this checkout against a baseline revision, in one run.

Both variants run the real CLI (`python -m codemill run --out DIR --repo ... --workers 1`) in fresh
interpreters on the same repositories; the baseline's `src` is exported with `git archive REV src` into a
temporary folder and put first on PYTHONPATH, this checkout's `src` likewise. With `--repeat R` the variants
alternate R times and each keeps its least CPU per stage and overall (other load on a shared machine only adds).

Per stage, a hook around the pipeline's `run_stage` (installed in the child before the CLI runs) records the
process's CPU seconds (one worker runs every shard in-process, so this is all of the stage's work), wall seconds
and peak RSS (VmHWM, reset through /proc/self/clear_refs at each stage's start). Overall CPU is the child's
whole rusage: start-up, imports and source registration included.

Equality: every stage's manifest digest (paths, sha256 and row counts of every part and file it wrote) must be
the same in both run directories. Where a digest differs, each artifact is compared: a dataset card (`*.md`) may
differ only in its `produced by: codemill VERSION+src.DIGEST` line, which names the code by design; any other
difference lists the stage and the exit status is 1.

Run `python bench/mill_bench.py --help`; figures and the command are in bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import resource
import runpy
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MIRRORS = Path("/work/.mirror")
DEFAULT_REPOS = ["aio-libs+yarl", "python-attrs+cattrs", "hynek+structlog", "pallets+itsdangerous"]


# ----------------------------------------------------------------------------------------------------------
# The child: `mill_bench.py _child STATS.json -- codemill args...`, run with PYTHONPATH=<variant>/src.
# ----------------------------------------------------------------------------------------------------------


def _cpu(who: int) -> float:
    r = resource.getrusage(who)
    return r.ru_utime + r.ru_stime


def _reset_peak() -> None:
    with contextlib.suppress(OSError):  # a kernel without it: the peak then runs from the process's start
        Path("/proc/self/clear_refs").write_text("5")


def _peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(stats_path: Path, argv: list[str]) -> None:
    """Run the CLI in this process with a per-stage meter around `pipeline.run_stage`."""
    import codemill.pipeline as pipeline

    stages: list[dict] = []
    inner = pipeline.run_stage

    def metered(stage, ctx, *rest):  # type: ignore[no-untyped-def]  # (executor, reporter[, remote]) by revision
        _reset_peak()
        cpu0 = _cpu(resource.RUSAGE_SELF) + _cpu(resource.RUSAGE_CHILDREN)
        wall0 = time.perf_counter()
        try:
            return inner(stage, ctx, *rest)
        finally:
            cpu = _cpu(resource.RUSAGE_SELF) + _cpu(resource.RUSAGE_CHILDREN) - cpu0
            stages.append({"stage": stage.name, "cpu": cpu, "wall": time.perf_counter() - wall0,
                           "peak_mb": _peak_mb()})
            stats_path.write_text(json.dumps(stages))

    pipeline.run_stage = metered  # type: ignore[assignment]
    sys.argv = ["codemill", *argv]
    try:
        runpy.run_module("codemill", run_name="__main__", alter_sys=True)
    finally:
        stats_path.write_text(json.dumps(stages))


# ----------------------------------------------------------------------------------------------------------
# The driver.
# ----------------------------------------------------------------------------------------------------------


@dataclass
class Run:
    """One variant's best (least CPU) figures over its repeats."""

    name: str
    src: Path
    cpu: float = float("inf")
    wall: float = float("inf")
    stages: dict[str, dict] = field(default_factory=dict)
    out: Path | None = None
    digests: dict[str, str] = field(default_factory=dict)
    totals: dict[str, dict] = field(default_factory=dict)

    def merge(self, cpu: float, wall: float, stages: list[dict]) -> None:
        self.cpu, self.wall = min(self.cpu, cpu), min(self.wall, wall)
        for s in stages:
            best = self.stages.get(s["stage"])
            self.stages[s["stage"]] = s if best is None else {
                "stage": s["stage"], "cpu": min(best["cpu"], s["cpu"]), "wall": min(best["wall"], s["wall"]),
                "peak_mb": min(best["peak_mb"], s["peak_mb"])}


def export_src(rev: str, into: Path) -> Path:
    """`src` of `rev` in `into` (git archive: no worktree is registered anywhere)."""
    into.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "src"], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into / "src"


def run_variant(v: Run, repos: list[str], out: Path, workers: int) -> None:
    """One mill of `repos` into a fresh `out` on the variant's code; folds its figures into `v`."""
    stats = out.with_suffix(".stats.json")
    args = ["run", "--out", str(out), "--workers", str(workers)]
    for r in repos:
        args += ["--repo", r]
    env = {**os.environ, "PYTHONPATH": str(v.src)}
    before = _cpu(resource.RUSAGE_CHILDREN)
    wall0 = time.perf_counter()
    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "_child", str(stats), "--", *args],
                          env=env, capture_output=True, text=True)
    wall = time.perf_counter() - wall0
    if done.returncode != 0:
        sys.exit(f"{v.name}: codemill run failed ({done.returncode}):\n{done.stderr[-4000:]}\n{done.stdout[-2000:]}")
    v.merge(_cpu(resource.RUSAGE_CHILDREN) - before, wall, json.loads(stats.read_text()))
    v.out = out
    for manifest in sorted(out.glob("*/manifest.json")):
        m = json.loads(manifest.read_text())
        v.digests[m["stage"]] = m["digest"]
        v.totals[m["stage"]] = m["totals"]


def repo_spec(name: str) -> str:
    """`owner+name` (a mirror), or a path with an optional `=owner/name`."""
    if "=" in name or "/" in name:
        return name
    return f"{MIRRORS / name / 'repo'}={name.replace('+', '/')}"


def first_parent_commits(spec: str) -> int:
    path = spec.split("=", 1)[0]
    out = subprocess.run(["git", "--git-dir", path, "rev-list", "--first-parent", "--count", "HEAD"],
                         capture_output=True, text=True, check=True).stdout
    return int(out)


PRODUCED_BY = re.compile(rb"^- produced by: codemill .*$", re.M)


def _artifacts(run: Path, stage: str) -> dict[str, tuple[str, int]]:
    m = json.loads((run / stage / "manifest.json").read_text())
    return {a["path"]: (a["sha256"], a["rows"]) for sh in m["shards"] for a in sh["artifacts"]}


def same_outputs(base: Run, head: Run, stage: str) -> bool:
    """Equal manifest digests, or artifacts that differ only in a card's code-version line."""
    if base.digests.get(stage) == head.digests.get(stage):
        return True
    if stage not in base.digests or base.out is None or head.out is None:
        return False
    a, b = _artifacts(base.out, stage), _artifacts(head.out, stage)
    if a.keys() != b.keys():
        return False
    for path in a:
        if a[path] == b[path]:
            continue
        if not path.endswith(".md") or a[path][1] != b[path][1]:
            return False
        text_a, text_b = ((r / path).read_bytes() for r in (base.out, head.out))
        if PRODUCED_BY.sub(b"", text_a) != PRODUCED_BY.sub(b"", text_b):
            return False
    return True


def report(base: Run, head: Run, commits: int) -> bool:
    """Print the table; True when every stage's outputs are equal."""
    per_k = 1000 / commits
    print(f"\n{commits} first-parent commits; CPU-s per 1,000 commits (best of repeats), peak RSS per stage")
    print(f"{'stage':<12} {base.name + ' cpu/1k':>16} {head.name + ' cpu/1k':>14} {'ratio':>6} "
          f"{'peak MB':>8} {'-> peak MB':>10} {'equal':>6}")
    equal = True
    for name in head.stages:
        b, h = base.stages.get(name), head.stages[name]
        same = same_outputs(base, head, name)
        equal &= same
        bc = b["cpu"] * per_k if b else float("nan")
        print(f"{name:<12} {bc:>16.2f} {h['cpu'] * per_k:>14.2f} {bc / max(h['cpu'] * per_k, 1e-9):>5.2f}x "
              f"{(b or {}).get('peak_mb', float('nan')):>8.0f} {h['peak_mb']:>10.0f} {'yes' if same else 'NO':>6}")
    missing = sorted(set(base.digests) ^ set(head.digests))
    equal &= not missing
    print(f"{'whole run':<12} {base.cpu * per_k:>16.2f} {head.cpu * per_k:>14.2f} {base.cpu / head.cpu:>5.2f}x")
    print(f"wall s: {base.name} {base.wall:.1f}, {head.name} {head.wall:.1f}")
    pairs = head.totals.get("pairs", {}).get("in", 0)
    for v in (base, head):
        p = v.stages.get("pairs")
        if p:
            print(f"pairs/s ({v.name}): {pairs / p['cpu']:.0f} candidates per CPU-second of the pairs stage "
                  f"({pairs} candidates)")
    if missing:
        print("stages in one run only:", ", ".join(missing))
    differ = [s for s in head.digests if not same_outputs(base, head, s)]
    print("outputs equal: every stage's parts and files (cards but for their code version)" if equal and not differ else
          f"OUTPUTS DIFFER in: {', '.join(differ) or '-'}")
    print("BENCH_JSON " + json.dumps({
        "commits": commits,
        **{v.name: {"cpu": v.cpu, "wall": v.wall, "stages": v.stages} for v in (base, head)},
        "equal": equal and not differ, "differ": differ}))
    return equal and not differ


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "_child":
        sep = sys.argv.index("--")
        child(Path(sys.argv[2]), sys.argv[sep + 1:])
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("repos", nargs="*", help="mirror names (owner+name under /work/.mirror) or PATH=owner/name "
                    f"(default: {', '.join(DEFAULT_REPOS)})")
    ap.add_argument("--baseline", help="git revision to compare against (default: where this branch left main, "
                    "`git merge-base HEAD main`)")
    ap.add_argument("--workers", type=int, default=1, help="codemill --workers (1: every shard in-process)")
    ap.add_argument("--repeat", type=int, default=1, help="alternate the variants R times; keep the least CPU")
    ap.add_argument("--keep", type=Path, help="keep the run directories here instead of a temporary folder")
    args = ap.parse_args()
    repos = [repo_spec(r) for r in args.repos or DEFAULT_REPOS]
    commits = sum(first_parent_commits(r) for r in repos)
    baseline = args.baseline or subprocess.run(["git", "-C", str(ROOT), "merge-base", "HEAD", "main"], check=True,
                                               capture_output=True, text=True).stdout.strip()[:12]
    with tempfile.TemporaryDirectory(prefix="mill_bench_") as tmp:
        work = args.keep or Path(tmp)
        base = Run(f"base {baseline}", export_src(baseline, work / "baseline"))
        head = Run("this", ROOT / "src")
        print(f"repositories: {', '.join(repos)}; load average {os.getloadavg()[0]:.2f}", flush=True)
        for i in range(args.repeat):
            for v in (base, head) if i % 2 == 0 else (head, base):
                out = work / f"{'base' if v is base else 'head'}-{i}"
                run_variant(v, repos, out, args.workers)
                print(f"  {v.name} #{i + 1}: {v.cpu:.1f} CPU-s best so far", flush=True)
        ok = report(base, head, commits)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
