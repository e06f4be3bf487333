"""A repository's identity for provenance: `owner/name` and its web page, not the folder it happens to sit in.

Every exported row, system prompt, corpus document and review page names the repository it came from, so four
bare clones each called `repo` must not all become "repo". In order of trust:

1. a name the user declared: `--repo PATH=owner/name` (or `=host/owner/name`, which also gives the web page), or
   a `name` column in a sources table;
2. the clone URL the source was given as;
3. the local clone's `origin` remote;
4. the folder's basename, as a last resort, with the parent folder's name in front when the basename says
   nothing (`repo`, `.git`, `src`, ...), and made unique within the run (`-2`, `-3` in a stable order).

The web page (for links to exact commits) is known when the host is: from the URL, the remote, or a declared
`host/owner/name`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePath

import pygit2

from codemill.git.repo import open_repo
from codemill.sources.spec import CASE_INSENSITIVE_HOSTS, normalise_url

_DECLARED = re.compile(r"^(?:(?P<host>[\w-]+(?:\.[\w-]+)+)/)?(?P<owner>[\w.-]+)/(?P<name>[\w.-]+)$")
GENERIC_FOLDERS = frozenset({"repo", "repos", "repository", ".git", "git", "src", "source", "code", "project",
                             "mirror", "clone", "checkout", "work", "main", "master"})


@dataclass(frozen=True)
class Identity:
    name: str  # owner/name where known, else a unique folder-derived name
    web_url: str | None  # https page on a known forge, for links to commits


def is_declared(name: str | None) -> bool:
    """Whether `name` reads as `owner/name` or `host/owner/name` (what a declared name must be)."""
    return bool(name and _DECLARED.match(name.strip()))


def split_declared(spec: str) -> tuple[str, str | None]:
    """`PATH=owner/name` -> (PATH, owner/name); a spec without a declared name comes back as it is."""
    head, sep, tail = spec.rpartition("=")
    if sep and head and _DECLARED.match(tail.strip()):
        return head, tail.strip()
    return spec, None


def from_declared(declared: str) -> Identity:
    m = _DECLARED.match(declared)
    if m is None:
        raise ValueError(f"not owner/name or host/owner/name: {declared!r}")
    host = (m["host"] or "").lower()
    name = f"{m['owner']}/{m['name'].removesuffix('.git')}"
    return Identity(name, f"https://{host}/{name}" if host in CASE_INSENSITIVE_HOSTS else None)


def from_url(url: str | None) -> Identity | None:
    """owner/name (the path's last two parts) of a clone URL, with its page when the host is a known forge."""
    if not url:
        return None
    try:
        ident = normalise_url(url)
    except ValueError:
        return None
    host, _, path = ident.partition("/")
    parts = [p for p in path.split("/") if p]
    if len(parts) < 2:
        return None
    name = "/".join(parts[-2:])
    page = f"https://{host}/{path}" if host.split(":")[0] in CASE_INSENSITIVE_HOSTS else None
    return Identity(name, page)


def origin_url(location: str | None) -> str | None:
    """The clone's `origin` remote URL, if it has one (read from the repository's own config)."""
    try:
        return open_repo(location).remotes["origin"].url if location else None
    except (pygit2.GitError, KeyError, ValueError):
        return None


def folder_name(location: str) -> str:
    """The basename, or `parent/basename` when the basename alone says nothing (`…/psf+requests/repo`)."""
    p = PurePath(location.rstrip("/"))
    if p.name == ".git":
        p = p.parent
    name = p.name.removesuffix(".git") or p.name
    return f"{p.parent.name}/{name}" if name.lower() in GENERIC_FOLDERS and p.parent.name else name


def identities(sources: Iterable[tuple[str, str | None, str | None, str | None]]) -> dict[str, Identity]:
    """repo_id -> Identity for (repo_id, declared name, url, location) rows; folder names made unique in
    repo_id order, so the same sources always get the same names."""
    out: dict[str, Identity] = {}
    fallback: list[tuple[str, str]] = []
    for repo_id, declared, url, location in sorted(sources, key=lambda s: s[0]):
        ident = (from_declared(declared) if declared else None) or from_url(url) or from_url(origin_url(location))
        if ident is not None:
            out[repo_id] = ident
        else:
            fallback.append((repo_id, folder_name(location or repo_id)))
    taken = {i.name for i in out.values()}
    for repo_id, name in fallback:
        unique, n = name, 1
        while unique in taken:
            n += 1
            unique = f"{name}-{n}"
        taken.add(unique)
        out[repo_id] = Identity(unique, None)
    return out
