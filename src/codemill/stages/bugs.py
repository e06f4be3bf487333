"""`bugs`: SWE-smith-style synthetic bugs, verified by the repository's own tests in the sandbox.

One shard per repository (opt-in, `[bugs] enabled`). The head is cloned into a scratch folder, its environment
built from its packaging files (`swe.env`, in the sandbox with the network on), and its tests run (network off).
When every test passes, the most tested source files (by `mutate.covered_functions`) are mutated function by
function (`mutate.synthesize`): a mutant is kept only when at least one test goes from passing to failing and
every other test keeps its result. A kept bug is an instance whose `bug_patch` turns the head into the buggy
state and whose `patch` (its reverse) is the fix; FAIL_TO_PASS and PASS_TO_PASS come from the runs, and the
problem statement is written from the failing tests only.

A repository that cannot be used is one dropped row (`instance_id` = `<repo>-<head>-setup`) with its reason:
`no_packaging`, `env_failed`, `baseline_failing`, `no_tested_functions`. Rejected mutants are counted per reason
(`bugs.rejected.<reason>`).
"""

from __future__ import annotations

import difflib
import hashlib
import subprocess
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa

from codemill.config import BugsConfig
from codemill.engine.stage import PlanContext, Shard, ShardOutput, Stage, read_part
from codemill.ids import digest_json
from codemill.mutate import TestOutcome, covered_functions, problem_statement, pytest_outcomes, synthesize
from codemill.sandbox import Limits, Sandbox
from codemill.swe.env import build_in_era, detect_recipe, networked
from codemill.swe.run import TEST_LIMITS
from codemill.swe.split import is_test_path

SCHEMA = pa.schema([
    ("instance_id", pa.string()),
    ("repo_id", pa.string()),
    ("repo", pa.string()),
    ("base_commit", pa.string()),
    ("path", pa.string()),
    ("function", pa.string()),
    ("mutation", pa.string()),  # the operator (flip_comparison, off_by_one, ...)
    ("bug_patch", pa.large_string()),  # applied to base_commit, makes the bug
    ("patch", pa.large_string()),  # the fix: the reverse of bug_patch
    ("problem_statement", pa.large_string()),
    ("FAIL_TO_PASS", pa.list_(pa.string())),
    ("PASS_TO_PASS", pa.list_(pa.string())),
    ("requirements", pa.list_(pa.string())),
])


def sandbox_runner(sandbox: Sandbox, limits: Limits = TEST_LIMITS) -> Callable[[Path], TestOutcome]:
    """A `mutate` runner: the project's whole pytest suite in the sandbox with the network off."""
    offline = networked(sandbox, network=False)

    def run(project: Path) -> TestOutcome:
        report = project / ".codemill-bugs-junit.xml"
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


def reverse_patch(original: str, mutated: str, path: str) -> str:
    """The git-style patch that turns the mutated file back into the original: the fix."""
    body = "".join(difflib.unified_diff(mutated.splitlines(keepends=True), original.splitlines(keepends=True),
                                        f"a/{path}", f"b/{path}"))
    return f"diff --git a/{path} b/{path}\n{body}"


class BugsStage(Stage):
    name = "bugs"
    upstream = ("repos",)
    schema = SCHEMA
    id_column = "instance_id"
    row_group_rows = 64

    section: BugsConfig

    def plan(self, ctx: PlanContext) -> list[Shard]:
        if not self.section.enabled:
            return []
        shards = []
        for _key, art in ctx.kept_parts("repos"):
            for r in read_part(ctx.run_dir, art, ["repo_id", "repo_name", "location", "head"]).to_pylist():
                shards.append(Shard(r["repo_id"], digest_json(r), r))
        return shards

    def run(self, shard: Shard, out: ShardOutput) -> None:
        repo = shard.payload
        cfg = self.section
        name = repo["repo_name"] or repo["repo_id"]
        setup = {k: None for k in SCHEMA.names} | {
            "instance_id": f"{name.replace('/', '__')}-{repo['head'][:12]}-setup", "repo_id": repo["repo_id"],
            "repo": name, "base_commit": repo["head"], "FAIL_TO_PASS": [], "PASS_TO_PASS": [], "requirements": []}
        sandbox = Sandbox(mode=cfg.sandbox)
        with tempfile.TemporaryDirectory(prefix="codemill-bugs-") as tmp:
            project = Path(tmp) / "checkout"
            subprocess.run(["git", "clone", "-q", "--no-hardlinks", repo["location"], str(project)], check=True,
                           capture_output=True)
            subprocess.run(["git", "-C", str(project), "checkout", "-q", repo["head"]], check=True,
                           capture_output=True)
            recipe = detect_recipe(project)
            if not recipe.installable:
                out.drop(setup, "no_packaging", "no pyproject.toml or setup.py to install from")
                return
            when = datetime.fromtimestamp(int(subprocess.run(
                ["git", "-C", str(project), "show", "-s", "--format=%ct", "HEAD"], check=True, capture_output=True,
                text=True).stdout.strip()), UTC)
            env, sandbox = build_in_era(project, recipe, sandbox, when, pinned=cfg.era)
            if not env.ok:
                out.drop(setup, "env_failed", f"{env.failed_step}: {env.log_tail[-1500:]}")
                return
            runner = sandbox_runner(sandbox)
            files = self._files(project)
            if not files:
                out.drop(setup, "no_tested_functions", "no source file has a function its tests name")
                return
            kept = 0
            for path, functions in files:
                original = (project / path).read_text(encoding="utf-8")
                bugs = synthesize(project, path, runner=runner, max_per_function=cfg.max_per_function,
                                  functions=functions[: cfg.max_functions])
                if bugs.reason and not bugs and bugs.tried == 0 and "baseline" in bugs.reason:
                    out.drop(setup, "baseline_failing", bugs.reason[:1500])
                    return
                for reason, n in bugs.rejected.items():
                    out.count(f"bugs.rejected.{reason}", n)
                out.count("bugs.tried", bugs.tried)
                for bug in bugs:
                    m = bug.mutation
                    digest = hashlib.sha256(m.patch.encode()).hexdigest()[:10]
                    out.keep(setup | {
                        "instance_id": f"{name.replace('/', '__')}-{repo['head'][:12]}-{digest}", "path": path,
                        "function": m.function, "mutation": m.kind, "bug_patch": m.patch,
                        "patch": reverse_patch(original, m.source, path), "problem_statement": problem_statement(bug),
                        "FAIL_TO_PASS": list(bug.fail_to_pass), "PASS_TO_PASS": list(bug.pass_to_pass),
                        "requirements": list(env.frozen)})
                    kept += 1
            if kept == 0:
                out.count("bugs.none_kept")

    def _files(self, project: Path) -> list[tuple[str, list[str]]]:
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
        return found[: self.section.max_files]
