"""Read-only access to a run directory for the review desk: funnels, rows by position or by id, joins, links.

Everything is read through `codemill.rundir` (read only); its `RunDirError` becomes the desk's answer here: a
stage that has not run (or whose manifest cannot be read) is `NotFound`, a part that vanished or is torn is a
`Conflict`. Every read is checked against the manifest the caller saw (its digest) and the id it expects, so a
run re-writing the directory underneath gives a `Conflict` (HTTP 409) naming what changed, never a wrong row or a
crash.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import pyarrow as pa
import pyarrow.compute as pc

from codemill.config import ConfigError
from codemill.engine.artifacts import Artifact
from codemill.engine.manifest import Manifest
from codemill.pipeline import PIPELINE, STAGES, stages_of
from codemill.rundir import Role, RunDir, RunDirError
from codemill.sources.identity import from_url, origin_url

ROLES = ("kept", "dropped")
# Forges whose commit pages we link to, and the path of a commit page under the repository's page.
COMMIT_PATHS = {"github.com": "commit", "gitlab.com": "-/commit"}


class ReviewError(ValueError):
    """A request the desk cannot serve; `status` is the HTTP status it answers with."""

    status = 400


class NotFound(ReviewError):
    status = 404


class Conflict(ReviewError):
    """The run directory changed (or is changing) under the request: reload and try again."""

    status = 409


@dataclass(frozen=True)
class Funnel:
    stage: str
    rows_in: int
    kept: int
    dropped: int
    drop_reasons: dict[str, int]
    complete: bool
    running: bool  # a journal exists: a run is re-writing this stage right now
    digest: str
    rows: bool  # the stage writes rows (not only files, like `export` and `corpus`)


@dataclass(frozen=True)
class Located:
    """A row's place in a stage: its part and row number, under the manifest with `digest`."""

    path: str
    index: int
    item_id: str
    role: str


def id_column(stage: str) -> str:
    if stage not in STAGES:
        raise NotFound(f"unknown stage {stage!r}; stages are {', '.join(STAGES)}")
    col = STAGES[stage].id_column
    if col is None:
        raise NotFound(f"stage {stage!r} writes files, not rows; there is nothing to review row by row")
    return col


def _conflict(stage: str, what: str) -> Conflict:
    return Conflict(f"the run directory changed while reading {stage}: {what}; it is being re-written or was "
                    "re-run, so reload the page (a sample is redrawn from the new parts)")


class Run:
    """One run directory, read only (`RunDirError` when it is none). Caches joins (repository links) per manifest
    digest."""

    def __init__(self, run_dir: Path):
        self.rundir = RunDir(Path(run_dir).resolve())
        self.dir = self.rundir.path
        self._lock = threading.Lock()
        self._links: tuple[str, dict[str, str | None]] | None = None

    # ---------------------------------------------------------------- manifests and funnels
    def manifest(self, stage: str) -> Manifest:
        if stage not in STAGES:
            raise NotFound(f"unknown stage {stage!r}; stages are {', '.join(STAGES)}")
        try:
            return self.rundir.manifest(stage)
        except RunDirError as e:
            raise NotFound(str(e)) from None

    def stages(self) -> list[str]:
        """Stages with a manifest, in pipeline order."""
        return [cls.name for cls in PIPELINE if self.rundir.has_manifest(cls.name)]

    def funnel(self, stage: str) -> Funnel:
        m = self.manifest(stage)
        t = m.totals()
        return Funnel(stage, t["in"], t["kept"], t["dropped"], t["drop_reasons"], m.complete,
                      self.rundir.running(stage), m.digest(), STAGES[stage].id_column is not None)

    def states(self) -> dict[str, str]:
        """done / stale (why) / missing per stage, judged against the run's own config.toml (none when it cannot
        be used)."""
        try:
            config = self.rundir.config()
            states = self.rundir.states(stages_of(config), config)
        except (RunDirError, ConfigError):  # an unusable config, or a user stage that no longer loads
            return {}
        return {name: s.state + (f": {s.why}" if s.why else "") for name, s in states.items()}

    def parts(self, stage: str, role: str, manifest: Manifest | None = None) -> list[Artifact]:
        if role not in ROLES:
            raise ReviewError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
        return self.rundir.parts(manifest or self.manifest(stage), cast(Role, role))

    def read(self, stage: str, path: str, columns: list[str] | None = None) -> pa.Table:
        """A part of `stage`; one that vanished or is torn (a run replacing it) is a `Conflict`."""
        try:
            return self.rundir.read(path, columns)
        except RunDirError as e:
            raise _conflict(stage, str(e)) from None

    def names(self, stage: str, path: str) -> list[str]:
        """The column names of a part (a `Conflict` like `read`)."""
        try:
            return self.rundir.names(path)
        except RunDirError as e:
            raise _conflict(stage, str(e)) from None

    def check_digest(self, stage: str, digest: str) -> Manifest:
        """The stage's manifest, if it is still the one with `digest` (a prefix will do); else a Conflict."""
        m = self.manifest(stage)
        now = m.digest()
        if not digest or not now.startswith(digest):
            raise Conflict(f"stage {stage} was re-written since this page was drawn (manifest {digest[:12] or '?'} "
                           f"-> {now[:12]}); reload the sample to review the new rows")
        return m

    # ---------------------------------------------------------------- rows
    def row_at(self, stage: str, loc: Located) -> dict:
        """The row at `loc`, checked to be the one with `loc.item_id`."""
        table = self.read(stage, loc.path)
        if loc.index >= table.num_rows:
            raise _conflict(stage, f"{loc.path} has {table.num_rows} rows now")
        row = table.slice(loc.index, 1).to_pylist()[0]
        if row.get(id_column(stage)) != loc.item_id:
            raise _conflict(stage, f"row {loc.index} of {loc.path} is no longer {loc.item_id}")
        return row

    def locate(self, stage: str, item_id: str, manifest: Manifest | None = None) -> Located:
        """Where the row with `item_id` is (kept or dropped); NotFound when no part holds it."""
        col = id_column(stage)
        m = manifest or self.manifest(stage)
        for role in ROLES:
            for a in self.parts(stage, role, m):
                ids = self.read(stage, a.path, [col]).column(0)
                hit = pc.indices_nonzero(pc.equal(ids, item_id)).to_pylist()
                if hit:
                    return Located(a.path, hit[0], item_id, role)
        raise NotFound(f"no row with {col} {item_id!r} in stage {stage}")

    def find(self, stage: str, item_id: str) -> tuple[Located, dict]:
        loc = self.locate(stage, item_id)
        return loc, self.row_at(stage, loc)

    def lookup(self, stage: str, item_id: str) -> dict | None:
        """The row of another stage joined by id (a `select` row's pair, a `dedup` row's file), or None."""
        try:
            return self.find(stage, item_id)[1]
        except NotFound:
            return None

    # ---------------------------------------------------------------- provenance
    def commit_url(self, row: dict) -> str | None:
        """A link to the exact commit on GitHub or GitLab, when the repository has such a web URL."""
        sha = row.get("commit_sha") or row.get("base_commit") or row.get("sha")
        stored = row.get("web_url")
        if stored and "/commit/" in stored:
            return stored
        base = self._repo_pages().get(row.get("repo_id") or "")
        if not base or not sha:
            return None
        host = base.split("/")[2]
        return f"{base}/{COMMIT_PATHS[host]}/{sha}"

    def _repo_pages(self) -> dict[str, str | None]:
        """repo_id -> https page on GitHub/GitLab: the stored web URL or clone URL, else the clone's origin."""
        m = self._readable("repos") or self._readable("sources")
        if m is None:
            return {}
        with self._lock:
            if self._links is not None and self._links[0] == m.digest():
                return self._links[1]
        pages: dict[str, str | None] = {}
        cols = ["repo_id", "url", "web_url", "location"]
        for a in m.artifacts():
            if a.role != "kept" or not a.rows:
                continue
            try:
                rows = self.read(m.stage, a.path, cols).to_pylist()
            except Conflict:
                continue
            for r in rows:
                pages[r["repo_id"]] = forge_page(r.get("web_url")) or forge_page(r.get("url")) or \
                    forge_page(origin_url(r.get("location")))
        with self._lock:
            self._links = (m.digest(), pages)
        return pages

    def _readable(self, stage: str) -> Manifest | None:
        """The stage's manifest, or None when it has not run or cannot be read (links are a nicety)."""
        try:
            return self.rundir.manifest(stage)
        except RunDirError:
            return None


def forge_page(url: str | None) -> str | None:
    """`https://host/owner/name` for a github.com or gitlab.com repository URL (https, ssh or scp form)."""
    ident = from_url(url)
    page = ident.web_url if ident else None
    return page if page and page.split("/")[2] in COMMIT_PATHS else None


