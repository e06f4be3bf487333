"""Reading repositories with pygit2 (libgit2): no git subprocess, and no hook can ever run."""

from __future__ import annotations

import pygit2
from pygit2.enums import SortMode


def isolate_from_machine_config() -> None:
    """Make libgit2 ignore global, XDG and system git config, so the bytes we write (patch headers, rename
    detection) depend on the repository alone and not on whichever machine or cluster node reads it.
    Ownership checks are off too: they live in the config we no longer read (`safe.directory`), and reading
    someone else's repository is safe here because nothing in it is ever executed.
    """
    for level in (pygit2.enums.ConfigLevel.SYSTEM, pygit2.enums.ConfigLevel.XDG, pygit2.enums.ConfigLevel.GLOBAL,
                  pygit2.enums.ConfigLevel.PROGRAMDATA):
        pygit2.settings.search_path[level] = ""
    pygit2.settings.owner_validation = False
    # libgit2 re-hashes every object it reads with collision-detecting SHA-1 (git does not on reads): a
    # quarter of diff time. Corrupt objects are still caught by zlib's checksum and object header checks.
    pygit2.settings.enable_strict_hash_verification(False)


isolate_from_machine_config()


def open_repo(location: str) -> pygit2.Repository:
    """Open the repository's git directory as bare: history is all we read, so neither the work tree's
    state (an uncommitted `.gitattributes`) nor a per-file stat of it may enter the output or cost time.
    NO_SEARCH: a folder that is not a repository must not open whichever repository encloses it.
    """
    flags = pygit2.enums.RepositoryOpenFlag
    repo = pygit2.Repository(location, flags.NO_SEARCH)
    return repo if repo.is_bare else pygit2.Repository(repo.path, flags.NO_SEARCH | flags.BARE)


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
