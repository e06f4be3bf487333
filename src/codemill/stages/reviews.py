"""`reviews`: a pull request's review comment on a line of its diff, and the later commit of that pull request
that answered it.

Same shards, identities and sources as `issues` (and its `[issues]` section): one shard per kept repository
with a github.com identity. Review comments come from GH Archive's `PullRequestReviewCommentEvent`s (the
repository's `events` rows) and/or the REST API (asked only for merged pull requests). The pull request's own
commits are the API's list when the API is on, else the second-parent side of its merge commit in the clone
(`Merge pull request #N`, or the merge sha): a squash- or rebase-merged pull request's own commits are not in
the clone.

The answer is the first of those commits made (committer time) after the comment that changes the commented
file, preferring one whose hunks come within `NEAR_LINES` of the commented line (`answer_match` says which);
its response is that file's patch against the commit's first parent, as libgit2 writes it with the
`[commits]` context and rename settings, so it reads like a commit pair's diff.

Drops: `reply` (a reply in a thread: the thread's first comment is the request), `pr_not_merged` (the change
was never accepted, or the data never saw the merge), `commit_missing` (the pull request's commits are not in
the clone), `no_follow_up` (no later commit of the pull request touches the file).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

import pyarrow as pa
import pygit2

from codemill.config import CommitsConfig, IssuesConfig
from codemill.engine.reads import ROWS, Reads
from codemill.engine.stage import PlanContext, Shard, ShardOutput, Stage
from codemill.git.message import decode_text
from codemill.github.api import GitHubClient
from codemill.github.events import PullRequest, ReviewComment
from codemill.github.links import History
from codemill.ids import stable_id
from codemill.stages.issues import REPO_COLUMNS, GitHubRepo, archive_data, github_shards

SCHEMA = pa.schema([
    ("review_id", pa.string()),
    ("repo_id", pa.string()),
    ("repo_name", pa.string()),
    ("pr_number", pa.int64()),
    ("pr_title", pa.string()),
    ("comment_id", pa.int64()),
    ("path", pa.string()),
    ("line", pa.int64()),  # the commented line in the file as the reviewer saw it; null on an outdated comment
    ("diff_hunk", pa.large_string()),  # the diff context GitHub showed the reviewer
    ("body", pa.large_string()),
    ("author", pa.string()),
    ("created_at", pa.timestamp("s", tz="UTC")),
    ("answer_sha", pa.string()),
    ("answer_diff", pa.large_string()),  # the answer commit's patch of `path` only
    ("answer_diff_lossy", pa.bool_()),  # the patch was not valid UTF-8 and was decoded with replacements
    ("answer_match", pa.string()),  # lines (hunks near the commented line) | file (elsewhere in the file)
    ("answer_committed_at", pa.timestamp("s", tz="UTC")),
    ("answer_author_id", pa.string()),  # pseudonymous, as in `pairs`: never the email itself
])

# How far (in lines, either side) a hunk of the answer may be from the commented line to count as answering it.
NEAR_LINES = 10
MERGE_LINKS = ("merge_sha", "merge_message")  # History methods that name a merge commit whose 2nd parent is the PR


@dataclass(frozen=True)
class Answer:
    sha: str
    diff: str
    lossy: bool
    match: str
    committed_at: datetime
    author_id: str


class ReviewsStage(Stage):
    name = "reviews"
    upstream = ("repos", "events")
    reads: ClassVar[Reads] = {"repos": REPO_COLUMNS, "events": ROWS}
    section_name = "issues"  # the same GitHub sources as `issues`
    also_reads = ("commits",)  # diff context and rename detection, so answers read like commit pairs
    schema = SCHEMA
    id_column = "review_id"

    section: IssuesConfig

    def plan(self, ctx: PlanContext) -> list[Shard]:
        return github_shards(ctx, self.section)

    def run(self, shard: Shard, out: ShardOutput) -> None:
        job: GitHubRepo = shard.payload
        row, gh = job.row, job.gh
        cfg = self.section
        pulls: dict[int, PullRequest] = {}
        comments: dict[int, ReviewComment] = {}
        pr_commits: dict[int, list[str]] = {}  # from the API: the PR's own commits, oldest first
        if job.events is not None:
            data = archive_data(out.run_dir, job.events, gh)
            pulls.update((p.number, p) for p in data.pulls)
            comments.update((c.id, c) for c in data.review_comments)
        if cfg.api:
            client = GitHubClient(cfg.api_base_url, cache_dir=Path(cfg.api_cache_dir).expanduser())
            pulls.update((p.number, p) for p in client.pulls(gh))
            for n, pr in sorted(pulls.items()):
                if pr.merged:
                    pr_commits[n] = [c.sha for c in client.pull_commits(gh, n)]
                    comments.update((c.id, c) for c in client.review_comments(gh, n))
            out.count("api.requests", client.stats.requests)
            out.count("api.not_modified", client.stats.not_modified)
        branch = row["default_branch"]
        history = History(row["location"], None if branch in (None, "HEAD") else branch)
        commits_cfg: CommitsConfig = self.config.section("commits")
        own: dict[int, list[str] | tuple[str, str]] = {}  # PR -> its commits in the clone, or (drop reason, detail)
        for c in sorted(comments.values(), key=lambda c: (c.number, c.id)):
            pr = pulls.get(c.number)
            record = self._row(row, c, pr)
            if c.in_reply_to is not None:
                out.drop(record, "reply", f"in reply to {c.in_reply_to}")
                continue
            if pr is None or not pr.merged:
                out.drop(record, "pr_not_merged", f"#{c.number} is {'unknown' if pr is None else pr.state}")
                continue
            if c.number not in own:
                own[c.number] = _pr_commits(history, pr, pr_commits.get(c.number))
            shas = own[c.number]
            if isinstance(shas, tuple):
                out.drop(record, *shas)
                continue
            answer = _answer(history.repo, shas, c, commits_cfg)
            if answer is None:
                out.drop(record, "no_follow_up", f"no commit of #{c.number} after the comment changes {c.path}")
                continue
            out.count(f"answer_match.{answer.match}")
            out.keep({**record, "answer_sha": answer.sha, "answer_diff": answer.diff,
                      "answer_diff_lossy": answer.lossy, "answer_match": answer.match,
                      "answer_committed_at": answer.committed_at, "answer_author_id": answer.author_id})

    @staticmethod
    def _row(repo: dict, c: ReviewComment, pr: PullRequest | None) -> dict:
        return {
            "review_id": stable_id("review", repo["repo_id"], str(c.id)),
            "repo_id": repo["repo_id"], "repo_name": repo["repo_name"],
            "pr_number": c.number, "pr_title": pr.title if pr else None,
            "comment_id": c.id, "path": c.path, "line": c.line, "diff_hunk": c.diff_hunk, "body": c.body,
            "author": c.author, "created_at": c.created_at,
            "answer_sha": None, "answer_diff": None, "answer_diff_lossy": None, "answer_match": None,
            "answer_committed_at": None, "answer_author_id": None,
        }


def _pr_commits(history: History, pr: PullRequest, listed: list[str] | None) -> list[str] | tuple[str, str]:
    """The PR's own commits present in the clone, oldest first, or why there are none to look at."""
    repo = history.repo
    if listed is not None:
        present = [s for s in listed if re.fullmatch(r"[0-9a-f]{40}", s) and pygit2.Oid(hex=s) in repo]
        return present or ("commit_missing", f"none of the {len(listed)} commits of #{pr.number} is in the clone")
    found = history.find(pr)
    if found is None:
        return "commit_missing", f"#{pr.number} is not on the first-parent line of the clone"
    if found.method == "head_commits":
        return list(found.commits)
    if found.method not in MERGE_LINKS:
        return "commit_missing", f"#{pr.number} landed as one commit ({found.method}): its own commits are gone"
    merge = repo[found.commits[0]]
    if len(merge.parent_ids) < 2:
        return "commit_missing", f"#{pr.number} landed as {found.commits[0][:12]}, not a merge: its commits are gone"
    walker = repo.walk(merge.parent_ids[1], pygit2.enums.SortMode.TOPOLOGICAL | pygit2.enums.SortMode.REVERSE)
    walker.hide(merge.parent_ids[0])  # what the merge brought in: the branch's commits
    return [str(c.id) for c in walker]


def _answer(repo: pygit2.Repository, shas: list[str], c: ReviewComment, cfg: CommitsConfig) -> Answer | None:
    """The first commit after the comment that changes its file near the commented line, else anywhere in it."""
    after = c.created_at.timestamp() if c.created_at else float("-inf")
    fallback: Answer | None = None
    for sha in shas:
        commit = repo[sha]
        if commit.commit_time <= after or len(commit.parents) != 1:
            continue
        patch = _file_patch(repo, commit, c.path, cfg)
        if patch is None:
            continue
        near = c.line is not None and any(_near(h, c.line) for h in patch.hunks)
        text, lossy = decode_text(patch.data)
        answer = Answer(sha, text, lossy, "lines" if near else "file",
                        datetime.fromtimestamp(commit.commit_time, UTC),
                        stable_id("author", commit.author.email.strip().lower()))
        if near:
            return answer
        fallback = fallback or answer
    return fallback


def _file_patch(repo: pygit2.Repository, commit: pygit2.Commit, path: str, cfg: CommitsConfig) -> pygit2.Patch | None:
    diff = repo.diff(commit.parents[0].tree, commit.tree, flags=pygit2.enums.DiffOption.NORMAL,
                     context_lines=cfg.context_lines)
    if cfg.detect_renames:
        diff.find_similar(flags=pygit2.enums.DiffFind.FIND_RENAMES)
    for i, delta in enumerate(diff.deltas):
        if path in (delta.new_file.path, delta.old_file.path):
            return diff[i]
    return None


def _near(hunk: pygit2.DiffHunk, line: int) -> bool:
    """Whether a hunk's changed range, old side or new, comes within `NEAR_LINES` of `line`."""
    return any(start - NEAR_LINES <= line <= start + max(n, 1) + NEAR_LINES
               for start, n in ((hunk.old_start, hunk.old_lines), (hunk.new_start, hunk.new_lines)))
