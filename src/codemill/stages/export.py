"""`export`: the selected pairs, split by repository, as trainer-ready files in every configured format.

Each pair is rendered as `[export]` asks (`codemill.render.pair`): the response as a fenced unified diff,
search/replace blocks or full new files, the prompt optionally with the touched files and the file tree.

One shard reads the `select` decisions (pair id -> split, copies) and streams the pairs parts, writing each split
in files of `rows_per_file` rows in a seeded shuffle (`exports.order`: an upsampled pair appears `copies` times,
never twice in a row; rows are spilled to temporary buckets, one per output file, so memory holds one file):
- `hf/data/{split}-NNNNN-of-NNNNN.parquet` (`messages` + provenance) and `jsonl/` (the same as JSON lines);
- `trl-messages/`, `trl-prompt-completion/` (TRL SFTTrainer's conversational forms), `axolotl/`
  (`type: chat_template`, with `axolotl.yaml`), `openai/` (fine-tuning JSONL; provenance beside it in
  `openai-metadata/`, out of the upload folder), `llamafactory/{alpaca,sharegpt}_{split}/` with `dataset_info.json`;
- `README.md`: the dataset card (formats, splits, category mix, score quantiles, license mix, funnel);
- `synth` problems join the train split (kind `synthetic`, the seed's provenance);
- `debugging` pairs are selected like the others; the chat formats (TRL messages, LLaMA-Factory sharegpt, Axolotl,
  OpenAI) write them as a conversation (`exports.messages.debugging_turns`: run the tests, read the failure and
  the code, patch, tests pass) unless `[export] debugging_turns = "single"`; hf, jsonl and the prompt/completion
  formats write the single-turn pair.
The verifiable tasks (SWE-bench, SWE-smith, RL prompts) are `export_tasks`, a stage of their own, so a task
change does not rewrite the SFT dataset. Nothing time-dependent is written: the same selection gives the same
bytes.
"""

from __future__ import annotations

import json
import math
import os
import pickle
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, ClassVar

import numpy as np
import pyarrow as pa

from codemill.config import ExportConfig
from codemill.engine.artifacts import Artifact
from codemill.engine.reads import ROWS, Reads
from codemill.engine.stage import PlanContext, Shard, ShardOutput, Stage, iter_rows, read_part
from codemill.exports import hf
from codemill.exports.axolotl import axolotl_yaml, write_axolotl
from codemill.exports.card import sft_card
from codemill.exports.hub import configs_from
from codemill.exports.llamafactory import dataset_info, dataset_info_entry, write_llamafactory
from codemill.exports.messages import debugging_turns, export_row, to_messages
from codemill.exports.openai import write_openai, write_openai_metadata
from codemill.exports.order import adjacent_copies, shuffled
from codemill.exports.selection import SPLITS, read_splitting, repo_locations
from codemill.exports.trl import write_trl
from codemill.ids import digest_json
from codemill.render.pair import Contents, RenderOptions, render_pair

FUNNEL_STAGES = ("sources", "repos", "commits", "pairs", "select")
META_SCHEMA = pa.schema([
    ("pair_id", pa.string()), ("kind", pa.string()), ("category", pa.string()), ("score", pa.float64()),
    ("repo", pa.string()), ("commit_sha", pa.string()), ("base_sha", pa.string()), ("pr_number", pa.int64()),
    ("license", pa.string()), ("languages", pa.list_(pa.string())), ("web_url", pa.string()),
])


@dataclass(frozen=True)
class SFTExport:
    """The one shard's inputs: the pairs and synth parts, the selection (pair id -> split, copies, score as
    `select` combined it), the funnel for the card, and repository locations (only when rendering reads files)."""

    parts: tuple[Artifact, ...]
    synth: tuple[Artifact, ...]
    chosen: dict[str, tuple[str, int, float]]
    funnel: list[dict]
    locations: dict[str, str]
    notice: str | None


class ExportStage(Stage[SFTExport]):
    name = "export"
    upstream = ("select", "pairs", "debugging", "synth", "commits", "repos", "sources")
    reads: ClassVar[Reads] = {"select": ("pair_id", "split", "copies", "score"),
                              "repos": ("repo_id", "location"), "pairs": ROWS, "debugging": ROWS, "synth": ROWS}

    section: ExportConfig

    def plan(self, ctx: PlanContext) -> list[Shard]:
        chosen = {r["pair_id"]: (r["split"], r["copies"], r["score"]) for _key, art in ctx.kept_parts("select")
                  for r in read_part(ctx.run_dir, art, ["pair_id", "split", "copies", "score"]).to_pylist()}
        locations = repo_locations(ctx) if render_options(self.section).needs_contents else {}
        payload = SFTExport(tuple(art for s in ("pairs", "debugging") for _key, art in ctx.kept_parts(s)),
                            tuple(art for _key, art in ctx.kept_parts("synth")), chosen,
                            [{"stage": s, **ctx.upstream[s].totals()} for s in FUNNEL_STAGES], locations,
                            read_splitting(ctx.run_dir).notice)
        digest = digest_json([[a.path, a.sha256] for a in payload.parts + payload.synth] + [
            payload.funnel, sorted(chosen.items()), sorted(locations.items()), payload.notice])
        return [Shard("export", digest, payload)]

    def run(self, shard: Shard, out: ShardOutput) -> None:
        inputs: SFTExport = shard.payload
        cfg = self.section
        opts = render_options(cfg)
        contents = Contents() if opts.needs_contents else None
        synthetic = [r for art in inputs.synth for r in iter_rows(out.run_dir, art)]
        rows: dict[str, list[tuple[str, int]]] = {s: [] for s in SPLITS}
        for pair_id, (split, copies, _score) in sorted(inputs.chosen.items()):
            rows[split].append((pair_id, copies))
        rows["train"] += [(r["synth_id"], 1) for r in synthetic]  # synthesized for the train shortfall
        order = {s: shuffled(v, cfg.seed) for s, v in rows.items() if v}
        writer = _Writer(out, self.section, {s: len(order[s]) for s in SPLITS if s in order})
        categories: Counter[str] = Counter()
        license_mix: Counter[str] = Counter()
        scores = []
        with _Spill(order, cfg.rows_per_file) as spill:
            for art in inputs.parts:
                for pair in iter_rows(out.run_dir, art):
                    if pair["pair_id"] not in inputs.chosen:
                        continue
                    split, copies, score = inputs.chosen[pair["pair_id"]]
                    # A debugging pair's prompt already holds its code, and its fix may apply to no commit
                    # (a bug's): its response is the diff, whatever the format.
                    debugging = pair.get("test_command") is not None
                    instruction, response, fell_back = render_pair(pair, RenderOptions() if debugging else opts,
                                                                   contents, inputs.locations.get(pair["repo_id"]))
                    out.count("render.fallback_to_diff", int(fell_back))
                    spill.add(split, {**pair, "instruction": instruction, "response": response, "score": score},
                              copies)
                    categories[pair["category"]] += copies
                    license_mix[pair["license"] or "none"] += copies
                    scores += [score] * copies
            for row in synthetic:
                spill.add("train", synthetic_pair(row), 1)
                categories[row["category"]] += 1
                license_mix[row["seed_license"] or "none"] += 1
            for split in SPLITS:
                for pair in spill.ordered(split):
                    writer.add(split, pair)
        out.count("export.adjacent_copies", sum(adjacent_copies(o) for o in order.values()))
        sizes = writer.sizes
        writer.close()
        total = sum(sizes.values())
        quantiles = {f"p{q}": float(np.percentile(scores, q)) for q in (10, 25, 50, 75, 90)} if scores else {}
        distinct = len(inputs.chosen)
        composition = {"distinct pairs": distinct, "upsampled copies": total - distinct - len(synthetic),
                       "synthesized problems": len(synthetic)}
        card = sft_card("codemill SFT pairs", total, writer.files, dict(categories), quantiles, dict(license_mix),
                        inputs.funnel, [f for f in self.section.formats if f not in ("hf", "jsonl")],
                        splits=writer.sizes, composition=composition, notice=inputs.notice,
                        artifacts=out.artifacts, folder=self.name)
        out.write_file("README.md", lambda f: f.write(card.encode()))
        if "hf" in self.section.formats:
            config = configs_from("default", {s: f"data/{s}-*" for s in writer.sizes}, writer.sizes, out.artifacts,
                                  f"{self.name}/hf")
            hf_card = hf.dataset_card("codemill SFT pairs", config, total, writer.files, inputs.funnel,
                                      self.code_version(), dict(license_mix))
            out.write_file("hf/README.md", lambda f: f.write(hf_card.encode()))
        out.rows_in = out.kept = total


def render_options(cfg: ExportConfig) -> RenderOptions:
    return RenderOptions(cfg.response_format, cfg.prompt_files, cfg.prompt_tree, cfg.prompt_budget_chars)


class _Spill:
    """Rows put in their shuffled places with bounded memory: each rendered row goes to a temporary bucket, one
    per output file, and a bucket is read back, sorted by position, when its file is written."""

    def __init__(self, order: dict[str, list[tuple[str, int]]], rows_per_file: int):
        self.rows_per_file = rows_per_file
        self.position = {s: {row: i for i, row in enumerate(rows)} for s, rows in order.items()}
        self.files = {s: math.ceil(len(rows) / rows_per_file) for s, rows in order.items()}
        self.dir = tempfile.TemporaryDirectory(prefix="codemill-export-")
        self.handles: dict[tuple[str, int], BinaryIO] = {}

    def __enter__(self) -> _Spill:
        return self

    def __exit__(self, *exc: object) -> None:
        for f in self.handles.values():
            f.close()
        self.dir.cleanup()

    def add(self, split: str, pair: dict, copies: int) -> None:
        for k in range(copies):
            pos = self.position[split][(pair["pair_id"], k)]
            key = (split, pos // self.rows_per_file)
            if key not in self.handles:
                self.handles[key] = open(Path(self.dir.name) / f"{split}-{key[1]}.pkl", "ab")  # noqa: SIM115
            pickle.dump((pos, pair), self.handles[key], protocol=pickle.HIGHEST_PROTOCOL)

    def ordered(self, split: str) -> Iterator[dict]:
        for i in range(self.files.get(split, 0)):
            handle = self.handles.pop((split, i), None)
            if handle is None:
                continue
            handle.close()
            rows = []
            with open(handle.name, "rb") as f:
                while True:
                    try:
                        rows.append(pickle.load(f))
                    except EOFError:
                        break
            os.unlink(handle.name)
            rows.sort(key=lambda r: r[0])
            yield from (pair for _pos, pair in rows)


class _Writer:
    """Buffers each split and writes a file of every format per `rows_per_file` rows."""

    def __init__(self, out: ShardOutput, cfg: ExportConfig, sizes: dict[str, int]):
        self.out, self.cfg, self.sizes = out, cfg, sizes
        self.n_files = {s: max(1, math.ceil(n / cfg.rows_per_file)) for s, n in sizes.items()}
        self.index: Counter[str] = Counter()
        self.buffers: dict[str, list[dict]] = {s: [] for s in sizes}
        self.files = 0

    def add(self, split: str, pair: dict) -> None:
        self.buffers[split].append(pair)
        if len(self.buffers[split]) == self.cfg.rows_per_file:
            self._flush(split)

    def close(self) -> None:
        for split in self.sizes:
            if self.buffers[split]:
                self._flush(split)
        fmts = self.cfg.formats
        if "axolotl" in fmts:
            yaml = axolotl_yaml({split: [f"axolotl/{self._stem(split, i)}.jsonl" for i in range(self.n_files[split])]
                                 for split in self.sizes})
            self.out.write_file("axolotl/axolotl.yaml", lambda f: f.write(yaml.encode()))
        info = {f"codemill_{form}_{split}": dataset_info_entry(f"{form}_{split}", form)
                for form in ("alpaca", "sharegpt") if f"llamafactory-{form}" in fmts for split in self.sizes}
        if info:
            text = dataset_info(info)
            self.out.write_file("llamafactory/dataset_info.json", lambda f: f.write(text.encode()))

    def _stem(self, split: str, i: int) -> str:
        """The name of a split's i-th file, without its extension."""
        return hf.shard_name(i, self.n_files[split]).replace("train-", f"{split}-").removesuffix(".parquet")

    def _flush(self, split: str) -> None:
        pairs, self.buffers[split] = self.buffers[split], []
        i, n = self.index[split], self.n_files[split]
        self.index[split] += 1
        name = hf.shard_name(i, n).replace("train-", f"{split}-")
        stem = self._stem(split, i)
        cfg, fmts = self.cfg, self.cfg.formats
        rows = [trainer_row(p, cfg) for p in pairs]
        writes: list[tuple[str, Callable[[BinaryIO], object]]] = []
        if "hf" in fmts:
            table = pa.Table.from_pylist([export_row(p, cfg) for p in pairs], schema=hf.SCHEMA)
            writes.append((f"hf/data/{name}", lambda f, t=table: hf.write_parquet(t, f)))
        if "jsonl" in fmts:
            blob = "".join(json.dumps(export_row(p, cfg), ensure_ascii=False, sort_keys=True) + "\n"
                           for p in pairs).encode()
            writes.append((f"jsonl/{stem}.jsonl", lambda f: f.write(blob)))
        for form in ("messages", "prompt_completion"):
            if f"trl-{form.replace('_', '-')}" in fmts:
                writes.append((f"trl-{form.replace('_', '-')}/{name}",
                               lambda f, form=form: write_trl(f, rows, form, META_SCHEMA)))
        if "axolotl" in fmts:
            writes.append((f"axolotl/{stem}.jsonl", lambda f: write_axolotl(f, rows)))
        if "openai" in fmts:
            writes.append((f"openai/{stem}.jsonl", lambda f: write_openai(f, rows)))
            # beside, not inside, the folder a user uploads: every file in openai/ is a training file
            writes.append((f"openai-metadata/{stem}.jsonl", lambda f: write_openai_metadata(f, rows)))
        for form in ("alpaca", "sharegpt"):
            if f"llamafactory-{form}" in fmts:
                writes.append((f"llamafactory/{form}_{split}/part-{i:05d}.json",
                               lambda f, form=form: write_llamafactory(f, rows, form)))
        for rel, write in writes:
            self.out.write_file(rel, write, len(pairs))
        self.files += 1


def synthetic_pair(row: dict) -> dict:
    """A `synth` row in the shape of a pair: the problem is the instruction, the verified module the response;
    provenance is the real code that seeded it."""
    return {"pair_id": row["synth_id"], "kind": "synthetic", "category": row["category"], "score": None,
            "repo_id": row["seed_repo_id"], "repo_name": row["seed_repo_name"], "commit_sha": row["seed_commit_sha"],
            "license": row["seed_license"], "languages": ["Python"], "web_url": None,
            "instruction": row["instruction"], "response": f"```python\n{row['solution'].rstrip()}\n```"}


def trainer_row(pair: dict, cfg: ExportConfig) -> dict:
    """The neutral row the trainer writers take: the rendered turns plus provenance (`META_SCHEMA`); a
    debugging pair also carries its conversation (`turns`), which the chat formats write instead."""
    system, user, assistant = (m["content"] for m in to_messages(pair, cfg))
    turns = {"turns": debugging_turns(pair, assistant)} \
        if pair.get("test_command") is not None and cfg.debugging_turns == "multi" else {}
    return {**turns, "instruction": user, "response": assistant, "system": system, "pair_id": pair["pair_id"],
            "kind": pair["kind"], "category": pair["category"], "score": pair["score"],
            "repo": pair.get("repo_name") or pair["repo_id"], "commit_sha": pair["commit_sha"],
            "base_sha": pair.get("base_sha"), "pr_number": pair.get("pr_number"), "license": pair["license"],
            "languages": pair["languages"], "web_url": pair["web_url"]}
