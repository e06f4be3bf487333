"""`issues`: GitHub issues and the merged pull requests that closed them, each found in the clone's history.

One shard per kept repository with a github.com identity: its `url`/`web_url`, or else the `origin` remote of
the local clone (a local clone of a GitHub repository says where it came from; a fork's origin is the fork, so
its issues are read from there). Other repositories, and every repository when `[issues]` gives neither
`archive` nor `api`, contribute nothing.

History comes from GH Archive dumps (`archive`, each read once per run by the `events` stage; the shard folds
its repository's rows) and/or the REST API (`api`; where both know a record the API's is taken, being the later
state). A pull request's closing references are read from its title and body, plus
its commit messages when the API is on (the archive has none). Each link becomes a row, kept when the pull
request's change is on the default branch's first-parent line, else dropped: `pr_not_on_branch` (merged into
another branch, or never landed), `commit_missing` (the merge commit is absent from the clone, or the merge is
newer than the clone's tip: the clone predates it; re-clone to get it).

The shard's input digest covers the repository row and its `events` rows (and the dumps `events` could not
read, which fail the shard), never the API: API answers are taken as of the first run, and a re-run asks again
only when the repository, its events or the config change (the conditional-request cache then makes unchanged
pages free).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import ClassVar

import pyarrow as pa
import pygit2

from codemill.config import IssuesConfig
from codemill.engine.reads import ROWS, Reads
from codemill.engine.stage import PlanContext, Shard, ShardOutput, Stage, read_part
from codemill.github.api import GitHubClient
from codemill.github.archive import ArchiveData, ArchiveReport, fold_unique
from codemill.github.events import Comment, Issue, PullRequest
from codemill.github.identity import github_identity
from codemill.github.links import History, IssuePR, hints, link_issues_to_prs
from codemill.ids import digest_json, stable_id
from codemill.stages.events import RepoEvents, event_index, read_repo_events
from codemill.tracebacks import has_traceback

SCHEMA = pa.schema([
    ("link_id", pa.string()),
    ("repo_id", pa.string()),
    ("repo_name", pa.string()),
    ("issue_number", pa.int64()),
    ("issue_title", pa.string()),
    ("issue_body", pa.large_string()),
    ("issue_labels", pa.list_(pa.string())),
    ("issue_created_at", pa.timestamp("s", tz="UTC")),
    ("issue_author", pa.string()),
    ("hints", pa.large_string()),  # issue comments before the PR's first commit (else before the PR was opened)
    ("pr_number", pa.int64()),
    ("pr_title", pa.string()),
    ("pr_body", pa.large_string()),
    ("pr_labels", pa.list_(pa.string())),
    ("pr_merged_at", pa.timestamp("s", tz="UTC")),
    ("commit_shas", pa.list_(pa.string())),  # the PR's change on the branch, oldest first
    ("link_method", pa.string()),  # merge_sha | squash_suffix | merge_message | head_commits
    ("issue_has_several_prs", pa.bool_()),
    ("pr_closes_several_issues", pa.bool_()),
    ("has_traceback", pa.bool_()),
])

REPO_COLUMNS = ["repo_id", "repo_name", "location", "head", "default_branch", "url", "web_url"]


@dataclass(frozen=True)
class GitHubRepo:
    """A shard of `issues` or `reviews`: the repository's row, its `owner/name` and, with `archive`, its events."""

    row: dict
    gh: str
    events: RepoEvents | None


def github_shards(ctx: PlanContext, cfg: IssuesConfig) -> list[Shard]:
    """One shard per kept repository with a github.com identity; its digest covers the row (a moved head re-runs
    it), the repository's own `events` rows (an hour without them re-runs nothing) and the API. None without
    sources."""
    if not cfg.archive and not cfg.api:
        return []
    index = event_index(ctx) if cfg.archive else None
    api = [cfg.api, cfg.api_base_url if cfg.api else None]
    shards = []
    for _key, art in ctx.kept_parts("repos"):
        for row in read_part(ctx.run_dir, art, REPO_COLUMNS).to_pylist():
            if (gh := github_identity(row)) is not None:
                events = index.of(gh) if index is not None else None
                digest = digest_json([row, gh, api, events.digest if events else None])
                shards.append(Shard(row["repo_id"], digest, GitHubRepo(row, gh, events)))
    return shards


def archive_data(run_dir: Path, events: RepoEvents, gh: str) -> ArchiveData:
    """The repository's history folded from its `events` rows, as `read_archive` folds the dumps."""
    found = read_repo_events(run_dir, events, gh)  # a dump that could not be read raises, naming it
    return fold_unique(found, ArchiveReport(events=len(found)))


class IssuesStage(Stage):
    name = "issues"
    upstream = ("repos", "events")
    reads: ClassVar[Reads] = {"repos": REPO_COLUMNS, "events": ROWS}
    schema = SCHEMA
    id_column = "link_id"

    section: IssuesConfig

    def plan(self, ctx: PlanContext) -> list[Shard]:
        return github_shards(ctx, self.section)

    def run(self, shard: Shard, out: ShardOutput) -> None:
        job: GitHubRepo = shard.payload
        row, gh = job.row, job.gh
        cfg = self.section
        issues: dict[int, Issue] = {}
        pulls: dict[int, PullRequest] = {}
        comments: dict[int, Comment] = {}
        messages: dict[int, list[str]] = {}
        first_commit: dict[int, datetime] = {}
        if job.events is not None:
            data = archive_data(out.run_dir, job.events, gh)
            out.count("archive.events", data.report.events)
            out.count("archive.duplicates", data.report.duplicates)
            issues.update((i.number, i) for i in data.issues)
            pulls.update((p.number, p) for p in data.pulls)
            comments.update((c.id, c) for c in data.comments if c.kind == "issue")
        client = None
        if cfg.api:
            client = GitHubClient(cfg.api_base_url, cache_dir=Path(cfg.api_cache_dir).expanduser())
            if not client.token:
                out.count("api.unauthenticated")  # public repositories still answer, at 60 requests an hour
            issues.update((i.number, i) for i in client.issues(gh))
            pulls.update((p.number, p) for p in client.pulls(gh))
            for n, pr in sorted(pulls.items()):
                if pr.merged:
                    commits = client.pull_commits(gh, n)
                    messages[n] = [c.message for c in commits]
                    pulls[n] = replace(pr, commits=tuple(c.sha for c in commits))
                    if times := [c.authored_at for c in commits if c.authored_at]:
                        first_commit[n] = min(times)
        links = link_issues_to_prs(issues.values(), pulls.values(), messages)
        if client is not None:
            for n in sorted({link.issue for link in links}):
                comments.update((c.id, c) for c in client.issue_comments(gh, n))
            stats = client.stats
            out.count("api.requests", stats.requests)
            out.count("api.not_modified", stats.not_modified)
            out.count("api.retries", stats.retries)
            out.count("api.rate_limit_waits", stats.rate_limit_waits)
        branch = row["default_branch"]
        history = History(row["location"], None if branch in (None, "HEAD") else branch)
        by_issue: dict[int, list[Comment]] = {}
        for c in comments.values():
            by_issue.setdefault(c.number, []).append(c)
        for link in links:
            pr = pulls[link.pr]
            before = first_commit.get(link.pr) or pr.created_at or pr.merged_at
            text = hints(by_issue.get(link.issue, []), before) if before else ""
            record = self._row(row, issues[link.issue], pr, link, text)
            found = history.find(pr)
            if found is not None:
                out.keep({**record, "commit_shas": list(found.commits), "link_method": found.method})
            else:
                out.drop(record, *self._not_found(history, pr, branch))

    @staticmethod
    def _row(repo: dict, issue: Issue, pr: PullRequest, link: IssuePR, text: str) -> dict:
        return {
            "link_id": stable_id("issue_pr", repo["repo_id"], str(issue.number), str(pr.number)),
            "repo_id": repo["repo_id"],
            "repo_name": repo["repo_name"],
            "issue_number": issue.number,
            "issue_title": issue.title,
            "issue_body": issue.body,
            "issue_labels": list(issue.labels),
            "issue_created_at": issue.created_at,
            "issue_author": issue.author,
            "hints": text,
            "pr_number": pr.number,
            "pr_title": pr.title,
            "pr_body": pr.body,
            "pr_labels": list(pr.labels),
            "pr_merged_at": pr.merged_at,
            "commit_shas": [],
            "link_method": None,
            "issue_has_several_prs": link.issue_has_several_prs,
            "pr_closes_several_issues": link.pr_closes_several_issues,
            "has_traceback": has_traceback(issue.body, text),
        }

    @staticmethod
    def _not_found(history: History, pr: PullRequest, branch: str | None) -> tuple[str, str]:
        """Why a merged PR is not in the history: a stale clone (`commit_missing`) or another branch."""
        if pr.base_ref and branch not in (None, "HEAD") and pr.base_ref != branch:
            return "pr_not_on_branch", f"merged into {pr.base_ref}, not {branch}"
        sha = pr.merge_commit_sha
        if sha and re.fullmatch(r"[0-9a-f]{40}", sha) and pygit2.Oid(hex=sha) not in history.repo:
            return "commit_missing", f"merge commit {sha} is not in the clone"
        tip_time = history.repo[history.tip].commit_time
        if pr.merged_at and pr.merged_at.timestamp() > tip_time:
            return "commit_missing", f"merged at {pr.merged_at.isoformat()}, after the clone's tip {history.tip[:12]}"
        return "pr_not_on_branch", f"no commit of #{pr.number} on the first-parent line of {branch}"
