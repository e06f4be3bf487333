"""Source specs: what the user named, expanded to repositories and given a normalised repo id.

A spec is a local repository (bare or with a work tree), a folder holding repositories (found recursively),
or a clone URL. URL forms that name the same repository (scheme, `.git` suffix, scp-style, case on hosts that
ignore it) normalise to one id, so a repository is never milled twice.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

_SCP = re.compile(r"^(?:[\w.-]+@)?(?P<host>[\w.-]+):(?P<path>(?!//)[^\\]+)$")
_URL = re.compile(r"^(?P<scheme>[a-z][a-z0-9+.-]*)://(?:[^@/]+@)?(?P<host>[^/]+)(?P<path>/.*)?$", re.I)
CASE_INSENSITIVE_HOSTS = {"github.com", "gitlab.com", "bitbucket.org", "codeberg.org"}


@dataclass(frozen=True)
class Source:
    """One repository to mill. `location` is a local git directory (for URLs, the cached clone)."""

    spec: str
    repo_id: str
    location: str | None
    url: str | None = None
    error: str | None = None  # why it could not be resolved (clone failure), if it could not
    name: str | None = None  # owner/name (or host/owner/name) the user declared: `--repo PATH=owner/name`


def is_url(spec: str) -> bool:
    if _URL.match(spec):
        return not spec.lower().startswith("file://")
    return bool(_SCP.match(spec)) and not os.path.exists(spec)


def normalise_url(url: str) -> str:
    """A canonical id for a clone URL: host[:port]/path, no scheme, user, `.git` suffix or trailing slash."""
    m = _URL.match(url)
    if m:
        host, path = m["host"], m["path"] or ""
    else:
        s = _SCP.match(url)
        if not s:
            raise ValueError(f"not a clone URL: {url}")
        host, path = s["host"], "/" + s["path"]
    host = host.lower()
    path = re.sub(r"/+", "/", path).rstrip("/")
    if path.endswith(".git"):
        path = path[:-4]
    if host.split(":")[0] in CASE_INSENSITIVE_HOSTS:
        path = path.lower()
    return host + path


def web_url(repo_id: str) -> str | None:
    """The https page of a repository on a known forge, for links to exact commits."""
    host = repo_id.split("/", 1)[0]
    return f"https://{repo_id}" if host in CASE_INSENSITIVE_HOSTS else None


def is_git_dir(path: Path) -> bool:
    """A bare repository or a .git directory: HEAD, objects/ and refs/ present."""
    return (path / "HEAD").is_file() and (path / "objects").is_dir() and (path / "refs").is_dir()


def is_repository(path: Path) -> bool:
    git = path / ".git"
    return (git.is_dir() and is_git_dir(git)) or git.is_file() or is_git_dir(path)


def find_repositories(folder: Path) -> list[Path]:
    """Every repository under `folder`, not descending into one once found; symlinks are not followed."""
    found: list[Path] = []
    for root, dirs, _files in os.walk(folder, followlinks=False):
        p = Path(root)
        if is_repository(p):
            found.append(p)
            dirs.clear()
            continue
        dirs[:] = sorted(d for d in dirs if d not in (".git", "node_modules"))
    return sorted(found)


def expand(spec: str) -> list[tuple[str, str]]:
    """(spec, target) pairs: a URL stays one; a folder of repositories becomes one per repository.

    A path that is neither a repository nor holds any is kept as is, so the repos stage reports it.
    """
    if is_url(spec):
        return [(spec, spec)]
    path = Path(spec.removeprefix("file://")).expanduser()
    if path.is_dir() and not is_repository(path):
        repos = find_repositories(path)
        if repos:
            return [(spec, str(r.resolve())) for r in repos]
    return [(spec, str(path.resolve()) if path.exists() else str(path.absolute()))]


def local_repo_id(path: str) -> str:
    p = Path(path)
    if p.name == ".git" and is_git_dir(p):
        p = p.parent
    return str(p)
