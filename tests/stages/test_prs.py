"""Pull requests as the unit of work, from a clone alone: merge, nested, squash and rebase merges.

One real repository holds each way a PR lands on the default branch. The run through `pairs` must give each PR
one pair with SWE-bench's base (the merge-base, not the first parent), the base → tip change, the title and the
PR's own commit messages as the instruction, and no change counted twice.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from codemill import pipeline
from codemill.config import CommitsConfig, Config, LicenseConfig, PairsConfig, RunConfig
from codemill.engine.manifest import load_manifest
from codemill.git.repo import open_repo
from codemill.stages.commits.prs import merged_pr, parse_merge
from codemill.stages.pairs import links_of
from codemill.stages.pairs.prs import pr_instruction

from gitrepo import MIT, Repo, git
from readback import dropped_rows, kept_rows, through

CONFIG = Config(run=RunConfig(workers=1), license=LicenseConfig(keep_missing=True))
TEST = "from src.parse import parse\n\ndef test_parse():\n    assert parse('a,b') == ['a', 'b']\n"
PARSE = "def parse(text):\n    return text.split(',')\n"
WEB_FLOW = {"GIT_COMMITTER_NAME": "GitHub", "GIT_COMMITTER_EMAIL": "noreply@github.com",
            "GIT_COMMITTER_DATE": "1710000000 +0000"}


def web_flow_commit(r: Repo, message: str, files: dict[str, str], n: int) -> str:
    """A commit as GitHub's rebase merge writes it: its own author date, GitHub as committer at one time."""
    for rel, content in files.items():
        r.write(rel, content)
    git(r.path, "add", "-A")
    git(r.path, "commit", "-q", "-m", message,
        env={**WEB_FLOW, "GIT_AUTHOR_DATE": f"{1709000000 + n * 60} +0000",
             "GIT_AUTHOR_NAME": "Cy", "GIT_AUTHOR_EMAIL": "cy@example.org"})
    return r.head()


@pytest.fixture(scope="module")
def prs_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Repo, dict[str, str], Path]:
    tmp = tmp_path_factory.mktemp("prs")
    r = Repo(tmp / "repo")
    sha: dict[str, str] = {}
    sha["root"] = r.commit("Add a CSV parser with tests", {
        "LICENSE": MIT, "src/parse.py": PARSE, "src/net.py": "TIMEOUT = 10\n", "README.md": "# parse\n",
        "AUTHORS.rst": "- Ada Lovelace <ada.lovelace77@gmail.com>\n",
        "tests/test_parse.py": TEST})
    # 1. PR #10, merged by a merge commit after the default branch moved on: base = merge-base, not ^1.
    r.branch("fix-empty")
    sha["pr10_a"] = r.commit("Handle empty input in parse\n\nAn empty string gave [''] instead of [].", {
        "src/parse.py": "def parse(text):\n    if not text:\n        return []\n    return text.split(',')\n"})
    sha["pr10_b"] = r.commit("address review", {"AUTHORS.rst": (
        "- Ada Lovelace <ada.lovelace77@gmail.com>\n- Bo Ström <bo.strom84@gmail.com>\n"), "tests/test_parse.py": (
        "from src.parse import parse\n\ndef test_parse():\n    assert parse('a,b') == ['a', 'b']\n\n"
        "def test_empty():\n    assert parse('') == []\n")})
    r.checkout("main")
    sha["docs"] = r.commit("Document the parser in the README", {"README.md": "# parse\n\nSplits CSV lines.\n"})
    sha["pr10"] = r.merge("fix-empty", "Merge pull request #10 from ada/fix-empty\n\nFix parse crash on empty input")
    # 2. PR #11, squash-merged: a commit pair that knows its PR.
    sha["pr11"] = r.commit("Add a retry count to the network client (#11)", {
        "src/net.py": "TIMEOUT = 10\nRETRIES = 3\n"})
    # 3. A rebase-merged PR: GitHub re-commits its two commits at one time.
    sha["rb1"] = web_flow_commit(r, "Extract the separator into a constant", {
        "src/parse.py": "SEP = ','\n\ndef parse(text):\n    if not text:\n        return []\n"
                        "    return text.split(SEP)\n"}, 1)
    sha["rb2"] = web_flow_commit(r, "Strip whitespace around parsed fields", {
        "src/parse.py": "SEP = ','\n\ndef parse(text):\n    if not text:\n        return []\n"
                        "    return [f.strip() for f in text.split(SEP)]\n"}, 2)
    # 4. PR #12 merged into a maintenance branch, which the default branch merges later: the PR is nested.
    r.branch("1.x")
    r.branch("fix-timeout")
    sha["pr12_a"] = r.commit("Raise the network timeout to 30 seconds\n\nSlow mirrors time out at 10.", {
        "src/net.py": "TIMEOUT = 30\nRETRIES = 3\n"})
    r.checkout("1.x")
    sha["pr12"] = r.merge("fix-timeout", "Merge pull request #12 from bob/fix-timeout\n\nFix timeouts on slow mirrors")
    sha["direct_1x"] = r.commit("Release 1.0.1", {"CHANGES.md": "## 1.0.1\n\n- Longer timeout.\n"})
    r.checkout("main")
    sha["sync"] = r.merge("1.x", "Merge branch '1.x'")
    # 5. PR #13 conflicts with main; the merge resolves the conflict by hand.
    r.branch("sep-option")
    sha["pr13_a"] = r.commit("Let callers choose the separator", {
        "src/parse.py": "SEP = ','\n\ndef parse(text, sep=SEP):\n    if not text:\n        return []\n"
                        "    return [f.strip() for f in text.split(sep)]\n"})
    r.checkout("main")
    sha["semi"] = r.commit("Split on semicolons by default and drop empty fields", {
        "src/parse.py": "SEP = ';'\n\ndef parse(text):\n    if not text:\n        return []\n"
                        "    return [f.strip() for f in text.split(SEP) if f]\n"})
    with pytest.raises(RuntimeError):
        r.merge("sep-option", "Merge pull request #13 from cy/sep-option\n\nAdd a separator option")
    r.write("src/parse.py", "SEP = ';'\n\ndef parse(text, sep=SEP):\n    if not text:\n        return []\n"
                            "    return [f.strip() for f in text.split(sep) if f]\n")
    git(r.path, "add", "-A")
    git(r.path, "commit", "-q", "--no-edit", env=r._date_env())
    sha["pr13"] = r.head()
    run = tmp / "run"
    summary = pipeline.run(run, CONFIG, [str(r.path)], only=through("pairs"))
    assert summary.ok, summary.errors
    return r, sha, run


def by_sha(rows: list[dict]) -> dict[str, dict]:
    return {row["commit_sha"]: row for row in rows}


def test_a_merged_pr_is_one_pair_based_on_the_merge_base(prs_run) -> None:
    r, sha, run = prs_run
    pair = by_sha(kept_rows(run, "pairs"))[sha["pr10"]]
    assert pair["kind"] == "pr" and pair["pr_number"] == 10
    assert (pair["merge_sha"], pair["pr_tip_sha"]) == (sha["pr10"], sha["pr10_b"])
    assert pair["base_sha"] == sha["root"] != git(r.path, "rev-parse", f"{sha['pr10']}^1")
    # The change is base → tip: the PR's code and test, not the README commit the branch never saw. The list of
    # people holds addresses: its section is left out (the rest applies), not redacted and not dropping the pair.
    assert pair["paths"] == ["AUTHORS.rst", "src/parse.py", "tests/test_parse.py"]
    assert pair["response"] == git(r.path, "diff", "--no-color", sha["root"], sha["pr10_b"], "--",
                                   "src", "tests") + "\n"
    assert pair["redacted"] == []
    # The title, then what the PR's commits say; "address review" says nothing and is left out.
    assert pair["instruction"] == ("Fix parse crash on empty input\n\nHandle empty input in parse\n\n"
                                   "An empty string gave [''] instead of [].")
    assert pair["resolved_paths"] == []


def test_a_squash_merge_stays_a_commit_pair_with_its_pr_number(prs_run) -> None:
    _r, sha, run = prs_run
    pair = by_sha(kept_rows(run, "pairs"))[sha["pr11"]]
    assert (pair["kind"], pair["pr_number"], pair["base_sha"], pair["merge_sha"]) == (
        "commit", 11, sha["pr10"], None)
    assert pair["instruction"] == "Add a retry count to the network client"


def test_a_rebase_merge_is_one_pair_and_its_commits_are_part_of_it(prs_run) -> None:
    r, sha, run = prs_run
    pair = by_sha(kept_rows(run, "pairs"))[sha["rb2"]]
    assert (pair["kind"], pair["pr_number"], pair["merge_sha"], pair["pr_tip_sha"]) == (
        "pr", None, sha["rb2"], sha["rb2"])
    assert pair["base_sha"] == sha["pr11"]
    assert pair["response"] == git(r.path, "diff", "--no-color", sha["pr11"], sha["rb2"]) + "\n"
    assert pair["instruction"] == "Extract the separator into a constant\n\nStrip whitespace around parsed fields"
    dropped = by_sha(dropped_rows(run, "pairs"))
    assert dropped[sha["rb1"]]["drop_reason"] == "part_of_pr"


def test_a_pr_merged_into_a_maintenance_branch_is_found_inside_the_branch_merge(prs_run) -> None:
    r, sha, run = prs_run
    pair = by_sha(kept_rows(run, "pairs"))[sha["pr12"]]
    assert (pair["kind"], pair["pr_number"], pair["pr_tip_sha"]) == ("pr", 12, sha["pr12_a"])
    assert pair["base_sha"] == git(r.path, "merge-base", f"{sha['pr12']}^1", f"{sha['pr12']}^2")
    assert pair["instruction"].startswith("Fix timeouts on slow mirrors\n\nRaise the network timeout to 30 seconds")
    carrier = by_sha(dropped_rows(run, "pairs"))[sha["sync"]]
    assert (carrier["drop_reason"], carrier["drop_detail"]) == ("carries_prs", "brought PRs #12")
    commits = {row["sha"]: row for row in kept_rows(run, "commits")}
    assert commits[sha["pr12"]]["landed_in"] == sha["sync"]
    assert commits[sha["pr12"]]["position"] == commits[sha["sync"]]["position"]


def test_a_merge_that_resolved_a_conflict_says_where(prs_run) -> None:
    _r, sha, run = prs_run
    pair = by_sha(kept_rows(run, "pairs"))[sha["pr13"]]
    assert (pair["kind"], pair["pr_number"], pair["pr_tip_sha"]) == ("pr", 13, sha["pr13_a"])
    assert pair["base_sha"] == sha["sync"]  # where the branch started, before the semicolon commit
    assert pair["resolved_paths"] == ["src/parse.py"]


def test_no_change_is_counted_twice(prs_run) -> None:
    _r, sha, run = prs_run
    kept = kept_rows(run, "pairs")
    # Every first-parent commit and every nested PR merge is one candidate, kept or dropped, once.
    ids = [p["pair_id"] for p in kept + dropped_rows(run, "pairs")]
    assert len(ids) == len(set(ids))
    kept_shas = {p["commit_sha"] for p in kept}
    assert kept_shas == {sha[k] for k in ("root", "docs", "pr10", "pr11", "rb2", "pr12", "pr13", "semi")}
    # The PRs' own commits are inside their PR pairs, never pairs of their own.
    assert not kept_shas & {sha[k] for k in ("pr10_a", "pr10_b", "rb1", "pr12_a", "pr13_a")}


@pytest.mark.parametrize(("subject", "body", "expected"), [
    ("Merge pull request #7 from ada/feature", "Fix the thing\n\nLonger words.", ("github", 7, "Fix the thing")),
    ("Merge pull request #7 from ada/feature", "", ("github", 7, None)),
    ("Merge branch 'fix' into 'main'", "Fix the thing\n\nCloses #3\n\nSee merge request grp/proj!42",
     ("gitlab", 42, "Fix the thing")),
    ("Merged in feature/x (pull request #5)", "Add x\n\nApproved-by: Bo", ("bitbucket", 5, "Add x")),
    ("Merge branch 'topic'", "", ("branch", None, None)),
    ("Merge branch 'main' of github.com:ada/x", "", ("other", None, None)),
    ("Merge remote-tracking branch 'origin/main'", "", ("other", None, None)),
    ("Merge tag 'v1.0'", "", ("other", None, None)),
])
def test_merge_messages(subject: str, body: str, expected: tuple) -> None:
    m = parse_merge(subject, body)
    assert (m.forge, m.pr_number, m.title) == expected


def test_pr_instruction_keeps_what_the_commits_add() -> None:
    row = {"pr_title": "Speed up the cache", "pr_description": None, "members": [
        {"subject": "Speed up the cache", "body": "Use a dict instead of a list.", "is_merge": False},
        {"subject": "Merge branch 'main' into speed", "body": "", "is_merge": True},
        {"subject": "fix", "body": "", "is_merge": False},
        {"subject": "Black formatting", "body": "", "is_merge": False},
        {"subject": "Version 0.1.11", "body": "", "is_merge": False},
        {"subject": "Add a benchmark for cache lookups", "body": "", "is_merge": False},
        {"subject": "Add a benchmark for cache lookup.", "body": "", "is_merge": False},  # a repeat, all but
    ]}
    assert pr_instruction(row, PairsConfig()) == (
        "Speed up the cache\n\nUse a dict instead of a list.\n\nAdd a benchmark for cache lookups")


def test_an_issue_link_joins_the_row_that_lands_its_pr_by_sha_or_by_number() -> None:
    merge = {"sha": "m" * 40, "pr_merge": "merge", "pr_number": 7}
    plain = {"sha": "c" * 40, "pr_merge": None, "pr_number": None}
    by_heads = {"issue_number": 3, "pr_number": 7, "link_method": "head_commits", "commit_shas": ["h" * 40]}
    by_sha = {"issue_number": 4, "pr_number": 9, "link_method": "merge_sha", "commit_shas": ["c" * 40]}
    other = {"issue_number": 5, "pr_number": 8, "link_method": "head_commits", "commit_shas": ["c" * 40]}
    # A PR found only by its head commits (merged into a maintenance branch, say) joins its nested merge's row.
    assert links_of(merge, [by_heads, by_sha, other]) == [by_heads]
    # A link whose PR landed as one commit joins that commit; head commits alone never make a commit's diff.
    assert links_of(plain, [by_heads, by_sha, other]) == [by_sha]


def test_the_funnel_counts_pairs_per_kind(prs_run) -> None:
    _r, _sha, run = prs_run
    counters = load_manifest(run / "pairs").totals()["counters"]
    kept = kept_rows(run, "pairs")
    assert counters["pr.kept"] == sum(p["kind"] == "pr" for p in kept) == 4
    assert counters["commit.kept"] == sum(p["kind"] == "commit" for p in kept) == 4
    assert counters["commit.dropped"] == len(dropped_rows(run, "pairs")) == 2  # part_of_pr and carries_prs


def test_commit_rows_do_not_depend_on_shard_size_or_workers(prs_run, tmp_path: Path) -> None:
    """One-commit shards on two workers cut the chain between the two commits of the rebase merge (the look-ahead
    commit must still mark the first part of the PR) and beside every merge: the rows must not change."""
    r, sha, run = prs_run
    config = CONFIG.model_copy(update={"run": RunConfig(workers=2), "commits": CommitsConfig(shard_commits=1)})
    summary = pipeline.run(tmp_path / "run", config, [str(r.path)], only=through("commits"))
    assert summary.ok, summary.errors
    assert len(load_manifest(tmp_path / "run" / "commits").shards) == len(git(r.path, "rev-list", "--first-parent",
                                                                              "HEAD").split())

    def key(row: dict) -> tuple:
        return row["position"], row["commit_id"]

    sharded = sorted(kept_rows(tmp_path / "run", "commits"), key=key)
    assert sharded == sorted(kept_rows(run, "commits"), key=key)
    assert {row["sha"] for row in sharded if row["part_of_pr"]} == {sha["rb1"]}


@pytest.mark.parametrize("syncs_main", [False, True], ids=["one-outside-parent", "branch-merged-main"])
def test_a_merged_prs_base_and_own_commits_are_gits(tmp_path: Path, syncs_main: bool) -> None:
    """The base is taken from the PR's own commits when one parent lies outside them, and from a merge-base walk
    when several do (a branch that merged main midway): both must be `git merge-base`, members `git rev-list`."""
    r = Repo(tmp_path / "r")
    r.commit("Start", {"a.py": "A = 1\n"})
    r.branch("topic")
    r.commit("Add b", {"b.py": "B = 1\n"})
    r.checkout("main")
    r.commit("Change a", {"a.py": "A = 2\n"})
    if syncs_main:
        r.checkout("topic")
        r.merge("main", "Merge branch 'main' into topic")
        r.commit("Change b", {"b.py": "B = 2\n"})
        r.checkout("main")
    r.commit("Add c", {"c.py": "C = 1\n"})
    merge_sha = r.merge("topic", "Merge pull request #7 from ada/topic\n\nAdd b")
    repo = open_repo(str(r.path))
    merge = repo[merge_sha]
    pr = merged_pr(repo, merge, parse_merge("Merge pull request #7 from ada/topic", "Add b"))
    assert pr is not None
    assert pr.base == git(r.path, "merge-base", f"{merge_sha}^1", f"{merge_sha}^2")
    own = git(r.path, "rev-list", "--reverse", "--topo-order", f"{merge_sha}^1..{merge_sha}^2").split()
    assert [m["sha"] for m in pr.members] == own and pr.n_members == len(own) == (3 if syncs_main else 1)
