"""Diffing a commit against its first parent (or any two trees) with libgit2, under size caps.

Each changed file gets its status, paths (old path on rename), line counts, binary flag, language and its
patch text. Patches over the per-file cap, or past the per-commit budget, are left out and flagged, so a
vendored blob or a generated dump can never blow up a shard; the caps are recorded in every row.
"""

from __future__ import annotations

from dataclasses import dataclass

import pygit2

from codemill.config import CommitsConfig
from codemill.git.message import decode_text
from codemill.languages import language_of


@dataclass
class FileDiffs:
    files: list[dict]
    added: int
    deleted: int
    truncated: bool


def _path(raw: bytes) -> tuple[str, bool]:
    try:
        return raw.decode("utf-8"), False
    except UnicodeDecodeError:
        return raw.decode("utf-8", "backslashreplace"), True


class _Missing:
    """A file whose patch cannot be made because a partial clone did not fetch one of its blobs."""

    def __init__(self, delta: pygit2.DiffDelta):
        self.delta = delta


def is_partial_clone(repo: pygit2.Repository) -> bool:
    """Cloned with a filter: some blobs are on the server only, and their absence is not corruption."""
    config = repo.config
    return "extensions.partialclone" in config or any(
        e.name.startswith("remote.") and e.name.endswith(".promisor") and e.value == "true" for e in config)


def _entries(diff: pygit2.Diff, max_files: int, partial: bool) -> list:
    """A patch per file for the first `max_files` files, the bare delta for the rest, and, in a partial clone,
    `_Missing` where a blob was not fetched. The common case generates every patch in one go. In a full clone
    a missing or unreadable object raises: it is corruption, reported per commit by the stage."""
    if len(diff) <= max_files:
        try:
            return list(diff)
        except KeyError:
            if not partial:
                raise
    out: list = []
    for i, delta in enumerate(diff.deltas):
        if i >= max_files:
            out.append(delta)
            continue
        try:
            out.append(diff[i])
        except KeyError:
            out.append(_Missing(delta))
    return out


def diff_commit(repo: pygit2.Repository, commit: pygit2.Commit, cfg: CommitsConfig, partial: bool = False) -> FileDiffs:
    """The per-file changes of a commit against its first parent (the empty tree for a root commit)."""
    return diff_trees(repo, commit.parents[0].tree if commit.parents else None, commit.tree, cfg, partial)


def diff_trees(repo: pygit2.Repository, old: pygit2.Tree | None, new: pygit2.Tree, cfg: CommitsConfig,
               partial: bool = False) -> FileDiffs:
    """The per-file changes from `old` (None: the empty tree) to `new`, under the caps of `cfg`."""
    # Tree.diff_to_tree, not Repository.diff: the latter peels each tree to a blob first, failing with an
    # exception every time (3% of the stage on small commits). Same libgit2 call, same options.
    flags = pygit2.enums.DiffOption.NORMAL
    if old is not None:
        diff = old.diff_to_tree(new, flags=flags, context_lines=cfg.context_lines)
    else:
        diff = new.diff_to_tree(swap=True, flags=flags, context_lines=cfg.context_lines)
    if cfg.detect_renames:
        # Renames only, explicitly: the default (FIND_BY_CONFIG) obeys the repository's and the user's
        # `diff.renames`, which would make the output depend on git config rather than on `detect_renames`.
        try:
            diff.find_similar(flags=pygit2.enums.DiffFind.FIND_RENAMES)
        except KeyError:
            if not partial:
                raise
            # A blob a partial clone did not fetch: similarity cannot be scored, identical renames still can.
            diff.find_similar(flags=pygit2.enums.DiffFind.FIND_RENAMES | pygit2.enums.DiffFind.FIND_EXACT_MATCH_ONLY)
    files: list[dict] = []
    budget = cfg.max_commit_diff_bytes
    added = deleted = 0
    truncated = False
    entries = _entries(diff, cfg.max_files_diffed, partial)
    for entry in entries:
        if entry is None:  # an unmodified entry (mode-only changes on some libgit2 versions)
            continue
        missing = isinstance(entry, _Missing)
        is_patch = isinstance(entry, pygit2.Patch)
        delta = entry.delta if is_patch or missing else entry
        path, lossy_new = _path(delta.new_file.raw_path)
        old_path, lossy_old = _path(delta.old_file.raw_path)
        row = {
            "path": path, "old_path": old_path if old_path != path else None, "status": delta.status_char(),
            "added": None, "deleted": None, "binary": None, "language": language_of(path),
            "diff": None, "diff_truncated": not is_patch, "diff_lossy": False,
            "path_lossy": lossy_new or lossy_old, "blob_missing": missing,
        }
        files.append(row)
        if not is_patch:
            truncated = True
            continue
        _ctx, adds, dels = entry.line_stats
        row["added"], row["deleted"] = adds, dels
        row["binary"] = delta.is_binary
        added += adds
        deleted += dels
        data = entry.data
        if len(data) > cfg.max_file_diff_bytes or len(data) > budget:
            row["diff_truncated"] = truncated = True
            continue
        budget -= len(data)
        row["diff"], row["diff_lossy"] = decode_text(data)
    return FileDiffs(files, added, deleted, truncated)
