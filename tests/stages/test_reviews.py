"""The `reviews` stage and its `review` pairs: GH Archive review comments on `octo/widgets`, answered by later
commits of the pull request in a real clone.

#5 is merged by the button: its branch has commit A (adds `after`), a review comment on A's hunk, commit B
(changes `after` as asked), then `Merge pull request #5` on main. #6 is never merged; #7 is squash-merged, so
its own commits are not in the clone. The loopback API (test_issues's `api` fixture) lists the same PRs' commits.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_issues import (
    GH,
    Events,
    FakeAPI,
    api,  # noqa: F401  (a fixture, used by name)
    at,
    config,
    pull_commit,
    pull_json,
    pull_stub,
    user,
)

from codemill import pipeline
from codemill.engine.manifest import load_manifest
from codemill.ids import stable_id
from codemill.stages.reviews import SCHEMA

from gitrepo import MIT, Repo, git
from readback import dropped_rows, kept_rows

HUNK_A = "@@ -0,0 +1,2 @@\n+def after(xs, cursor):\n+    return [x for x in xs if x > cursor]"


@pytest.fixture
def widgets(tmp_path: Path) -> tuple[Repo, dict[str, str]]:
    """Commits at 01:00, 02:00, ... UTC (gitrepo's clock): init, A, B, the README, the merge of #5, #7's squash."""
    r = Repo(tmp_path / "widgets")
    git(r.path, "remote", "add", "origin", "https://github.com/octo/widgets.git")
    shas = {"init": r.commit("Add the pager", {"LICENSE": MIT, "widgets/pages.py": "def page(xs, n):\n"
                                                                                    "    return xs[0:n]\n"})}
    r.branch("cursor")
    shas["A"] = r.commit("Add a cursor filter", {"widgets/cursor.py": "def after(xs, cursor):\n"
                                                                      "    return [x for x in xs if x > cursor]\n"})
    shas["B"] = r.commit("Accept a missing cursor", {"widgets/cursor.py": (
        "def after(xs, cursor=None):\n"
        "    return list(xs) if cursor is None else [x for x in xs if x > cursor]\n")})
    r.checkout("main")
    r.commit("Document paging", {"README.md": "# widgets\n\nPages and cursors.\n"})
    shas["5"] = r.merge("cursor", "Merge pull request #5 from ada/cursor\n\nAdd a cursor filter")
    shas["7"] = r.commit("Cap the page size (#7)", {"widgets/pages.py": "def page(xs, n):\n"
                                                                         "    return xs[0:min(n, 100)]\n"})
    return r, shas


def review_comment(cid: int, author: str, body: str, created: str, path: str, hunk: str, commit: str,
                   line: int | None, reply_to: int | None = None) -> dict:
    """A pull request review comment as PullRequestReviewCommentEvent and the REST API carry it."""
    obj = {"url": f"https://api.github.com/repos/{GH}/pulls/comments/{cid}", "pull_request_review_id": cid + 1000,
           "id": cid, "node_id": f"PRRC_kwDO{cid}", "diff_hunk": hunk, "path": path, "position": 2,
           "original_position": 2, "commit_id": commit, "original_commit_id": commit, "user": user(author),
           "body": body, "created_at": created, "updated_at": created,
           "html_url": f"https://github.com/{GH}/pull/5#discussion_r{cid}",
           "pull_request_url": f"https://api.github.com/repos/{GH}/pulls/5", "author_association": "MEMBER",
           "start_line": None, "original_start_line": None, "start_side": None, "line": line,
           "original_line": line or 2, "side": "RIGHT", "subject_type": "line"}
    if reply_to is not None:
        obj["in_reply_to_id"] = reply_to
    return obj


def widgets_events(shas: dict[str, str]) -> Events:
    ev = Events()
    five = pull_json(5, "Add a cursor filter", "Filter items after a cursor.", "ada", at(2, 10),
                     ("cursor", shas["A"]), "main")
    ev.add("PullRequestEvent", "ada", at(2, 10), {"action": "opened", "number": 5, "pull_request": five})

    def comment(c: dict, created: str, pr: dict = five, who: str = "grace") -> None:
        ev.add("PullRequestReviewCommentEvent", who, created, {"action": "created", "comment": c, "pull_request": pr})

    comment(review_comment(9001, "grace", "A missing cursor should return every item, not raise.", at(2, 30),
                           "widgets/cursor.py", HUNK_A, shas["A"], 2), at(2, 30))
    comment(review_comment(9002, "ada", "Good point, doing that now.", at(2, 40), "widgets/cursor.py", HUNK_A,
                           shas["A"], 2, reply_to=9001), at(2, 40), who="ada")
    # After B: nothing later on the branch touches the file.
    comment(review_comment(9003, "grace", "Maybe rename `xs` to `items` later?", at(3, 30), "widgets/cursor.py",
                           HUNK_A, shas["B"], 1), at(3, 30))
    ev.add("PullRequestEvent", "linus-t", at(5, 0), {"action": "merged", "number": 5,
                                                    "pull_request": pull_stub(5, ("cursor", shas["B"]), "main")})
    six = pull_json(6, "Rewrite the pager", "", "bob", at(4, 0), ("rewrite", "d" * 40), "main")
    ev.add("PullRequestEvent", "bob", at(4, 0), {"action": "opened", "number": 6, "pull_request": six})
    comment(review_comment(9004, "grace", "This drops the bounds check.", at(4, 10), "widgets/pages.py",
                           "@@ -1,2 +1,2 @@", "d" * 40, 2), at(4, 10), pr=six)
    seven = pull_json(7, "Cap the page size", "", "ada", at(4, 20), ("cap", "e" * 40), "main")
    ev.add("PullRequestEvent", "ada", at(4, 20), {"action": "opened", "number": 7, "pull_request": seven})
    comment(review_comment(9005, "grace", "100 should be a setting.", at(4, 30), "widgets/pages.py",
                           "@@ -1,2 +1,2 @@", "e" * 40, 2), at(4, 30), pr=seven)
    ev.add("PullRequestEvent", "linus-t", at(6, 0), {"action": "merged", "number": 7,
                                                    "pull_request": pull_stub(7, ("cap", "e" * 40), "main")})
    return ev


def test_review_comments_become_review_pairs_through_the_whole_pipeline(
        tmp_path: Path, widgets: tuple[Repo, dict[str, str]]) -> None:
    repo, shas = widgets
    dumps = widgets_events(shas).write(tmp_path / "gharchive")
    out = tmp_path / "run"
    summary = pipeline.run(out, config(archive=[str(dumps)]), [str(repo.path)])
    assert summary.ok, summary.errors
    repo_id = str(repo.path.resolve())

    [row] = kept_rows(out, "reviews")
    assert set(row) == set(SCHEMA.names)
    assert row["review_id"] == stable_id("review", repo_id, "9001")
    assert (row["pr_number"], row["pr_title"], row["comment_id"], row["path"]) == (
        5, "Add a cursor filter", 9001, "widgets/cursor.py")
    assert (row["answer_sha"], row["answer_match"]) == (shas["B"], "lines")  # B, not A (before) nor the merge
    assert row["answer_diff"].startswith("diff --git a/widgets/cursor.py b/widgets/cursor.py\n")
    assert "+    return list(xs) if cursor is None else [x for x in xs if x > cursor]\n" in row["answer_diff"]
    assert "-    return [x for x in xs if x > cursor]\n" in row["answer_diff"]
    assert (row["diff_hunk"], row["author"]) == (HUNK_A, "grace")

    dropped = {r["comment_id"]: (r["drop_reason"], r["drop_detail"]) for r in dropped_rows(out, "reviews")}
    assert dropped == {
        9002: ("reply", "in reply to 9001"),
        9003: ("no_follow_up", "no commit of #5 after the comment changes widgets/cursor.py"),
        9004: ("pr_not_merged", "#6 is open"),
        9005: ("commit_missing", "#7 landed as one commit (squash_suffix): its own commits are gone"),
    }
    totals = load_manifest(out / "reviews").totals()
    assert (totals["in"], totals["kept"], totals["dropped"]) == (5, 1, 4)

    [pair] = [p for p in kept_rows(out, "pairs") + dropped_rows(out, "pairs") if p["kind"] == "review"]
    assert pair["pair_id"] == stable_id("pair", "review", repo_id, "9001")
    assert pair.get("drop_reason") is None  # kept
    assert (pair["category"], pair["category_rule"]) == ("code_review", "kind")
    assert pair["instruction"] == (
        "Add a cursor filter\n\nReview comment on `widgets/cursor.py`:\n\n"
        f"```diff\n{HUNK_A}\n```\n\nA missing cursor should return every item, not raise.")
    assert pair["response"] == row["answer_diff"]
    assert (pair["commit_sha"], pair["paths"], pair["languages"]) == (shas["B"], ["widgets/cursor.py"], ["Python"])
    assert (pair["n_files"], pair["added"], pair["deleted"], pair["license"]) == (1, 2, 2, "MIT")
    assert pair["commit_id"] == stable_id("commit", repo_id, shas["B"])
    pairs_keys = set(load_manifest(out / "pairs").shards)
    assert f"{repo_id}#reviews" in pairs_keys

    again = pipeline.run(out, config(archive=[str(dumps)]), [])
    assert again.ok and again.ran["reviews"] == 0 and again.ran["pairs"] == 0


def test_a_secret_in_a_review_comment_is_redacted(tmp_path: Path, widgets: tuple[Repo, dict[str, str]]) -> None:
    repo, shas = widgets
    ev = widgets_events(shas)
    five = pull_json(5, "Add a cursor filter", "", "ada", at(2, 10), ("cursor", shas["A"]), "main")
    ev.add("PullRequestReviewCommentEvent", "grace", at(2, 50), {"action": "created", "pull_request": five,
                                                                "comment": review_comment(
        9010, "grace", "Mail me at grace.hopper@fastmail.fm if the cursor is unclear.", at(2, 50),
        "widgets/cursor.py", HUNK_A, shas["A"], 2)})
    out = tmp_path / "run"
    summary = pipeline.run(out, config(archive=[str(ev.write(tmp_path / "gh"))]), [str(repo.path)],
                           only=["sources", "repos", "commits", "events", "issues", "reviews", "pairs"])
    assert summary.ok, summary.errors
    pair = next(p for p in kept_rows(out, "pairs") if p["pair_id"] == stable_id(
        "pair", "review", str(repo.path.resolve()), "9010"))
    assert "grace.hopper@fastmail.fm" not in pair["instruction"] and pair["redacted"] == ["EMAIL"]
    assert pair["commit_sha"] == shas["B"]


def test_the_api_lists_the_pull_requests_own_commits(tmp_path: Path, widgets: tuple[Repo, dict[str, str]],
                                                      api: FakeAPI, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    repo, shas = widgets
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    monkeypatch.delenv("GH_TOKEN", raising=False)
    q = "per_page=100"
    api.add(f"/repos/{GH}/pulls?state=all&{q}", [
        pull_json(5, "Add a cursor filter", "", "ada", at(2, 10), ("cursor", shas["B"]), "main",
                  merged_at=at(5, 0), merge_sha=shas["5"], state="closed"),
        pull_json(7, "Cap the page size", "", "ada", at(4, 20), ("cap", "e" * 40), "main",
                  merged_at=at(6, 0), merge_sha=shas["7"], state="closed"),
    ])
    api.add(f"/repos/{GH}/pulls/5/commits?{q}", [pull_commit(shas["A"], "Add a cursor filter", at(2, 0)),
                                                 pull_commit(shas["B"], "Accept a missing cursor", at(3, 0))])
    api.add(f"/repos/{GH}/pulls/5/comments?{q}", [
        review_comment(9001, "grace", "A missing cursor should return every item.", at(2, 30), "widgets/cursor.py",
                       HUNK_A, shas["A"], 2),
        review_comment(9002, "ada", "Done.", at(2, 40), "widgets/cursor.py", HUNK_A, shas["A"], 2, reply_to=9001)])
    api.add(f"/repos/{GH}/pulls/7/commits?{q}", [pull_commit("e" * 40, "Cap the page size", at(4, 0))])
    api.add(f"/repos/{GH}/pulls/7/comments?{q}", [
        review_comment(9005, "grace", "100 should be a setting.", at(4, 30), "widgets/pages.py", "@@ -1,2 +1,2 @@",
                       "e" * 40, 2)])
    cfg = config(api=True, api_base_url=api.base, api_cache_dir=str(tmp_path / "cache"))
    summary = pipeline.run(tmp_path / "run", cfg, [str(repo.path)], only=["sources", "repos", "events", "reviews"])
    assert summary.ok, summary.errors

    [row] = kept_rows(tmp_path / "run", "reviews")
    assert (row["comment_id"], row["answer_sha"], row["answer_match"]) == (9001, shas["B"], "lines")
    dropped = {r["comment_id"]: (r["drop_reason"], r["drop_detail"]) for r in dropped_rows(tmp_path / "run", "reviews")}
    assert dropped == {9002: ("reply", "in reply to 9001"),
                       9005: ("commit_missing", "none of the 1 commits of #7 is in the clone")}
