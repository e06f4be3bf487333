"""Read-only access to a run directory for the review desk: funnels, rows by position or by id, joins, links.

Nothing here writes: parts are opened for reading only, and every read is checked against the manifest the
caller saw (its digest) and the id it expects, so a run re-writing the directory underneath gives a `Conflict`
(HTTP 409) naming what changed, never a wrong row or a crash.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from codemill.config import ConfigError, load_config
from codemill.engine.artifacts import Artifact
from codemill.engine.manifest import JOURNAL, Manifest, load_manifest
from codemill.pipeline import CONFIG_FILE, PIPELINE, STAGES
from codemill.samples import InspectError
from codemill.sources.identity import from_url, origin_url

ROLES = ("kept", "dropped")
# Forges whose commit pages we link to, and the path of a commit page under the repository's page.
COMMIT_PATHS = {"github.com": "commit", "gitlab.com": "-/commit"}


class ReviewError(InspectError):
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


def read_table(run_dir: Path, stage: str, path: str, columns: list[str] | None = None) -> pa.Table:
    """A part, read only; a part that vanished or is torn (a run replacing it) is a `Conflict`."""
    try:
        with open(run_dir / path, "rb") as f:
            return pq.read_table(f, columns=columns)
    except FileNotFoundError:
        raise _conflict(stage, f"{path} is gone") from None
    except (OSError, pa.ArrowException) as e:
        raise _conflict(stage, f"{path} cannot be read ({e})") from None


def read_names(run_dir: Path, stage: str, path: str) -> list[str]:
    """The column names of a part, read only (a `Conflict` like `read_table`)."""
    try:
        with open(run_dir / path, "rb") as f:
            return pq.read_schema(f).names
    except FileNotFoundError:
        raise _conflict(stage, f"{path} is gone") from None
    except (OSError, pa.ArrowException) as e:
        raise _conflict(stage, f"{path} cannot be read ({e})") from None


class Run:
    """One run directory, read only. Caches joins (repository links) per manifest digest."""

    def __init__(self, run_dir: Path):
        self.dir = Path(run_dir).resolve()
        if not self.dir.is_dir():
            raise NotFound(f"no run directory at {run_dir}")
        self._lock = threading.Lock()
        self._links: tuple[str, dict[str, str | None]] | None = None

    # ---------------------------------------------------------------- manifests and funnels
    def manifest(self, stage: str) -> Manifest:
        if stage not in STAGES:
            raise NotFound(f"unknown stage {stage!r}; stages are {', '.join(STAGES)}")
        m = load_manifest(self.dir / stage)
        if m is None:
            raise NotFound(f"stage {stage!r} has no manifest in {self.dir}: it has not run (or its manifest is "
                           "being rewritten)")
        return m

    def stages(self) -> list[str]:
        """Stages with a manifest, in pipeline order."""
        return [cls.name for cls in PIPELINE if (self.dir / cls.name / "manifest.json").is_file()]

    def funnel(self, stage: str) -> Funnel:
        m = self.manifest(stage)
        t = m.totals()
        return Funnel(stage, t["in"], t["kept"], t["dropped"], t["drop_reasons"], m.complete,
                      (self.dir / stage / JOURNAL).exists(), m.digest(), STAGES[stage].id_column is not None)

    def states(self) -> dict[str, str]:
        """done / stale (why) / missing per stage, judged against the run's own config.toml."""
        from codemill.pipeline import stage_states

        path = self.dir / CONFIG_FILE
        try:
            states = stage_states(self.dir, load_config(path if path.is_file() else None))
        except ConfigError:  # an unreadable config, or a user stage that no longer loads
            return {}
        return {name: s.state + (f": {s.why}" if s.why else "") for name, s in states.items()}

    def parts(self, stage: str, role: str, manifest: Manifest | None = None) -> list[Artifact]:
        if role not in ROLES:
            raise ReviewError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
        m = manifest or self.manifest(stage)
        return [a for a in m.artifacts() if a.role == role and a.rows]

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
        table = read_table(self.dir, stage, loc.path)
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
                ids = read_table(self.dir, stage, a.path, [col]).column(0)
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
        m = load_manifest(self.dir / "repos") or load_manifest(self.dir / "sources")
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
                rows = read_table(self.dir, m.stage, a.path, cols).to_pylist()
            except Conflict:
                continue
            for r in rows:
                pages[r["repo_id"]] = forge_page(r.get("web_url")) or forge_page(r.get("url")) or \
                    forge_page(origin_url(r.get("location")))
        with self._lock:
            self._links = (m.digest(), pages)
        return pages


def forge_page(url: str | None) -> str | None:
    """`https://host/owner/name` for a github.com or gitlab.com repository URL (https, ssh or scp form)."""
    ident = from_url(url)
    page = ident.web_url if ident else None
    return page if page and page.split("/")[2] in COMMIT_PATHS else None


