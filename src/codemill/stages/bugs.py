"""`bugs`: SWE-smith-style synthetic bugs, verified by the repository's own tests in the sandbox.

One shard per repository (opt-in, `[bugs] enabled`). The head is cloned into a scratch folder, its environment
built from its packaging files (`swe.env`, in the sandbox with the network on), and its tests run (network off).
When every test passes, the most tested source files (by `mutate.covered_functions`) are mutated function by
function (`mutate.synthesize`): a mutant is kept only when at least one test goes from passing to failing and
every other test keeps its result. A kept bug is an instance whose `bug_patch` turns the head into the buggy
state and whose `patch` (its reverse) is the fix; FAIL_TO_PASS and PASS_TO_PASS come from the runs, and the
problem statement is written from the failing tests only. What the FAIL_TO_PASS tests reported under the bug is
kept (`failures`, normalised, redacted and bounded by `codemill.failures`), which `debugging` turns into pairs.

A repository that cannot be used is one dropped row (`instance_id` = `<repo>-<head>-setup`) with its reason:
`no_packaging`, `env_failed`, `baseline_failing`, `no_tested_functions`. Rejected mutants are counted per reason
(`bugs.rejected.<reason>`).
"""

from __future__ import annotations

import difflib
import hashlib
import tempfile
from pathlib import Path
from typing import ClassVar

import pyarrow as pa

from codemill.config import BugsConfig
from codemill.engine.reads import Reads
from codemill.engine.stage import PlanContext, Shard, ShardOutput, Stage
from codemill.failures.store import FAILURES, failure_rows, stored_failures
from codemill.mutate import problem_statement, synthesize
from codemill.sandbox import Sandbox
from codemill.stages.repos import repo_shards
from codemill.swe.head import prepare_head, tested_files

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
    ("failures", FAILURES),  # FAIL_TO_PASS tests' reports under the bug (`codemill.failures`)
    ("failures_redacted", pa.list_(pa.string())),  # kinds of secrets redacted from those reports
])


def reverse_patch(original: str, mutated: str, path: str) -> str:
    """The git-style patch that turns the mutated file back into the original: the fix."""
    body = "".join(difflib.unified_diff(mutated.splitlines(keepends=True), original.splitlines(keepends=True),
                                        f"a/{path}", f"b/{path}"))
    return f"diff --git a/{path} b/{path}\n{body}"


class BugsStage(Stage[dict]):  # payload: the repository's `repos` row
    name = "bugs"
    upstream = ("repos",)
    reads: ClassVar[Reads] = {"repos": ("repo_id", "repo_name", "location", "head")}
    schema = SCHEMA
    id_column = "instance_id"
    row_group_rows = 64

    section: BugsConfig

    def plan(self, ctx: PlanContext) -> list[Shard]:
        if not self.section.enabled:
            return []
        return repo_shards(ctx, ["repo_name", "location", "head"])

    def run(self, shard: Shard, out: ShardOutput) -> None:
        repo = shard.payload
        cfg = self.section
        name = repo["repo_name"] or repo["repo_id"]
        setup = {k: None for k in SCHEMA.names} | {
            "instance_id": f"{name.replace('/', '__')}-{repo['head'][:12]}-setup", "repo_id": repo["repo_id"],
            "repo": name, "base_commit": repo["head"], "FAIL_TO_PASS": [], "PASS_TO_PASS": [], "requirements": [],
            "failures": [], "failures_redacted": []}
        with tempfile.TemporaryDirectory(prefix="codemill-bugs-") as tmp:
            head = prepare_head(repo["location"], repo["head"], Path(tmp) / "checkout", Sandbox(mode=cfg.sandbox),
                                era=cfg.era)
            if isinstance(head, tuple):
                out.drop(setup, *head)
                return
            project, env, runner = head.project, head.env, head.runner()
            files = tested_files(project, cfg.max_files)
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
                    failures, redacted = stored_failures(bug.failures, bug.fail_to_pass,
                                                         (str(project.resolve()), str(project), tmp))
                    out.keep(setup | {
                        "instance_id": f"{name.replace('/', '__')}-{repo['head'][:12]}-{digest}", "path": path,
                        "function": m.function, "mutation": m.kind, "bug_patch": m.patch,
                        "patch": reverse_patch(original, m.source, path), "problem_statement": problem_statement(bug),
                        "FAIL_TO_PASS": list(bug.fail_to_pass), "PASS_TO_PASS": list(bug.pass_to_pass),
                        "requirements": list(env.frozen), "failures": failure_rows(failures),
                        "failures_redacted": redacted})
                    kept += 1
            if kept == 0:
                out.count("bugs.none_kept")
