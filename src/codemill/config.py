"""The run configuration: typed, validated TOML with documented defaults.

Every section is a pydantic model that rejects unknown keys, so a misspelt option fails loudly with the key's
dotted name instead of being ignored. A stage reads exactly one section; the digest of that section is part of
the stage's manifest, which is how a changed option re-runs the stage that reads it and nothing before it.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_serializer, model_validator

from codemill.bots import BOT_PATTERNS
from codemill.categories import CATEGORIES
from codemill.files.thresholds import QualityRules
from codemill.ids import digest_json
from codemill.licenses.allow import LicensePolicy
from codemill.llm.config import LLMConfig
from codemill.quality.weights import Weights
from codemill.sandbox.model import Mode as SandboxMode


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def digest(self) -> str:
        return digest_json(self.model_dump(mode="json"))


class RunConfig(Section):
    """How to execute; never changes what is produced."""

    executor: Literal["local", "ray"] = "local"
    workers: int = Field(0, ge=0, description="0 means one per CPU core")
    stages: list[str] = Field(
        default_factory=list, description="user stages to add, as `module:Class` import paths, configured in "
        "[stages.<name>]; installed packages also add theirs through the `codemill.stages` entry-point group")


class StageSection(Section):
    """A user stage's own section, `[stages.<name>]`: free-form here, checked against the stage's
    `config_model` (and against the loaded stages' names) when the pipeline loads its stages."""

    model_config = ConfigDict(extra="allow", frozen=True)


class SourcesConfig(Section):
    """The `sources` stage: resolving, cloning (cached, retried) and opening every source, and measuring it
    (signals of real-world use, license evidence from the files at head)."""

    cache_dir: str = Field("~/.cache/codemill/clones", description="clones of URL sources live here")
    clone_timeout_s: int = Field(1800, gt=0)
    clone_retries: int = Field(2, ge=0)
    max_concurrent_clones: int = Field(4, gt=0)
    allow_shallow: bool = Field(False, description="a shallow clone hides history; dropped unless allowed")
    partial_clone_blob_limit: int = Field(
        0, ge=0, description="clone URLs without blobs over this many bytes (0: full clones); smaller clones, "
        "but a commit touching a blob not fetched is dropped from pairs as blob_not_fetched")
    signals_window: int = Field(1000, gt=0, description="recent first-parent commits for co-change and ref share")
    license_scan_max_files: int = Field(
        50_000, gt=0, description="files at head read for license evidence (license files and metadata first)")
    license_scan_max_bytes: int = Field(
        1 << 20, gt=0, description="a file larger than this is not read for license evidence")


class ReposConfig(Section):
    """The `repos` stage: which described repositories are milled, by license policy and activity thresholds.

    Thresholds apply to signals stored by `sources`, so retuning them re-runs this stage only, never a read.
    """

    min_commits: int = Field(1, ge=0, description="first-parent commits on the default branch")
    min_authors: int = Field(1, ge=0, description="distinct human authors (identities merged by name and email)")
    min_active_days: int = Field(0, ge=0, description="days from the first to the last commit")
    min_commits_last_year: int = Field(0, ge=0, description="commits in the year before the head commit")
    min_test_file_share: float = Field(0.0, ge=0, le=1, description="share of code files at head that are tests")
    min_ref_share: float = Field(0.0, ge=0, le=1, description="share of recent commits referencing issues/PRs")
    require_ci: bool = Field(False, description="drop repositories without CI configuration")
    require_packaging: bool = Field(False, description="drop repositories without packaging metadata")
    drop_forks_and_mirrors: bool = Field(False, description="drop repositories with any fork/mirror indication")


class LicenseConfig(LicensePolicy, Section):
    """The license policy: which licenses keep a repository (in `repos`) and a changed file (in `pairs`).

    `allow` lists SPDX ids (an OR is kept if any alternative is allowed, an AND if every part is); everything
    else is dropped as license_copyleft, license_weak_copyleft, license_restrictive, license_not_allowed,
    license_unknown or license_missing. A research run may set keep_missing (code without any license).
    """


class CommitsConfig(Section):
    """The `commits` stage: walking first-parent history and diffing each commit."""

    shard_commits: int = Field(500, gt=0, description="commits per shard; large repositories span many shards")
    context_lines: int = Field(3, ge=0)
    detect_renames: bool = True
    max_file_diff_bytes: int = Field(256 * 1024, gt=0, description="a file's patch beyond this is cut")
    max_commit_diff_bytes: int = Field(2 * 1024 * 1024, gt=0, description="patches beyond this are cut")
    max_files_diffed: int = Field(1000, gt=0, description="files beyond this are listed, not diffed")
    diff_merges: bool = Field(
        True, description="diff merge commits against their first parent: a merged pull request's whole change, "
        "which issue → PR pairs use (merges never become commit pairs)")


class IssuesConfig(Section):
    """The `issues` stage: GitHub issues and the merged pull requests that closed them, linked to commits of the
    local clone, from GH Archive hourly dumps and/or the GitHub REST API (token from GITHUB_TOKEN or GH_TOKEN).
    Repositories without a github.com identity, or with no data given, contribute nothing."""

    archive: list[str] = Field(
        default_factory=list, description="GH Archive *.json.gz files or folders of them, read for every repo")
    api: bool = Field(False, description="also fetch issues, pull requests and comments from the REST API")
    api_base_url: str = "https://api.github.com"
    api_cache_dir: str = Field(
        "~/.cache/codemill/github", description="conditional-request cache: re-runs cost 304s, crawls resume")


class PairsConfig(Section):
    """The `pairs` stage: commit message -> diff candidates and the rules that drop them."""

    min_message_words: int = Field(2, ge=0)
    generic_messages: list[str] = Field(
        default_factory=lambda: [
            "update", "updates", "updated", "fix", "fixes", "fixed", "bugfix", "wip", "changes", "change",
            "minor", "minor changes", "minor fixes", "misc", "stuff", "fix stuff", "tmp", "temp", "test",
            "testing", "tests", "save", "commit", "cleanup", "refactor", "typo", "more", "asdf", "initial commit",
            "first commit", "init", "merge", "oops", "done", "small fix", "small fixes", "various fixes",
            "update readme", "update readme.md", "updated readme", "add files via upload",
        ]
    )
    bot_patterns: list[str] = Field(
        default_factory=lambda: list(BOT_PATTERNS),  # the same list the signals use to set bots apart
        description="regular expressions matched against the author's name and email, case-insensitive",
    )
    max_files: int = Field(30, gt=0)
    max_changed_lines: int = Field(2000, gt=0)
    max_response_bytes: int = Field(256 * 1024, gt=0)
    max_instruction_bytes: int = Field(
        32 * 1024, gt=0, description="a commit message, PR or issue text over this is dropped (instruction_too_large)"
        " and only its first bytes are judged: nobody writes a task that long, a generated dump does")
    issue_hints: bool = Field(False, description="append the issue's comments made before the fix (SWE-bench's "
                              "hints) to an issue → PR pair's instruction")


class DecontamConfig(Section):
    """Decontamination against benchmarks, applied by every stage that writes training text (`clean` for the
    pretraining files, `pairs` for SFT pairs): a record containing a benchmark's prompt or solution (normalised
    substring) or sharing an n-gram of `ngram` tokens with it is dropped as benchmark_contamination."""

    builtin: list[Literal["humaneval"]] = Field(
        default_factory=lambda: ["humaneval"], description="benchmarks shipped in installed packages")
    files: list[str] = Field(
        default_factory=list, description="JSONL benchmark files (MBPP, APPS, DS-1000, SWE-bench, HumanEval-like)")
    ngram: int = Field(10, ge=5, description="tokens in a shared n-gram that counts as contamination")
    min_substring_chars: int = Field(50, ge=10, description="shorter benchmark texts are not matched as substrings")


class FilesConfig(Section):
    """The `files` stage: every regular file of each kept repository at its head, with its provenance, language,
    Linguist path classes and quality signals (stored as columns; `clean` decides from them)."""

    max_file_bytes: int = Field(
        8 << 20, gt=0, description="larger files are listed with their size, not read (clean drops them: too_large)")


class CleanConfig(QualityRules, Section):
    """The `clean` stage: keep/drop each file from the signals `files` stored (quality rules, each with its
    published source), the license policy per file, and benchmark decontamination; secrets and PII in kept files
    are replaced by typed placeholders. Retuning a threshold re-runs this stage and what follows, never a read."""


class DedupConfig(Section):
    """File-level deduplication (`signatures`, `neardup`, `dedup`): exact by normalised content hash, near by
    MinHash LSH on word 5-gram shingles (BigCode's, by default) with borderline pairs verified exactly; function-level
    by normalised function hashes.

    A cluster is a star: one kept file and the files dropped for it, each of which has (estimated or, near the
    threshold, exact) Jaccard >= threshold with it. Files are walked in this survivor order, and a file is kept
    unless it is linked to a file already kept: earlier batch (files kept by an earlier run in this directory
    stay kept), not a fork or mirror, more permissive license, more distinct authors, more commits, more recent
    last commit, then repository name and path. Two kept files are never linked; a chain A - B - C whose ends
    are apart keeps A and C."""

    threshold: float = Field(
        0.7, gt=0, lt=1, description="Jaccard of shingle sets for a near duplicate (estimated; exact near it)")
    exact_margin: float = Field(
        0.1, ge=0, lt=1, description="a candidate pair whose estimated Jaccard is within this of the threshold is "
        "decided by exact Jaccard of its shingle sets, recomputed from the texts (0: the estimate decides)")
    num_perm: int = Field(256, ge=16, description="MinHash values per signature")
    tokenizer: Literal["words", "code"] = Field(
        "words", description="shingle tokens: words = BigCode's alphanumeric words ([A-Za-z_0-9]+, as for The Stack "
        "and StarCoder, so the threshold is the field's); code = identifiers, numbers and each punctuation character")
    shingle_size: int = Field(5, ge=1, description="tokens per shingle")
    strip_license_header: bool = Field(
        True, description="shingle each file after its leading license or copyright comment: a per-file header "
        "made small unrelated files near duplicates of each other (codemill.dedup.headers)")
    band_groups: int = Field(4, ge=1, description="neardup shards: LSH bands are split into this many groups")
    function_min_tokens: int = Field(20, ge=1, description="functions shorter than this are not indexed")
    max_duplicate_function_share: float = Field(
        0.8, gt=0, le=1, description="drop a file when at least this share of its functions was kept elsewhere")
    min_functions: int = Field(3, ge=1, description="the function rule applies to files with at least this many")


class DocumentsConfig(Section):
    """The `documents` stage: pretraining documents from the deduplicated files, per file and per repository
    (StarCoder2 layout, files ordered by import dependencies), with fill-in-the-middle."""

    level: Literal["file", "repo", "both"] = Field("repo", description="file-level, repo-level documents, or both")
    family: Literal["starcoder", "qwen2.5-coder", "deepseek-coder", "custom"] = Field(
        "starcoder", description="special tokens of the target model family")
    custom_tokens: dict[str, str] = Field(
        default_factory=dict, description="for family = custom: repo_name, file_sep, fim_prefix, ... tokens")
    max_chars: int = Field(
        200_000, gt=0, description="a repo-level document longer than this is split at file boundaries")
    fim_rate: float = Field(0.5, ge=0, le=1, description="share of files given fill-in-the-middle (StarCoder: 0.5)")
    fim_spm_rate: float = Field(0.5, ge=0, le=1, description="share of FIM files in SPM rather than PSM order")
    fim_level: Literal["char", "token"] = Field("char", description="token level needs tokenizer.path")
    seed: int = 0


class TokenizerConfig(Section):
    """The tokenizer for token-level FIM (`documents`) and tokenized outputs (`corpus`): a Hugging Face
    tokenizer.json you give, or one `codemill tokenizer train DIR` trained on this run's documents."""

    path: str | None = Field(None, description="a tokenizer.json, or a folder holding one; unset: text only")


class CorpusConfig(Section):
    """The `corpus` export: Parquet `text` shards always; with a tokenizer, Megatron-LM .bin/.idx, a nanoGPT
    .bin and packed `input_ids` Parquet shards; and a dataset card."""

    formats: list[Literal["parquet", "megatron", "nanogpt", "packed"]] = Field(
        default_factory=lambda: ["parquet", "megatron", "nanogpt", "packed"])
    seq_len: int = Field(4096, gt=0, description="tokens per packed sequence")
    rows_per_file: int = Field(20_000, gt=0)
    nanogpt_val_share: float = Field(
        0.005, ge=0, lt=1, description="documents held out in nanogpt/val.bin, chosen by a hash of their id (at "
        "least one when there are two): nanoGPT's train.py reads val.bin beside train.bin")


class TasksConfig(Section):
    """The `tasks` stage: SWE-bench-style instances from kept pairs that change both tests and code, verified by
    building the repository's environment and running its tests in the sandbox before and after the change.
    Off by default: it installs each repository's dependencies from the package index and runs its tests."""

    enabled: bool = Field(False, description="build and verify instances (needs bubblewrap and a package index)")
    max_candidates: int = Field(20, ge=1, description="best-scored candidate pairs tried per repository")
    repeats: int = Field(2, ge=1, description="test runs before and after the change; differing results: flaky")
    era: bool = Field(True, description="first build with the interpreter and packages of the commit's date "
                      "(swe.era), then with today's")
    keep_import_errors: bool = Field(False, description="keep an instance whose every FAIL_TO_PASS test could "
                                     "not be imported before the change (SWE-bench does): it grades an import, "
                                     "not a behaviour")
    build_budget_seconds: int = Field(1200, ge=0, description="environment builds of one candidate: once spent, "
                                      "no further era is tried (each build step is also held to its own limits)")
    package_cache: str = Field("~/.cache/codemill/packages", description="downloads and built wheels kept between "
                               "the environment builds of one repository (a folder per repository); empty: none")
    sandbox: SandboxMode = Field(
        "bwrap", description="unsafe-subprocess runs repository code without isolation: only when asked by name")


class BugsConfig(Section):
    """The `bugs` stage: SWE-smith-style synthetic bugs in repositories whose tests pass at head, kept only when
    they break some tests and leave the rest passing. Off by default: it installs each repository's dependencies
    and runs its whole test suite once per mutant, in the sandbox."""

    enabled: bool = Field(False, description="synthesize bugs (needs bubblewrap and a package index)")
    max_files: int = Field(3, ge=1, description="source files mutated per repository (most tested first)")
    max_functions: int = Field(5, ge=1, description="tested functions mutated per file")
    max_per_function: int = Field(2, ge=1, description="bugs kept per function")
    era: bool = Field(True, description="build with the interpreter and packages of the head commit's date first")
    sandbox: SandboxMode = "bwrap"


class DebuggingConfig(Section):
    """The `debugging` stage: a pair per verified `tasks` instance and `bugs` bug, from the failing tests' real
    output before the fix. It runs nothing (the runs are the upstream stages'), so it is on by default and
    writes nothing when neither upstream stage is enabled. The limits shape the prompt only: retuning them
    re-runs this stage, never the sandboxed runs."""

    enabled: bool = Field(True, description="write debugging pairs for the instances and bugs the run verified")
    from_tasks: bool = Field(True, description="pairs from `tasks` instances (real changes)")
    from_bugs: bool = Field(True, description="pairs from `bugs` (synthetic, mutation-made bugs)")
    max_output_chars: int = Field(6000, ge=500, description="the test output shown, all failing tests together")
    max_tests: int = Field(3, ge=1, description="failing tests whose report is shown; the rest by one line each")
    max_frames: int = Field(4, ge=2, description="traceback entries kept per report: the test's, the raising "
                            "one, and the repository frames nearest to it")
    max_code_chars: int = Field(8000, ge=500, description="the code shown: the definitions the fix changes, "
                                "before it")
    context_lines: int = Field(8, ge=0, description="lines around a change outside any definition")


class RLConfig(Section):
    """The `rl` stage: function-level tasks with verifiable rewards, from repositories whose tests pass at head. A
    function's tests are the ones that fail when its body is cut out; the task is to write it back. Off by default:
    like `bugs`, it installs each repository and runs its suite once per function, in the sandbox."""

    enabled: bool = Field(False, description="build function tasks (needs bubblewrap and a package index)")
    max_files: int = Field(3, ge=1, description="source files used per repository (most tested first)")
    max_functions: int = Field(8, ge=1, description="tested functions tried per file")
    context_chars: int = Field(6000, ge=500, description="characters of the file shown around the stub")
    era: bool = Field(True, description="build with the interpreter and packages of the head commit's date first")
    sandbox: SandboxMode = "bwrap"


class SelectConfig(Section):
    """The `select` stage: duplicates among pairs removed, then the best-scored pairs per category up to explicit
    targets, a cap per repository, bounded upsampling of scarce categories, a shortfall report, and splits by
    repository (and optionally by time)."""

    targets: dict[str, float] = Field(
        default_factory=lambda: {
            "bugfix": 0.25, "feature": 0.25, "refactor": 0.12, "ui": 0.08, "code_review": 0.08, "debugging": 0.08,
            "tests": 0.06, "perf": 0.05, "revert": 0.03,
            "docs": 0.0, "build_ci": 0.0, "deps": 0.0, "style": 0.0, "release": 0.0, "other": 0.0,
        },
        description="share of the selection per category (normalised over the categories the run can supply); "
        "0 selects none of it (docs, build, dependency, style, release and bookkeeping changes teach no code "
        "work: give them a share to select them); an empty table keeps every eligible pair (no balancing)")
    total: int = Field(0, ge=0, description="train rows to select; 0: every targeted pair above the floor is kept "
                       "and scarce categories are upsampled toward their share (nothing dropped over a quota)")
    weights: Weights = Field(
        default_factory=Weights, description="the score: weights of the components `pairs` stores (see "
        "codemill.quality), combined here; `codemill calibrate` refits them on review labels")
    min_score: float = Field(0.6, ge=0, le=1, description="pairs scoring lower are not selected (the score is the "
                             "estimated probability that a pair is a good example; see bench/quality_ranking.py)")
    max_repo_share: float = Field(0.5, gt=0, le=1, description="most of a category's quota one repository may fill")
    max_upsample: float = Field(2.0, ge=1, description="a scarce category's pairs repeat at most this many times")
    near_duplicate_threshold: float = Field(0.8, gt=0, lt=1, description="MinHash Jaccard of two responses")
    validation_fraction: float = Field(0.05, ge=0, lt=1, description="share of pairs (whole repositories): validation")
    test_fraction: float = Field(0.05, ge=0, lt=1, description="share of pairs (whole repositories) held out for test")
    test_min_score: float = Field(0.7, ge=0, le=1, description="test pairs: human-written and at least this score")
    min_repos_for_split: int = Field(3, ge=2, description="fewer repositories (or none small enough to hold out): "
                                     "validation and test take the newest pairs instead (a time split, announced)")
    test_after: str | None = Field(
        None, description="ISO date: test pairs must be newer and train pairs older (a time split on top)")
    seed: int = 0

    @model_validator(mode="after")
    def _known_categories(self) -> SelectConfig:
        """A misspelt category would silently get no pairs: every target must name one the categoriser gives."""
        if unknown := sorted(set(self.targets) - set(CATEGORIES)):
            raise ValueError(f"targets: unknown categor{'ies' if len(unknown) > 1 else 'y'} "
                             f"{', '.join(map(repr, unknown))} (the categories are {', '.join(CATEGORIES)})")
        return self


class SynthLimits(BaseModel):
    """Ceilings for one run of a synthesized answer's tests in the sandbox (a few small functions)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cpu_seconds: int = Field(10, gt=0)
    wall_seconds: float = Field(20, gt=0)
    memory_mb: int = Field(1024, gt=0)


class SynthConfig(Section):
    """The `synth` stage: OSS-Instruct-style problems for the categories `select` left short (shortfall.json),
    each seeded by a real snippet of a train-split repository's kept code, answered by an OpenAI-compatible model
    with a solution and pytest tests, kept only when the tests pass in the sandbox. Off by default: it calls a
    model server and runs the answers' code (in the sandbox)."""

    enabled: bool = Field(False, description="synthesize problems for short categories (needs a model server)")
    llm: LLMConfig | None = Field(
        None, description="the model server: base_url, model, ...; cache_dir unset: <run dir>/.llm-cache")
    max_requests_per_category: int = Field(50, ge=1, description="requests per category: min(lacking, this)")
    samples_per_seed: int = Field(1, ge=1, description="requests sharing one seed snippet (distinct request seeds)")
    snippet_min_lines: int = Field(1, ge=1, description="shortest seed span (OSS-Instruct: 1 to 15 lines)")
    snippet_max_lines: int = Field(15, ge=1, description="longest seed span")
    seed_languages: list[str] = Field(
        default_factory=lambda: ["Python"], description="languages seeds are taken from; empty: any")
    temperature: float = Field(0.7, ge=0, le=2)
    max_tokens: int = Field(1024, ge=16, description="per answer; a cut-off answer is dropped (truncated)")
    seed: int = Field(0, description="picks the seed snippets and each request's sampling seed")
    near_duplicate_threshold: float = Field(0.8, gt=0, lt=1, description="MinHash Jaccard of two problems")
    sandbox: SandboxMode = "bwrap"
    limits: SynthLimits = SynthLimits()

    @field_serializer("llm")
    def _llm_without_nulls(self, llm: LLMConfig | None) -> dict | None:
        """TOML has no null: unset optional keys of the inline table are left out (they read back as None)."""
        return None if llm is None else llm.model_dump(mode="json", exclude_none=True)

    @model_validator(mode="after")
    def _needs_a_model(self) -> SynthConfig:
        if self.enabled and self.llm is None:
            raise ValueError("synth.enabled needs synth.llm (base_url and model)")
        if self.snippet_min_lines > self.snippet_max_lines:
            raise ValueError("synth.snippet_min_lines must not exceed snippet_max_lines")
        return self


class ExportConfig(Section):
    """The `export` stage: trainer-ready files."""

    rows_per_file: int = Field(50_000, gt=0)
    seed: int = Field(0, description="the shuffle of each split's rows (upsampled copies are never neighbours)")
    system_prompt: str = (
        "You are an expert software engineer working in the repository {repo}. "
        "Reply to the change request with a unified diff that implements it."
    )
    user_template: str = "{instruction}"
    assistant_template: str = "{response}"
    response_format: Literal["unified_diff", "search_replace", "full_files"] = Field(
        "unified_diff", description="the response as a fenced unified diff, Aider-style search/replace blocks, "
        "or the full new files; a change a format cannot express falls back to the diff (counted)")
    prompt_files: bool = Field(False, description="put the touched files' pre-change contents in the prompt")
    prompt_tree: bool = Field(False, description="put the repository's file tree in the prompt")
    prompt_budget_chars: int = Field(32_000, gt=0, description="context beyond the instruction is cut to this")
    debugging_turns: Literal["multi", "single"] = Field(
        "multi", description="a debugging pair in the chat formats (TRL messages, LLaMA-Factory sharegpt, Axolotl, "
        "OpenAI): a conversation (run the tests, read the failure, patch, tests pass) or the single-turn pair; "
        "hf, jsonl and the prompt/completion formats always carry the single-turn pair")
    formats: list[Literal["hf", "jsonl", "trl-messages", "trl-prompt-completion", "llamafactory-alpaca",
                          "llamafactory-sharegpt", "axolotl", "openai"]] = Field(
        default_factory=lambda: ["hf", "jsonl", "trl-messages", "trl-prompt-completion", "llamafactory-alpaca",
                                 "llamafactory-sharegpt", "axolotl", "openai"])


class Config(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    run: RunConfig = RunConfig()
    sources: SourcesConfig = SourcesConfig()
    license: LicenseConfig = LicenseConfig()
    repos: ReposConfig = ReposConfig()
    commits: CommitsConfig = CommitsConfig()
    issues: IssuesConfig = IssuesConfig()
    pairs: PairsConfig = PairsConfig()
    select: SelectConfig = SelectConfig()
    synth: SynthConfig = SynthConfig()
    tasks: TasksConfig = TasksConfig()
    bugs: BugsConfig = BugsConfig()
    debugging: DebuggingConfig = DebuggingConfig()
    rl: RLConfig = RLConfig()
    export: ExportConfig = ExportConfig()
    decontam: DecontamConfig = DecontamConfig()
    files: FilesConfig = FilesConfig()
    clean: CleanConfig = CleanConfig()
    dedup: DedupConfig = DedupConfig()
    documents: DocumentsConfig = DocumentsConfig()
    tokenizer: TokenizerConfig = TokenizerConfig()
    corpus: CorpusConfig = CorpusConfig()
    stages: dict[str, StageSection] = Field(default_factory=dict)

    def section(self, name: str) -> Section:
        """A built-in section by name; any other name is a user stage's `[stages.<name>]` (empty when unset)."""
        if name in SECTIONS:
            return getattr(self, name)
        return self.stages.get(name) or StageSection()

    @model_validator(mode="before")
    @classmethod
    def _moved_keys(cls, data: object) -> object:
        """Keys that moved between sections, read where they were (a run directory's own config.toml, an older
        config file): `[pairs] weights` is `[select] weights` since the score is combined where pairs are
        selected (refitting it re-runs `select`, not `pairs`)."""
        if isinstance(data, dict) and isinstance(pairs := data.get("pairs"), dict) and "weights" in pairs:
            pairs = dict(pairs)
            weights = pairs.pop("weights")
            select = dict(data.get("select") or {})
            if "weights" in select:
                raise ValueError("pairs.weights and select.weights are both set: keep select.weights")
            data = {**data, "pairs": pairs, "select": {**select, "weights": weights}}
        return data

    @model_validator(mode="after")
    def _sections_agree(self) -> Config:
        """Settings that only work together, checked when the config is read rather than inside a shard."""
        if self.documents.fim_level == "token" and not self.tokenizer.path:
            raise ValueError("documents.fim_level = \"token\" needs tokenizer.path (a tokenizer.json, or one "
                             "`codemill tokenizer train` made)")
        return self


# The built-in sections, in file order; `stages` holds the user stages' own sections.
SECTIONS: tuple[str, ...] = tuple(name for name in Config.model_fields if name != "stages")


class ConfigError(ValueError):
    """A config file that cannot be used; the message names the offending key."""


def _format_errors(err: ValidationError, origin: str) -> str:
    lines = [f"invalid config {origin}:"]
    for e in err.errors():
        key = ".".join(str(p) for p in e["loc"])
        msg = "unknown key" if e["type"] == "extra_forbidden" else e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden" and len(e["loc"]) == 1:
            msg = f"unknown section (a user stage is configured in [stages.{key}])"
        lines.append(f"  {key}: {msg}" if key else f"  {msg}")
    return "\n".join(lines)


def parse_config(data: dict, origin: str = "") -> Config:
    try:
        return Config.model_validate(data)
    except ValidationError as err:
        raise ConfigError(_format_errors(err, origin)) from None


def load_config(path: Path | None, overrides: dict[str, dict] | None = None) -> Config:
    """Read TOML at `path` (defaults when None) and apply `overrides` (section -> key -> value)."""
    data: dict = {}
    if path is not None:
        try:
            data = tomllib.loads(Path(path).read_text())
        except FileNotFoundError:
            raise ConfigError(f"config file not found: {path}") from None
        except tomllib.TOMLDecodeError as e:
            raise ConfigError(f"config {path} is not valid TOML: {e}") from None
    for section, values in (overrides or {}).items():
        data.setdefault(section, {}).update({k: v for k, v in values.items() if v is not None})
    return parse_config(data, str(path) if path else "(defaults)")


def to_toml(cfg: Config) -> str:
    """The config as TOML, every section and key, for the run directory's record of what ran."""
    out: list[str] = []
    tables = [(name, cfg.section(name)) for name in SECTIONS]
    tables += [(f"stages.{_toml_key(name)}", section) for name, section in sorted(cfg.stages.items())]
    for header, section in tables:
        out.append(f"[{header}]")
        for key, value in section.model_dump(mode="json").items():
            if value is not None:  # TOML has no null: an unset optional key is left out, which reads back as None
                out.append(f"{_toml_key(key)} = {_toml_value(value)}")
        out.append("")
    return "\n".join(out)


def _toml_key(key: str) -> str:
    import json

    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key, ensure_ascii=False)


def _toml_value(v: object) -> str:
    import json

    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return str(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {_toml_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(f"cannot write {type(v).__name__} as TOML")


def commented_default() -> str:
    """The default config with each section's docstring and each key's description as comments."""
    cfg = Config()
    out = ["# codemill configuration. Every key is optional; the values below are the defaults.", ""]
    for name in SECTIONS:
        model = type(cfg.section(name))
        out.extend(f"# {line.strip()}".rstrip() for line in (model.__doc__ or "").strip().splitlines())
        out.append(f"[{name}]")
        for key, value in cfg.section(name).model_dump(mode="json").items():
            desc = model.model_fields[key].description
            if desc:
                out.append(f"# {desc}")
            out.append(f"# {key} =" if value is None else f"{key} = {_toml_value(value)}")
        out.append("")
    out += [f"# {line.strip()}".rstrip() for line in (StageSection.__doc__ or "").strip().splitlines()]
    out += ["# [stages.<name>]", ""]
    return "\n".join(out)
