"""`tasks`: SWE-bench-style instances from the kept pairs, verified by execution.

One shard per candidate, so an interrupted run resumes at the candidate it was on and two workers can verify
one repository's candidates side by side (its builds share a package cache, `[tasks] package_cache`). Candidates
are kept pairs (commit, pull request or issue → PR) whose change touches
both test and code files (`swe.split`); one per change (an issue pair before its PR's pair). A change whose own
Python files (or setup.py) are Python 2 only (`swe.python2`) is dropped as `needs_python2` when planning, by one
shard per repository, without an environment built for it. Of the others, at most
`max_candidates` are tried, spread over the repository's history: the candidates in commit order are cut into
that many strata of equal size and the best-scored of each is taken, so a repository whose best-scored changes
are all from an era no interpreter builds still gets tried across its life.

For each: the change's real diff from its base (a PR's merge-base to its tip, else the first parent to the
commit; the instance's patches must apply to the base, so they are read from git, not the redacted pair; a pair
in which secrets were redacted is dropped as `secrets_in_patch` rather than exported raw) is split into code and
test patches; `swe.verify` builds the environment at the base in the sandbox, runs the test patch's tests twice
before and after the code patch, and keeps the instance when a test goes from failing to passing and never
flakes. What the FAIL_TO_PASS tests reported before the change is kept (`failures`: normalised, redacted and
bounded by `codemill.failures`), which `debugging` turns into pairs. The instance id is SWE-bench's
`owner__repo-<PR number>` when the PR is known, else the commit's short sha. The problem statement is the
linked issue for issue → PR pairs (its comments made before the fix are `hints_text`, as in SWE-bench), the
PR's instruction for PR pairs, else the commit message.

Drop reasons: `needs_python2`, `secrets_in_patch`, `root_commit` (nothing to start from), and `swe.verify`'s
`no_test_patch`, `no_code_patch`, `env_failed`, `patch_failed`, `run_failed`, `timeout`, `no_fail_to_pass`,
`needs_network` (no FAIL_TO_PASS, and tests failed reaching the network: the sandbox runs tests offline),
`all_flaky`, `import_error_only` (every FAIL_TO_PASS test failed at import before the change;
`[tasks] keep_import_errors`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import pyarrow as pa
import pygit2

from codemill.config import TasksConfig
from codemill.engine.reads import Reads
from codemill.engine.stage import PlanContext, Shard, ShardOutput, Stage, read_part
from codemill.failures.store import FAILURES, failure_rows
from codemill.ids import digest_json
from codemill.paths import is_test_path
from codemill.sandbox import Sandbox
from codemill.stages.pairs import HINTS_HEADER
from codemill.swe.env import with_cache
from codemill.swe.instance import instance_from_commit
from codemill.swe.python2 import python2_change

SCHEMA = pa.schema([
    ("instance_id", pa.string()),
    ("pair_id", pa.string()),
    ("kind", pa.string()),
    ("category", pa.string()),
    ("score", pa.float64()),
    ("repo_id", pa.string()),
    ("repo", pa.string()),
    ("base_commit", pa.string()),
    ("commit_sha", pa.string()),
    ("patch", pa.large_string()),
    ("test_patch", pa.large_string()),
    ("problem_statement", pa.large_string()),
    ("hints_text", pa.large_string()),
    ("created_at", pa.string()),
    ("version", pa.string()),
    ("FAIL_TO_PASS", pa.list_(pa.string())),
    ("PASS_TO_PASS", pa.list_(pa.string())),
    ("flaky", pa.list_(pa.string())),
    ("environment_setup_commit", pa.string()),
    ("env_recipe", pa.string()),  # JSON: how the environment was built
    ("requirements", pa.list_(pa.string())),  # pip freeze of the verified environment
    ("failures", FAILURES),  # FAIL_TO_PASS tests' reports before the change (`codemill.failures`)
    ("failures_redacted", pa.list_(pa.string())),  # kinds of secrets redacted from those reports
])
PAIR_COLUMNS = ["pair_id", "kind", "category", "score", "repo_id", "repo_name", "commit_sha", "instruction",
                "hints", "paths", "languages", "redacted", "base_sha", "pr_tip_sha", "pr_number", "committed_at"]
PREFERENCE = {"issue_pr": 0, "pr": 1, "commit": 2}  # which pair of one change states it best


def is_candidate(pair: dict) -> bool:
    """A Python change to both tests and code: what a test-verified instance needs."""
    tests = [p for p in pair["paths"] if is_test_path(p)]
    return "Python" in pair["languages"] and bool(tests) and len(tests) < len(pair["paths"])


def instance_id(repo_name: str, pair: dict) -> str:
    """SWE-bench's id, `owner__repo-<PR number>`, when the PR is known; else the commit's short sha."""
    ref = pair["pr_number"] if pair["pr_number"] is not None else pair["commit_sha"][:12]
    return f"{repo_name.replace('/', '__')}-{ref}"


def per_change(pairs: list[dict]) -> list[dict]:
    """One pair per change: the one that states it best."""
    changes: dict[str, dict] = {}
    for p in sorted(pairs, key=lambda p: (PREFERENCE[p["kind"]], -p["score"], p["pair_id"])):
        changes.setdefault(p["pr_tip_sha"] or p["commit_sha"], p)
    return list(changes.values())


def spread(pairs: list[dict], k: int) -> list[dict]:
    """At most `k` candidates spread over history: one per change (the pair that states it best), cut in commit
    order into `k` strata of equal size, the best-scored of each; best score first."""
    ordered = sorted(per_change(pairs), key=lambda p: (p["committed_at"], p["pair_id"]))
    n, k = len(ordered), min(k, len(ordered))
    strata = [ordered[i * n // k:(i + 1) * n // k] for i in range(k)]
    best = [max(s, key=lambda p: (p["score"], p["pair_id"])) for s in strata]
    return sorted(best, key=lambda p: (-p["score"], p["pair_id"]))


def screen_python2(location: Path, pairs: list[dict]) -> tuple[list[dict], list[tuple[dict, str]]]:
    """The candidates that can run on Python 3, and the others (one per change) with why (`swe.python2`)."""
    try:
        repo = pygit2.Repository(str(location))
    except pygit2.GitError:
        return pairs, []  # each candidate's own run reports what is wrong with the repository
    runnable, python2 = [], []
    for pair in pairs:
        if (why := python2_change(repo, pair["pr_tip_sha"] or pair["commit_sha"], pair["paths"])) is None:
            runnable.append(pair)
        else:
            python2.append((pair, why))
    once = {p["pair_id"] for p in per_change([p for p, _ in python2])}
    return runnable, [(p, why) for p, why in python2 if p["pair_id"] in once]


def _claim(claimed: set[str], iid: str) -> bool:
    """Whether `iid` was already claimed; claims it."""
    taken = iid in claimed
    claimed.add(iid)
    return taken


@dataclass(frozen=True)
class CandidateShard:
    """One candidate change to verify, with its repository's row (`repos` columns)."""

    repo: dict
    pair: dict


@dataclass(frozen=True)
class Python2Shard:
    """A repository's Python 2 changes, screened when planning: recorded as drops, never run."""

    repo: dict
    screened: list[tuple[dict, str]]


class TasksStage(Stage[CandidateShard | Python2Shard]):
    name = "tasks"
    upstream = ("pairs", "repos")
    reads: ClassVar[Reads] = {"pairs": PAIR_COLUMNS, "repos": ("repo_id", "repo_name", "location", "url")}
    schema = SCHEMA
    id_column = "instance_id"
    row_group_rows = 64

    section: TasksConfig

    def plan(self, ctx: PlanContext) -> list[Shard[CandidateShard | Python2Shard]]:
        if not self.section.enabled:
            return []
        repos = {}
        for _key, art in ctx.kept_parts("repos"):
            for r in read_part(ctx.run_dir, art, ["repo_id", "repo_name", "location", "url"]).to_pylist():
                repos[r["repo_id"]] = r
        found: dict[str, list[dict]] = {}
        for _key, art in ctx.kept_parts("pairs"):
            for pair in read_part(ctx.run_dir, art, PAIR_COLUMNS).to_pylist():  # not the responses: plan stays light
                if pair["kind"] in PREFERENCE and is_candidate(pair):
                    found.setdefault(pair["repo_id"], []).append(pair)
        shards = []
        for repo_id, pairs in sorted(found.items()):
            repo = repos.get(repo_id)
            if repo is None:
                continue
            name = repo["repo_name"] or repo_id
            pairs, python2 = screen_python2(Path(repo["location"]), pairs)
            claimed: set[str] = set()
            python2 = [(p, why) for p, why in python2 if not _claim(claimed, instance_id(name, p))]
            if python2:  # recorded as drops by a shard of their own; the budget goes to changes that can run
                shards.append(Shard(f"{repo_id}#python2", digest_json([repo, python2]),
                                    Python2Shard(repo, python2)))
            for pair in spread(pairs, self.section.max_candidates):
                iid = instance_id(name, pair)
                if _claim(claimed, iid):  # two changes claiming one PR number: the best-scored stands
                    continue
                shards.append(Shard(f"{repo_id}#{iid}", digest_json([repo, pair]), CandidateShard(repo, pair)))
        return shards

    def run(self, shard: Shard[CandidateShard | Python2Shard], out: ShardOutput) -> None:
        if isinstance(shard.payload, Python2Shard):  # the repository's Python 2 changes, found when planning
            for screened, why in shard.payload.screened:
                out.drop(self._row(screened, shard.payload.repo), "needs_python2", why)
            return
        repo, pair = shard.payload.repo, shard.payload.pair
        cache = self.section.package_cache
        # A folder per repository, named by a digest: a repository id is a path or URL, never a folder name.
        sandbox = with_cache(Sandbox(mode=self.section.sandbox),
                             Path(cache).expanduser() / digest_json(repo["repo_id"])[:16] if cache else None)
        row = self._row(pair, repo)
        if pair["redacted"]:
            out.drop(row, "secrets_in_patch", f"redacted: {', '.join(pair['redacted'])}")
            return
        if pair["base_sha"] is None:
            out.drop(row, "root_commit", "no base commit to start from")
            return
        instance, v = instance_from_commit(Path(repo["location"]), pair["pr_tip_sha"] or pair["commit_sha"],
                                           sandbox, repo=repo["repo_name"], repeats=self.section.repeats,
                                           era=self.section.era, base=pair["base_sha"],
                                           instance_id=row["instance_id"],
                                           keep_import_errors=self.section.keep_import_errors,
                                           build_budget=self.section.build_budget_seconds)
        row["flaky"] = v.flaky
        if instance is None:
            out.drop(row, v.reason or "not_verified", v.detail[:2000] or None)
            return
        statement, hints = instance.problem_statement, ""
        if pair["kind"] == "issue_pr":  # the issue states the problem; its comments before the fix are hints
            hints = pair["hints"] or ""
            statement = pair["instruction"].removesuffix(f"{HINTS_HEADER}{hints}" if hints else "")
        elif pair["kind"] == "pr":
            statement = pair["instruction"]
        row.update(instance.to_swegym(), instance_id=row["instance_id"], problem_statement=statement,
                   hints_text=hints, env_recipe=json.dumps(instance.env_recipe, sort_keys=True),
                   failures=failure_rows(v.failures), failures_redacted=v.failures_redacted)
        out.keep({k: row.get(k) for k in SCHEMA.names})

    @staticmethod
    def _row(pair: dict, repo: dict) -> dict:
        name = repo["repo_name"] or repo["repo_id"]
        return {k: None for k in SCHEMA.names} | {
            "instance_id": instance_id(name, pair), "pair_id": pair["pair_id"],
            "kind": pair["kind"], "category": pair["category"], "score": pair["score"], "repo_id": pair["repo_id"],
            "repo": name, "commit_sha": pair["commit_sha"], "FAIL_TO_PASS": [], "PASS_TO_PASS": [], "flaky": [],
            "requirements": [], "failures": [], "failures_redacted": [],
        }
