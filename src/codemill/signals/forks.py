"""Indications that a repository is a fork or a mirror of a project that lives elsewhere. No network: only the
repository's own config, its head tree and its history are read. Each indication is named, and fires on one
precise condition:

- `upstream_remote`: the repository's config defines a remote named `upstream` (what a fork's clone
  conventionally calls its parent). Bare clones made by codemill have only `origin`.
- `origin_url_mirror`: the URL of the `origin` remote is a network URL whose path (owner, group or name) has
  the word `mirror`/`mirrors` between `-`, `_`, `.` or `/` (github.com/gcc-mirror/gcc, gitlab.com/mirrors/x,
  github.com/me/foo-mirror).
- `readme_mirror`: the head README's opening (first 50 lines, at most 8 KiB) describes the repository as a
  mirror: "read-only mirror", "is a/an/the … mirror (of|from)", a sentence or heading starting "[A …] mirror
  of", or "is (automatically) mirrored".
- `readme_fork`: the same opening describes it as a fork: "is/was a … fork of/from", a sentence or heading
  starting "[A …] fork of", or "forked from".
- `bulk_import_root`: the first-parent root commit holds at least 500 files and those paths still make up at
  least half of the head tree: the history starts with an import of a project from elsewhere.
- `mirror_committer`: every reachable commit has the same committer email and that committer's name or
  email names a mirroring or syncing tool (mirror, sync, copybara, svn2git, git-svn, importer, exporter …).
- `git_svn_mirror`: the head commit's message carries a `git-svn-id:` line, so the branch is still fed from
  a Subversion repository.
"""

from __future__ import annotations

import re

BULK_IMPORT_MIN_FILES = 500
BULK_IMPORT_HEAD_SHARE = 0.5
README_MAX_BYTES = 8192
README_MAX_LINES = 50

_ADJ = r"(?:(?!to\b|and\b|or\b)[\w-]+\s+){0,3}"  # up to three adjectives: "unofficial read-only GitHub"
_README_MIRROR = re.compile(
    r"\bread[- ]?only\s+(?:git\s+|github\s+)?mirror\b"
    rf"|\b(?:is|are)\s+(?:(?:just|merely|only|now)\s+)?(?:an?|the)\s+{_ADJ}mirror(?:\s+(?:of|from|for)\b|\s*[.,;:!()]|\s*$)"
    r"|(?:^|[.!?]\s)\s*(?:#+\s*)?(?:(?:an?|the)\s+)?(?:[\w-]+\s+){0,2}mirror\s+(?:of|from)\b"
    r"|\b(?:is|are)\s+(?:(?:automatically|periodically|regularly|being)\s+)?mirrored\b",
    re.I | re.M)
_README_FORK = re.compile(
    rf"\b(?:is|are|was)\s+(?:(?:just|merely|now)\s+)?(?:an?|the)\s+{_ADJ}fork(?:\s+(?:of|from)\b|\s*[.,;:!()]|\s*$)"
    r"|(?:^|[.!?]\s)\s*(?:#+\s*)?(?:(?:an?|the)\s+)?(?:[\w-]+\s+){0,2}fork\s+of\b"
    r"|\bforked\s+from\b",
    re.I | re.M)
_MIRROR_WORD = re.compile(r"(?:^|[-_./])mirrors?(?:$|[-_./])", re.I)
_NETWORK_URL = re.compile(r"^(?:[a-z][a-z0-9+.-]*://(?:[^@/]*@)?[^/]+|[^@/:\s]+@[^/:\s]+:)(?P<path>.*)$", re.I)
_MIRROR_TOOL = re.compile(
    r"(?:^|[^a-z])(?:mirror\w*|copybara\w*|svn2git|git-?svn|sync(?:er|bot|hronizer)?|import(?:er|bot)"
    r"|export(?:er|bot)|replicat\w*)(?:$|[^a-z])", re.I)
_GIT_SVN_ID = re.compile(r"^git-svn-id: \S+@\d+ [0-9a-f-]{36}\s*$", re.M)


def url_names_mirror(url: str) -> bool:
    m = _NETWORK_URL.match(url.strip())
    if not m:
        return False
    path = m["path"].strip("/").removesuffix(".git")
    return bool(_MIRROR_WORD.search(path))


def readme_opening(data: bytes) -> str:
    text = data[:README_MAX_BYTES].decode("utf-8", "replace")
    text = "\n".join(text.splitlines()[:README_MAX_LINES])
    text = re.sub(r"[*`\[\]]|<[^>\n]*>", " ", text)  # markdown emphasis, link brackets, HTML tags
    return re.sub(r"[ \t]+", " ", text)


def readme_says_mirror(text: str) -> bool:
    return bool(_README_MIRROR.search(text))


def readme_says_fork(text: str) -> bool:
    return bool(_README_FORK.search(text))


def is_bulk_import(root_paths: set[str], head_paths: set[str]) -> bool:
    if len(root_paths) < BULK_IMPORT_MIN_FILES or not head_paths:
        return False
    return len(root_paths & head_paths) >= BULK_IMPORT_HEAD_SHARE * len(head_paths)


def names_mirror_tool(name: str, email: str) -> bool:
    return bool(_MIRROR_TOOL.search(name) or _MIRROR_TOOL.search(email))


def has_git_svn_id(message: str) -> bool:
    return bool(_GIT_SVN_ID.search(message))
