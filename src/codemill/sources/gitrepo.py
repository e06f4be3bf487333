"""Reading repositories with pygit2 (libgit2): no git subprocess, and no hook can ever run."""

from __future__ import annotations

import pygit2
from pygit2.enums import SortMode


def open_repo(location: str) -> pygit2.Repository:
    return pygit2.Repository(location)


def first_parent_chain(repo: pygit2.Repository, head: str) -> list[str]:
    """Shas of the first-parent history ending at `head`, oldest first."""
    walker = repo.walk(pygit2.Oid(hex=head), SortMode.TOPOLOGICAL)
    walker.simplify_first_parent()
    chain = [str(c.id) for c in walker]
    chain.reverse()
    return chain


def head_info(repo: pygit2.Repository) -> tuple[str, str]:
    """(head sha, default branch name). The branch is what HEAD points to; `HEAD` when detached."""
    head = repo.head
    branch = "HEAD" if repo.head_is_detached else head.shorthand
    return str(head.target), branch
