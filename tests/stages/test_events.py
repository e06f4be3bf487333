"""The `events` stage: two real clones (`octo/widgets`, `octo/gadgets`) and GH Archive hours about both.

Each repository has issue #1, fixed by pull request #2 (squash-merged: `Fix empty pages (#2)`), and a review
comment on #2. Hour 0 holds the openings and comments (and events of other repositories and types), hour 1 the
merges. Before `events`, `issues` and `reviews` each decompressed every hour once per repository: 2 x 2 x 2 = 8
reads here; now each hour is read once.
"""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest
from test_issues import Events, at, config, issue_json, pull_json, pull_stub
from test_reviews import review_comment

import codemill
from codemill import pipeline
from codemill.engine.manifest import load_manifest
from codemill.engine.version import module_closure

from gitrepo import MIT, Repo, git
from readback import dropped_rows, kept_rows

NAMES = ("widgets", "gadgets")
UPTO_REVIEWS = ["sources", "repos", "events", "issues", "reviews"]


def clone(root: Path, name: str) -> Repo:
    r = Repo(root / name)
    git(r.path, "remote", "add", "origin", f"https://github.com/octo/{name}.git")
    r.commit("Add the pager", {"LICENSE": MIT, "pages.py": "def page(xs, n):\n    return xs[0:n]\n"})
    r.commit("Fix empty pages (#2)", {"pages.py": "def page(xs, n):\n    return list(xs[0:n]) if xs else []\n"})
    return r


def hours(folder: Path) -> Path:
    """`2024-01-01-0.json.gz` (openings, a review comment, noise) and `2024-01-01-1.json.gz` (the merges)."""
    ev = Events()
    for i, name in enumerate(NAMES):
        gh = f"octo/{name}"
        ev.add("IssuesEvent", "grace", at(0, 10), {"action": "opened", "issue": issue_json(
            1, f"Empty {name} pages are blank", "Page 3 of nothing shows nothing.", "grace", at(0, 10))}, repo=gh)
        pr = pull_json(2, "Fix empty pages", "Fixes #1", "ada", at(0, 20), ("fix", "e" * 40), "main")
        ev.add("PullRequestEvent", "ada", at(0, 20), {"action": "opened", "number": 2, "pull_request": pr}, repo=gh)
        ev.add("PullRequestReviewCommentEvent", "grace", at(0, 30), {"action": "created", "pull_request": pr,
               "comment": review_comment(9000 + i, "grace", "Return a list, not a slice.", at(0, 30), "pages.py",
                                         "@@ -1,2 +1,2 @@", "e" * 40, 2)}, repo=gh)
        ev.add("PullRequestEvent", "linus-t", at(1, 30), {"action": "merged", "number": 2,
                                                         "pull_request": pull_stub(2, ("fix", "e" * 40), "main")},
               repo=gh)
    ev.add("WatchEvent", "someone", at(0, 40), {"action": "started"}, repo="octo/widgets")
    ev.add("IssuesEvent", "grace", at(0, 45), {"action": "opened", "issue": issue_json(
        1, "Not ours", "Fixes nothing", "grace", at(0, 45))}, repo="someone/else")
    return ev.write(folder)


@pytest.fixture
def run(tmp_path: Path) -> tuple[Path, Path, list[Repo]]:
    """Both repositories run through `reviews` once: (run directory, the dumps' folder, the clones)."""
    repos = [clone(tmp_path, name) for name in NAMES]
    dumps = hours(tmp_path / "gharchive")
    out = tmp_path / "run"
    summary = pipeline.run(out, config(archive=[str(dumps)]), [str(r.path) for r in repos], only=UPTO_REVIEWS)
    assert summary.ok, summary.errors
    return out, dumps, repos


def by_repo(rows: list[dict]) -> dict[str, dict]:
    return {r["repo_name"]: r for r in rows}


def test_each_dump_is_read_once_and_issues_and_reviews_fold_its_rows(run: tuple[Path, Path, list[Repo]]) -> None:
    out, dumps, _repos = run
    events = load_manifest(out / "events")
    assert sorted(events.shards) == [str(dumps / "2024-01-01-0.json.gz"), str(dumps / "2024-01-01-1.json.gz")]
    assert [e.counters["events.dumps_read"] for e in events.shards.values()] == [1, 1]  # 2 reads, not 8
    rows = kept_rows(out, "events")
    assert sorted({(r["github"], r["type"]) for r in rows}) == [
        (f"octo/{name}", kind) for name in sorted(NAMES)
        for kind in ("IssuesEvent", "PullRequestEvent", "PullRequestReviewCommentEvent")]
    assert len(rows) == 8 and events.totals()["counters"]["events.skipped"] == 2  # the watch, someone/else

    issues = by_repo(kept_rows(out, "issues"))
    assert {n: (r["issue_number"], r["pr_number"], r["link_method"]) for n, r in issues.items()} == {
        "octo/widgets": (1, 2, "squash_suffix"), "octo/gadgets": (1, 2, "squash_suffix")}
    assert issues["octo/gadgets"]["issue_title"] == "Empty gadgets pages are blank"
    reviews = by_repo(dropped_rows(out, "reviews"))
    assert {n: (r["comment_id"], r["drop_reason"]) for n, r in reviews.items()} == {
        "octo/widgets": (9000, "commit_missing"), "octo/gadgets": (9001, "commit_missing")}

    # `issues` and `reviews` never open a dump: with the dumps gone, they rebuild the same rows from `events`.
    before = {stage: (kept_rows(out, stage), dropped_rows(out, stage)) for stage in ("issues", "reviews")}
    shutil.rmtree(dumps)
    for stage in ("issues", "reviews"):
        shutil.rmtree(out / stage)
    again = pipeline.run(out, config(archive=[str(dumps)]), [], only=["issues", "reviews"])
    assert again.ok, again.errors
    assert again.ran == {"issues": 2, "reviews": 2}
    assert {stage: (kept_rows(out, stage), dropped_rows(out, stage)) for stage in ("issues", "reviews")} == before


def test_an_added_dump_runs_its_shard_and_the_repositories_it_names(run: tuple[Path, Path, list[Repo]]) -> None:
    out, dumps, _repos = run
    more = Events(first_id=36_000_000_000)
    more.add("IssuesEvent", "grace", at(2, 0), {"action": "labeled", "issue": issue_json(
        1, "Empty widgets pages are blank", "Page 3 of nothing shows nothing.", "grace", at(0, 10), ("bug",))},
        repo="octo/widgets")
    more.write(dumps)
    summary = pipeline.run(out, config(archive=[str(dumps)]), [], only=UPTO_REVIEWS)
    assert summary.ok, summary.errors
    assert (summary.ran["events"], summary.reused["events"]) == (1, 2)
    assert load_manifest(out / "events").shards[str(dumps / "2024-01-01-2.json.gz")].counters["events.dumps_read"] == 1
    # Only widgets has events in the new hour: gadgets' shards are reused.
    assert (summary.ran["issues"], summary.reused["issues"]) == (1, 1)
    assert (summary.ran["reviews"], summary.reused["reviews"]) == (1, 1)
    assert by_repo(kept_rows(out, "issues"))["octo/widgets"]["issue_labels"] == ["bug"]


def test_a_corrupt_dump_fails_its_shard_and_the_others_are_kept(run: tuple[Path, Path, list[Repo]]) -> None:
    out, dumps, repos = run
    whole = (dumps / "2024-01-01-0.json.gz").read_bytes()
    cut = dumps / "2024-01-01-23.json.gz"
    cut.write_bytes(whole[: len(whole) // 2])  # an interrupted download
    with (dumps / "2024-01-01-1.json.gz").open("ab") as fh:  # and a malformed line in a dump that reads
        fh.write(gzip.compress(b'{"id":"1","type":"IssuesEvent","payload":{"act\n'))
    summary = pipeline.run(out, config(archive=[str(dumps)]), [], only=UPTO_REVIEWS)

    assert list(summary.errors["events"]) == [str(cut)]
    assert f"{cut}: truncated or corrupt gzip" in summary.errors["events"][str(cut)]
    events = load_manifest(out / "events")
    assert sorted(events.shards) == [str(dumps / "2024-01-01-0.json.gz"), str(dumps / "2024-01-01-1.json.gz")]
    assert (summary.ran["events"], summary.reused["events"]) == (1, 1)  # hour 1 changed; hour 0 was kept
    [bad] = dropped_rows(out, "events")
    assert bad["drop_reason"] == "malformed" and bad["drop_detail"].startswith(f"{dumps / '2024-01-01-1.json.gz'}:")
    # A fold without the lost hour would look complete: every repository's shards fail, naming it.
    repo_ids = sorted(str(r.path.resolve()) for r in repos)
    for stage in ("issues", "reviews"):
        assert sorted(summary.errors[stage]) == repo_ids
        assert all(f"{cut}: truncated or corrupt gzip" in e for e in summary.errors[stage].values())

    cut.unlink()
    fixed = pipeline.run(out, config(archive=[str(dumps)]), [], only=UPTO_REVIEWS)
    assert fixed.ok, fixed.errors
    assert (fixed.ran["events"], fixed.ran["issues"], fixed.ran["reviews"]) == (0, 2, 2)
    assert len(kept_rows(out, "issues")) == 2


def test_editing_issues_or_reviews_reads_no_dump_again() -> None:
    """`events` imports none of what folds or links its rows, so its code version (and its shards) stay."""
    root = Path(codemill.__file__).parent
    closure = module_closure("codemill.stages.events", root)
    assert not closure & {root / "stages/issues.py", root / "stages/reviews.py", root / "github/links.py",
                          root / "github/api.py"}
