"""Which stages a run has, for whatever reads a run directory: the classes, or records to judge them by.

Apart from `codemill.pipeline`, which imports every stage to run it, so that `codemill status` judges the built-in
stages as their source states them (`stages.index`) and imports only the user's: the pipeline, every stage
module and the libraries below them took 0.8 s of its 1.5 s. Here too is `readable`, the local directory a reader
reads a run through (a remote run's records fetched first). `pipeline` re-exports these for its callers.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from codemill.engine import quarantine, status
from codemill.engine.manifest import load_manifest
from codemill.engine.store import RemoteRun, StoreError, download_tree, is_remote, local_target, safe_rel
from codemill.layout import CONFIG_FILE, SOURCES_FILE
from codemill.rundir import RunDir
from codemill.stages.index import builtin_stages
from codemill.stages.user import pipeline_stages

if TYPE_CHECKING:
    from codemill.config import Config
    from codemill.engine import verify
    from codemill.engine.fingerprint import Fingerprinted
    from codemill.engine.quarantine import Quarantined
    from codemill.engine.stage import Stage

RUN_FILES = (CONFIG_FILE, SOURCES_FILE, quarantine.QUARANTINE_FILE)  # a remote run's records beside the stages


def stages_of(config: Config) -> tuple[type[Stage], ...]:
    """The stages a run under `config` has, in order: the built-in `PIPELINE` with the user stages (`[run]
    stages` and installed `codemill.stages` entry points) each after its upstreams. Raises `UserStageError` (a
    `ConfigError`) for a user stage that cannot join."""
    from codemill.stages.registry import PIPELINE

    return pipeline_stages(config, PIPELINE)


def judged_stages(config: Config) -> tuple[Fingerprinted, ...]:
    """`stages_of(config)` as status needs them, in the same order and with the same checks of user stages: the
    built-ins read from their source when all of them can be (else imported), the user's imported."""
    builtin = builtin_stages()
    return stages_of(config) if builtin is None else pipeline_stages(config, builtin)


def run_config(run_dir: Path) -> Config:
    """The config a run directory last ran with (its `config.toml`), or the defaults when it has none; a
    `RunDirError` when it is not a run directory or its config cannot be used."""
    return RunDir(run_dir).config()


def stage_states(run_dir: Path, config: Config,
                 stages: tuple[Fingerprinted, ...] | None = None) -> dict[str, status.StageState]:
    """Every stage of the pipeline (`judged_stages(config)` unless given) judged done, stale or missing in
    `run_dir` under `config`."""
    return status.stage_states(run_dir, config, judged_stages(config) if stages is None else stages)


def verify_run(run_dir: Path, config: Config | None = None) -> verify.VerifyReport:
    """Every stage's manifest and artifacts checked (`engine.verify`); the stages are the run's own (its
    `config.toml`) unless `config` is given."""
    from codemill.engine import verify

    return verify.verify_run(run_dir, stages_of(config or run_config(run_dir)))


def quarantined(run_dir: Path, config: Config | None = None) -> list[Quarantined]:
    """Every shard and source the run set aside (`engine.quarantine`), over the run's own stages as above."""
    return quarantine.quarantined(run_dir, judged_stages(config or run_config(run_dir)))


@contextmanager
def readable(target: Path | str, parts: dict[str, tuple[str, ...]] | None = None,
             whole: bool = False) -> Iterator[Path]:
    """A local run directory to read `target` through: itself, or for a remote one a temporary copy of its
    records (manifests, journals, run files, what the quarantine list reads), with the `parts` (stage -> roles)
    fetched verified, or with `whole`, every object as the remote holds it (for `verify`, which re-hashes them).
    A reader never writes to the remote and never touches a writer's working copy."""
    if not is_remote(target):
        yield local_target(target)
        return
    with tempfile.TemporaryDirectory(prefix="codemill-read-") as tmp:
        remote = RemoteRun.open(str(target), Path(tmp))
        if not remote.listing():
            raise StoreError(f"no run directory at {target}: nothing is stored under it")
        if whole:
            download_tree(remote, remote.local)
            yield remote.local
            return
        remote.pull_records((), RUN_FILES)
        stages = stages_of(run_config(remote.local))
        remote.pull_records([s.name for s in stages], ())
        remote.fetch(quarantine.parts_read(remote.local, stages))
        for stage, roles in (parts or {}).items():
            m = load_manifest(remote.local / safe_rel(stage))
            if m is not None:
                remote.fetch(a for a in m.artifacts() if a.role in roles)
        yield remote.local
