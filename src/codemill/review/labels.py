"""The reviewers' judgments: a SQLite database inside the run directory, beside (never inside) the stages.

`DIR/review/labels.sqlite` holds `labels`, one current verdict per (stage, item, reviewer), and `events`, every
judgment ever made (the audit trail: a changed mind is a new event and an updated label). Two reviewers (two
browser tabs, two desks on one directory) write safely at once: the database is in WAL mode, every write is one
`BEGIN IMMEDIATE` transaction that inserts the event and upserts the label together, and a writer that finds the
database busy waits (`busy_timeout`) instead of failing.

A verdict is about the example, whatever the pipeline decided: `accept` means a good training example, `reject`
a bad one (with a reason), `skip` no opinion (it withdraws an earlier verdict). A judgment also records what the
pipeline decided (kept, or the drop reason), the category, score and score components at the time, and the stage
manifest's digest, so statistics and calibration stay meaningful after the run directory moves on.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

REVIEW_DIR = "review"
DB_NAME = "labels.sqlite"
VERDICTS = ("accept", "reject", "skip")
MAX_REVIEWER = 64
MAX_REASON = 500
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    stage TEXT NOT NULL, item_id TEXT NOT NULL, reviewer TEXT NOT NULL,
    verdict TEXT NOT NULL CHECK (verdict IN ('accept', 'reject', 'skip')), reason TEXT,
    role TEXT NOT NULL CHECK (role IN ('kept', 'dropped')), drop_reason TEXT,
    repo_id TEXT, category TEXT, score REAL, features TEXT NOT NULL DEFAULT '{}',
    manifest_digest TEXT NOT NULL, at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS labels (
    stage TEXT NOT NULL, item_id TEXT NOT NULL, reviewer TEXT NOT NULL,
    verdict TEXT NOT NULL CHECK (verdict IN ('accept', 'reject', 'skip')), reason TEXT,
    role TEXT NOT NULL CHECK (role IN ('kept', 'dropped')), drop_reason TEXT,
    repo_id TEXT, category TEXT, score REAL, features TEXT NOT NULL DEFAULT '{}',
    manifest_digest TEXT NOT NULL, at TEXT NOT NULL, event_id INTEGER NOT NULL REFERENCES events(id),
    PRIMARY KEY (stage, item_id, reviewer)
);
CREATE INDEX IF NOT EXISTS labels_by_item ON labels (stage, item_id);
"""
_COLUMNS = ("stage", "item_id", "reviewer", "verdict", "reason", "role", "drop_reason", "repo_id", "category",
            "score", "features", "manifest_digest", "at")


class LabelError(ValueError):
    """A judgment that cannot be stored as given (unknown verdict, no reviewer, ...)."""


@dataclass(frozen=True)
class Judgment:
    stage: str
    item_id: str
    reviewer: str
    verdict: str
    role: str  # what the pipeline decided: kept or dropped
    manifest_digest: str
    reason: str | None = None  # why rejected
    drop_reason: str | None = None
    repo_id: str | None = None
    category: str | None = None
    score: float | None = None
    features: dict[str, float | None] = field(default_factory=dict)  # score components at the time
    at: str = ""

    def check(self) -> Judgment:
        reviewer = " ".join(self.reviewer.split())
        if not reviewer:
            raise LabelError("a judgment needs a reviewer name")
        if len(reviewer) > MAX_REVIEWER:
            raise LabelError(f"a reviewer name has at most {MAX_REVIEWER} characters")
        if self.verdict not in VERDICTS:
            raise LabelError(f"verdict must be one of {', '.join(VERDICTS)}, not {self.verdict!r}")
        if self.role not in ("kept", "dropped"):
            raise LabelError(f"role must be kept or dropped, not {self.role!r}")
        reason = (self.reason or "").strip() or None
        if reason and len(reason) > MAX_REASON:
            raise LabelError(f"a reason has at most {MAX_REASON} characters")
        at = self.at or datetime.now(UTC).isoformat(timespec="seconds")
        return Judgment(**{**asdict(self), "reviewer": reviewer, "reason": reason, "at": at})

    def values(self) -> tuple:
        d = asdict(self)
        d["features"] = json.dumps(self.features, sort_keys=True)
        return tuple(d[c] for c in _COLUMNS)

    @staticmethod
    def from_row(row: sqlite3.Row) -> Judgment:
        d = {c: row[c] for c in _COLUMNS}
        d["features"] = json.loads(d["features"] or "{}")
        return Judgment(**d)


def db_path(run_dir: Path) -> Path:
    return Path(run_dir) / REVIEW_DIR / DB_NAME


class LabelStore:
    """The labels database of one run directory. Each thread has its own connection, kept open: closing the last
    connection checkpoints the WAL with an fsync, which would cost every verdict one."""

    def __init__(self, path: Path, busy_timeout_s: float = 30.0):
        self.path = Path(path)
        self.busy_timeout_s = busy_timeout_s
        self._local = threading.local()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._create()

    @classmethod
    def for_run(cls, run_dir: Path) -> LabelStore:
        return cls(db_path(run_dir))

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=self.busy_timeout_s, isolation_level=None)
            db.row_factory = sqlite3.Row
            db.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_s * 1000)}")
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = FULL")  # a verdict is human time: each commit is fsynced
            db.execute("PRAGMA foreign_keys = ON")
            self._local.db = db
        yield db

    def close(self) -> None:
        """Close this thread's connection (others close when their thread or the process ends)."""
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    def _create(self) -> None:
        with self._connect() as db, _transaction(db):
            for statement in filter(str.strip, _SCHEMA.split(";")):
                db.execute(statement)
            found = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            if found is None:
                db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            elif int(found[0]) != SCHEMA_VERSION:
                raise LabelError(f"{self.path} has labels schema {found[0]}; this codemill reads {SCHEMA_VERSION}")

    def record(self, judgment: Judgment) -> Judgment:
        """Store one judgment (event + current label) in one transaction; returns it as stored."""
        j = judgment.check()
        cols = ", ".join(_COLUMNS)
        marks = ", ".join("?" for _ in _COLUMNS)
        updates = ", ".join(f"{c} = excluded.{c}" for c in _COLUMNS if c not in ("stage", "item_id", "reviewer"))
        with self._connect() as db, _transaction(db):
            cur = db.execute(f"INSERT INTO events ({cols}) VALUES ({marks})", j.values())
            db.execute(f"INSERT INTO labels ({cols}, event_id) VALUES ({marks}, ?) "
                       f"ON CONFLICT (stage, item_id, reviewer) DO UPDATE SET {updates}, event_id = excluded.event_id",
                       (*j.values(), cur.lastrowid))
        return j

    def labels(self, stage: str | None = None) -> list[Judgment]:
        """Current verdicts (skips included), in the order they were last changed."""
        where, args = ("WHERE stage = ?", (stage,)) if stage else ("", ())
        with self._connect() as db:
            rows = db.execute(f"SELECT * FROM labels {where} ORDER BY event_id", args).fetchall()
        return [Judgment.from_row(r) for r in rows]

    def verdicts(self, stage: str, item_ids: list[str]) -> dict[str, dict[str, str]]:
        """item id -> reviewer -> verdict, for the given items of a stage."""
        out: dict[str, dict[str, str]] = {}
        with self._connect() as db:
            for start in range(0, len(item_ids), 500):
                chunk = item_ids[start:start + 500]
                marks = ", ".join("?" for _ in chunk)
                for r in db.execute(f"SELECT item_id, reviewer, verdict, reason FROM labels WHERE stage = ? "
                                    f"AND item_id IN ({marks})", (stage, *chunk)):
                    v = r["verdict"] + (f" ({r['reason']})" if r["reason"] else "")
                    out.setdefault(r["item_id"], {})[r["reviewer"]] = v
        return out

    def events(self) -> int:
        with self._connect() as db:
            return db.execute("SELECT count(*) FROM events").fetchone()[0]

    def integrity(self) -> str:
        with self._connect() as db:
            return db.execute("PRAGMA integrity_check").fetchone()[0]


@contextmanager
def _transaction(db: sqlite3.Connection) -> Iterator[None]:
    """BEGIN IMMEDIATE: take the write lock up front, so two writers queue instead of deadlocking on upgrade."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
