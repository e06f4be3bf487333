"""`debugging`: a pair per verified `tasks` instance and `bugs` bug, made from the tests' real run before the fix.

The prompt is what a developer debugging the failure would have in front of them: the command that runs the
failing tests, their output (pytest's reports as `tasks` and `bugs` stored them, trimmed by `failures.view` to
the test's frame, the raising frame and the repository frames nearest to it) and the code the fix changes, as
it was before (`render.around`: the definitions around the changed lines). The response is the fix: the code
patch of the instance (never its tests), or the reverse of the bug's mutation. The rows are `pairs` rows (same
columns, so `select` and `export` take them), category `debugging`, plus the pieces the chat exports build the
multi-turn variant from (run the tests, read the failure, read the code, patch, tests pass). Nothing is run and
nothing is fetched: the runs are the upstream stages', and the code is read from the clone (libgit2).

Kinds: `debugging` (from a `tasks` instance: a real change; `base_sha` is the instance's base commit, which the
response applies to) and `debugging_bug` (from `bugs`: `commit_sha` is the head the bug was made in, the response
applies to it after the row's `bug_patch`, so `base_sha` is null). Provenance: `instance_id`, `repo_id`,
`commit_sha`, `source_pair_id` (the `pairs` row the instance came from).

One change, one pair: an instance's change was also mined as a commit (or PR, or issue → PR) pair. The debugging
pair stands for it: `select` drops the other pairs of the same change (`duplicate_change`, `duplicate_of` naming
the debugging pair), since their responses are the same fix. A debugging pair inherits its source pair's score
components, with `tests`, `specificity` and `self_contained` at 1 (a verified failing test states the problem
exactly and the prompt carries what it needs); a bug's pair has them stated, not measured (1, with no author or
labels to judge). Shards follow the upstream parts one to one.

Drop reasons: `no_failure_output` (an instance stored before failure reports were kept, or whose tests left no
report), `code_unreadable` (the changed files cannot be read at the base, or the bug's patch does not apply).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import ClassVar

import pyarrow as pa

from codemill.config import DebuggingConfig
from codemill.engine.artifacts import Artifact
from codemill.engine.reads import Reads
from codemill.engine.stage import PlanContext, Shard, ShardOutput, Stage, iter_rows, read_part
from codemill.failures.store import from_rows, test_path
from codemill.failures.view import failures_text
from codemill.git import read as gitread
from codemill.ids import digest_json, stable_id
from codemill.languages import language_of
from codemill.quality.weights import COMPONENTS, combine
from codemill.redact import redact
from codemill.redact.patch import redact_patch
from codemill.render.around import Excerpt, excerpts, within
from codemill.render.diff import apply_hunks, file_chunks, file_paths
from codemill.stages.pairs.row import SCHEMA as PAIRS_SCHEMA

EXCERPT = pa.struct([("path", pa.string()), ("start", pa.int32()), ("end", pa.int32()), ("code", pa.large_string())])
SCHEMA = pa.schema([
    *PAIRS_SCHEMA,
    ("instance_id", pa.string()),  # the `tasks` or `bugs` instance the pair was made from
    ("source_pair_id", pa.string()),  # the `pairs` row of the instance's change (none for a bug)
    ("test_command", pa.string()),  # what runs the failing tests
    ("test_output", pa.large_string()),  # their output before the fix, trimmed (`failures.view`)
    ("code_context", pa.list_(EXCERPT)),  # the code the fix changes, before it (`render.around`)
    ("passed", pa.int32()),  # tests the command passes after the fix
])
TASK_COLUMNS = ("instance_id", "pair_id", "repo_id", "repo", "base_commit", "commit_sha", "patch", "FAIL_TO_PASS",
                "failures", "failures_redacted")
BUG_COLUMNS = ("instance_id", "repo_id", "repo", "base_commit", "path", "function", "mutation", "bug_patch",
               "patch", "FAIL_TO_PASS", "failures", "failures_redacted")
SOURCE_COLUMNS = ("pair_id", "kind", "commit_id", "license", "author_id", "committed_at", "web_url", "merge_sha",
                  "pr_tip_sha", "pr_number", "labels", *(f"score_{c}" for c in COMPONENTS))
REPO_COLUMNS = ("repo_id", "repo_name", "location", "license")
STATED = {"tests": 1.0, "specificity": 1.0, "self_contained": 1.0}  # what a verified failing test settles
BUG_COMPONENTS = {c: 1.0 for c in COMPONENTS} | {"labels": None, "author": None}
MAX_COMMAND_TESTS = 8


@dataclass(frozen=True)
class DebuggingShard:
    """One upstream part (`tasks` or `bugs`), the source pairs of its instances and their repositories."""

    source: str  # "tasks" | "bugs"
    part: Artifact
    pairs: dict[str, dict]
    repos: dict[str, dict]


class DebuggingStage(Stage[DebuggingShard]):
    name = "debugging"
    upstream = ("tasks", "bugs", "pairs", "repos")
    reads: ClassVar[Reads] = {"tasks": TASK_COLUMNS, "bugs": BUG_COLUMNS, "pairs": SOURCE_COLUMNS,
                              "repos": REPO_COLUMNS}
    schema = SCHEMA
    id_column = "pair_id"
    row_group_rows = 256

    section: DebuggingConfig

    def plan(self, ctx: PlanContext) -> list[Shard[DebuggingShard]]:
        cfg = self.section
        if not cfg.enabled:
            return []
        wanted = [s for s, on in (("tasks", cfg.from_tasks), ("bugs", cfg.from_bugs)) if on]
        parts = [(s, key, art) for s in wanted for key, art in ctx.kept_parts(s)]
        if not parts:
            return []
        repos = {r["repo_id"]: r for _k, art in ctx.kept_parts("repos")
                 for r in read_part(ctx.run_dir, art, list(REPO_COLUMNS)).to_pylist()}
        needed = {r["pair_id"] for s, _k, art in parts if s == "tasks"
                  for r in read_part(ctx.run_dir, art, ["pair_id"]).to_pylist()}
        pairs = {r["pair_id"]: r for _k, art in ctx.kept_parts("pairs") if needed
                 for r in read_part(ctx.run_dir, art, list(SOURCE_COLUMNS)).to_pylist() if r["pair_id"] in needed}
        shards = []
        for source, key, art in parts:
            ids = {r["repo_id"] for r in read_part(ctx.run_dir, art, ["repo_id"]).to_pylist()}
            ours = {i: pairs[i] for i in sorted(needed) if i in pairs} if source == "tasks" else {}
            mine = {i: repos[i] for i in sorted(ids) if i in repos}
            if source == "tasks":
                wanted_ids = {r["pair_id"] for r in read_part(ctx.run_dir, art, ["pair_id"]).to_pylist()}
                ours = {i: p for i, p in ours.items() if i in wanted_ids}
            digest = digest_json([art.sha256, sorted(ours.items()), sorted(mine.items())])
            shards.append(Shard(f"{source}/{key}", digest, DebuggingShard(source, art, ours, mine)))
        return shards

    def run(self, shard: Shard[DebuggingShard], out: ShardOutput) -> None:
        p = shard.payload
        for row in iter_rows(out.run_dir, p.part, 256, list(TASK_COLUMNS if p.source == "tasks" else BUG_COLUMNS)):
            repo = p.repos.get(row["repo_id"])
            pair = self._pair(p.source, row, repo, p.pairs.get(row.get("pair_id") or ""))
            failures = from_rows(row["failures"])
            if not failures:
                out.drop(pair, "no_failure_output", "no FAIL_TO_PASS test left a report before the fix")
                continue
            found = self._code(p.source, row, repo)
            if isinstance(found, str):
                out.drop(pair, "code_unreadable", found)
                continue
            code, code_redacted = found
            cfg = self.section
            pair["test_output"] = failures_text(failures, max_chars=cfg.max_output_chars, max_tests=cfg.max_tests,
                                                max_frames=cfg.max_frames)
            pair["code_context"] = [e.__dict__ for e in code]
            pair["instruction"] = prompt(pair["repo_name"], pair["test_command"], pair["test_output"], code)
            pair["redacted"] = sorted({*pair["redacted"], *row["failures_redacted"], *code_redacted})
            out.keep(pair)

    def _pair(self, source: str, row: dict, repo: dict | None, origin: dict | None) -> dict:
        """The pair's row with its provenance, response and score; prompt fields filled by `run`."""
        name = (repo or {}).get("repo_name") or row["repo"]
        tests = list(row["FAIL_TO_PASS"])
        chunks = file_chunks(row["patch"])
        paths = [file_paths(c)[-1] for c in chunks]
        fixes = [redact_patch(c, path) for c, path in zip(chunks, paths, strict=True)]
        added = sum(1 for ln in row["patch"].splitlines() if ln.startswith("+") and not ln.startswith("+++"))
        deleted = sum(1 for ln in row["patch"].splitlines() if ln.startswith("-") and not ln.startswith("---"))
        if source == "tasks":
            origin = origin or {}
            components = {c: origin.get(f"score_{c}") for c in COMPONENTS} | STATED
            extra = {k: origin.get(k) for k in ("commit_id", "license", "author_id", "committed_at", "web_url",
                                                 "merge_sha", "pr_tip_sha", "pr_number")}
            extra |= {"kind": "debugging", "base_sha": row["base_commit"], "labels": origin.get("labels") or [],
                      "source_pair_id": row["pair_id"]}
        else:
            components = dict(BUG_COMPONENTS)
            when = _commit_time(repo, row["base_commit"])
            extra = {"kind": "debugging_bug", "license": (repo or {}).get("license"), "committed_at": when,
                     "labels": [], "source_pair_id": None}
        return {k: None for k in SCHEMA.names} | extra | {
            "pair_id": stable_id("debugging", row["repo_id"], row["instance_id"]),
            "repo_id": row["repo_id"], "repo_name": name, "commit_sha": row["commit_sha"] if source == "tasks"
            else row["base_commit"], "instance_id": row["instance_id"], "response": "".join(f.text for f in fixes),
            "response_format": "unified_diff", "paths": paths,
            "languages": sorted({lang for path in paths if (lang := language_of(path))}), "n_files": len(paths),
            "added": added, "deleted": deleted, "redacted": sorted({k for f in fixes for k in f.counts}), "hints": "",
            "category": "debugging",
            "category_rule": "failing_tests", "score": combine(components),
            **{f"score_{c}": v for c, v in components.items()},
            "test_command": command(tests), "passed": len(tests), "code_context": [], "instruction": "",
        }

    def _code(self, source: str, row: dict, repo: dict | None) -> tuple[list[Excerpt], list[str]] | str:
        """The excerpts of the code the fix changes, before it, within the budget, and the kinds redacted from
        them; or why they cannot be read."""
        if repo is None:
            return "the repository is not among the kept repos"
        found, kinds = [], set()
        for chunk in file_chunks(row["patch"]):
            path = file_paths(chunk)[0]
            before = gitread.read_text(repo["location"], row["base_commit"], path)
            if before is None:
                continue  # a file the fix adds: nothing to read before it
            if source == "bugs":
                try:
                    before = apply_hunks(before, row["bug_patch"])
                except ValueError as exc:
                    return f"the bug patch does not apply to {path}: {exc}"
            red = redact(before, path)
            kinds.update(red.counts)
            found += excerpts(path, red.text, chunk, context=self.section.context_lines)
        if not found:
            return "the fix changes no file that exists before it"
        return within(found, self.section.max_code_chars), sorted(kinds)


def command(tests: list[str]) -> str:
    """The pytest command that runs the failing tests: by id, or by file when there are many."""
    chosen = tests if len(tests) <= MAX_COMMAND_TESTS else sorted({test_path(t) for t in tests})
    return "python -m pytest " + " ".join(_quoted(t) for t in chosen)


def _quoted(arg: str) -> str:
    return arg if all(c.isalnum() or c in "/._-:[]=" for c in arg) else "'" + arg.replace("'", "'\\''") + "'"


def code_block(e: Excerpt) -> str:
    lang = "python" if e.path.endswith(".py") else ""
    return f"{e.path} (lines {e.start}-{e.end}):\n```{lang}\n{e.code.rstrip()}\n```"


def prompt(repo: str, test_command: str, output: str, code: list[Excerpt]) -> str:
    """The single-turn prompt: the failing command, its output, the code involved, and what to do."""
    return (f"Tests of {repo} fail. Running\n\n    {test_command}\n\nprints:\n\n```text\n{output.rstrip()}\n```\n\n"
            f"The code involved, before any fix:\n\n" + "\n\n".join(code_block(e) for e in code)
            + "\n\nFind the cause and fix the code so that these tests pass, without changing the tests.")


def _commit_time(repo: dict | None, sha: str) -> datetime | None:
    if repo is None:
        return None
    try:
        return datetime.fromtimestamp(gitread.commit_time(repo["location"], sha), UTC)
    except (KeyError, ValueError):
        return None
