"""`events`: each GH Archive dump read once per run, its events about the run's repositories kept as rows.

`issues` and `reviews` each need every dump's events for their repository; reading the dumps per repository cost
two decompressions of every dump per repository. Here each dump is one shard (key: its path) that keeps the issue,
pull request and comment events (`github.archive.WANTED`) of every kept repository with a github.com identity
(`github.identity`, matched ignoring case as the archive reader does), sorted by repository, and `issues` and
`reviews` fold one repository's rows (`event_index`, `read_repo_events`).

A shard's input digest is the dump's size and mtime (as the per-repository read used; hashing the content would
read every dump at every plan) and the set of repositories, so an added hour runs one shard and an added
repository every shard. Its config digest covers only `[issues] archive`, the one setting it reads: turning the
API on or off re-reads nothing.

A malformed line is a dropped row (`malformed`, detail `file:line: why`); a truncated or corrupt dump, or an
`archive` path that does not exist, fails its shard, naming the file, and every `issues` and `reviews` shard fails
with it (the rest of that hour is lost, and a fold without it would look complete). The other dumps' parts stay.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import pyarrow as pa
import pyarrow.parquet as pq

from codemill.engine.reads import Reads, check_read
from codemill.engine.stage import PlanContext, Shard, ShardOutput, Stage, read_part
from codemill.github.archive import ArchiveError, ArchiveReport, Event, archive_files, read_events
from codemill.github.identity import IDENTITY_COLUMNS, github_identity
from codemill.ids import digest_json, stable_id

SCHEMA = pa.schema([
    ("line_id", pa.string()),  # H(file:line, the row's content): a repository's ids change iff its events do
    ("github", pa.string()),  # owner/name in lower case: what `issues` and `reviews` look their repository up by
    ("repo", pa.string()),  # owner/name as the event spells it
    ("line", pa.int64()),  # in the decompressed dump, from 1
    ("event_id", pa.string()),
    ("type", pa.string()),
    ("actor", pa.string()),
    ("created_at", pa.timestamp("us", tz="UTC")),
    ("payload", pa.large_string()),  # the event's payload, JSON
])


@dataclass(frozen=True)
class Dump:
    """A shard's work: one dump and the repositories (lower-case owner/name) whose events it keeps."""

    path: str
    repos: tuple[str, ...]
    missing: str | None = None  # why the configured path cannot be read; the shard then fails with it


@dataclass(frozen=True)
class RepoEvents:
    """Where one repository's events are, and the dumps that could not be read (then there is no fold)."""

    parts: tuple[tuple[str, str], ...]  # (dump, its part's path in the run directory), in dump order
    failed: tuple[str, ...]  # `dump: error` of every failed `events` shard
    digest: str  # changes iff the repository's rows or the failures do


def dumps(paths: list[str]) -> dict[str, tuple[int, int] | str]:
    """Every dump the configured paths name, with its (size, mtime); a path that does not exist, with why."""
    found: dict[str, tuple[int, int] | str] = {}
    for p in paths:
        try:
            files = archive_files([p])
        except FileNotFoundError as e:
            found[str(p)] = str(e)
            continue
        for f in files:
            st = f.stat()
            found[str(f)] = (st.st_size, st.st_mtime_ns)
    return found


def dump_order(key: str) -> Path:
    """Dumps are read in `archive_files` order (paths, not strings), which decides which copy of a re-crawled
    event counts."""
    return Path(key)


def event_row(ev: Event) -> dict:
    payload = json.dumps(ev.payload, ensure_ascii=False, separators=(",", ":"))
    row = {"github": ev.repo.lower(), "repo": ev.repo, "line": int(ev.where.rpartition(":")[2]),
           "event_id": ev.id, "type": ev.type, "actor": ev.actor, "created_at": ev.created_at, "payload": payload}
    content = digest_json({**row, "created_at": ev.created_at.isoformat()})
    return {"line_id": stable_id("event_line", ev.where, content), **row}


def row_event(row: dict, where: str) -> Event:
    return Event(id=row["event_id"], type=row["type"], repo=row["repo"], actor=row["actor"],
                 created_at=row["created_at"], payload=json.loads(row["payload"]), where=f"{where}:{row['line']}")


class EventsStage(Stage[Dump]):
    name = "events"
    upstream = ("repos",)
    reads: ClassVar[Reads] = {"repos": IDENTITY_COLUMNS}
    section_name = "issues"  # `[issues] archive` names the dumps
    config_keys = ("issues.archive",)  # and nothing else of the section changes what it reads
    schema = SCHEMA
    id_column = "line_id"
    row_group_rows = 512  # rows sorted by repository: a repository's read skips the other groups

    def plan(self, ctx: PlanContext) -> list[Shard]:
        archive = self.config.issues.archive
        if not archive:
            return []
        repos = sorted({gh.lower() for _key, art in ctx.kept_parts("repos")
                        for row in read_part(ctx.run_dir, art, IDENTITY_COLUMNS).to_pylist()
                        if (gh := github_identity(row)) is not None})
        if not repos:
            return []
        return [Shard(path, digest_json([state, repos]),
                      Dump(path, tuple(repos), state if isinstance(state, str) else None))
                for path, state in dumps(archive).items()]

    def run(self, shard: Shard, out: ShardOutput) -> None:
        dump: Dump = shard.payload
        if dump.missing is not None:
            raise FileNotFoundError(dump.missing)
        report = ArchiveReport()
        rows = [event_row(ev) for ev in read_events([dump.path], dump.repos, report)]
        out.count("events.dumps_read")
        out.count("events.lines", report.lines)
        out.count("events.skipped", report.skipped)  # other repositories and event types
        for row in sorted(rows, key=lambda r: (r["github"], r["line"])):
            out.keep(row)
        for problem in report.malformed:
            out.drop({"line_id": stable_id("event_line", problem)}, "malformed", problem)


@dataclass(frozen=True)
class EventIndex:
    """Which `events` parts hold each repository's rows, read at plan time from two small columns only."""

    parts: dict[str, list[tuple[str, str, list[str]]]]  # owner/name -> (dump, part, line ids), in dump order
    failed: tuple[str, ...]

    def of(self, gh: str) -> RepoEvents:
        parts = self.parts.get(gh.lower(), [])
        return RepoEvents(tuple((d, p) for d, p, _ in parts), self.failed, digest_json([parts, self.failed]))


def event_index(ctx: PlanContext) -> EventIndex:
    manifest = ctx.upstream["events"]
    failed = tuple(f"{key}: {error}" for key, error in sorted(manifest.failed.items()))
    found: dict[str, list[tuple[str, str, list[str]]]] = {}
    for key, art in sorted(ctx.kept_parts("events"), key=lambda ka: dump_order(ka[0])):
        ids: dict[str, list[str]] = {}
        for r in read_part(ctx.run_dir, art, ["github", "line_id"]).to_pylist():
            ids.setdefault(r["github"], []).append(r["line_id"])
        for gh, lines in ids.items():
            found.setdefault(gh, []).append((key, art.path, lines))
    return EventIndex(found, failed)


def read_repo_events(run_dir: Path, events: RepoEvents, gh: str) -> list[Event]:
    """The repository's events in dump and line order; raises when a dump could not be read."""
    if events.failed:
        raise ArchiveError(f"events of {len(events.failed)} dump(s) are missing: {'; '.join(events.failed)}")
    out: list[Event] = []
    for dump, path in events.parts:
        check_read(path, None)  # the reading stage declares `events` whole rows
        table = pq.read_table(run_dir / path, filters=[("github", "=", gh.lower())])  # skips others' row groups
        out += [row_event(r, dump) for r in table.to_pylist()]
    return out
