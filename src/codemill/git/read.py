"""Reading an untrusted repository's history without running anything it configures.

The git CLI obeys the repository's own `.git/config` and `.gitattributes`: `git diff` runs a `textconv` or an
external diff driver, `git archive` and `git show` run `smudge` filters, and `core.fsmonitor` runs a command on
most porcelain. A repository handed to codemill (a downloaded folder, a mirror) is someone else's, so whatever
reads it on the host goes through libgit2 here, which runs no drivers, filters or hooks: revisions, messages,
patches, file lists, file contents and archives.
"""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pygit2
from pygit2.enums import DiffFind, DiffOption, FileMode

from codemill.git.repo import open_repo


def _commit(repo: pygit2.Repository, rev: str) -> pygit2.Commit:
    return repo.revparse_single(rev).peel(pygit2.Commit)


def rev_parse(location: str | Path, rev: str) -> str:
    """The full sha of the commit `rev` names (`HEAD`, a sha, `sha^1`)."""
    return str(_commit(open_repo(str(location)), rev).id)


def commit_time(location: str | Path, rev: str) -> int:
    """The committer time of `rev`, in seconds since the epoch (`git show -s --format=%ct`)."""
    return _commit(open_repo(str(location)), rev).commit_time


def nearest_tag(location: str | Path, rev: str) -> str | None:
    """The name of the newest tag (by its commit's time) on `rev` or among its ancestors, as `git describe --tags
    --abbrev=0` mostly finds it; None when no tag reaches back that far."""
    repo = open_repo(str(location))
    target = _commit(repo, rev)
    best: tuple[int, str] | None = None
    for ref in repo.references.iterator(pygit2.enums.ReferenceFilter.TAGS):
        try:
            tagged = ref.peel(pygit2.Commit)
        except (pygit2.InvalidSpecError, ValueError, KeyError):
            continue  # a tag of a tree or a blob
        if tagged.id == target.id or repo.descendant_of(target.id, tagged.id):
            found = (tagged.commit_time, ref.shorthand)
            best = found if best is None or found > best else best
    return best[1] if best else None


def message(location: str | Path, rev: str) -> str:
    """The raw message of `rev`, decoded as UTF-8 with replacement (`git show -s --format=%B`)."""
    return _commit(open_repo(str(location)), rev).raw_message.decode("utf-8", "replace")


def patch(location: str | Path, base: str, tip: str, context_lines: int = 3) -> str:
    """The change base → tip as a patch `git apply` takes: renames detected, binary files as `GIT binary patch`
    (with full ids, which binary hunks need)."""
    repo = open_repo(str(location))
    diff = repo.diff(_commit(repo, base).tree, _commit(repo, tip).tree, flags=DiffOption.SHOW_BINARY,
                     context_lines=context_lines)
    diff.find_similar(flags=DiffFind.FIND_RENAMES)
    return diff.patch or ""


def tree_paths(location: str | Path, rev: str) -> list[str]:
    """Every file path in `rev`'s tree (`git ls-tree -r --name-only`), sorted."""
    repo = open_repo(str(location))
    return sorted(path for path, _entry in _walk(repo, _commit(repo, rev).tree, ""))


def read_text(location: str | Path, rev: str, path: str) -> str | None:
    """The content of `path` at `rev` as text (UTF-8 with replacement); None when it is not a file there."""
    repo = open_repo(str(location))
    try:
        entry = _commit(repo, rev).tree[path]
    except KeyError:
        return None
    blob = repo[entry.id]
    return blob.data.decode("utf-8", "replace") if isinstance(blob, pygit2.Blob) else None


def archive(location: str | Path, rev: str) -> bytes:
    """The tree of `rev` as an uncompressed tar, as `git archive --format=tar` lays it out but without running a
    filter: files with their mode (644 or 755), symlinks, every entry dated at the commit time, owner root.
    Submodules (commits in the tree) are left out, as git archive leaves their content out."""
    repo = open_repo(str(location))
    commit = _commit(repo, rev)
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path, entry in sorted(_walk(repo, commit.tree, ""), key=lambda pe: pe[0]):
            info = tarfile.TarInfo(path)
            info.mtime = commit.commit_time
            info.uname = info.gname = "root"
            data = repo[entry.id].data
            if entry.filemode == FileMode.LINK:
                info.type, info.linkname, info.mode = tarfile.SYMTYPE, data.decode("utf-8", "surrogateescape"), 0o777
                tar.addfile(info)
                continue
            info.mode = 0o755 if entry.filemode == FileMode.BLOB_EXECUTABLE else 0o644
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def _walk(repo: pygit2.Repository, tree: pygit2.Tree, prefix: str):
    """(path, entry) of every blob and symlink under `tree`; submodule entries are skipped."""
    for entry in tree:
        path = f"{prefix}{entry.name}"
        if entry.filemode == FileMode.TREE:
            yield from _walk(repo, repo[entry.id], f"{path}/")
        elif entry.filemode in (FileMode.BLOB, FileMode.BLOB_EXECUTABLE, FileMode.LINK):
            yield path, entry
