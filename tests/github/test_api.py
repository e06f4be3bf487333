"""The REST client against a loopback server replaying recorded api.github.com responses."""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from pathlib import Path

import pytest

from codemill.github.api import GitHubClient, GitHubError, NotFoundError, next_link
from codemill.github.events import PullRequest
from conftest import FakeGitHub, Reply, recorded

REPO = "octo-org/widgets"
ISSUES = "/repos/octo-org/widgets/issues?state=all&per_page=100"
PAGE = "/repositories/618023912/issues?state=all&per_page=100&page={}"
NOW = 1726590600.0  # 2024-09-17T16:30:00Z


def serve_issue_pages(github: FakeGitHub) -> None:
    """Three pages linked the way GitHub links them: next/last on the first, prev/first on the later ones."""
    last = f'<{{base}}{PAGE.format(3)}>; rel="last"'
    first = f'<{{base}}{PAGE.format(1)}>; rel="first"'
    github.add(ISSUES, recorded("issues-page1.json"), etag='W/"p1"',
               headers={"Link": f'<{{base}}{PAGE.format(2)}>; rel="next", {last}'})
    github.add(PAGE.format(2), recorded("issues-page2.json"), etag='W/"p2"',
               headers={"Link": f'<{{base}}{PAGE.format(1)}>; rel="prev", <{{base}}{PAGE.format(3)}>; rel="next", '
                                f'{last}, {first}'})
    github.add(PAGE.format(3), recorded("issues-page3.json"), etag='W/"p3"',
               headers={"Link": f'<{{base}}{PAGE.format(2)}>; rel="prev", {first}'})


def client(github: FakeGitHub, sleeps: list[float] | None = None, **kw) -> GitHubClient:
    record = sleeps.append if sleeps is not None else (lambda s: pytest.fail(f"unexpected sleep({s})"))
    return GitHubClient(base_url=github.base, token=kw.pop("token", "ghp_test"), sleep=record,
                        clock=lambda: NOW, **kw)


def test_issues_follow_link_headers_across_three_pages(github: FakeGitHub) -> None:
    serve_issue_pages(github)
    issues = list(client(github).issues(REPO))
    assert [i.number for i in issues] == [13, 12, 11, 9, 7]
    assert github.paths() == [ISSUES, PAGE.format(2), PAGE.format(3)]
    assert [i.number for i in issues if i.is_pull_request] == [12]
    seven = issues[-1]
    assert seven.title == "Crash on empty config"
    assert seven.labels == ("bug", "confirmed")
    assert seven.state == "closed" and seven.author == "ada"
    assert seven.closed_at == datetime(2024, 9, 17, 16, 20, 2, tzinfo=UTC)
    assert seven.created_at is not None and seven.created_at.utcoffset().total_seconds() == 0


def test_requests_carry_github_headers(github: FakeGitHub) -> None:
    github.add("/repos/octo-org/widgets/pulls/8", recorded("pull-8.json"))
    client(github, token="ghp_abc").pull(REPO, 8)
    headers = github.requests[0][1]
    assert headers["Authorization"] == "Bearer ghp_abc"
    assert headers["Accept"] == "application/vnd.github+json"
    assert headers["X-GitHub-Api-Version"] == "2022-11-28"
    assert headers["User-Agent"].startswith("codemill")


def test_token_comes_from_the_environment(github: FakeGitHub, monkeypatch: pytest.MonkeyPatch) -> None:
    github.add("/repos/octo-org/widgets/pulls/8", recorded("pull-8.json"))
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    monkeypatch.setenv("GH_TOKEN", "gho_from_cli")
    GitHubClient(base_url=github.base).pull(REPO, 8)
    monkeypatch.delenv("GH_TOKEN")
    GitHubClient(base_url=github.base).pull(REPO, 8)
    assert github.requests[0][1]["Authorization"] == "Bearer gho_from_cli"
    assert "Authorization" not in github.requests[1][1]


def test_since_is_sent_as_utc_iso(github: FakeGitHub) -> None:
    github.add("/repos/octo-org/widgets/issues?state=all&since=2024-09-10T00%3A00%3A00Z&per_page=100", "[]")
    assert list(client(github).issues(REPO, since=datetime(2024, 9, 10, tzinfo=UTC))) == []


def test_pull_and_its_commits_and_comments(github: FakeGitHub) -> None:
    github.add("/repos/octo-org/widgets/pulls/8", recorded("pull-8.json"))
    github.add("/repos/octo-org/widgets/pulls/8/commits?per_page=100", recorded("pull-8-commits.json"))
    github.add("/repos/octo-org/widgets/issues/7/comments?per_page=100", recorded("issue-7-comments.json"))
    github.add("/repos/octo-org/widgets/pulls/8/comments?per_page=100", recorded("pull-8-comments.json"))
    gh = client(github)
    pr = gh.pull(REPO, 8)
    assert (pr.merged, pr.state, pr.author, pr.base_ref) == (True, "closed", "grace", "main")
    assert pr.merge_commit_sha == "a9993e364706816aba3e25717850c26c9cd0d89d"
    assert pr.head_sha == "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"
    assert pr.merged_at == datetime(2024, 9, 17, 16, 20, tzinfo=UTC)
    commits = gh.pull_commits(REPO, 8)
    assert [c.sha[:7] for c in commits] == ["3f78685", "e69de29"]
    assert commits[1].message == "Treat whitespace-only config as empty\n\nFixes #7"
    assert commits[0].authored_at == datetime(2024, 9, 17, 15, 38, tzinfo=UTC)
    comments = gh.issue_comments(REPO, 7)
    assert [(c.number, c.author) for c in comments] == [(7, "linus-t"), (7, "ada")]
    first, reply = gh.review_comments(REPO, 8)
    assert (first.path, first.line, first.in_reply_to) == ("widgets/config.py", 13, None)
    assert first.diff_hunk.startswith("@@ -10,7 +10,9 @@ def load_config(path):")
    assert first.commit_id == first.original_commit_id == "3f786850e387550fdab836ed7e6dc881de23001b"
    assert reply.in_reply_to == first.id and reply.author == "grace"


def test_list_of_pulls_reads_merged_from_merged_at(github: FakeGitHub) -> None:
    github.add("/repos/octo-org/widgets/pulls?state=all&per_page=100", recorded("pulls.json"))
    pulls = list(client(github).pulls(REPO))
    assert [(p.number, p.merged) for p in pulls] == [(8, True), (10, False)]
    assert all(isinstance(p, PullRequest) for p in pulls)


def test_unchanged_pages_come_back_304_from_the_cache(github: FakeGitHub, tmp_path: Path) -> None:
    serve_issue_pages(github)
    first = list(client(github, cache_dir=tmp_path / "cache").issues(REPO))
    again = client(github, cache_dir=tmp_path / "cache")
    second = list(again.issues(REPO))
    assert second == first
    assert [h.get("If-None-Match") for _, h in github.requests[3:]] == ['W/"p1"', 'W/"p2"', 'W/"p3"']
    assert again.stats.not_modified == 3


def test_an_interrupted_crawl_resumes_from_cached_pages(github: FakeGitHub, tmp_path: Path) -> None:
    serve_issue_pages(github)
    github.routes[PAGE.format(3)].before = [Reply(502, recorded("error-502.json"))] * 2
    sleeps: list[float] = []
    seen = []
    with pytest.raises(GitHubError, match="gave up after 2 attempts"):
        for issue in client(github, sleeps, cache_dir=tmp_path / "cache", max_retries=1).issues(REPO):
            seen.append(issue.number)
    assert seen == [13, 12, 11, 9]
    resumed = client(github, cache_dir=tmp_path / "cache")
    assert [i.number for i in resumed.issues(REPO)] == [13, 12, 11, 9, 7]
    assert resumed.stats.not_modified == 2  # pages 1 and 2 were not fetched again


def test_primary_rate_limit_sleeps_until_the_reset(github: FakeGitHub) -> None:
    limited = {"X-RateLimit-Limit": "5000", "X-RateLimit-Remaining": "0", "X-RateLimit-Used": "5000",
               "X-RateLimit-Reset": str(int(NOW) + 120), "X-RateLimit-Resource": "core"}
    github.add("/repos/octo-org/widgets/pulls/8", recorded("pull-8.json"),
               before=[Reply(403, recorded("error-rate-limit.json"), limited)])
    sleeps: list[float] = []
    pr = client(github, sleeps).pull(REPO, 8)
    assert sleeps == [121.0]
    assert pr.number == 8 and len(github.requests) == 2


def test_secondary_rate_limit_waits_for_retry_after(github: FakeGitHub) -> None:
    github.add("/repos/octo-org/widgets/pulls/8", recorded("pull-8.json"),
               before=[Reply(429, b'{"message": "You have exceeded a secondary rate limit."}', {"Retry-After": "30"})])
    sleeps: list[float] = []
    assert client(github, sleeps).pull(REPO, 8).number == 8
    assert sleeps == [30.0]


def test_a_403_that_is_not_a_rate_limit_is_an_error(github: FakeGitHub) -> None:
    github.add("/repos/octo-org/widgets/pulls/8", recorded("pull-8.json"),
               before=[Reply(403, b'{"message": "Resource not accessible by personal access token"}',
                             {"X-RateLimit-Remaining": "4999"})])
    with pytest.raises(GitHubError, match="Resource not accessible"):
        client(github).pull(REPO, 8)


def test_server_errors_are_retried_with_exponential_backoff(github: FakeGitHub) -> None:
    bad = Reply(502, recorded("error-502.json"))
    github.add("/repos/octo-org/widgets/pulls/8", recorded("pull-8.json"), before=[bad, bad])
    sleeps: list[float] = []
    assert client(github, sleeps, backoff_s=0.5).pull(REPO, 8).title == "Handle empty config files"
    assert sleeps == [0.5, 1.0]


def test_retries_are_bounded(github: FakeGitHub) -> None:
    github.add("/repos/octo-org/widgets/pulls/8", recorded("pull-8.json"), before=[Reply(503)] * 10)
    sleeps: list[float] = []
    with pytest.raises(GitHubError, match="503"):
        client(github, sleeps, max_retries=3).pull(REPO, 8)
    assert sleeps == [1.0, 2.0, 4.0]


def test_connection_errors_are_retried(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    sleeps: list[float] = []
    gh = GitHubClient(base_url=f"http://127.0.0.1:{port}", token="", sleep=sleeps.append, max_retries=2)
    with pytest.raises(GitHubError, match="gave up after 3 attempts"):
        gh.pull(REPO, 8)
    assert sleeps == [1.0, 2.0]


def test_404_names_what_was_missing(github: FakeGitHub) -> None:
    with pytest.raises(NotFoundError) as info:
        client(github).pull(REPO, 404)
    assert info.value.status == 404
    assert f"{github.base}/repos/octo-org/widgets/pulls/404" in str(info.value)
    assert "does not exist, or the token cannot see it" in str(info.value)


def test_next_links_to_another_host_are_not_followed(github: FakeGitHub) -> None:
    github.add(ISSUES, recorded("issues-page3.json"),
               headers={"Link": '<https://elsewhere.example/steal?page=2>; rel="next"'})
    with pytest.raises(GitHubError, match="not on"):
        list(client(github).issues(REPO))
    assert len(github.requests) == 1


def test_next_link_parsing() -> None:
    header = ('<https://api.github.com/repositories/1/issues?page=1>; rel="prev", '
              '<https://api.github.com/repositories/1/issues?page=3>; rel="next", '
              '<https://api.github.com/repositories/1/issues?page=5>; rel="last"')
    assert next_link(header) == "https://api.github.com/repositories/1/issues?page=3"
    assert next_link('<https://api.github.com/x?page=1>; rel="first"') is None
    assert next_link(None) is None


def test_repo_must_be_owner_slash_name(github: FakeGitHub) -> None:
    with pytest.raises(ValueError, match="owner/name"):
        client(github).pull("../../admin", 1)
