"""Do the exported diffs of a run still apply to their real base commits? With and without placeholders.

    .venv/bin/python bench/apply_check.py RUN [--sample N]

Reads the pairs a run selected (`select` kept ids, the `pairs` rows' redacted unified diff and base) and the
repositories' locations (`repos`), and runs `git apply --cached --check` of each diff against its base
(`base_sha`: a commit's first parent, a pull request's merge-base), in a throwaway index (nothing in the
repository changes). A diff whose context or removed lines were rewritten by redaction fails here; one whose
added lines hold placeholders applies. Prints the share that applies among pairs holding a placeholder and among
the others, and the first failures.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

import pyarrow.parquet as pq

from codemill.engine.manifest import load_manifest
from codemill.redact import PLACEHOLDERS


def kept(run: Path, stage: str, columns: list[str]) -> list[dict]:
    m = load_manifest(run / stage)
    if m is None:
        raise SystemExit(f"{run} has no {stage} stage")
    return [r for a in m.artifacts() if a.role == "kept" and a.rows
            for r in pq.read_table(run / a.path, columns=columns).to_pylist()]


def applies(git_dir: str, base: str | None, diff: str) -> tuple[bool, str]:
    """`git apply --cached --check` of `diff` on `base` (None: the empty tree, for a root commit), in a
    temporary index."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "GIT_INDEX_FILE": str(Path(tmp) / "index"), "GIT_CONFIG_NOSYSTEM": "1"}
        git = ["git", f"--git-dir={git_dir}"]
        read = subprocess.run([*git, "read-tree", base or "--empty"], env=env, capture_output=True, text=True)
        if read.returncode:
            return False, f"cannot read the parent: {read.stderr.strip()[:120]}"
        proc = subprocess.run([*git, "apply", "--cached", "--check", "-"], input=diff.encode(), env=env,
                              capture_output=True)
        return proc.returncode == 0, proc.stderr.decode("utf-8", "replace").strip()[:160]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("run", type=Path)
    ap.add_argument("--sample", type=int, default=0, help="check this many pairs at random (0: every one)")
    args = ap.parse_args()
    chosen = {r["pair_id"] for r in kept(args.run, "select", ["pair_id"])}
    where = {r["repo_id"]: r["location"] for r in kept(args.run, "repos", ["repo_id", "location"])}
    pairs = [p for p in kept(args.run, "pairs", ["pair_id", "kind", "repo_id", "commit_sha", "base_sha", "response",
                                                 "response_format"])
             if p["pair_id"] in chosen and p["response_format"] == "unified_diff" and p["kind"] != "review"]
    pairs.sort(key=lambda p: p["pair_id"])
    if args.sample:
        pairs = random.Random(0).sample(pairs, min(args.sample, len(pairs)))
    tally = {True: [0, 0], False: [0, 0]}  # holds a placeholder -> [applied, checked]
    failures = []
    for p in pairs:
        placeholder = any(ph in p["response"] for ph in PLACEHOLDERS)
        ok, why = applies(where[p["repo_id"]], p["base_sha"], p["response"])
        tally[placeholder][0] += ok
        tally[placeholder][1] += 1
        if not ok:
            failures.append((p["pair_id"], p["commit_sha"][:12], placeholder, why))
    for placeholder, (ok, n) in tally.items():
        label = "with placeholders" if placeholder else "without placeholders"
        print(f"{label:<22} {ok}/{n} apply" + (f" ({ok / n:.1%})" if n else ""))
    for f in failures[:10]:
        print("  fails:", *f)
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
