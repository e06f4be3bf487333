"""RL prompts with verifiable rewards, as verl and TRL GRPO read them, and the workspaces their rewards run in.

- verl (https://verl.readthedocs.io, "Prepare Data"): Parquet with `data_source`, `prompt` (chat messages),
  `ability`, `reward_model` {`style`: "rule", `ground_truth`} and `extra_info` (split, index, provenance). Its
  reward manager calls `compute_score(data_source, solution_str, ground_truth, extra_info)`:
  `custom_reward_function.path: pkg://codemill.rewards` (verl's `load_module` imports a `pkg://` module by
  name, so no site-packages path is needed) and `name: compute_score`. verl's `data.max_prompt_length` and
  `max_response_length` default to 512 tokens while a function prompt is a whole file around the stub
  (thousands of tokens): the README gives both from this export's own lengths (`verl_lengths`).
- TRL GRPO (https://huggingface.co/docs/trl/grpo_trainer): a conversational `prompt` column; every other column
  reaches the reward functions as a keyword, so `ground_truth` feeds `codemill.rewards.test_pass_reward`.
- Workspaces: a function task's repository tree at its commit, as a gzip'd tar with fixed timestamps (the same
  commit gives the same bytes); the ground truth names it and carries its SHA-256.
"""

from __future__ import annotations

import gzip
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import BinaryIO

import pyarrow as pa
import pyarrow.parquet as pq
from tokenizers import Tokenizer

from codemill.engine.artifacts import PARQUET_OPTS
from codemill.exports.hf import MESSAGE
from codemill.git import read as gitread
from codemill.tokenize import encode_batch

ABILITY = "code"
VERL_FOLDER = "rl/verl"
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
    reference: str | None = None  # a passing answer's code (the original definition, the verified module)

    @property
    def data_source(self) -> str:
        return f"codemill/{self.kind}"


def synthetic_prompt(row: dict) -> RLPrompt:
    """A `synth` problem as an RL prompt: its verified tests are the ground truth, the seed is the provenance."""
    return RLPrompt(row["synth_id"], "synthetic", f"{row['instruction'].rstrip()}\n\n{SYNTHETIC_ANSWER}",
                    row["tests"], row["seed_repo_name"], row["seed_path"], None, row["seed_license"],
                    row["solution"])


# Without the run's tokenizer, tokens are bounded by UTF-8 bytes / 2: code BPE tokenizers (StarCoder2,
# Qwen2.5-Coder) average 3-4 bytes per token on source, so 2 over-counts rather than cuts.
BYTES_PER_TOKEN = 2
CHAT_TEMPLATE_TOKENS = 64  # the chat template around the user message (Qwen2.5's, system turn included: ~30)
VERL_DEFAULT_LENGTH = 512  # verl's data.max_prompt_length and max_response_length
LENGTH_STEP = 256


@dataclass(frozen=True)
class VerlLengths:
    """The longest prompt and reference answer of an export in tokens, and the verl settings that hold them."""

    prompt_tokens: int
    answer_tokens: int
    measured_by: str

    @property
    def max_prompt_length(self) -> int:
        return _round_up(self.prompt_tokens + CHAT_TEMPLATE_TOKENS)

    @property
    def max_response_length(self) -> int:
        """Room for an answer twice the longest reference (a model's answer is rarely as tight), never below verl's
        default."""
        return max(VERL_DEFAULT_LENGTH, _round_up(2 * self.answer_tokens))


def _round_up(n: int) -> int:
    return max(LENGTH_STEP, math.ceil(n / LENGTH_STEP) * LENGTH_STEP)


def answer_text(p: RLPrompt) -> str:
    """A reference answer as the model must write it: one fenced Python block."""
    return f"```python\n{(p.reference or '').rstrip()}\n```"


def verl_lengths(prompts: Sequence[RLPrompt], tok: Tokenizer | None, tok_digest: str = "") -> VerlLengths:
    """Token lengths with the run's tokenizer (`[tokenizer] path`) when there is one, else the bytes bound."""
    texts = [p.prompt for p in prompts]
    answers = [answer_text(p) for p in prompts if p.reference is not None]
    if tok is not None:
        def count(batch: list[str]) -> int:
            return max((len(ids) for ids in encode_batch(tok, batch)), default=0)
        how = f"the run's tokenizer (`[tokenizer] path`, sha256 {tok_digest[:12]})" if tok_digest else \
            "the run's tokenizer (`[tokenizer] path`)"
    else:
        def count(batch: list[str]) -> int:
            return max((math.ceil(len(t.encode()) / BYTES_PER_TOKEN) for t in batch), default=0)
        how = f"UTF-8 bytes / {BYTES_PER_TOKEN} (no `[tokenizer] path` in the run; code tokenizers average 3-4)"
    return VerlLengths(count(texts), count(answers), how)


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


def rl_readme(counts: dict[str, dict[str, int]], lengths: VerlLengths) -> str:
    """How to train on the RL exports with verl and TRL, how many prompts each split has, and the verl lengths
    that hold them."""
    lines = ["# codemill RL prompts", "",
             "Prompts whose reward is the pass fraction of unit tests run in a sandbox (`codemill.rewards`).", "",
             "| split | kind | prompts |", "|---|---|---|"]
    lines += [f"| {split} | {kind} | {n} |" for split, kinds in sorted(counts.items())
              for kind, n in sorted(kinds.items())]
    data = [f"data.train_files={VERL_FOLDER}/train.parquet"]
    held_out = next((s for s in ("validation", "test") if s in counts), None)
    if held_out:
        data.append(f"data.val_files={VERL_FOLDER}/{held_out}.parquet")
    data += [f"data.max_prompt_length={lengths.max_prompt_length}",
             f"data.max_response_length={lengths.max_response_length}",
             "custom_reward_function.path=pkg://codemill.rewards", "custom_reward_function.name=compute_score"]
    lines += ["", "## verl", "",
              f"The longest prompt is {lengths.prompt_tokens} tokens and the longest reference answer "
              f"{lengths.answer_tokens}, counted with {lengths.measured_by}. verl's defaults (512 and 512) would cut",
              f"the prompts, so `max_prompt_length` leaves {CHAT_TEMPLATE_TOKENS} tokens for the chat template and",
              "`max_response_length` twice the longest reference; a policy whose tokenizer needs more tokens fails",
              "loudly with verl's `data.truncation: error` rather than training on cut prompts. Run from the",
              "folder holding `rl/`, with `codemill[tasks]` installed where verl runs (the reward imports it and",
              "builds each workspace's environment with uv):", "",
              "```sh", "python3 -m verl.trainer.main_ppo \\",
              *[f"    {arg} \\" for arg in data], "    ...", "```"]
    if not held_out:
        lines += ["", "There is no validation or test split: set `data.val_files` to a file of your own (verl's "
                  "default names a GSM8K file)."]
    lines += ["", "## TRL GRPO", "", "```python",
              "from datasets import load_dataset",
              "from trl import GRPOTrainer",
              "from codemill.rewards import test_pass_reward",
              'data = load_dataset("parquet", data_files="rl/trl-grpo/train.parquet", split="train")',
              "trainer = GRPOTrainer(model=..., reward_funcs=[test_pass_reward], train_dataset=data)",
              "```", "",
              "Function tasks (`kind` repo_function) run the repository's tests: set `CODEMILL_RL_WORKSPACES` to",
              "this folder's `workspaces/` (and optionally `CODEMILL_RL_CACHE`, where environments are built once",
              "per workspace). Rewards need `pip install 'codemill[tasks]'`, bubblewrap and, for the first build of",
              "each workspace, a package index.",
              "`compute_score` may be called from many threads or processes at once (verl's reward loop does): the",
              "runs of one workspace go in parallel, up to `CODEMILL_RL_REPLICAS` (default: one per core). A reward",
              "manager that hands over a whole step (verl's `batch`) takes `compute_score_batch`; TRL's",
              "`test_pass_reward` scores its list the same way. The rewards are those of one call at a time.",
              ""]
    return "\n".join(lines)
