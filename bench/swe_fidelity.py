"""Does codemill find SWE-bench's own instances in a clone alone, with SWE-bench's base commits?

    .venv/bin/python bench/swe_fidelity.py [--repo owner/name ...] [--instance ID ...] [--verify N] [--run DIR]

For each repository, its mirror (`/work/.mirror/owner+name`, brought by the tool library's `fetch`) is milled
through `pairs` with no GitHub data, and every published instance of `bench/data/swe_instances.jsonl` (instance
id, PR number, base commit and FAIL_TO_PASS as SWE-bench publishes them; from SWE-bench's test split, its Lite
and Verified subsets marked) is looked up among the pairs by its PR number:

- found: a kept pair lands the PR (a `pr` pair, or a squash-merged `commit` pair with its `(#N)`);
- same base: the pair's `base_sha` is the published `base_commit`;
- dropped: the PR's pair exists but a rule dropped it (the reason is printed);
- missed: no pair names the PR, with why: the PR's merge is inside another PR (merged into its branch), no
  commit of the clone names the PR, or the merge is not reachable from the default branch.

With `--verify N` the first N found instances are also built and run in the sandbox (`tasks`' own verification:
bubblewrap and a package index needed), and their FAIL_TO_PASS is compared with the published one.
Prints one line per instance, then the totals for all instances and for the Lite ∪ Verified ones.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pygit2

from codemill import pipeline
from codemill.config import Config, RunConfig
from codemill.engine.manifest import load_manifest
from codemill.git.repo import open_repo
from codemill.sandbox import Sandbox
from codemill.stages.commits.prs import merge_message
from codemill.swe.instance import instance_from_commit

sys.path.insert(0, str(Path(__file__).parent))
from apply_check import applies  # a sibling bench script

INSTANCES = Path(__file__).with_name("data") / "swe_instances.jsonl"
MIRRORS = Path("/work/.mirror")
STAGES = ["sources", "repos", "commits", "events", "issues", "reviews", "pairs"]  # no GitHub data: empty GitHub stages
PAIR_COLUMNS = ["pair_id", "kind", "repo_id", "repo_name", "commit_sha", "merge_sha", "pr_tip_sha", "base_sha",
                "pr_number", "category", "score"]


def rows(run: Path, stage: str, role: str, columns: list[str]) -> list[dict]:
    m = load_manifest(run / stage)
    if m is None:
        raise SystemExit(f"{run} has no {stage} stage")
    return [r for a in m.artifacts() if a.role == role and a.rows
            for r in pq.read_table(run / a.path, columns=columns).to_pylist()]


def mill(repos: list[str], run: Path) -> None:
    """Mill each mirror, named as the repository it is, through `pairs`: history only, no GitHub data."""
    sources = []
    for name in repos:
        mirror = MIRRORS / name.replace("/", "+")
        git_dir = next((p for p in (mirror / "repo", mirror) if (p / "HEAD").exists()), None)
        if git_dir is None:
            raise SystemExit(f"no mirror of {name} at {mirror}: fetch github:{name} first")
        sources.append(f"{git_dir}={name}")
    summary = pipeline.run(run, Config(run=RunConfig(workers=2)), sources, only=STAGES)
    if not summary.ok:
        raise SystemExit(f"the run failed: {summary.errors}")


def why_missed(repo: pygit2.Repository, number: int, head: pygit2.Oid, inside: dict[str, int]) -> str:
    """Where PR #number went, when no pair names it."""
    on_head = {c.id for c in repo.walk(head)}
    tips = [ref.peel(pygit2.Commit).id for ref in repo.references.objects if ref.name.startswith("refs/")]
    walker = repo.walk(head, pygit2.enums.SortMode.TOPOLOGICAL)
    for tip in tips:
        walker.push(tip)
    for commit in walker:
        if len(commit.parents) == 2 and merge_message(commit).pr_number == number:
            sha = str(commit.id)
            if commit.id not in on_head:
                return f"its merge {sha[:10]} is on a branch the default branch never merged"
            outer = inside.get(sha)
            return (f"its merge {sha[:10]} was merged into PR #{outer}'s branch: part of that PR"
                    if outer is not None else f"its merge {sha[:10]} is reachable but in no pair")
    return "no merge or squash commit names it (pushed or cherry-picked by hand)"


def other_base(repo: pygit2.Repository, pair: dict, published: str, location: str) -> str:
    """How the published base relates to ours, and whether our change applies to it as well."""
    ours = pair["base_sha"]
    tip = pair["pr_tip_sha"] or pair["commit_sha"]
    text = f"ours {ours[:10]}, published {published[:10]}"
    if repo.descendant_of(published, ours) and repo.descendant_of(pair["commit_sha"], published):
        text += " (later on the branch, before the merge: GitHub's base.sha when the PR was opened)"
    patch = repo.diff(repo[ours].tree, repo[tip].tree).patch or ""
    ok, _why = applies(location, published, patch)
    return text + ("; our change applies to it" if ok else "; our change does not apply to it")


def verify_f2p(location: str, pair: dict, published: list[str], sandbox: Sandbox) -> str:
    instance, v = instance_from_commit(Path(location), pair["pr_tip_sha"] or pair["commit_sha"], sandbox,
                                       repo=pair["repo_name"], base=pair["base_sha"])
    if instance is None:
        return f"not verified ({v.reason})"
    got, want = set(instance.FAIL_TO_PASS), set(published)
    if got == want:
        return "same FAIL_TO_PASS"
    return f"FAIL_TO_PASS differs: {len(got & want)} shared, {len(got - want)} only ours, {len(want - got)} only theirs"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repo", action="append", help="owner/name (default: every repository in the data)")
    ap.add_argument("--run", type=Path, help="run directory (default: a temporary one); reused when present")
    ap.add_argument("--verify", type=int, default=0, help="verify this many found instances in the sandbox")
    ap.add_argument("--instance", action="append", help="only this instance id (repeatable)")
    args = ap.parse_args()
    published = [json.loads(line) for line in INSTANCES.read_text().splitlines() if line.strip()]
    if args.instance:
        published = [p for p in published if p["instance_id"] in args.instance]
    repos = args.repo or sorted({p["repo"] for p in published})
    published = [p for p in published if p["repo"] in repos]
    with tempfile.TemporaryDirectory() as tmp:
        run = args.run or Path(tmp) / "run"
        mill(repos, run)
        return report(run, published, args.verify)


def report(run: Path, published: list[dict], verify: int) -> int:
    where = {r["repo_name"]: r for r in rows(run, "repos", "kept", ["repo_id", "repo_name", "location"])}
    kept = rows(run, "pairs", "kept", PAIR_COLUMNS)
    dropped = rows(run, "pairs", "dropped", [*PAIR_COLUMNS, "drop_reason", "drop_detail"])
    commits = rows(run, "commits", "kept", ["repo_id", "pr_number", "members"])
    inside = {(c["repo_id"], m["sha"]): c["pr_number"] for c in commits for m in c["members"] if m["is_merge"]}
    by_pr: dict[tuple[str, int], dict] = {}
    for p in dropped + kept:  # a kept pair wins over a dropped one of the same PR
        if p["pr_number"] is not None and p["kind"] in ("pr", "commit"):
            by_pr[(p["repo_name"], p["pr_number"])] = p
    tally: dict[str, Counter] = {"all": Counter(), "Lite ∪ Verified": Counter()}
    sandbox = Sandbox() if verify else None
    for inst in published:
        repo = where[inst["repo"]]
        pair = by_pr.get((inst["repo"], inst["pull_number"]))
        status, note = "missed", ""
        if pair is None:
            git = open_repo(repo["location"])
            own = {sha: n for (rid, sha), n in inside.items() if rid == repo["repo_id"]}
            note = why_missed(git, inst["pull_number"], git.head.target, own)
        elif "drop_reason" in pair and pair.get("drop_reason"):
            status, note = "dropped", f"{pair['drop_reason']}: {pair['drop_detail']}"
        else:
            same = pair["base_sha"] == inst["base_commit"]
            status = "same base" if same else "other base"
            note = f"{pair['kind']} {pair['category']} score {pair['score']:.2f}"
            if not same:
                note += "; " + other_base(open_repo(repo["location"]), pair, inst["base_commit"], repo["location"])
            if verify > 0 and sandbox is not None:
                verify -= 1
                note += "; " + verify_f2p(repo["location"], pair, inst["FAIL_TO_PASS"], sandbox)
        subsets = [d for d in inst["dataset"] if d != "SWE-bench"]
        print(f"{inst['instance_id']:<24} {status:<11} {','.join(s.removeprefix('SWE-bench_') for s in subsets):<15}"
              f" {note}")
        for name, counter in tally.items():
            if name == "all" or subsets:
                counter[status] += 1
                counter["n"] += 1
    for name, c in tally.items():
        found = c["same base"] + c["other base"]
        print(f"\n{name}: {c['n']} instances; found as kept pairs {found} "
              f"(same base {c['same base']}, other base {c['other base']}), dropped {c['dropped']}, "
              f"missed {c['missed']}")
    pr_pairs = Counter(p["kind"] for p in kept)
    print(f"kept pairs by kind: {dict(sorted(pr_pairs.items()))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
