"""What a stage is: a pure function from input shards and its config sections to output parts.

A stage plans shards (each with a stable key and a digest of exactly the input it will read), and runs one
shard at a time, writing kept and dropped records through `ShardOutput`. Everything else (reuse, parallelism,
manifests, checksums, crash recovery) is the engine's job, so a stage module states only its logic.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, ClassVar, Generic, TypeVar

import pyarrow as pa
import pyarrow.parquet as pq

from codemill.engine import fingerprint
from codemill.engine.artifacts import ROW_GROUP_ROWS, Artifact, ParquetRowWriter, atomic_write, sha256_file
from codemill.engine.reads import Reads, check_read
from codemill.engine.version import stage_code_version

if TYPE_CHECKING:
    from codemill.config import Config, Section
    from codemill.engine.manifest import Manifest
    from codemill.sources.spec import Source

DROP_REASON = "drop_reason"
DROP_DETAIL = "drop_detail"


P = TypeVar("P")


@dataclass(frozen=True)
class Shard(Generic[P]):
    """A unit of work. `key` is stable across runs; `inputs_digest` changes iff its input does. `payload` is what
    `run` needs beyond the config: a frozen dataclass per stage (or one artifact or row), never a bare tuple,
    so a field renamed on one side fails where it is named."""

    key: str
    inputs_digest: str
    payload: P = None  # type: ignore[assignment]


def part_name(part: int) -> str:
    return f"part-{part:05d}.parquet"


def with_drop_columns(schema: pa.Schema) -> pa.Schema:
    return schema.append(pa.field(DROP_REASON, pa.string())).append(pa.field(DROP_DETAIL, pa.string()))


class ShardOutput:
    """Where a running shard writes. A stage calls `keep(row)` or `drop(row, reason, detail)` for every input
    row; the engine streams them to the shard's kept and dropped parts, counts reasons, and records every
    artifact with its checksum and row count when the shard closes.
    """

    def __init__(self, run_dir: Path, stage: str, part: int, schema: pa.Schema | None, row_group_rows: int):
        self.run_dir = run_dir
        self.stage = stage
        self.part = part
        self.schema = schema
        self.row_group_rows = row_group_rows
        self.artifacts: list[Artifact] = []
        self.rows_in = 0
        self.kept = 0
        self.drop_reasons: Counter[str] = Counter()
        self.counters: Counter[str] = Counter()
        self._kept: ParquetRowWriter | None = None
        self._dropped: ParquetRowWriter | None = None

    def _writer(self, dropped: bool) -> ParquetRowWriter:
        assert self.schema is not None, f"{self.stage} writes rows but declares no schema"
        if dropped:
            if self._dropped is None:
                final = self.run_dir / self.stage / "dropped" / part_name(self.part)
                self._dropped = ParquetRowWriter(final, with_drop_columns(self.schema), self.row_group_rows)
            return self._dropped
        if self._kept is None:
            final = self.run_dir / self.stage / part_name(self.part)
            self._kept = ParquetRowWriter(final, self.schema, self.row_group_rows)
        return self._kept

    def keep(self, row: dict) -> None:
        self._writer(dropped=False).add(row)
        self.rows_in += 1
        self.kept += 1

    def drop(self, row: dict, reason: str, detail: str | None = None) -> None:
        if not reason:
            raise ValueError(f"{self.stage}: a dropped row needs a reason")
        self._writer(dropped=True).add({**row, DROP_REASON: reason, DROP_DETAIL: detail})
        self.rows_in += 1
        self.drop_reasons[reason] += 1

    def count(self, name: str, n: int = 1) -> None:
        """Count something the stage did (not a drop), e.g. `redacted.EMAIL`; summed into the manifest."""
        if n:
            self.counters[name] += n

    def close(self) -> None:
        """Publish the parts: kept always (possibly empty, so every shard has one), dropped when any."""
        if self.schema is not None:
            self._writer(dropped=False)
        for w, role in ((self._kept, "kept"), (self._dropped, "dropped")):
            if w is not None:
                w.close()
                self._record(w.final, w.rows, role)

    def abort(self) -> None:
        for w in (self._kept, self._dropped):
            if w is not None:
                w.abort()

    def _record(self, final: Path, rows: int, role: str) -> None:
        rel = final.relative_to(self.run_dir).as_posix()
        self.artifacts.append(Artifact(rel, sha256_file(final), rows, final.stat().st_size, role))

    def adopt_file(self, rel: str, rows: int = 0) -> None:
        """Record a file a format library wrote (atomically) under the stage's folder, with its checksum."""
        final = self.run_dir / self.stage / rel
        if not final.is_file():
            raise FileNotFoundError(f"{self.stage}: {rel} was not written")
        self._record(final, rows, "file")

    def write_file(self, rel: str, write: Callable[[BinaryIO], None], rows: int = 0) -> None:
        """Write a free-form file (an export) under the stage's folder."""
        final = self.run_dir / self.stage / rel
        atomic_write(final, write)
        self._record(final, rows, "file")


class Stage(ABC, Generic[P]):
    """Base class of every stage, generic in its shard payload type. Subclasses set the class attributes and
    implement `plan` and `run`."""

    name: ClassVar[str]
    upstream: ClassVar[tuple[str, ...]] = ()
    schema: ClassVar[pa.Schema | None] = None
    id_column: ClassVar[str | None] = None  # unique across kept and dropped rows; checked after every run
    row_group_rows: ClassVar[int] = ROW_GROUP_ROWS  # smaller for stages with large rows, to bound memory
    # Files (relative to the stage folder) that hold state no input can rebuild (dedup's ledger): kept on disk
    # when a failed run leaves them unlisted, so a failure never erases them.
    state_files: ClassVar[tuple[str, ...]] = ()
    # The config sections the stage reads besides its own (a policy shared with another stage). Their digest is
    # part of the stage's fingerprint, so changing any of them re-runs the stage.
    also_reads: ClassVar[tuple[str, ...]] = ()
    # The config section the stage is configured by, when it is not named like the stage (the three steps of
    # deduplication share the `dedup` section). A stage with no section of its own sets it to "".
    section_name: ClassVar[str | None] = None
    # The columns read from each upstream's kept parts (`engine.reads`): a column tuple, or ROWS for whole rows.
    # Checked against the upstream's parts when the run is planned and at every read; None: not checked.
    reads: ClassVar[Reads | None] = None
    # A user stage's section (`[stages.<name>]`) is free-form in the config file; this model, when set, types it
    # and rejects unknown keys when the pipeline loads the stage (`section` returns it validated).
    config_model: ClassVar[type[Section] | None] = None
    # The `section.key`s the stage reads, when it reads only part of its sections (`events` reads `issues.archive`
    # alone): only they are digested then, so the rest of the section can change without re-running it.
    config_keys: ClassVar[tuple[str, ...]] = ()
    # Bumped by hand when what the stage produces changes in a way its code digest cannot see: a module it loads
    # by name, data it reads at run time (`engine.version`).
    version: ClassVar[int] = 1

    @classmethod
    def code_version(cls) -> str:
        """The version of the code this stage runs: its module's static imports and the engine, digested."""
        return stage_code_version(cls.__module__, cls.version)

    @classmethod
    def sections(cls) -> tuple[str, ...]:
        return fingerprint.sections(cls.name, cls.section_name, cls.also_reads)

    @classmethod
    def config_digest(cls, config: Config) -> str:
        return fingerprint.config_digest(config, cls.sections(), cls.config_keys)

    def __init__(self, config: Config):
        self.config = config

    @property
    def section(self) -> Section:
        raw = self.config.section(self.name if self.section_name is None else self.section_name)
        return raw if self.config_model is None else self.config_model.model_validate(raw.model_dump())

    @abstractmethod
    def plan(self, ctx: PlanContext) -> list[Shard[P]]:
        """The shards for this run, from the upstream manifests (and, for the first stage, the sources)."""

    @abstractmethod
    def run(self, shard: Shard[P], out: ShardOutput) -> None:
        """Process one shard; must depend on nothing but the shard and the sections the stage reads."""


@dataclass
class PlanContext:
    run_dir: Path
    upstream: dict[str, Manifest]
    sources: list[Source] = field(default_factory=list)

    def kept_parts(self, stage: str) -> Iterator[tuple[str, Artifact]]:
        """(shard key, artifact) of every kept part of an upstream stage, in key order."""
        manifest = self.upstream[stage]
        for key in sorted(manifest.shards):
            for art in manifest.shards[key].artifacts:
                if art.role == "kept":
                    yield key, art


def read_part(run_dir: Path, artifact: Artifact, columns: list[str] | None = None) -> pa.Table:
    check_read(artifact.path, columns)
    return pq.read_table(run_dir / artifact.path, columns=columns)


def iter_batches(run_dir: Path, artifact: Artifact, batch_rows: int = 256,
                 columns: list[str] | None = None) -> Iterator[list[dict]]:
    """The rows of a part as lists of dicts, a batch at a time, so memory follows the batch and not the part."""
    check_read(artifact.path, columns)
    with pq.ParquetFile(run_dir / artifact.path) as f:
        for batch in f.iter_batches(batch_size=batch_rows, columns=columns):
            yield batch.to_pylist()


def iter_rows(run_dir: Path, artifact: Artifact, batch_rows: int = 256,
              columns: list[str] | None = None) -> Iterator[dict]:
    """The rows of a part as dicts, read a batch at a time."""
    for batch in iter_batches(run_dir, artifact, batch_rows, columns):
        yield from batch


@dataclass
class Timer:
    start: float = field(default_factory=time.perf_counter)

    def seconds(self) -> float:
        return round(time.perf_counter() - self.start, 3)
