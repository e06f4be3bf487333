"""Reading GH Archive hourly dumps (`YYYY-MM-DD-H.json.gz`, one Events API event per line) into records.

An issue or pull request appears once per thing that happened to it (opened, edited, labeled, closed, merged),
each event carrying the object as it was then. Folding keeps the latest state: events are applied in
(`created_at`, event id) order, never in file order, so any order or grouping of the hourly files gives the
same records. Each event updates only the fields its payload carries, because since 2025-10-07 GitHub sends
`pull_request` as a stub (`url`, `id`, `number`, `head`, `base`) and reports a merge as its own `merged`
action: a stub must not blank the title an earlier, full event gave. What the payload no longer says is taken
from the event itself: the actor of `opened` is the author, the time of `merged` the merge time.

A malformed line is skipped and listed in the report (file:line and why); a truncated or corrupt gzip stops
the read with an error naming the file, since the rest of that hour is lost and the caller must know.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, fields
from datetime import datetime
from pathlib import Path
from typing import Any

from codemill.github.events import Comment, Issue, PullRequest, ReviewComment, parse_time

WANTED = ("IssuesEvent", "IssueCommentEvent", "PullRequestEvent", "PullRequestReviewEvent",
          "PullRequestReviewCommentEvent")

# Which JSON keys each record field is read from: a field is updated only when one of its keys is present.
ISSUE_KEYS = {"title": ("title",), "body": ("body",), "labels": ("labels",), "state": ("state",),
              "author": ("user",), "created_at": ("created_at",), "closed_at": ("closed_at",),
              "is_pull_request": ("pull_request",)}
PULL_KEYS = {"title": ("title",), "body": ("body",), "labels": ("labels",), "state": ("state",),
             "merged": ("merged", "merged_at"), "merged_at": ("merged_at",),
             "merge_commit_sha": ("merge_commit_sha",), "head_sha": ("head",), "base_ref": ("base",),
             "author": ("user",), "created_at": ("created_at",), "closed_at": ("closed_at",)}
# What each object must carry for its event to be usable at all.
REQUIRED = {"IssuesEvent": (("issue", "number"),),
            "IssueCommentEvent": (("issue", "number"), ("comment", "id")),
            "PullRequestEvent": (("pull_request", "number"),),
            "PullRequestReviewEvent": (("pull_request", "number"), ("review", "id")),
            "PullRequestReviewCommentEvent": (("pull_request", "number"), ("comment", "id"))}


class ArchiveError(RuntimeError):
    """A dump that cannot be read to its end (truncated download, corrupt gzip)."""


@dataclass
class ArchiveReport:
    """What a read saw: `malformed` lists every skipped line as `file:line: reason`."""

    files: int = 0
    lines: int = 0
    events: int = 0
    skipped: int = 0
    duplicates: int = 0
    malformed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Event:
    id: str
    type: str
    repo: str
    actor: str
    created_at: datetime
    payload: dict
    where: str

    def order(self) -> tuple:
        return self.created_at, int(self.id) if self.id.isdigit() else -1, self.id


@dataclass
class ArchiveData:
    """Latest state of every issue, pull request and comment of the selected repositories."""

    issues: list[Issue]
    pulls: list[PullRequest]
    comments: list[Comment]
    review_comments: list[ReviewComment]
    report: ArchiveReport


def archive_files(paths: Iterable[str | Path]) -> list[Path]:
    """The dumps named, with folders expanded to the `*.json.gz` files under them, in name order."""
    found: set[Path] = set()
    for p in map(Path, paths):
        if p.is_dir():
            found.update(p.rglob("*.json.gz"))
        elif p.is_file():
            found.add(p)
        else:
            raise FileNotFoundError(f"no GH Archive file or folder at {p}")
    return sorted(found)


def _problem(obj: Any) -> str | None:
    """Why a decoded line is not a usable event, or None."""
    if not isinstance(obj, dict):
        return "not a JSON object"
    if not isinstance(obj.get("type"), str):
        return "no event type"
    if not isinstance(obj.get("repo"), dict) or not isinstance(obj["repo"].get("name"), str):
        return "no repo.name"
    if obj.get("id") is None or not isinstance(obj.get("created_at"), str):
        return "no id or created_at"
    if obj["type"] not in REQUIRED:
        return None
    payload = obj.get("payload")
    if not isinstance(payload, dict):
        return "no payload"
    for key, sub in REQUIRED[obj["type"]]:
        inner = payload.get(key)
        number = payload.get("number") if (key, sub) == ("pull_request", "number") else None
        if not isinstance(inner, dict) or not isinstance(inner.get(sub, number), int):
            return f"no payload.{key}.{sub}"
    return None


def read_events(paths: Iterable[str | Path], repos: Iterable[str] | None = None,
                report: ArchiveReport | None = None) -> Iterator[Event]:
    """The issue, pull request and comment events of `repos` (`owner/name`, any case; None for all)."""
    report = report if report is not None else ArchiveReport()
    wanted_repos = {r.lower() for r in repos} if repos is not None else None
    for path in archive_files(paths):
        report.files += 1
        try:
            with gzip.open(path, "rb") as fh:
                for lineno, raw in enumerate(fh, 1):
                    report.lines += 1
                    if not raw.strip():
                        continue
                    where = f"{path}:{lineno}"
                    try:
                        obj = json.loads(raw)
                    except ValueError as exc:
                        report.malformed.append(f"{where}: invalid JSON ({exc})")
                        continue
                    problem = _problem(obj)
                    if problem is None and obj["type"] in WANTED:
                        try:
                            created = parse_time(obj["created_at"])
                        except ValueError:
                            problem = f"bad created_at {obj['created_at']!r}"
                    if problem:
                        report.malformed.append(f"{where}: {problem}")
                        continue
                    name = obj["repo"]["name"]
                    if obj["type"] not in WANTED or (wanted_repos is not None and name.lower() not in wanted_repos):
                        report.skipped += 1
                        continue
                    report.events += 1
                    yield Event(id=str(obj["id"]), type=obj["type"], repo=name,
                                actor=(obj.get("actor") or {}).get("login", ""), created_at=created,
                                payload=obj["payload"], where=where)
        except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
            raise ArchiveError(f"{path}: truncated or corrupt gzip ({exc})") from exc


def _present(record: Any, obj: dict, keys: dict[str, tuple[str, ...]]) -> dict[str, Any]:
    """The fields of `record` whose JSON keys `obj` actually has."""
    return {f: getattr(record, f) for f, ks in keys.items() if any(k in obj for k in ks)}


def _update(state: dict, key: tuple, explicit: dict, forced: dict | None = None, defaults: dict | None = None) -> None:
    """Apply one event: the action's implications, then what the payload says, then gaps the event fills."""
    new = {**state.get(key, {}), **(forced or {}), **explicit}
    for k, v in (defaults or {}).items():
        if new.get(k) in (None, ""):
            new[k] = v
    state[key] = new


class _Folder:
    def __init__(self) -> None:
        self.issues: dict[tuple, dict] = {}
        self.pulls: dict[tuple, dict] = {}
        self.comments: dict[int, Comment | None] = {}
        self.review_comments: dict[int, ReviewComment | None] = {}

    def issue(self, ev: Event, obj: dict, action: str | None) -> int:
        number = int(obj["number"])
        forced, defaults = {}, {}
        if action == "opened":
            defaults = {"author": ev.actor, "created_at": ev.created_at}
        elif action == "closed":
            forced, defaults = {"state": "closed"}, {"closed_at": ev.created_at}
        elif action == "reopened":
            forced = {"state": "open", "closed_at": None}
        explicit = _present(Issue.from_json(ev.repo, obj), obj, ISSUE_KEYS)
        _update(self.issues, (ev.repo.lower(), number), {"repo": ev.repo, **explicit}, forced, defaults)
        return number

    def pull(self, ev: Event, obj: dict, action: str | None, number: int) -> None:
        forced, defaults = {}, {}
        if action == "opened":
            defaults = {"author": ev.actor, "created_at": ev.created_at}
        elif action == "closed":
            forced, defaults = {"state": "closed"}, {"closed_at": ev.created_at}
        elif action == "merged":
            forced = {"state": "closed", "merged": True}
            defaults = {"merged_at": ev.created_at, "closed_at": ev.created_at}
        elif action == "reopened":
            forced = {"state": "open", "closed_at": None, "merged": False, "merged_at": None}
        explicit = _present(PullRequest.from_json(ev.repo, {"number": number, **obj}), obj, PULL_KEYS)
        _update(self.pulls, (ev.repo.lower(), number), {"repo": ev.repo, **explicit}, forced, defaults)

    def apply(self, ev: Event) -> None:
        p, action = ev.payload, ev.payload.get("action")
        if ev.type == "IssuesEvent":
            self.issue(ev, p["issue"], action)
        elif ev.type == "IssueCommentEvent":
            number = self.issue(ev, p["issue"], None)
            c = Comment.from_json(ev.repo, number, p["comment"])
            self.comments[c.id] = None if action == "deleted" else c
        elif ev.type == "PullRequestEvent":
            pr = p["pull_request"]
            self.pull(ev, pr, action, int(pr.get("number", p.get("number"))))
        elif ev.type == "PullRequestReviewEvent":
            number = int(p["pull_request"]["number"])
            self.pull(ev, p["pull_request"], None, number)
            review = p["review"]
            if review.get("body"):
                c = Comment.from_json(ev.repo, number, review, kind="review")
                self.comments[c.id] = c
        elif ev.type == "PullRequestReviewCommentEvent":
            number = int(p["pull_request"]["number"])
            self.pull(ev, p["pull_request"], None, number)
            rc = ReviewComment.from_json(ev.repo, number, p["comment"])
            self.review_comments[rc.id] = None if action == "deleted" else rc


def fold(events: Iterable[Event]) -> tuple[list[Issue], list[PullRequest], list[Comment], list[ReviewComment]]:
    """Latest state per issue, pull request and comment, whatever order `events` come in."""
    folder = _Folder()
    for ev in sorted(events, key=Event.order):
        folder.apply(ev)
    issue_fields = {f.name for f in fields(Issue)}
    pull_fields = {f.name for f in fields(PullRequest)}
    issues = [Issue(number=k[1], **{f: v for f, v in d.items() if f in issue_fields})
              for k, d in sorted(folder.issues.items())]
    pulls = [PullRequest(number=k[1], **{f: v for f, v in d.items() if f in pull_fields})
             for k, d in sorted(folder.pulls.items())]
    comments = sorted((c for c in folder.comments.values() if c), key=lambda c: (c.repo.lower(), c.number, c.id))
    reviews = sorted((c for c in folder.review_comments.values() if c), key=lambda c: (c.repo.lower(), c.number, c.id))
    return issues, pulls, comments, reviews


def fold_unique(events: Iterable[Event], report: ArchiveReport) -> ArchiveData:
    """Fold events read in dump order; an event present in two files (overlapping crawls) counts once, as first
    seen. The `events` stage stores what `read_events` yields, and `issues` and `reviews` fold it here."""
    unique: dict[str, Event] = {}
    for ev in events:
        if ev.id in unique:
            report.duplicates += 1
        else:
            unique[ev.id] = ev
    issues, pulls, comments, reviews = fold(unique.values())
    return ArchiveData(issues=issues, pulls=pulls, comments=comments, review_comments=reviews, report=report)


def read_archive(paths: Iterable[str | Path], repos: Iterable[str] | None = None) -> ArchiveData:
    """Read and fold dumps."""
    report = ArchiveReport()
    return fold_unique(read_events(paths, repos, report), report)
