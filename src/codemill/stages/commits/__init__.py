"""`commits`: walk the first-parent history of each repository's default branch and record every commit, and
the pull requests merged into it (`prs.py`).

Shards are chunks of `shard_commits` consecutive first-parent commits counted from the root, so a large
repository spreads over many workers and a repository that gained commits re-mines only its last chunk.

With `diff_merges` (the default) a row that lands a pull request carries it: `pr_merge` says how (`merge`,
`rebase`, `squash`), `base_sha` is the commit its change applies to (a PR's merge-base, else the first parent)
and `files` is that change (base → PR tip), with the PR's own commits in `members`. A branch merge that brings
PR merges (`carries_prs`) is followed by one row per top-most PR merge it brought (`landed_in` names it; their
`position` is its position), so PRs merged into a maintenance branch are not lost. Commits that a later commit's
rebase-merged PR contains are marked `part_of_pr`. Other merges are diffed against their first parent.

A commit whose objects cannot be read is dropped as `corrupt_object`; the rest of its shard goes on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import ClassVar

import pyarrow as pa
import pygit2

from codemill.config import CommitsConfig
from codemill.engine.reads import Reads
from codemill.engine.stage import PlanContext, Shard, ShardOutput, Stage, read_part
from codemill.git.message import decode_message, find_refs, parse_message
from codemill.git.repo import first_parent_chain, open_repo
from codemill.ids import digest_json, stable_id
from codemill.stages.commits import prs
from codemill.stages.commits.diffs import diff_commit, diff_trees, is_partial_clone

FILE = pa.struct([
    ("path", pa.string()), ("old_path", pa.string()), ("status", pa.string()),
    ("added", pa.int32()), ("deleted", pa.int32()), ("binary", pa.bool_()), ("language", pa.string()),
    ("diff", pa.large_string()), ("diff_truncated", pa.bool_()), ("diff_lossy", pa.bool_()),
    ("path_lossy", pa.bool_()),
    ("blob_missing", pa.bool_()),  # a partial clone did not fetch a blob of this file: no patch
])
MEMBER = pa.struct([("sha", pa.string()), ("subject", pa.string()), ("body", pa.string()),
                    ("author_email", pa.string()), ("is_merge", pa.bool_())])
SCHEMA = pa.schema([
    ("commit_id", pa.string()),
    ("repo_id", pa.string()),
    ("sha", pa.string()),
    ("position", pa.int64()),  # index in the first-parent chain, root = 0
    ("parents", pa.list_(pa.string())),
    ("is_merge", pa.bool_()),
    ("author_name", pa.string()),
    ("author_email", pa.string()),
    ("authored_at", pa.timestamp("s", tz="UTC")),
    ("author_tz_offset_min", pa.int32()),
    ("committer_name", pa.string()),
    ("committer_email", pa.string()),
    ("committed_at", pa.timestamp("s", tz="UTC")),
    ("committer_tz_offset_min", pa.int32()),
    ("subject", pa.string()),
    ("body", pa.string()),
    ("message_encoding", pa.string()),
    ("message_lossy", pa.bool_()),
    ("trailers", pa.list_(pa.struct([("key", pa.string()), ("value", pa.string())]))),
    ("refs", pa.list_(pa.struct([("kind", pa.string()), ("number", pa.int64()), ("repo", pa.string())]))),
    ("files", pa.list_(FILE)),
    ("n_files", pa.int32()),
    ("added", pa.int64()),
    ("deleted", pa.int64()),
    ("diff_truncated", pa.bool_()),
    ("file_diff_cap_bytes", pa.int64()),
    ("commit_diff_cap_bytes", pa.int64()),
    # The pull request this row lands (see the module docstring); all null / empty for a plain commit.
    ("pr_merge", pa.string()),  # merge | rebase | squash
    ("pr_number", pa.int64()),
    ("pr_title", pa.string()),
    ("pr_description", pa.string()),
    ("base_sha", pa.string()),  # what `files` applies to: the PR's merge-base, else the first parent
    ("pr_tip_sha", pa.string()),
    ("members", pa.list_(MEMBER)),  # the PR's own commits, oldest first (at most prs.MAX_MEMBERS)
    ("n_members", pa.int32()),
    ("resolved_paths", pa.list_(pa.string())),  # files the merge left different from the PR tip's version
    ("landed_in", pa.string()),  # a PR merge nested in a branch merge: that first-parent merge's sha
    ("carries_prs", pa.list_(pa.int64())),  # a branch merge: the PRs it brought (rows of their own)
    ("part_of_pr", pa.bool_()),  # inside a rebase-merged PR that a later row lands
])


def _sig(sig: pygit2.Signature) -> tuple[str, str, datetime, int]:
    name = sig.raw_name.decode("utf-8", "replace")
    email = sig.raw_email.decode("utf-8", "replace")
    return name, email, datetime.fromtimestamp(sig.time, tz=UTC), sig.offset


@dataclass(frozen=True)
class ChainShard:
    """A run of a repository's first-parent chain: `shas[:shard_commits]` are mined, the one after tells whether
    the last ends a rebase-merged PR; `start` is the first's position in the chain."""

    repo_id: str
    location: str
    start: int
    shas: list[str]


def chain_shards(repo_id: str, location: str, chain: list[str], size: int, first: int = 0) -> list[Shard[ChainShard]]:
    """The shards of `chain[first:]` (a first-parent chain, oldest first), `size` commits each, counted from
    the root so that keys stay put as the chain grows."""
    shards = []
    for start in range(first, len(chain), size):
        # One commit past the chunk: whether the chunk's last commit ends a rebase-merged PR.
        shas = chain[start:start + size + 1]
        key = f"{repo_id}#{start // size:06d}"
        shards.append(Shard(key, digest_json([repo_id, location, start, shas]),
                            ChainShard(repo_id, location, start, shas)))
    return shards


class CommitsStage(Stage[ChainShard]):
    name = "commits"
    upstream = ("repos",)
    reads: ClassVar[Reads] = {"repos": ("repo_id", "location", "head")}
    schema = SCHEMA
    id_column = "commit_id"
    row_group_rows = 256  # rows carry whole diffs: small groups keep a worker's memory small

    section: CommitsConfig

    def plan(self, ctx: PlanContext) -> list[Shard[ChainShard]]:
        shards = []
        size = self.section.shard_commits
        for _key, art in ctx.kept_parts("repos"):
            table = read_part(ctx.run_dir, art, ["repo_id", "location", "head"])
            for repo_id, location, head in zip(*(table.column(c).to_pylist() for c in table.column_names),
                                               strict=True):
                try:
                    chain = first_parent_chain(open_repo(location), head)
                except (pygit2.GitError, KeyError, ValueError) as e:
                    # Planned as one shard that will fail and be reported, so the rest of the run goes on.
                    shards.append(Shard(f"{repo_id}#{0:06d}", digest_json([repo_id, location, head, str(e)]),
                                        ChainShard(repo_id, location, 0, [head])))
                    continue
                shards += chain_shards(repo_id, location, chain, size)
        return shards

    def run(self, shard: Shard[ChainShard], out: ShardOutput) -> None:
        repo_id, location, start, shas = (shard.payload.repo_id, shard.payload.location, shard.payload.start,
                                          shard.payload.shas)
        repo = open_repo(location)
        partial = is_partial_clone(repo)
        size = self.section.shard_commits
        for offset, sha in enumerate(shas[:size]):
            next_sha = shas[offset + 1] if offset + 1 < len(shas) else None
            try:
                for row in commit_rows(repo, repo_id, sha, start + offset, partial, self.section, next_sha):
                    out.keep(row)
            except (pygit2.GitError, KeyError, ValueError) as e:
                row = {"commit_id": stable_id("commit", repo_id, sha), "repo_id": repo_id, "sha": sha,
                       "position": start + offset}
                out.drop(row, "corrupt_object", f"{type(e).__name__}: {e}")


def commit_rows(repo: pygit2.Repository, repo_id: str, sha: str, position: int, partial: bool,
                cfg: CommitsConfig, next_sha: str | None = None) -> list[dict]:
    """The row of one first-parent commit, then, for a branch merge, a row per PR merge it brought."""
    commit = repo[sha]
    nested = []
    if len(commit.parents) == 2 and cfg.diff_merges and not prs.merge_message(commit).is_pr:
        nested = prs.nested_prs(repo, commit)
    carries = [message.pr_number for _c, message in nested]
    rows = [commit_record(repo, repo_id, sha, position, partial, cfg, next_sha=next_sha, carries=carries)]
    rows += [commit_record(repo, repo_id, str(c.id), position, partial, cfg, landed_in=sha) for c, _m in nested]
    return rows


def _landing(repo: pygit2.Repository, commit: pygit2.Commit, message: prs.MergeMessage | None, cfg: CommitsConfig,
             next_sha: str | None, carries: bool) -> tuple[prs.PullRequest | None, bool]:
    """The PR a commit lands (a merge, or the last commit of a rebase merge), and whether a later commit's
    rebase-merged PR contains it. `message` is a merge's parsed message."""
    if message is not None:
        if not cfg.diff_merges or carries or not message.is_unit:
            return None, False
        return prs.merged_pr(repo, commit, message), False
    if next_sha is not None and prs.rebased_together(commit, repo[next_sha]):
        return None, True
    return prs.rebased_pr(repo, commit), False


def commit_record(repo: pygit2.Repository, repo_id: str, sha: str, position: int, partial: bool,
                  cfg: CommitsConfig, *, next_sha: str | None = None, carries: Sequence[int] = (),
                  landed_in: str | None = None) -> dict:
    """The `commits` row of one commit (also what the labelled-set tools read, so they see what `pairs` sees).
    `next_sha` is its first-parent child, `carries` the numbers of the PR merges it brought, `landed_in` the
    merge that brought it."""
    commit = repo[sha]
    if not isinstance(commit, pygit2.Commit):
        raise ValueError(f"{sha} is not a commit")
    msg = decode_message(commit.raw_message, commit.message_encoding)
    parsed = parse_message(msg.text)
    a_name, a_email, a_time, a_off = _sig(commit.author)
    c_name, c_email, c_time, c_off = _sig(commit.committer)
    is_merge = len(commit.parents) > 1
    refs = find_refs(parsed.subject, "\n".join([parsed.body, *(f"{k}: {v}" for k, v in parsed.trailers)]))
    message = prs.parse_merge(parsed.subject, parsed.body) if is_merge else None
    pr, part_of_pr = _landing(repo, commit, message, cfg, next_sha, bool(carries))
    if pr is not None:
        d = diff_trees(repo, repo[pr.base].tree, repo[pr.tip].tree, cfg, partial)
    elif is_merge and not cfg.diff_merges:
        d = None
    else:
        d = diff_commit(repo, commit, cfg, partial)
    files, added, deleted, truncated = (d.files, d.added, d.deleted, d.truncated) if d else ([], 0, 0, False)
    return {
        "commit_id": stable_id("commit", repo_id, sha), "repo_id": repo_id, "sha": sha,
        "position": position, "parents": [str(p) for p in commit.parent_ids], "is_merge": is_merge,
        "author_name": a_name, "author_email": a_email, "authored_at": a_time, "author_tz_offset_min": a_off,
        "committer_name": c_name, "committer_email": c_email, "committed_at": c_time,
        "committer_tz_offset_min": c_off, "subject": parsed.subject, "body": parsed.body,
        "message_encoding": msg.encoding, "message_lossy": msg.lossy,
        "trailers": [{"key": k, "value": v} for k, v in parsed.trailers],
        # Trailers included: `Fixes: #123` in the last paragraph is a reference too.
        "refs": [r.to_row() for r in refs],
        "files": files, "n_files": len(files), "added": added, "deleted": deleted,
        "diff_truncated": truncated, "file_diff_cap_bytes": cfg.max_file_diff_bytes,
        "commit_diff_cap_bytes": cfg.max_commit_diff_bytes,
        **_pr_columns(commit, pr, refs),
        "landed_in": landed_in,
        "carries_prs": list(carries),
        "part_of_pr": part_of_pr,
    }


def _pr_columns(commit: pygit2.Commit, pr: prs.PullRequest | None, refs: list) -> dict:
    """The PR columns of a row: those of the PR it lands, a squash merge's number (`(#N)`), or none."""
    base = str(commit.parent_ids[0]) if commit.parent_ids else None
    out = {"pr_merge": None, "pr_number": None, "pr_title": None, "pr_description": None, "base_sha": base,
           "pr_tip_sha": None, "members": [], "n_members": 0, "resolved_paths": []}
    if pr is not None:
        msg = pr.message
        out.update(pr_merge=pr.how, pr_number=msg.pr_number if msg else None, pr_title=msg.title if msg else None,
                   pr_description=(msg.description or None) if msg else None, base_sha=pr.base,
                   pr_tip_sha=pr.tip, members=pr.members, n_members=pr.n_members, resolved_paths=pr.resolved_paths)
    elif len(commit.parent_ids) == 1 and (squash := next((r for r in refs if r.kind == "squash_pr"), None)):
        out.update(pr_merge="squash", pr_number=squash.number)
    return out
