"""RL prompts with verifiable rewards, as verl and TRL GRPO read them, and the workspaces their rewards run in.

- verl (https://verl.readthedocs.io, "Prepare Data"): Parquet with `data_source`, `prompt` (chat messages),
  `ability`, `reward_model` {`style`: "rule", `ground_truth`} and `extra_info` (split, index, provenance). Its
  reward manager calls `compute_score(data_source, solution_str, ground_truth, extra_info)`: point
  `custom_reward_function.path` at `codemill/rewards.py` and `name` at `compute_score`.
- TRL GRPO (https://huggingface.co/docs/trl/grpo_trainer): a conversational `prompt` column; every other column
  reaches the reward functions as a keyword, so `ground_truth` feeds `codemill.rewards.test_pass_reward`.
- Workspaces: a function task's repository tree at its commit, as a gzip'd tar with fixed timestamps (the same
  commit gives the same bytes); the ground truth names it and carries its SHA-256.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import BinaryIO

import pyarrow as pa
import pyarrow.parquet as pq

from codemill.engine.artifacts import PARQUET_OPTS
from codemill.exports.hf import MESSAGE
from codemill.git import read as gitread

ABILITY = "code"
SYNTHETIC_ANSWER = "Write the module `solution` in one ```python block."
EXTRA = pa.struct([("split", pa.string()), ("index", pa.int64()), ("task_id", pa.string()), ("kind", pa.string()),
                   ("repo", pa.string()), ("path", pa.string()), ("function", pa.string()),
                   ("license", pa.string())])
VERL_SCHEMA = pa.schema([
    ("data_source", pa.string()), ("prompt", pa.list_(MESSAGE)), ("ability", pa.string()),
    ("reward_model", pa.struct([("style", pa.string()), ("ground_truth", pa.large_string())])),
    ("extra_info", EXTRA),
])
GRPO_SCHEMA = pa.schema([
    ("prompt", pa.list_(MESSAGE)), ("ground_truth", pa.large_string()), ("data_source", pa.string()),
    ("task_id", pa.string()), ("kind", pa.string()), ("repo", pa.string()), ("path", pa.string()),
    ("function", pa.string()), ("license", pa.string()),
])


@dataclass(frozen=True)
class RLPrompt:
    """One prompt with a verifiable reward: the user message and the ground truth `codemill.rewards` reads."""

    task_id: str
    kind: str  # repo_function | synthetic
    prompt: str
    ground_truth: str
    repo: str | None = None
    path: str | None = None
    function: str | None = None
    license: str | None = None

    @property
    def data_source(self) -> str:
        return f"codemill/{self.kind}"


def synthetic_prompt(row: dict) -> RLPrompt:
    """A `synth` problem as an RL prompt: its verified tests are the ground truth, the seed is the provenance."""
    return RLPrompt(row["synth_id"], "synthetic", f"{row['instruction'].rstrip()}\n\n{SYNTHETIC_ANSWER}",
                    row["tests"], row["seed_repo_name"], row["seed_path"], None, row["seed_license"])


def verl_table(prompts: Sequence[RLPrompt], split: str) -> pa.Table:
    rows = [{"data_source": p.data_source, "prompt": [{"role": "user", "content": p.prompt}], "ability": ABILITY,
             "reward_model": {"style": "rule", "ground_truth": p.ground_truth},
             "extra_info": {"split": split, "index": i, "task_id": p.task_id, "kind": p.kind, "repo": p.repo,
                            "path": p.path, "function": p.function, "license": p.license}}
            for i, p in enumerate(prompts)]
    return pa.Table.from_pylist(rows, schema=VERL_SCHEMA)


def grpo_table(prompts: Sequence[RLPrompt]) -> pa.Table:
    rows = [{"prompt": [{"role": "user", "content": p.prompt}], "ground_truth": p.ground_truth,
             "data_source": p.data_source, "task_id": p.task_id, "kind": p.kind, "repo": p.repo, "path": p.path,
             "function": p.function, "license": p.license} for p in prompts]
    return pa.Table.from_pylist(rows, schema=GRPO_SCHEMA)


def write_table(table: pa.Table) -> Callable[[BinaryIO], None]:
    def write(f: BinaryIO) -> None:
        pq.write_table(table, f, **PARQUET_OPTS)
    return write


def workspace_archive(location: str, commit: str) -> bytes:
    """The tree of `commit` as tar.gz bytes, read through libgit2 (`gitread.archive`: no filter the repository
    configures runs); every entry has the commit time and gzip gets mtime 0, so the bytes depend on the commit
    alone."""
    return gzip.compress(gitread.archive(location, commit), compresslevel=6, mtime=0)


def rl_readme(counts: dict[str, dict[str, int]]) -> str:
    """How to train on the RL exports with verl and TRL, and how many prompts each split has."""
    lines = ["# codemill RL prompts", "",
             "Prompts whose reward is the pass fraction of unit tests run in a sandbox (`codemill.rewards`).", "",
             "| split | kind | prompts |", "|---|---|---|"]
    lines += [f"| {split} | {kind} | {n} |" for split, kinds in sorted(counts.items())
              for kind, n in sorted(kinds.items())]
    lines += ["", "## verl", "", "```yaml", "data:", "  train_files: rl/verl/train.parquet",
              "custom_reward_function:", "  path: <site-packages>/codemill/rewards.py", "  name: compute_score",
              "```", "", "## TRL GRPO", "", "```python",
              "from datasets import load_dataset",
              "from trl import GRPOTrainer",
              "from codemill.rewards import test_pass_reward",
              'data = load_dataset("parquet", data_files="rl/trl-grpo/train.parquet", split="train")',
              "trainer = GRPOTrainer(model=..., reward_funcs=[test_pass_reward], train_dataset=data)",
              "```", "",
              "Function tasks (`kind` repo_function) run the repository's tests: set `CODEMILL_RL_WORKSPACES` to",
              "this folder's `workspaces/` (and optionally `CODEMILL_RL_CACHE`, where environments are built once",
              "per workspace). Rewards need bubblewrap and, for the first build of each workspace, a package index.",
              ""]
    return "\n".join(lines)
