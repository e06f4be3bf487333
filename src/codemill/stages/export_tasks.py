"""`export_tasks`: the verifiable tasks as their harnesses and trainers read them, one shard per output family.

Apart from `export` (the SFT pairs) because its inputs are: a verified task, a bug or an RL function changes
these files and not the SFT dataset, and a change in the pairs leaves these alone. Each family is its own shard,
so an `rl` change rewrites `rl/` and not the SWE-bench task repository:
- `swebench` (`tasks`): `swebench/instances.jsonl`, `swebench/sweb.yaml` and `swebench/tasks/<id>/` (a swebench
  task repository), and `swegym/instances.jsonl` (the same instances with lists, as SWE-Gym reads them);
- `swesmith` (`bugs`): `swesmith/instances.jsonl`;
- `rl` (`rl` function tasks, split by repository as the pairs are, and `synth` problems in train):
  `rl/verl/`, `rl/trl-grpo/`, `rl/workspaces/` (the repository trees function-task rewards run in) and
  `rl/README.md` (with verl's prompt and response lengths, counted with `[tokenizer] path` when it is set: its
  content digest is in the `rl` shard's inputs).
A shard's locations and splits are those of the repositories its rows name, so another repository's split moving
does not rewrite it. Nothing time-dependent is written: the same inputs give the same bytes.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from codemill.config import TokenizerConfig
from codemill.engine.artifacts import Artifact
from codemill.engine.reads import ROWS, Reads
from codemill.engine.stage import PlanContext, Shard, ShardOutput, Stage, iter_rows
from codemill.exports import swebench
from codemill.exports.rl import (
    RLPrompt,
    grpo_table,
    rl_readme,
    synthetic_prompt,
    verl_lengths,
    verl_table,
    workspace_archive,
    write_table,
)
from codemill.exports.selection import read_splitting, repo_ids, repo_locations
from codemill.ids import digest_json
from codemill.rl.workspace import KIND, FunctionGroundTruth
from codemill.stages.resources import tokenizer
from codemill.swe.instance import SWEInstance

# Shard key (the output family) and the stage whose rows it exports; swesmith rows carry all they need, the others
# name repositories whose locations (workspace and testbed archives) and splits they take.
FAMILIES = (("swebench", "tasks"), ("swesmith", "bugs"), ("rl", "rl"))


@dataclass(frozen=True)
class TaskFamily:
    """One output family's inputs: its parts (`tasks`, `bugs` or `rl`), the `synth` parts (rl only), and the
    location and split of each repository the parts name."""

    parts: tuple[Artifact, ...]
    synth: tuple[Artifact, ...] = ()
    locations: dict[str, str] = dataclasses.field(default_factory=dict)
    repo_splits: dict[str, str] = dataclasses.field(default_factory=dict)
    tokenizer: str | None = None  # rl: `[tokenizer] path`, to give verl its lengths in tokens


class ExportTasksStage(Stage[TaskFamily]):
    name = "export_tasks"
    upstream = ("tasks", "bugs", "rl", "synth", "select", "repos")
    # select: its splits file, not its parts
    reads: ClassVar[Reads] = {"tasks": ROWS, "bugs": ROWS, "rl": ROWS, "synth": ROWS, "repos": ("repo_id", "location")}
    section_name = ""  # nothing to configure: the harnesses fix the formats

    def plan(self, ctx: PlanContext) -> list[Shard]:
        locations, splits = repo_locations(ctx), read_splitting(ctx.run_dir).repositories
        shards = []
        for family, source in FAMILIES:
            parts = tuple(art for _key, art in ctx.kept_parts(source))
            synth = tuple(art for _key, art in ctx.kept_parts("synth")) if family == "rl" else ()
            named = sorted(repo_ids(ctx.run_dir, parts)) if family != "swesmith" else []
            tok_path = self.config.tokenizer.path if family == "rl" else None
            payload = TaskFamily(parts, synth, {r: locations[r] for r in named if r in locations},
                                 {r: splits[r] for r in named if r in splits}, tok_path)
            # the tokenizer's content, not its path: a retrained file re-counts, a moved one does not
            tok_digest = tokenizer(TokenizerConfig(path=tok_path))[1] if tok_path else ""
            digest = digest_json([family, [[a.path, a.sha256] for a in parts + synth],
                                  sorted(payload.locations.items()), sorted(payload.repo_splits.items()), tok_digest])
            shards.append(Shard(family, digest, payload))
        return shards

    def run(self, shard: Shard, out: ShardOutput) -> None:
        WRITERS[shard.key](out, shard.payload)


def write_swebench(out: ShardOutput, family: TaskFamily) -> None:
    """Verified instances as swebench 5 runs them (test lists as JSON strings, with image, eval script, log parser
    and eval type; and a task repository that builds the images) and as SWE-Gym and trainers read them (lists),
    one JSON object per line."""
    rows = [r for art in family.parts for r in iter_rows(out.run_dir, art)]
    out.rows_in = out.kept = len(rows)
    if not rows:
        return
    fields = [f.name for f in dataclasses.fields(SWEInstance)]
    gym = [{k: r[k] for k in fields} | {"env_recipe": json.loads(r["env_recipe"])} for r in rows]
    bench, splits = [], set()
    for row, g in zip(rows, gym, strict=True):
        split = family.repo_splits.get(row["repo_id"], "train")
        harness, files = swebench.harness_task(g, family.locations[row["repo_id"]], split)
        out.count("swebench.ungraded_tests", len(harness["ungraded"]))
        if harness["FAIL_TO_PASS"] == "[]":  # every FAIL_TO_PASS id is one the harness cannot read back
            out.count("swebench.ungradable")
            continue
        bench.append(harness)
        splits.add(split)
        for name, blob in files.items():
            out.write_file(f"swebench/tasks/{g['instance_id']}/{name}", lambda f, b=blob: f.write(b))
    if bench:
        out.write_file("swebench/sweb.yaml", lambda f: f.write(swebench.sweb_yaml(sorted(splits))))
    write_jsonl(out, "swebench/instances.jsonl", bench)
    write_jsonl(out, "swegym/instances.jsonl", gym)


def write_swesmith(out: ShardOutput, family: TaskFamily) -> None:
    """Synthetic bugs as SWE-smith instances, as the `bugs` stage wrote them, less the failure reports (kept for
    `debugging`; the instance's tests reproduce them)."""
    rows = [{k: v for k, v in r.items() if k not in ("failures", "failures_redacted")}
            for art in family.parts for r in iter_rows(out.run_dir, art)]
    out.rows_in = out.kept = len(rows)
    write_jsonl(out, "swesmith/instances.jsonl", rows)


def write_rl(out: ShardOutput, family: TaskFamily) -> None:
    """Function tasks (split by repository like the pairs) and synthesized problems (train; their tests are the
    ground truth) as verl and TRL GRPO Parquet, with the workspace archive of each repository commit the function
    tasks run in."""
    tasks = sorted((r for art in family.parts for r in iter_rows(out.run_dir, art)), key=lambda t: t["task_id"])
    synthetic = sorted((r for art in family.synth for r in iter_rows(out.run_dir, art)), key=lambda r: r["synth_id"])
    out.rows_in = out.kept = len(tasks) + len(synthetic)
    if not tasks and not synthetic:
        return
    by_split: dict[str, list[RLPrompt]] = {}
    archives: dict[tuple[str, str], tuple[str, str]] = {}
    for task in tasks:
        split = family.repo_splits.get(task["repo_id"], "train")
        by_split.setdefault(split, []).append(function_prompt(out, family, task, archives))
    if synthetic:
        by_split.setdefault("train", []).extend(synthetic_prompt(row) for row in synthetic)
    for split, prompts in sorted(by_split.items()):
        out.write_file(f"rl/verl/{split}.parquet", write_table(verl_table(prompts, split)), len(prompts))
        out.write_file(f"rl/trl-grpo/{split}.parquet", write_table(grpo_table(prompts)), len(prompts))
    counts = {split: dict(Counter(p.kind for p in prompts)) for split, prompts in by_split.items()}
    tok, tok_digest = tokenizer(TokenizerConfig(path=family.tokenizer))
    lengths = verl_lengths([p for prompts in by_split.values() for p in prompts], tok, tok_digest)
    out.write_file("rl/README.md", lambda f: f.write(rl_readme(counts, lengths).encode()))


def function_prompt(out: ShardOutput, family: TaskFamily, task: dict,
                    archives: dict[tuple[str, str], tuple[str, str]]) -> RLPrompt:
    """An `rl` function task as a prompt whose ground truth names its workspace archive, written on first use
    (`archives`: (repo_id, commit) -> (name, sha256)) so tasks of one commit share it."""
    key = (task["repo_id"], task["base_commit"])
    if key not in archives:
        name = f"{task['repo'].replace('/', '__')}-{task['base_commit'][:12]}.tar.gz"
        blob = workspace_archive(family.locations[task["repo_id"]], task["base_commit"])
        out.write_file(f"rl/workspaces/{name}", lambda f: f.write(blob))
        archives[key] = (name, hashlib.sha256(blob).hexdigest())
    name, sha = archives[key]
    truth = FunctionGroundTruth(name, sha, task["path"], task["function"], task["FAIL_TO_PASS"], task["python"],
                                task["requirements"])
    return RLPrompt(task["task_id"], KIND, task["prompt"], truth.to_json(), task["repo"], task["path"],
                    task["function"], task["license"], task["reference"])


def write_jsonl(out: ShardOutput, rel: str, records: list[dict]) -> None:
    """One JSON object per line, keys sorted; nothing when there is no record (a family that did not run)."""
    if records:
        blob = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in records).encode()
        out.write_file(rel, lambda f: f.write(blob), len(records))


WRITERS: dict[str, Callable[[ShardOutput, TaskFamily], None]] = {
    "swebench": write_swebench, "swesmith": write_swesmith, "rl": write_rl,
}
