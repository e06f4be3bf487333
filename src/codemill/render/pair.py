"""A stored pair rendered as the export asks: the response as a unified diff, search/replace blocks or full new
files, and the prompt with the touched files' pre-change contents and the repository tree, within a budget.

Everything is derived from the one stored record (its redacted diff) plus, when a rendering needs whole files,
the blobs of the pair's commit and its first parent read from the clone and redacted the same way. A change
that a rendering cannot express faithfully (see `edits.Unrepresentable`) falls back to the unified diff, and
the caller counts it: a wrong edit block is worse than a diff.
"""

from __future__ import annotations

from dataclasses import dataclass

import pygit2

from codemill.git.repo import open_repo
from codemill.git.tree import tree_files
from codemill.redact import redact
from codemill.render.diff import file_chunks, file_paths
from codemill.render.edits import Unrepresentable, fence, full_files, search_replace
from codemill.render.prompt import prompt_context


def split_files(diff: str) -> list[dict]:
    """Per-file records (path, old_path, status, diff) of a concatenated libgit2 unified diff."""
    files = []
    for chunk in file_chunks(diff):
        paths = file_paths(chunk)
        head = chunk[:300]
        status = ("A" if "\nnew file mode" in head else "D" if "\ndeleted file mode" in head
                  else "R" if "\nrename from " in head else "M")
        files.append({"path": paths[-1], "old_path": paths[0] if status == "R" else None, "status": status,
                      "diff": chunk})
    return files


@dataclass(frozen=True)
class RenderOptions:
    response_format: str = "unified_diff"  # unified_diff | search_replace | full_files
    prompt_files: bool = False
    prompt_tree: bool = False
    budget_chars: int = 32_000

    @property
    def needs_contents(self) -> bool:
        return self.response_format != "unified_diff" or self.prompt_files or self.prompt_tree


class Contents:
    """Blobs of a pair's commit and its first parent, read from the clone, redacted like the diff."""

    def __init__(self) -> None:
        self._repos: dict[str, pygit2.Repository] = {}

    def _repo(self, location: str) -> pygit2.Repository:
        if location not in self._repos:
            self._repos[location] = open_repo(location)
        return self._repos[location]

    def fill(self, location: str, sha: str, files: list[dict]) -> list[str]:
        """Add `before`/`after` text to each file (None for an absent or binary side); the parent's tree paths."""
        repo = self._repo(location)
        commit = repo[sha]
        parent = commit.parents[0] if commit.parents else None
        for f in files:
            f["before"] = _text(repo, parent, f["old_path"] or f["path"]) if f["status"] != "A" else None
            f["after"] = _text(repo, commit, f["path"]) if f["status"] != "D" else None
        return [p for p, _oid in tree_files(repo, str(parent.id))] if parent is not None else []


def _text(repo: pygit2.Repository, commit: pygit2.Commit | None, path: str) -> str | None:
    if commit is None:
        return None
    try:
        blob = repo[commit.tree[path].id]
    except KeyError:
        return None
    if blob.is_binary:
        return None
    return redact(blob.data.decode("utf-8", "replace"), path).text


def render_pair(pair: dict, opts: RenderOptions, contents: Contents | None, location: str | None
                ) -> tuple[str, str, bool]:
    """(instruction, response, fell_back): the rendered prompt and response of `pair`."""
    diff = pair["response"]
    fenced_diff = f"```diff\n{diff}```" if diff.endswith("\n") else f"```diff\n{diff}\n```"
    if not opts.needs_contents:
        return pair["instruction"], fenced_diff, False
    if contents is None or location is None:
        return pair["instruction"], fenced_diff, True
    files = split_files(diff)
    try:
        tree = contents.fill(location, pair["commit_sha"], files)
    except (KeyError, ValueError, pygit2.GitError):
        return pair["instruction"], fenced_diff, True
    fell_back = False
    response = fenced_diff
    if opts.response_format != "unified_diff":
        try:
            response = search_replace(files) if opts.response_format == "search_replace" else full_files(files)
        except (Unrepresentable, ValueError):
            fell_back = True
    instruction = pair["instruction"]
    if opts.prompt_files or opts.prompt_tree:
        instruction = prompt_context(instruction, files, tree, budget_chars=opts.budget_chars,
                                     include_files=opts.prompt_files, include_tree=opts.prompt_tree)
    return instruction, response, fell_back


__all__ = ["Contents", "RenderOptions", "fence", "render_pair", "split_files"]
