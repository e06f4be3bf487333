"""`rl`: function-level tasks with verifiable rewards, from repositories whose tests pass at head.

One shard per repository (opt-in, `[rl] enabled`). The head is checked out and its environment built in the
sandbox (`swe.head`), and the whole suite run once (the baseline).
In the most tested source files, each tested function's body is cut out (`rl.functions.stub`) and the suite run
again: the tests that now fail are the function's tests. Tests that do not pass at head (offline, a test that
needs the network fails) are counted (`rl.baseline_not_passing`) and grade nothing; a repository where no test
passes is refused. A task is kept when some test needs the function and
the others are unaffected (`rl.tasks`), when the reference passes the screen every answer must pass
(`rl.screen`), and when it passes exactly those tests in the run a reward makes (`rl.graded`: read-only tree,
signed report, the rewards' limits), so what `codemill.rewards` computes later is the same check.

A task row holds the prompt (`rl.prompt`: the file around the stub, signature, docstring), the reference
definition, the tests (FAIL_TO_PASS), and the environment (interpreter version, frozen requirements);
`export` adds the repository's tree as a workspace archive that rewards are computed in.

A repository that cannot be used is one dropped row (`task_id` = `<repo>-<head>-setup`): `no_packaging`,
`env_failed`, `baseline_failing`, `no_tested_functions`. Rejected functions are counted per reason
(`rl.rejected.<reason>`: not_stubbable, no_effect, collateral, breaks_all, run_error, screened, reference_fails).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import ClassVar

import pyarrow as pa

from codemill.config import RLConfig
from codemill.engine.reads import Reads
from codemill.engine.stage import PlanContext, Shard, ShardOutput, Stage
from codemill.ids import stable_id
from codemill.rl.graded import graded_run
from codemill.rl.prompt import task_prompt
from codemill.rl.screen import refusal
from codemill.rl.tasks import function_tasks
from codemill.rl.workspace import REWARD_TEST_LIMITS
from codemill.sandbox import Sandbox
from codemill.stages.repos import repo_shards
from codemill.swe.head import prepare_head, tested_files

SCHEMA = pa.schema([
    ("task_id", pa.string()),
    ("repo_id", pa.string()),
    ("repo", pa.string()),
    ("base_commit", pa.string()),
    ("license", pa.string()),  # the repository's
    ("path", pa.string()),
    ("function", pa.string()),  # qualified name (`Class.method`)
    ("prompt", pa.large_string()),
    ("signature", pa.string()),
    ("reference", pa.large_string()),  # the original definition: a passing answer
    ("FAIL_TO_PASS", pa.list_(pa.string())),  # the function's tests: fail without it, pass with the reference
    ("PASS_TO_PASS", pa.list_(pa.string())),
    ("python", pa.string()),  # interpreter version the task was verified with
    ("requirements", pa.list_(pa.string())),  # pip freeze of that environment
])


class RLStage(Stage[dict]):  # payload: the repository's `repos` row
    name = "rl"
    upstream = ("repos",)
    reads: ClassVar[Reads] = {"repos": ("repo_id", "repo_name", "location", "head", "license")}
    schema = SCHEMA
    id_column = "task_id"
    row_group_rows = 64

    section: RLConfig

    def plan(self, ctx: PlanContext) -> list[Shard]:
        if not self.section.enabled:
            return []
        return repo_shards(ctx, ["repo_name", "location", "head", "license"])

    def run(self, shard: Shard, out: ShardOutput) -> None:
        repo = shard.payload
        cfg = self.section
        name = repo["repo_name"] or repo["repo_id"]
        setup = {k: None for k in SCHEMA.names} | {
            "task_id": f"{name.replace('/', '__')}-{repo['head'][:12]}-setup", "repo_id": repo["repo_id"],
            "repo": name, "base_commit": repo["head"], "license": repo["license"], "FAIL_TO_PASS": [],
            "PASS_TO_PASS": [], "requirements": []}
        with tempfile.TemporaryDirectory(prefix="codemill-rl-") as tmp:
            head = prepare_head(repo["location"], repo["head"], Path(tmp) / "checkout", Sandbox(mode=cfg.sandbox),
                                era=cfg.era)
            if isinstance(head, tuple):
                out.drop(setup, *head)
                return
            runner = head.runner()
            baseline = runner(head.project)
            failing = sorted(t for t, s in baseline.results.items() if s != "passed")
            if baseline.error or len(failing) == len(baseline.results):
                why = baseline.error or (f"no test passes at head ({len(failing)} collected)" if failing
                                         else "no tests were collected")
                out.drop(setup, "baseline_failing", why[:1500])
                return
            # A test that fails offline at head (one needing the network, say) grades nothing: it is left out.
            out.count("rl.baseline_not_passing", len(failing))
            files = tested_files(head.project, cfg.max_files)
            if not files:
                out.drop(setup, "no_tested_functions", "no source file has a function its tests name")
                return
            python = ".".join((head.env.python or "").split(".")[:2]) or None
            tick = 0
            for path, functions in files:
                tasks = function_tasks(head.project, path, functions[: cfg.max_functions], runner=runner,
                                       baseline=baseline, tick=tick)
                tick += len(functions)
                for reason, n in tasks.rejected.items():
                    out.count(f"rl.rejected.{reason}", n)
                source = (head.project / path).read_text(encoding="utf-8")
                for task in tasks:
                    tests = list(task.fail_to_pass)
                    if refusal(task.stubbed.reference, source) is not None:
                        out.count("rl.rejected.screened")
                        continue
                    outcomes = graded_run(head.project, tests, head.sandbox, REWARD_TEST_LIMITS) or {}
                    if any(outcomes.get(t) != "passed" for t in tests):
                        out.count("rl.rejected.reference_fails")
                        continue
                    out.keep(setup | {
                        "task_id": stable_id("rl", repo["repo_id"], repo["head"], path, task.function),
                        "path": path, "function": task.function,
                        "prompt": task_prompt(name, path, task.function, task.stubbed, cfg.context_chars),
                        "signature": task.stubbed.signature, "reference": task.stubbed.reference,
                        "FAIL_TO_PASS": tests, "PASS_TO_PASS": list(task.pass_to_pass), "python": python,
                        "requirements": list(head.env.frozen)})
