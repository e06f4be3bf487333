"""Verifiable rewards: run a task's tests against a model's completion in the sandbox; the reward is the pass
fraction. The same scorer plugs into TRL (`reward_funcs=[test_pass_reward]`) and verl
(`custom_reward_function.path=pkg://codemill.rewards`, `name=compute_score`, or `name=compute_score_batch` with
verl's `batch` reward manager). A batch (`score_many`: TRL's list, verl's batch) runs its tests in parallel,
up to one run per core, with the same reward per completion as one call at a time.

A task's ground truth is either
- pytest code that imports the solution from the module `solution` (synthesized problems): the completion's code
  (its last fenced Python block, or the whole text when it has none) is written to `solution.py` next to the
  tests in a fresh work directory and pytest runs under `codemill.sandbox.Sandbox` with no network and the limits
  given (default: 10 s CPU, 20 s wall, 1 GiB); or
- a JSON object of kind `repo_function` (`rl.workspace.FunctionGroundTruth`, from the `rl` stage): the
  completion's definition of the function is screened (`rl.screen`), spliced into the repository file, and the
  function's tests run in the task's workspace, read-only, graded by a signed report (`rl.graded`;
  `rl.workspace.Workspaces` finds the archives through `CODEMILL_RL_WORKSPACES`).
A completion that does not parse, lacks the function, crashes the collection, loops or floods output scores 0:
the reward only ever comes from tests that ran and passed.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path
from typing import Any

from codemill.llm import extract_blocks
from codemill.rl import harness
from codemill.rl.functions import answer_definition, splice
from codemill.rl.screen import refusal
from codemill.rl.workspace import KIND, FunctionGroundTruth, Workspaces
from codemill.sandbox import Limits, Sandbox

SOLUTION_MODULE = "solution"
# No plugin from the environment may load into the test process: only pytest and the harness decide outcomes.
HARNESS_ENV = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "PYTHONDONTWRITEBYTECODE": "1"}
REWARD_LIMITS = Limits(cpu_seconds=10, wall_seconds=20, memory_mb=1024, processes=64, output_bytes=200_000,
                       disk_mb=64, tmp_mb=64)


@cache
def _sandbox() -> Sandbox:
    return Sandbox()


@cache
def _workspaces() -> Workspaces:
    return Workspaces(sandbox=_sandbox())


def score(completion: str | Sequence[dict], ground_truth: str, *, workspaces: Workspaces | None = None) -> float:
    """The reward of one completion against one task's ground truth, whichever kind it is."""
    plan = _plan(completion, ground_truth, workspaces or _workspaces())
    return plan if isinstance(plan, float) else plan[1]()


def score_many(completions: Sequence[str | Sequence[dict]], ground_truths: Sequence[str], *,
               workspaces: Workspaces | None = None) -> list[float]:
    """The rewards of many completions, in order, each what `score` gives it: the ones that need a run go to a
    pool of `workspaces.replicas` threads (a function task's runs share its workspace, `rl.workspace`), and
    identical runs (the same tests with the same code) are made once, so duplicates get the same reward
    whatever the scheduling."""
    spaces = workspaces or _workspaces()
    plans = [_plan(c, t, spaces) for c, t in zip(completions, ground_truths, strict=True)]
    runs = {plan[0]: plan[1] for plan in plans if not isinstance(plan, float)}
    with ThreadPoolExecutor(max_workers=spaces.replicas, thread_name_prefix="codemill-reward") as pool:
        done = dict(zip(runs, pool.map(lambda run: run(), runs.values()), strict=True))
    return [plan if isinstance(plan, float) else done[plan[0]] for plan in plans]


def _plan(completion: str | Sequence[dict], ground_truth: str,
          spaces: Workspaces) -> float | tuple[tuple[str, str], Callable[[], float]]:
    """A reward decided without running anything (an answer that does not parse, lacks the function or is
    screened out: 0.0), or the run that decides it, keyed by what the run depends on."""
    code = solution_code(completion)
    truth = _repo_function(ground_truth)
    if truth is None:
        return (ground_truth, code), lambda: pass_fraction(code, ground_truth)
    definition = answer_definition(code, truth.function)
    source = spaces.source(truth)
    if definition is None or refusal(definition, source) is not None:
        return 0.0
    spliced = splice(source, truth.function, definition)
    if spliced is None:
        return 0.0
    return (truth.to_json(), spliced), lambda: spaces.score(truth, spliced)


def _repo_function(ground_truth: str) -> FunctionGroundTruth | None:
    if not ground_truth.lstrip().startswith("{"):
        return None
    try:
        data = json.loads(ground_truth)
    except ValueError:
        return None
    return FunctionGroundTruth.from_json(ground_truth) if isinstance(data, dict) and data.get("kind") == KIND else None


def solution_code(completion: str | Sequence[dict]) -> str:
    """The code of a completion: plain text or a conversation (TRL's conversational form: the last message)."""
    text = completion if isinstance(completion, str) else (completion[-1]["content"] if completion else "")
    blocks = [code for lang, code in extract_blocks(text) if lang.lower() in ("python", "py", "python3", "")]
    return blocks[-1] if blocks else text


def pass_fraction(code: str, tests: str, *, limits: Limits = REWARD_LIMITS, sandbox: Sandbox | None = None) -> float:
    """Share of the tests that passed with `code` as the solution module (0.0 when none ran, or when the report
    cannot be trusted).

    The code never shares a process with pytest: the reward harness (`rl.harness`) runs it in a worker process
    and the tests reach it through a proxy `solution` module; the work directory is read-only to everything in
    the sandbox; the outcomes come signed from the test process, which no other process can read or trace. So
    rewriting a report, injecting a `conftest.py`, patching pytest, exiting early, editing or skipping tests or
    forging report lines gains nothing."""
    try:
        compile(code, f"{SOLUTION_MODULE}.py", "exec")
    except (SyntaxError, ValueError):
        return 0.0
    with tempfile.TemporaryDirectory(prefix="codemill-reward-") as tmp:
        work = Path(tmp)
        (work / f"{SOLUTION_MODULE}.py").write_text(code)
        (work / "test_task.py").write_text(tests)
        harness.write(work)
        base = sandbox or _sandbox()
        box = base.derive(frozen=(".",), env={**base.env, **HARNESS_ENV})
        res = box.run(["python", "-m", "pytest", "-q", "-p", "no:cacheprovider", "--capture=no", "test_task.py"],
                      work, limits)
        if res.killed is not None:
            return 0.0
        outcomes = harness.signed_outcomes(res.stdout)
    if not outcomes:
        return 0.0
    return sum(o == "passed" for o in outcomes.values()) / len(outcomes)


def test_pass_reward(completions: Sequence[Any], ground_truth: Sequence[str] | None = None,
                     tests: Sequence[str] | None = None, **_: Any) -> list[float]:
    """TRL `reward_funcs` entry: TRL passes the completions and the dataset's columns by name (`ground_truth` in
    codemill's GRPO export; `tests` is accepted for datasets that name the column so)."""
    truths = ground_truth if ground_truth is not None else tests
    if truths is None:
        raise TypeError("test_pass_reward needs a `ground_truth` (or `tests`) column")
    return score_many(completions, truths)


test_pass_reward.__test__ = False  # type: ignore[attr-defined]  # a reward, not a pytest test


def compute_score(data_source: str, solution_str: str, ground_truth: str, extra_info: dict | None = None,
                  **_: Any) -> float:
    """verl custom reward (`custom_reward_function.name: compute_score`, called with these keywords by its
    reward managers): the pass fraction of the tests held in `reward_model.ground_truth`."""
    return score(solution_str, ground_truth)


def compute_score_batch(data_sources: Sequence[str], solution_strs: Sequence[str], ground_truths: Sequence[str],
                        extra_infos: Sequence[dict | None] | None = None, **_: Any) -> list[float]:
    """verl's `batch` reward manager (`custom_reward_function.name: compute_score_batch`) hands over a whole
    step's responses, with these keywords: scored together (`score_many`), not one by one."""
    return score_many(solution_strs, ground_truths)
