"""The files of a commit's tree, listed without reading their contents."""

from __future__ import annotations

from collections.abc import Iterator

import pygit2
from pygit2.enums import FileMode

_FILE_MODES = (FileMode.BLOB, FileMode.BLOB_EXECUTABLE)


def tree_files(repo: pygit2.Repository, commit_sha: str) -> Iterator[tuple[str, pygit2.Oid]]:
    """(path, blob id) of every regular file in the commit's tree, depth first, in git's order.

    Symlinks and submodules are not files; paths that are not UTF-8 are decoded with backslash escapes.
    """
    stack: list[tuple[str, pygit2.Tree]] = [("", repo[commit_sha].tree)]
    while stack:
        prefix, tree = stack.pop()
        subtrees = []
        for entry in tree:
            name = entry.raw_name.decode("utf-8", "backslashreplace")
            if entry.filemode == FileMode.TREE:
                subtrees.append((f"{prefix}{name}/", repo[entry.id]))
            elif entry.filemode in _FILE_MODES:
                yield f"{prefix}{name}", entry.id
        stack.extend(reversed(subtrees))
