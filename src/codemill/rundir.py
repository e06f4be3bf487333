"""One read-only view of a run directory, for every tool that reads one (inspect, report, review, calibrate, the
tokenizer command): the run's own config, each stage's manifest, its kept and dropped parts, the files it wrote,
the registered sources and the quarantine list.

Every way a run directory can fail a reader raises `RunDirError`, naming the path and what is missing or corrupt
(not a run directory, a stage that has not run, a manifest or part that cannot be read), so each command reports
it the same way. Nothing here writes: files are opened for reading only, and nothing is created, not even a
folder. Like the engine, it knows no stage: whoever needs stage states passes the stage classes.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Literal

from codemill.config import Config, ConfigError, load_config
from codemill.engine.artifacts import Artifact
from codemill.engine.manifest import JOURNAL, MANIFEST, Manifest
from codemill.engine.quarantine import QUARANTINE_FILE, Quarantined
from codemill.engine.status import StageState, stage_states
from codemill.layout import CONFIG_FILE, SOURCES_FILE

if TYPE_CHECKING:  # pyarrow is imported by the methods that read Parquet: `codemill status` reads none
    import pyarrow as pa

    from codemill.engine.stage import Stage

Role = Literal["kept", "dropped"]
StageRef = str | Manifest  # a stage by name, or the manifest a caller already holds (reads then follow that one)


class RunDirError(ValueError):
    """A run directory that cannot be read as asked; the message names the path and what is missing or corrupt."""


class RunDir:
    """A run directory opened for reading. Manifests are read afresh on every call: a run may rewrite them."""

    def __init__(self, path: Path):
        self.path = Path(path)
        if "://" in str(path) or str(self.path).startswith(("s3:/", "gs:/")):  # Path("s3://b/r") is s3:/b/r
            raise RunDirError(f"{path}: this command reads a local run directory (status, inspect and verify also "
                              "take s3:// URLs); copy the run down first, e.g. `aws s3 sync`")
        if not self.path.is_dir():
            raise RunDirError(f"no run directory at {self.path}")
        if not self._looks_like_a_run():
            raise RunDirError(f"{self.path} is not a run directory: it holds no stage manifest, {CONFIG_FILE} or "
                              f"{SOURCES_FILE} (`codemill run --out {self.path}` makes one)")

    def _looks_like_a_run(self) -> bool:
        return (self.path / CONFIG_FILE).is_file() or (self.path / SOURCES_FILE).is_file() or \
            any(p.is_file() for p in self.path.glob(f"*/{MANIFEST}"))

    # ---------------------------------------------------------------- the run's config
    @property
    def has_config(self) -> bool:
        return (self.path / CONFIG_FILE).is_file()

    def config_data(self) -> dict[str, Any]:
        """`config.toml` as the run wrote it (TOML data; empty when it wrote none)."""
        path = self.path / CONFIG_FILE
        if not path.is_file():
            return {}
        try:
            return tomllib.loads(path.read_text())
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
            raise RunDirError(f"the run's config {path} cannot be read ({e})") from None

    def config(self) -> Config:
        """The run's own config, validated; the defaults when it wrote none (a run cut before its first stage)."""
        path = self.path / CONFIG_FILE
        try:
            return load_config(path if path.is_file() else None)
        except ConfigError as e:
            raise RunDirError(f"the run's config {path} cannot be used: {e}") from None

    def states(self, stages: Sequence[type[Stage]], config: Config | None = None) -> dict[str, StageState]:
        """Each of `stages` done, stale or missing, judged against the run's own config unless given one."""
        return stage_states(self.path, config or self.config(), stages)

    # ---------------------------------------------------------------- manifests
    def _stage_dir(self, stage: str) -> Path:
        if not stage or Path(stage).name != stage or stage.startswith("."):
            raise RunDirError(f"{stage!r} is not a stage name")
        return self.path / stage

    def has_manifest(self, stage: str) -> bool:
        return (self._stage_dir(stage) / MANIFEST).is_file()

    def running(self, stage: str) -> bool:
        """A journal exists: a run is writing this stage now (or was killed while it did)."""
        return (self._stage_dir(stage) / JOURNAL).exists()

    def manifest(self, stage: StageRef) -> Manifest:
        if isinstance(stage, Manifest):
            return stage
        path = self._stage_dir(stage) / MANIFEST
        if not path.is_file():
            raise RunDirError(f"stage {stage!r} has not run in {self.path}: there is no {path}")
        try:
            return Manifest.from_json(json.loads(path.read_text()))
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
            raise RunDirError(f"{path} cannot be read ({type(e).__name__}: {e}); re-run the pipeline to rewrite "
                              "it") from None

    def manifest_or_none(self, stage: str) -> Manifest | None:
        """The manifest, or None when the stage has not run; one that exists but cannot be read is still an error."""
        return self.manifest(stage) if (self._stage_dir(stage) / MANIFEST).exists() else None

    # ---------------------------------------------------------------- parts
    def parts(self, stage: StageRef, role: Role) -> list[Artifact]:
        """The stage's non-empty kept or dropped parts, in manifest order."""
        return [a for a in self.manifest(stage).artifacts() if a.role == role and a.rows]

    def files(self, stage: StageRef) -> list[Artifact]:
        """The files the stage wrote beside its parts (exports, `select/splits.json`, ...)."""
        return [a for a in self.manifest(stage).artifacts() if a.role == "file"]

    def _open(self, part: Artifact | str) -> tuple[Path, BinaryIO]:
        full = self.path / (part.path if isinstance(part, Artifact) else part)
        try:
            return full, open(full, "rb")
        except FileNotFoundError:
            raise RunDirError(f"{full} is missing: its manifest lists it (`codemill run` rebuilds it)") from None
        except OSError as e:
            raise RunDirError(f"{full} cannot be read ({e})") from None

    def read(self, part: Artifact | str, columns: list[str] | None = None) -> pa.Table:
        """One part (an artifact, or its path in the run directory), only `columns` when given."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        full, f = self._open(part)
        with f:
            try:
                return pq.read_table(f, columns=columns)
            except (OSError, pa.ArrowException) as e:
                raise RunDirError(f"{full} cannot be read ({e}); `codemill verify {self.path}` checks every "
                                  "part") from None

    def names(self, part: Artifact | str) -> list[str]:
        """The column names of a part, from its footer alone."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        full, f = self._open(part)
        with f:
            try:
                return pq.read_schema(f).names
            except (OSError, pa.ArrowException) as e:
                raise RunDirError(f"{full} cannot be read ({e}); `codemill verify {self.path}` checks every "
                                  "part") from None

    def table(self, stage: StageRef, role: Role, columns: list[str] | None = None) -> pa.Table:
        """Every kept (or dropped) part of the stage as one table; an empty one when the stage has none."""
        import pyarrow as pa

        tables = [self.read(a, columns) for a in self.parts(stage, role)]
        if not tables:
            return pa.table({c: pa.nulls(0) for c in columns or []})
        return pa.concat_tables(tables, promote_options="permissive")

    def rows(self, stage: StageRef, role: Role, columns: list[str] | None = None,
             batch_rows: int = 256) -> Iterator[dict]:
        """The stage's rows as dicts, a batch at a time, so memory follows the batch and not the part."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        for a in self.parts(stage, role):
            full, f = self._open(a)
            with f:
                try:
                    for batch in pq.ParquetFile(f).iter_batches(batch_size=batch_rows, columns=columns):
                        yield from batch.to_pylist()
                except (OSError, pa.ArrowException) as e:
                    raise RunDirError(f"{full} cannot be read ({e}); `codemill verify {self.path}` checks every "
                                      "part") from None

    # ---------------------------------------------------------------- files beside the parts
    def stage_file(self, stage: StageRef, rel: str) -> Path | None:
        """A file the stage wrote (`rel` inside its folder, a name of `codemill.layout`) when its manifest lists
        it, else None."""
        m = self.manifest(stage)
        path = f"{m.stage}/{rel}"
        if not any(a.path == path for a in m.artifacts()):
            return None
        full = self.path / path
        if not full.is_file():
            raise RunDirError(f"{full} is missing: its manifest lists it (`codemill run` rebuilds it)")
        return full

    def stage_json(self, stage: StageRef, rel: str) -> dict | None:
        """A JSON object the stage wrote (`select/splits.json`), or None when its manifest lists no such file."""
        path = self.stage_file(stage, rel)
        return None if path is None else _json(path, dict, "re-run the stage that writes it")

    # ---------------------------------------------------------------- run-level records
    def sources(self) -> list[str]:
        """Every source spec registered in the run directory, as `sources.json` holds them."""
        path = self.path / SOURCES_FILE
        return _json(path, list, "`codemill run --out` rewrites it") if path.is_file() else []

    def quarantine(self) -> list[Quarantined]:
        """What the last run set aside, as it wrote `quarantine.json` (empty when it wrote none)."""
        path = self.path / QUARANTINE_FILE
        if not path.is_file():
            return []
        try:
            return [Quarantined(**r) for r in _json(path, list, "the next run rewrites it")]
        except TypeError as e:
            raise RunDirError(f"{path} holds a malformed record ({e}); the next run rewrites it") from None


def _json(path: Path, kind: type, fix: str) -> Any:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise RunDirError(f"{path} cannot be read ({e}); {fix}") from None
    if not isinstance(data, kind):
        raise RunDirError(f"{path} is not a JSON {'object' if kind is dict else 'list'}; {fix}")
    return data
