"""Records of GitHub history (issues, pull requests, comments), parsed from GitHub's own JSON shapes.

The REST API and the Events API (and so GH Archive) embed the same issue, pull request and comment objects, so
one parser per record serves both. Every field the JSON may lack has a neutral default: since 2025-10-07 the
Events API strips `pull_request` down to `url`, `id`, `number`, `head` and `base`, and the archive reader has
to fold such stubs with fuller objects seen earlier.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


def parse_time(value: str | None) -> datetime | None:
    """GitHub's ISO 8601 timestamps (`2011-04-14T16:00:49Z`) as timezone-aware UTC datetimes."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def login(user: Any) -> str:
    """The login of a user object; deleted accounts come back as `null` (shown as ghost on github.com)."""
    return user.get("login", "") if isinstance(user, dict) else ""


def label_names(labels: Any) -> tuple[str, ...]:
    return tuple(sorted(lab["name"] for lab in labels or () if isinstance(lab, dict) and "name" in lab))


@dataclass(frozen=True)
class Issue:
    """An issue, or the issue side of a pull request (`is_pull_request`): the issues endpoint lists both."""

    repo: str
    number: int
    title: str = ""
    body: str = ""
    labels: tuple[str, ...] = ()
    state: str = "open"
    author: str = ""
    created_at: datetime | None = None
    closed_at: datetime | None = None
    is_pull_request: bool = False

    @classmethod
    def from_json(cls, repo: str, obj: dict) -> Issue:
        return cls(repo=repo, number=int(obj["number"]), title=obj.get("title") or "", body=obj.get("body") or "",
                   labels=label_names(obj.get("labels")), state=obj.get("state") or "open",
                   author=login(obj.get("user")), created_at=parse_time(obj.get("created_at")),
                   closed_at=parse_time(obj.get("closed_at")), is_pull_request="pull_request" in obj)


@dataclass(frozen=True)
class PullRequest:
    """A pull request; `commits` holds its head commits when they were fetched, and is empty otherwise."""

    repo: str
    number: int
    title: str = ""
    body: str = ""
    labels: tuple[str, ...] = ()
    state: str = "open"
    merged: bool = False
    merged_at: datetime | None = None
    merge_commit_sha: str | None = None
    head_sha: str | None = None
    base_ref: str | None = None
    author: str = ""
    created_at: datetime | None = None
    closed_at: datetime | None = None
    commits: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, repo: str, obj: dict) -> PullRequest:
        # The list endpoint omits `merged`; a merge time is the same fact there.
        merged_at = parse_time(obj.get("merged_at"))
        return cls(repo=repo, number=int(obj["number"]), title=obj.get("title") or "", body=obj.get("body") or "",
                   labels=label_names(obj.get("labels")), state=obj.get("state") or "open",
                   merged=bool(obj.get("merged", merged_at is not None)), merged_at=merged_at,
                   merge_commit_sha=obj.get("merge_commit_sha"), head_sha=(obj.get("head") or {}).get("sha"),
                   base_ref=(obj.get("base") or {}).get("ref"), author=login(obj.get("user")),
                   created_at=parse_time(obj.get("created_at")), closed_at=parse_time(obj.get("closed_at")))


@dataclass(frozen=True)
class Comment:
    """A conversation comment on an issue or pull request (`kind="issue"`), or a review's top-level body
    (`kind="review"`): both read as discussion, unlike review comments, which sit on a diff line."""

    repo: str
    number: int
    id: int
    author: str
    body: str
    created_at: datetime | None
    kind: str = "issue"

    @classmethod
    def from_json(cls, repo: str, number: int, obj: dict, kind: str = "issue") -> Comment:
        created = obj.get("created_at") or obj.get("submitted_at")
        return cls(repo=repo, number=number, id=int(obj["id"]), author=login(obj.get("user")),
                   body=obj.get("body") or "", created_at=parse_time(created), kind=kind)


@dataclass(frozen=True)
class ReviewComment:
    """A comment on a line of a pull request's diff: with `diff_hunk` and the commits it was made against, it
    is the "review comment → change that answered it" half of a training pair."""

    repo: str
    number: int
    id: int
    path: str
    diff_hunk: str
    body: str
    commit_id: str | None
    original_commit_id: str | None
    line: int | None
    created_at: datetime | None
    author: str
    in_reply_to: int | None = None

    @classmethod
    def from_json(cls, repo: str, number: int, obj: dict) -> ReviewComment:
        return cls(repo=repo, number=number, id=int(obj["id"]), path=obj.get("path") or "",
                   diff_hunk=obj.get("diff_hunk") or "", body=obj.get("body") or "",
                   commit_id=obj.get("commit_id"), original_commit_id=obj.get("original_commit_id"),
                   line=obj.get("line"), created_at=parse_time(obj.get("created_at")),
                   author=login(obj.get("user")), in_reply_to=obj.get("in_reply_to_id"))


@dataclass(frozen=True)
class PullCommit:
    """One commit of a pull request's head, as the pull request's commits endpoint lists it."""

    sha: str
    message: str
    author: str
    authored_at: datetime | None

    @classmethod
    def from_json(cls, obj: dict) -> PullCommit:
        commit = obj.get("commit") or {}
        git_author = commit.get("author") or {}
        return cls(sha=obj["sha"], message=commit.get("message") or "",
                   author=login(obj.get("author")) or git_author.get("name", ""),
                   authored_at=parse_time(git_author.get("date")))
