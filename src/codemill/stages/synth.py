"""`synth`: OSS-Instruct-style problems for the categories `select` could not fill, verified by their own tests.

Opt-in (`[synth] enabled`, with `[synth] llm` naming an OpenAI-compatible server). One shard over the run:
1. `select/shortfall.json` gives each category's `lacking`; each category short of its quota gets
   `min(lacking, max_requests_per_category)` requests (`codemill.synth.requests`);
2. each request is seeded with a random 1-15 line span of real code (`codemill.synth.seeds`) from the kept pairs
   of TRAIN-split repositories only (`select/splits.json`): code of a validation or test repository in a
   training problem would leak the evaluation data;
3. the prompt (`codemill.synth.prompts`) asks for a problem in the category's style, the module `solution` and
   pytest tests importing from it; the answers come from `codemill.llm` (concurrency, retries, rate limit), whose
   response cache (`[synth] llm.cache_dir`, else `<run dir>/llm-cache/`) makes a re-run cost no requests: the
   cache key covers the messages, temperature, max_tokens and each request's seed, so the stage stays a function
   of its inputs and config;
4. each answer is parsed (`codemill.synth.parse`), decontaminated (the run's `[decontam]` benchmarks, on problem,
   solution and tests), checked and run in the sandbox (`codemill.synth.verify`: kept only at pass fraction 1.0
   with at least one test), then deduplicated (`codemill.synth.dedup`: exact and MinHash near duplicates among
   the verified problems and against every kept pair's instruction).

Drop reasons, each row keeping whatever was known when it was dropped: `no_seed` (no train-split code in
`seed_languages`), `llm_error` (the request failed for good), `truncated` (cut at max_tokens before its blocks
closed), `unparseable`, `benchmark_contamination`, `syntax_error`, `no_tests`, `tests_ignore_solution`,
`tests_failed`, `duplicate`, `near_duplicate`. When the server cannot be reached for any request at all, the
shard fails instead (the stage stays stale and the next run retries), rather than recording an outage as drops.

Counters: `synth.tokens.prompt` / `synth.tokens.completion` (all answers used, cached or not), `synth.llm.*`
(HTTP requests, cache hits, retries, failures, answers without usage), `synth.seed_hunks`, `synth.kept.<cat>`.

Rows (id `synth_id` = H("synth", category, request number, seed key, span)): category, instruction (the
problem), solution (the module `solution.py`), tests (pytest, importing from `solution`), pass_fraction, n_tests,
model, temperature, request_seed, seed_repo_id, seed_repo_name, seed_commit_sha, seed_path, seed_license (the
seed pair's license expression), seed_pair_id, seed_start_line (in the file after the seed commit), seed_snippet,
system_prompt and prompt (the messages sent), answer (the raw completion), finish_reason, prompt_tokens,
completion_tokens.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import ClassVar

import pyarrow as pa

from codemill.config import SynthConfig
from codemill.decontam import Decontaminator
from codemill.engine.artifacts import Artifact
from codemill.engine.reads import Reads
from codemill.engine.stage import PlanContext, Shard, ShardOutput, Stage, iter_rows
from codemill.ids import digest_json
from codemill.layout import SELECT_SHORTFALL, SELECT_SPLITS
from codemill.llm import Completion, LLMClient, LLMError
from codemill.sandbox import Limits, Sandbox
from codemill.stages.resources import CONTAMINATED, decontaminator
from codemill.synth import (
    Candidate,
    Hunk,
    Parsed,
    ParseError,
    SynthRequest,
    Verdict,
    find_duplicates,
    hunks_of,
    lacking,
    parse_answer,
    plan_requests,
    verify,
)
from codemill.synth.prompts import SYSTEM_PROMPT

SCHEMA = pa.schema([
    ("synth_id", pa.string()),
    ("category", pa.string()),
    ("instruction", pa.large_string()),  # the problem statement
    ("solution", pa.large_string()),  # solution.py
    ("tests", pa.large_string()),  # pytest code that imports from `solution`
    ("pass_fraction", pa.float64()),  # null: the tests were not run
    ("n_tests", pa.int32()),  # test functions defined
    ("model", pa.string()),
    ("temperature", pa.float64()),
    ("request_seed", pa.int64()),
    ("seed_repo_id", pa.string()),
    ("seed_repo_name", pa.string()),
    ("seed_commit_sha", pa.string()),
    ("seed_path", pa.string()),
    ("seed_license", pa.string()),
    ("seed_pair_id", pa.string()),
    ("seed_start_line", pa.int32()),
    ("seed_snippet", pa.large_string()),
    ("system_prompt", pa.large_string()),
    ("prompt", pa.large_string()),  # the user message sent
    ("answer", pa.large_string()),  # the completion as received
    ("finish_reason", pa.string()),
    ("prompt_tokens", pa.int64()),
    ("completion_tokens", pa.int64()),
])
PAIR_COLUMNS = ["pair_id", "repo_id", "repo_name", "commit_sha", "license", "instruction", "response",
                "response_format", "committed_at"]
CACHE_DIR = "llm-cache"  # under the run directory, beside (not inside) the stage folders


def _file(ctx: PlanContext, stage: str, name: str) -> Artifact | None:
    manifest = ctx.upstream.get(stage)
    suffix = f"{stage}/{name}"
    return next((a for a in manifest.artifacts() if a.path == suffix), None) if manifest else None


@dataclass(frozen=True)
class SynthShard:
    """Where select wrote the categories' shortfall and the repository splits, and the pairs to seed from."""

    shortfall_path: str
    splits_path: str
    parts: list[Artifact]


class SynthStage(Stage[SynthShard]):
    name = "synth"
    upstream = ("select", "pairs")
    reads: ClassVar[Reads] = {"pairs": PAIR_COLUMNS}  # select: its shortfall and splits files
    also_reads = ("decontam",)
    schema = SCHEMA
    id_column = "synth_id"
    row_group_rows = 256

    section: SynthConfig

    def plan(self, ctx: PlanContext) -> list[Shard[SynthShard]]:
        if not self.section.enabled:
            return []
        shortfall, splits = _file(ctx, "select", SELECT_SHORTFALL), _file(ctx, "select", SELECT_SPLITS)
        if shortfall is None or splits is None:
            return []
        if not lacking(json.loads((ctx.run_dir / shortfall.path).read_text())):
            return []
        parts = [art for _k, art in ctx.kept_parts("pairs")]
        bench = decontaminator(self.config.decontam).digest()
        digest = digest_json([shortfall.sha256, splits.sha256, [a.sha256 for a in parts], bench])
        return [Shard("all", digest, SynthShard(shortfall.path, splits.path, parts))]

    def run(self, shard: Shard[SynthShard], out: ShardOutput) -> None:
        cfg, payload = self.section, shard.payload
        parts = payload.parts
        shortfall = json.loads((out.run_dir / payload.shortfall_path).read_text())
        splits = json.loads((out.run_dir / payload.splits_path).read_text())
        train = {repo for repo, split in splits.get("repositories", {}).items() if split == "train"}
        before = datetime.fromisoformat(splits["train_before"]) if splits.get("train_before") else None
        existing, hunks = self._read_pairs(out.run_dir, parts, train, before)
        out.count("synth.seed_hunks", len({h.key for h in hunks}))
        requests = plan_requests(shortfall, hunks, cfg)
        answers = self._ask(requests, out)
        decon = decontaminator(self.config.decontam)
        verifier = _Verifier(cfg)
        decided = [self._judge(req, answers.get(req.synth_id), decon, verifier, out) for req in requests]
        verified = [Candidate(row["synth_id"], row["instruction"], row["solution"])
                    for row, reason, _detail in decided if reason is None]
        duplicates = find_duplicates(verified, existing, threshold=cfg.near_duplicate_threshold)
        for row, reason, detail in decided:
            if reason is None and (dup := duplicates.get(row["synth_id"])) is not None:
                reason, detail = dup.reason, f"of {dup.of}"
            if reason is None:
                out.keep(row)
                out.count(f"synth.kept.{row['category']}")
            else:
                out.drop(row, reason, detail)

    def _ask(self, requests: list[SynthRequest], out: ShardOutput) -> dict[str, Completion | LLMError]:
        """The answers of every request that has a seed, from the cache or the server, by synth_id."""
        cfg = self.section
        assert cfg.llm is not None  # the config validator requires it when enabled
        llm = cfg.llm if cfg.llm.cache_dir else cfg.llm.model_copy(
            update={"cache_dir": str(out.run_dir / CACHE_DIR)})
        client = LLMClient(llm)
        asked = [r for r in requests if r.seed is not None]
        answers = client.complete_many([r.llm_request(cfg) for r in asked], return_exceptions=True)
        failed = [a for a in answers if isinstance(a, LLMError)]
        if asked and len(failed) == len(asked) and all(e.status is None for e in failed):
            raise LLMError(f"{llm.base_url} could not be reached for any request: {failed[0]}")
        usage = client.usage
        for name in ("requests", "cached_hits", "retries", "failures", "missing_usage"):
            out.count(f"synth.llm.{name}", getattr(usage, name))
        return {r.synth_id: a for r, a in zip(asked, answers, strict=True)}

    def _judge(self, req: SynthRequest, answer: Completion | LLMError | None, decon: Decontaminator,
               verifier: _Verifier, out: ShardOutput) -> tuple[dict, str | None, str | None]:
        """One request's row and its drop reason and detail (None: verified, pending deduplication)."""
        row = self._row(req)
        if req.seed is None:
            return row, "no_seed", f"no train-split {'/'.join(self.section.seed_languages) or 'code'} to seed from"
        if not isinstance(answer, Completion):
            return row, "llm_error", str(answer)[:1000]
        row.update(answer=answer.text, finish_reason=answer.finish_reason, prompt_tokens=answer.prompt_tokens,
                   completion_tokens=answer.completion_tokens)
        out.count("synth.tokens.prompt", answer.prompt_tokens)
        out.count("synth.tokens.completion", answer.completion_tokens)
        parsed = parse_answer(answer.text)
        if isinstance(parsed, ParseError):
            return row, "truncated" if answer.finish_reason == "length" else "unparseable", parsed.detail
        row.update(instruction=parsed.problem, solution=parsed.solution, tests=parsed.tests)
        match = decon.match(parsed.problem) or decon.match(parsed.solution) or decon.match(parsed.tests)
        if match is not None:
            out.count(f"contaminated.{match.benchmark}")
            return row, CONTAMINATED, f"{match.benchmark}:{match.item_id} ({match.kind}: {match.detail})"
        verdict = verifier(parsed)
        row.update(pass_fraction=verdict.pass_fraction, n_tests=verdict.n_tests)
        return row, verdict.reason, verdict.detail

    def _read_pairs(self, run_dir: Path, parts: list[Artifact], train: set[str], before: datetime | None
                    ) -> tuple[list[tuple[str, str]], list[Hunk]]:
        """Every kept pair's instruction (for deduplication) and the code hunks of train-split pairs (seeds):
        of train repositories and, after a time split, older than its first validation or test pair."""
        existing: list[tuple[str, str]] = []
        hunks: list[Hunk] = []
        languages = self.section.seed_languages
        for art in parts:
            for pair in iter_rows(run_dir, art, 256, PAIR_COLUMNS):
                existing.append((pair["pair_id"], pair["instruction"] or ""))
                old_enough = before is None or (pair["committed_at"] is not None and pair["committed_at"] < before)
                if pair["repo_id"] in train and old_enough and pair["response_format"] == "unified_diff":
                    hunks.extend(hunks_of(pair, languages))
        return existing, hunks

    def _row(self, req: SynthRequest) -> dict:
        cfg = self.section
        assert cfg.llm is not None
        row = dict.fromkeys(SCHEMA.names) | {
            "synth_id": req.synth_id, "category": req.category, "model": cfg.llm.model,
            "temperature": cfg.temperature, "request_seed": req.request_seed}
        if req.seed is not None:
            h = req.seed.hunk
            row.update(seed_repo_id=h.repo_id, seed_repo_name=h.repo_name, seed_commit_sha=h.commit_sha,
                       seed_path=h.path, seed_license=h.license, seed_pair_id=h.pair_id,
                       seed_start_line=req.seed.start_line, seed_snippet=req.seed.text,
                       system_prompt=SYSTEM_PROMPT, prompt=req.messages[-1]["content"])
        return row


class _Verifier:
    """`synth.verify` with the configured sandbox and limits; the sandbox is made on first use, so a run whose
    answers all fail to parse never needs bubblewrap."""

    def __init__(self, cfg: SynthConfig) -> None:
        self.mode = cfg.sandbox
        self.limits = Limits(cpu_seconds=cfg.limits.cpu_seconds, wall_seconds=cfg.limits.wall_seconds,
                             memory_mb=cfg.limits.memory_mb, processes=64, output_bytes=200_000)
        self.sandbox: Sandbox | None = None

    def __call__(self, parsed: Parsed) -> Verdict:
        self.sandbox = self.sandbox or Sandbox(mode=self.mode)
        return verify(parsed, sandbox=self.sandbox, limits=self.limits)
