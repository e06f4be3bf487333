"""The stage engine: plan, reuse what verifies, run the rest on an executor, journal, seal the manifest.

Invariants it keeps (tested in tests/engine):
- a shard is reused only when its fingerprint (code version, config digest, key, input digest) matches and
  every artifact re-hashes to its recorded checksum;
- part numbers are stable per shard key across runs, so adding sources never renumbers existing parts;
- nothing in a stage folder survives that the manifest does not list (orphans of killed runs are removed);
- ids are unique across the kept and dropped rows of a stage, or the stage is not complete.
"""

from __future__ import annotations

import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from codemill.config import Config
from codemill.engine.executors import Executor
from codemill.engine.faults import crash_point
from codemill.engine.manifest import JOURNAL, MANIFEST, Journal, Manifest, ShardEntry, load_manifest
from codemill.engine.reads import check_declared, reading
from codemill.engine.stage import PlanContext, Shard, ShardOutput, Stage, Timer
from codemill.ids import digest_json

if TYPE_CHECKING:
    from codemill.engine.store import RemoteRun


class Reporter(Protocol):
    def stage_start(self, stage: str, todo: int, reused: int) -> None: ...
    def shard_done(self, stage: str, entry: ShardEntry | None, error: str | None) -> None: ...
    def stage_end(self, stage: str, manifest: Manifest) -> None: ...


class NullReporter:
    def stage_start(self, stage: str, todo: int, reused: int) -> None:
        pass

    def shard_done(self, stage: str, entry: ShardEntry | None, error: str | None) -> None:
        pass

    def stage_end(self, stage: str, manifest: Manifest) -> None:
        pass


@dataclass(frozen=True)
class ShardTask:
    stage: str
    stage_class: type[Stage]  # pickled by reference: the worker imports it from its module
    shard: Shard
    part: int
    fingerprint: str
    run_dir: str
    config: dict


@dataclass(frozen=True)
class ShardResult:
    key: str
    entry: ShardEntry | None
    error: str | None


_config_cache: dict[str, Config] = {}


def execute_shard(task: ShardTask) -> ShardResult:
    """Run one shard in whatever process the executor chose; never raises for a bad shard."""
    digest = digest_json(task.config)
    config = _config_cache.get(digest) or _config_cache.setdefault(digest, Config.model_validate(task.config))
    stage = task.stage_class(config)
    timer = Timer()
    crash_point(f"shard:{task.stage}:{task.shard.key}")  # tests kill the worker of one given shard
    out = ShardOutput(Path(task.run_dir), task.stage, task.part, stage.schema, stage.row_group_rows)
    try:
        with reading(stage.name, stage.reads):
            stage.run(task.shard, out)
        out.close()
    except Exception as exc:  # a bug or an unexpected input: quarantine the shard, keep the run going
        out.abort()
        tb = traceback.format_exception_only(exc)[-1].strip()
        return ShardResult(task.shard.key, None, f"{type(exc).__name__}: {tb}")
    entry = ShardEntry(task.shard.key, task.part, task.fingerprint, out.artifacts, out.rows_in, out.kept,
                       dict(out.drop_reasons), timer.seconds(), dict(out.counters))
    return ShardResult(task.shard.key, entry, None)


def _lost(task: ShardTask, why: str) -> ShardResult:
    """The result of a shard whose worker died twice: failed with the reason, like a shard that raised."""
    return ShardResult(task.shard.key, None, why)


def fingerprint(stage: str, code: str, config_digest: str, shard: Shard) -> str:
    return digest_json([stage, code, config_digest, shard.key, shard.inputs_digest])


def assign_parts(keys: Iterable[str], known: dict[str, int]) -> dict[str, int]:
    """Keep the part number of every known key; give new keys the smallest free numbers, in key order."""
    keys = sorted(keys)
    parts = {k: known[k] for k in keys if k in known}
    used = set(parts.values())
    free = (n for n in range(len(keys) + len(used) + 1) if n not in used)
    for k in keys:
        if k not in parts:
            parts[k] = next(free)
    return parts


@dataclass
class StageRun:
    manifest: Manifest
    ran: int = 0
    reused: int = 0
    errors: dict[str, str] = field(default_factory=dict)


def run_stage(stage: Stage, ctx: PlanContext, executor: Executor, reporter: Reporter,
              remote: RemoteRun | None = None) -> StageRun:
    """Run one stage in `ctx.run_dir`. With `remote`, that directory is the working copy of a remote run: the
    upstream parts are fetched (verified) before planning, a shard is reused when the remote holds its
    artifacts, and every commit is pushed in order (`engine.store`); workers still write the local copy, and
    only this process, the driver, talks to the remote."""
    run_dir = ctx.run_dir
    stage_dir = run_dir / stage.name
    timer = Timer()
    if remote is not None:
        remote.fetch(a for u in stage.upstream if u in ctx.upstream for a in ctx.upstream[u].artifacts()
                     if a.role != "dropped")
        remote.fetch_state(stage.name, stage.state_files)
    first_parts = {u: next((a.path for _k, a in ctx.kept_parts(u)), None) for u in stage.upstream
                   if u in ctx.upstream}
    check_declared(stage.name, stage.upstream, stage.reads, run_dir, first_parts)
    with reading(stage.name, stage.reads):
        shards = stage.plan(ctx)
    keys = [s.key for s in shards]
    if len(set(keys)) != len(keys):
        raise RuntimeError(f"{stage.name}: the plan repeats a shard key")  # a bug in the stage, not input
    prev = load_manifest(stage_dir)
    journal = Journal(stage_dir)
    known: dict[str, ShardEntry] = dict(prev.shards) if prev else {}
    known.update({e.key: e for e in journal.read()})
    parts = assign_parts(keys, {k: e.part for k, e in known.items()})
    code, cfg_digest = stage.code_version(), stage.config_digest(stage.config)
    inputs = {u: ctx.upstream[u].digest() for u in stage.upstream}
    manifest = Manifest(stage.name, code, cfg_digest, inputs)
    todo: list[ShardTask] = []
    config_json = stage.config.model_dump(mode="json")
    for shard in shards:
        fp = fingerprint(stage.name, code, cfg_digest, shard)
        old = known.get(shard.key)
        if old is not None and old.fingerprint == fp and old.part == parts[shard.key] and \
                not (old.verify(run_dir) if remote is None else remote.missing(stage.name, old)):
            manifest.shards[shard.key] = old
        else:
            todo.append(ShardTask(stage.name, type(stage), shard, parts[shard.key], fp, str(run_dir), config_json))
    result = StageRun(manifest, reused=len(manifest.shards))
    stale_listing = prev is None or set(prev.shards) != set(manifest.shards) or not prev.complete
    if todo or stale_listing:
        manifest.save(stage_dir)  # honest while running: lists only what verified, complete=false
        if remote is not None:  # before any part is overwritten there, the remote's listing is honest too
            remote.push_manifest(stage.name)
    reporter.stage_start(stage.name, len(todo), result.reused)
    for res in executor.map_unordered(execute_shard, todo, lost=_lost):
        if res.entry is None:
            result.errors[res.key] = res.error or "failed"
        else:
            if remote is not None:
                remote.push_shard(stage.name, res.entry)
            journal.append(res.entry)
            crash_point("stage.after_journal")
            manifest.shards[res.key] = res.entry
            result.ran += 1
        reporter.shard_done(stage.name, res.entry, res.error)
    manifest.failed = dict(result.errors)
    _remove_orphans(stage_dir, manifest, stage.state_files)
    # Unchanged parts of a complete listing were checked when it was sealed: only new work needs the check.
    check = stage.id_column is not None and (result.ran > 0 or stale_listing)
    if check and remote is not None:
        remote.fetch(a for a in manifest.artifacts() if a.role in ("kept", "dropped"))
    dup = duplicate_ids(stage.id_column, manifest, run_dir) if check and stage.id_column else None
    if dup:
        manifest.failed["<ids>"] = dup
        result.errors["<ids>"] = dup
    manifest.complete = not manifest.failed
    manifest.timings = {"seconds": timer.seconds(), "shards_run": result.ran, "shards_reused": result.reused}
    crash_point("stage.before_manifest")
    manifest.save(stage_dir)
    if remote is not None:
        remote.push_manifest(stage.name)
        remote.seal(stage.name, manifest, stage.state_files)
    journal.clear()
    reporter.stage_end(stage.name, manifest)
    return result


def _remove_orphans(stage_dir: Path, manifest: Manifest, state_files: tuple[str, ...] = ()) -> None:
    if not stage_dir.exists():
        return
    run_dir = stage_dir.parent
    listed = {a.path for a in manifest.artifacts()} | {f"{stage_dir.name}/{f}" for f in state_files}
    for p in sorted(stage_dir.rglob("*"), reverse=True):
        if p.is_file():
            rel = p.relative_to(run_dir).as_posix()
            if rel not in listed and p.name not in (MANIFEST, JOURNAL):
                p.unlink()
        elif p.is_dir() and not any(p.iterdir()):
            p.rmdir()


def duplicate_ids(column: str, manifest: Manifest, run_dir: Path) -> str | None:
    """A description of repeated ids across all parts of a stage, or None when every id is unique."""
    arts = [a for a in manifest.artifacts() if a.role in ("kept", "dropped") and a.rows]
    if not arts:
        return None
    ids = pa.chunked_array(
        [pq.read_table(run_dir / a.path, columns=[column]).column(0) for a in arts]
    )
    if pc.count_distinct(ids).as_py() == len(ids):
        return None
    counts = pc.value_counts(ids)
    repeated = [c["values"] for c in counts.to_pylist() if c["counts"] > 1]
    return f"{len(repeated)} {column} values repeat, e.g. {repeated[:3]}"
