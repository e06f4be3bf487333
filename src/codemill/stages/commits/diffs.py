"""Diffing one commit against its first parent with libgit2, under size caps.

Each changed file gets its status, paths (old path on rename), line counts, binary flag, language and its
patch text. Patches over the per-file cap, or past the per-commit budget, are left out and flagged, so a
vendored blob or a generated dump can never blow up a shard; the caps are recorded in every row.
"""

from __future__ import annotations

from dataclasses import dataclass

import pygit2

from codemill.config import CommitsConfig
from codemill.stages.commits.languages import language_of
from codemill.stages.commits.message import decode_text


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


def diff_commit(repo: pygit2.Repository, commit: pygit2.Commit, cfg: CommitsConfig) -> FileDiffs:
    """The per-file changes of a non-merge commit (against the empty tree for a root commit)."""
    flags = pygit2.enums.DiffOption.NORMAL
    if commit.parents:
        diff = repo.diff(commit.parents[0].tree, commit.tree, flags=flags, context_lines=cfg.context_lines)
    else:
        diff = commit.tree.diff_to_tree(swap=True, flags=flags, context_lines=cfg.context_lines)
    if cfg.detect_renames:
        # Renames only, explicitly: the default (FIND_BY_CONFIG) obeys the repository's and the user's
        # `diff.renames`, which would make the output depend on git config rather than on `detect_renames`.
        diff.find_similar(flags=pygit2.enums.DiffFind.FIND_RENAMES)
    files: list[dict] = []
    budget = cfg.max_commit_diff_bytes
    added = deleted = 0
    truncated = False
    n = len(diff)
    # Patches are generated only for the first `max_files_diffed` files; the rest are listed from deltas.
    entries = list(diff) if n <= cfg.max_files_diffed else [
        diff[i] if i < cfg.max_files_diffed else d for i, d in enumerate(diff.deltas)]
    for entry in entries:
        if entry is None:  # an unmodified entry (mode-only changes on some libgit2 versions)
            continue
        is_patch = isinstance(entry, pygit2.Patch)
        delta = entry.delta if is_patch else entry
        path, lossy_new = _path(delta.new_file.raw_path)
        old_path, lossy_old = _path(delta.old_file.raw_path)
        row = {
            "path": path, "old_path": old_path if old_path != path else None, "status": delta.status_char(),
            "added": None, "deleted": None, "binary": None, "language": language_of(path),
            "diff": None, "diff_truncated": not is_patch, "diff_lossy": False,
            "path_lossy": lossy_new or lossy_old,
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
