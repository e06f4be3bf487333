"""Closing references, issue ↔ pull request links, and pull requests found in real git histories."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from codemill.github.events import Comment, Issue, PullRequest
from codemill.github.links import History, IssuePR, IssueRef, closing_refs, find_closing_refs, hints, link_issues_to_prs

from gitrepo import Repo, git

REPO = "octo-org/widgets"


@pytest.mark.parametrize(("text", "expected"), [
    ("Fixes #7", [7]),
    ("closes: #8", [8]),
    ("RESOLVED #9 in the loader", [9]),
    ("This fix octo-org/widgets#10", [10]),
    ("Fixes Octo-Org/Widgets#10", [10]),
    ("Fixes https://github.com/octo-org/widgets/issues/11", [11]),
    ("Resolves #1, resolves #2 and fixes #1 again", [1, 2]),
    ("Fixes #1, #2", [1]),  # GitHub needs a keyword per issue
    ("Fixes #12.", [12]),
    ("hotfix #3, prefix#4, refs #5, fixes #13abc, fixes #0", []),
    ("Closes other/repo#5", []),
    ("<!-- Fixes #123 when it applies -->\nAdds docs", []),
    ("", []),
])
def test_closing_refs(text: str, expected: list[int]) -> None:
    assert closing_refs(text, REPO) == expected


def test_cross_repository_refs_are_kept_apart() -> None:
    text = ("Closes octo-org/docs#4 and fixes #11; see https://github.com/octo-org/docs/issues/5 "
            "(fixed https://github.com/octo-org/docs/issues/6)")
    assert find_closing_refs(text) == [IssueRef("octo-org/docs", 4), IssueRef(None, 11), IssueRef("octo-org/docs", 6)]
    assert closing_refs(text, REPO) == [11]


def pr(n: int, title: str = "", body: str = "", merged: bool = True, **kw) -> PullRequest:
    return PullRequest(repo=REPO, number=n, title=title, body=body, merged=merged,
                       state="closed" if merged else "open", **kw)


def test_links_keep_merged_prs_and_flag_many_to_many() -> None:
    issues = [Issue(REPO, 7), Issue(REPO, 11), Issue(REPO, 20), Issue(REPO, 12, is_pull_request=True)]
    prs = [pr(8, "Handle empty config files", "Fixes #7"),
           pr(12, "Fix #11: document the config search path"),
           pr(15, "Loader cleanup"),
           pr(16, "Fixes #20", merged=False),
           pr(17, "Fixes #12 and closes #99")]  # #12 is a pull request, #99 is not a known issue
    messages = {15: ["Tidy the loader\n\nFixes #7", "Guard against None\n\ncloses #20"], 16: ["fixes #11"]}
    assert link_issues_to_prs(issues, prs, messages) == [
        IssuePR(REPO, 7, 8, issue_has_several_prs=True),
        IssuePR(REPO, 7, 15, issue_has_several_prs=True, pr_closes_several_issues=True),
        IssuePR(REPO, 11, 12),
        IssuePR(REPO, 20, 15, pr_closes_several_issues=True),
    ]


def test_linking_refuses_mixed_repositories() -> None:
    with pytest.raises(ValueError, match="one repository"):
        link_issues_to_prs([Issue("a/b", 1)], [PullRequest("c/d", 2, merged=True)], {})


@pytest.fixture
def squashed(tmp_path: Path) -> tuple[Repo, dict[str, str]]:
    """Squash-merged history: each PR is one commit on main titled `... (#N)`, and one was reverted."""
    r = Repo(tmp_path / "squash")
    shas = {"base": r.commit("Initial import", {"widgets/config.py": "def load(p):\n    return {}\n"})}
    shas["8"] = r.commit("Handle empty config files (#8)\n\nFixes #7",
                         {"widgets/config.py": "def load(p):\n    return {} if not p else {'p': p}\n"})
    shas["18"] = r.commit("Add TOML support (#18)", {"widgets/toml.py": "X = 1\n"})
    shas["revert"] = r.commit('Revert "Handle empty config files (#8)"\n\nThis reverts commit x.',
                              {"widgets/config.py": "def load(p):\n    return {}\n"})
    return r, shas


def test_merge_commit_sha_on_the_first_parent_line(squashed: tuple[Repo, dict[str, str]]) -> None:
    r, shas = squashed
    found = History(r.path).find(pr(8, merge_commit_sha=shas["8"]))
    assert (found.method, found.commits) == ("merge_sha", (shas["8"],))


def test_squash_suffix_when_the_merge_sha_is_unknown(squashed: tuple[Repo, dict[str, str]]) -> None:
    r, shas = squashed
    history = History(r.path)
    # The API's merge_commit_sha is from before a force-push rewrote main: not in this history.
    found = history.find(pr(8, merge_commit_sha="0" * 40))
    assert (found.method, found.commits) == ("squash_suffix", (shas["8"],))  # not the later revert
    assert history.find(pr(18)).commits == (shas["18"],)
    assert history.find(pr(1)) is None


@pytest.fixture
def merged(tmp_path: Path) -> tuple[Repo, dict[str, str]]:
    """Merge-commit history: PR #9 merged by GitHub's button, #10 by a local merge, #11 never merged."""
    r = Repo(tmp_path / "merge")
    shas = {"base": r.commit("Initial import", {"a.py": "A = 1\n"})}
    r.branch("fix-9")
    shas["9a"] = r.commit("Fall back to defaults", {"a.py": "A = 2\n"})
    shas["9b"] = r.commit("Treat blank files as empty", {"a.py": "A = 3\n"})
    r.checkout("main")
    shas["main2"] = r.commit("Unrelated work on main", {"b.py": "B = 1\n"})
    shas["merge9"] = r.merge("fix-9", "Merge pull request #9 from grace/fix-9\n\nHandle empty config files")
    r.branch("fix-10")
    shas["10"] = r.commit("Speed up the loader", {"c.py": "C = 1\n"})
    r.checkout("main")
    r.commit("More work on main", {"b.py": "B = 2\n"})
    shas["merge10"] = r.merge("fix-10", "Merge branch 'fix-10'")
    r.branch("fix-11")
    shas["11"] = r.commit("Abandoned idea", {"d.py": "D = 1\n"})
    r.checkout("main")
    return r, shas


def test_merge_message_finds_the_merge_commit(merged: tuple[Repo, dict[str, str]]) -> None:
    r, shas = merged
    found = History(r.path).find(pr(9))
    assert (found.method, found.commits) == ("merge_message", (shas["merge9"],))
    assert git(r.path, "rev-parse", f"{shas['merge9']}^2") == shas["9b"]


def test_head_commits_reachable_from_the_branch(merged: tuple[Repo, dict[str, str]]) -> None:
    r, shas = merged
    history = History(r.path, branch="main")
    found = history.find(pr(10, head_sha=shas["10"]))
    assert (found.method, found.commits) == ("head_commits", (shas["10"],))
    found = history.find(pr(9, commits=(shas["9a"], shas["9b"]), merge_commit_sha="f" * 40, title="x"))
    assert found.method == "merge_message"  # the merge message outranks the head commits
    assert history.find(pr(11, head_sha=shas["11"])) is None  # in the clone, but never reached main
    assert history.find(pr(12, head_sha="not-a-sha")) is None


def test_the_branch_can_be_chosen(merged: tuple[Repo, dict[str, str]]) -> None:
    r, shas = merged
    found = History(r.path, branch="fix-11").find(pr(11, head_sha=shas["11"]))
    assert (found.method, found.commits) == ("head_commits", (shas["11"],))


def test_hints_are_the_issue_comments_before_the_first_commit() -> None:
    def at(hour: int) -> datetime:
        return datetime(2024, 9, 17, hour, tzinfo=UTC)

    comments = [Comment(REPO, 7, 3, "ada", "Thanks for the fix!", at(17)),
                Comment(REPO, 7, 1, "linus-t", "Reproduced with an empty file.", at(15)),
                Comment(REPO, 7, 2, "grace", "It is json.loads('') in load_config.", at(16)),
                Comment(REPO, 7, 4, "bot", "no date", None)]
    assert hints(comments, before=at(16)) == "Reproduced with an empty file."
    assert hints(comments, before=at(17)) == "Reproduced with an empty file.\nIt is json.loads('') in load_config."
    assert hints([], before=at(17)) == ""
