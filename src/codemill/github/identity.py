"""Which github.com repository a kept repository is: the `owner/name` its GitHub history is filed under.

Kept apart from the stages so that `events` (which folds the dumps for every such repository) and `issues` /
`reviews` (which read one repository's share) match repositories one way.
"""

from __future__ import annotations

import re

from codemill.sources.identity import origin_url

# owner/name of a github.com clone or page URL: https, ssh://, scp-style `git@github.com:o/n.git`, any user.
GITHUB_RE = re.compile(
    r"^(?:[a-z][a-z0-9+.-]*://)?(?:[^@/]+@)?github\.com(?::\d+)?[:/]+(?P<owner>[\w.-]+)/(?P<name>[\w.-]+?)"
    r"(?:\.git)?/*$", re.IGNORECASE)
# The columns of a `repos` row that `github_identity` reads.
IDENTITY_COLUMNS = ["url", "web_url", "location"]


def github_repo(url: str | None) -> str | None:
    """`owner/name` of a github.com URL, else None."""
    m = GITHUB_RE.match(url or "")
    return f"{m['owner']}/{m['name']}" if m else None


def github_identity(row: dict) -> str | None:
    """The repository's `owner/name` on GitHub: from its URL or page, else from the local clone's origin (a
    local clone of a GitHub repository says where it came from; a fork's origin is the fork)."""
    return github_repo(row["url"]) or github_repo(row["web_url"]) or github_repo(origin_url(row["location"]))
