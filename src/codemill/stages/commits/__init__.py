"""`commits`: walk the first-parent history of each repository's default branch and record every commit.

Shards are chunks of `shard_commits` consecutive first-parent commits counted from the root, so a large
repository spreads over many workers and a repository that gained commits re-mines only its last chunk.
Merges are recorded with their parents and, with `diff_merges` (the default), diffed against their first
parent: the change a merged pull request brought to the branch. A commit whose objects cannot be read is dropped as
`corrupt_object`; the rest of its shard goes on.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa
import pygit2

from codemill.config import CommitsConfig
from codemill.engine.stage import PlanContext, Shard, ShardOutput, Stage, read_part
from codemill.ids import digest_json, stable_id
from codemill.sources.gitrepo import first_parent_chain, open_repo
from codemill.stages.commits.diffs import diff_commit, is_partial_clone
from codemill.stages.commits.message import decode_message, find_refs, parse_message

FILE = pa.struct([
    ("path", pa.string()), ("old_path", pa.string()), ("status", pa.string()),
    ("added", pa.int32()), ("deleted", pa.int32()), ("binary", pa.bool_()), ("language", pa.string()),
    ("diff", pa.large_string()), ("diff_truncated", pa.bool_()), ("diff_lossy", pa.bool_()),
    ("path_lossy", pa.bool_()),
    ("blob_missing", pa.bool_()),  # a partial clone did not fetch a blob of this file: no patch
])
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
])


def _sig(sig: pygit2.Signature) -> tuple[str, str, datetime, int]:
    name = sig.raw_name.decode("utf-8", "replace")
    email = sig.raw_email.decode("utf-8", "replace")
    return name, email, datetime.fromtimestamp(sig.time, tz=UTC), sig.offset


class CommitsStage(Stage):
    name = "commits"
    upstream = ("repos",)
    schema = SCHEMA
    id_column = "commit_id"
    row_group_rows = 256  # rows carry whole diffs: small groups keep a worker's memory small

    section: CommitsConfig

    def plan(self, ctx: PlanContext) -> list[Shard]:
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
                                        (repo_id, location, 0, [head])))
                    continue
                for start in range(0, len(chain), size):
                    shas = chain[start:start + size]
                    key = f"{repo_id}#{start // size:06d}"
                    shards.append(Shard(key, digest_json([repo_id, location, start, shas]),
                                        (repo_id, location, start, shas)))
        return shards

    def run(self, shard: Shard, out: ShardOutput) -> None:
        repo_id, location, start, shas = shard.payload
        repo = open_repo(location)
        partial = is_partial_clone(repo)
        for offset, sha in enumerate(shas):
            try:
                out.keep(commit_record(repo, repo_id, sha, start + offset, partial, self.section))
            except (pygit2.GitError, KeyError, ValueError) as e:
                row = {"commit_id": stable_id("commit", repo_id, sha), "repo_id": repo_id, "sha": sha,
                       "position": start + offset}
                out.drop(row, "corrupt_object", f"{type(e).__name__}: {e}")

def commit_record(repo: pygit2.Repository, repo_id: str, sha: str, position: int, partial: bool,
                  cfg: CommitsConfig) -> dict:
    """The `commits` row of one commit (also what the labelled-set tools read, so they see what `pairs` sees)."""
    commit = repo[sha]
    if not isinstance(commit, pygit2.Commit):
        raise ValueError(f"{sha} is not a commit")
    msg = decode_message(commit.raw_message, commit.message_encoding)
    parsed = parse_message(msg.text)
    a_name, a_email, a_time, a_off = _sig(commit.author)
    c_name, c_email, c_time, c_off = _sig(commit.committer)
    is_merge = len(commit.parents) > 1
    if is_merge and not cfg.diff_merges:
        files, added, deleted, truncated = [], 0, 0, False
    else:
        d = diff_commit(repo, commit, cfg, partial)
        files, added, deleted, truncated = d.files, d.added, d.deleted, d.truncated
    return {
        "commit_id": stable_id("commit", repo_id, sha), "repo_id": repo_id, "sha": sha,
        "position": position, "parents": [str(p) for p in commit.parent_ids], "is_merge": is_merge,
        "author_name": a_name, "author_email": a_email, "authored_at": a_time, "author_tz_offset_min": a_off,
        "committer_name": c_name, "committer_email": c_email, "committed_at": c_time,
        "committer_tz_offset_min": c_off, "subject": parsed.subject, "body": parsed.body,
        "message_encoding": msg.encoding, "message_lossy": msg.lossy,
        "trailers": [{"key": k, "value": v} for k, v in parsed.trailers],
        # Trailers included: `Fixes: #123` in the last paragraph is a reference too.
        "refs": [r.to_row() for r in find_refs(parsed.subject, "\n".join(
            [parsed.body, *(f"{k}: {v}" for k, v in parsed.trailers)]))],
        "files": files, "n_files": len(files), "added": added, "deleted": deleted,
        "diff_truncated": truncated, "file_diff_cap_bytes": cfg.max_file_diff_bytes,
        "commit_diff_cap_bytes": cfg.max_commit_diff_bytes,
    }
