"""A run: register sources, resolve them (cloning URLs), then run every stage in order on an executor.

A run directory accumulates: the sources of every run on it are remembered in `sources.json`, so a run that
adds repositories processes only the new ones and a run without `--repo` resumes or refreshes the same set.

This is the layer that knows the stages (`stages.registry`, and the user's, `stages.user`): the engine below takes
them as arguments, and what reads a run directory above (the CLI, the review desk, the report) asks here for
them (`stages_of`), their states, the verification and the quarantine (`stage_states`, `verify_run`,
`quarantined`, defined in `codemill.lineup`, which `codemill status` imports without the stages). A run
directory's own `config.toml` names the user stages it ran with, so reading it back finds them again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from codemill.config import Config, to_toml
from codemill.engine import quarantine
from codemill.engine.artifacts import atomic_write_bytes, clean_temporaries
from codemill.engine.executors import make_executor
from codemill.engine.lease import Lease
from codemill.engine.lock import RunLock
from codemill.engine.manifest import Manifest, load_manifest
from codemill.engine.quarantine import Quarantined
from codemill.engine.runner import NullReporter, Reporter, run_stage
from codemill.engine.stage import PlanContext, Stage
from codemill.engine.store import RemoteRun, StoreError, is_remote, local_target
from codemill.git.clone import clone_all
from codemill.layout import CONFIG_FILE, SOURCES_FILE
from codemill.lineup import RUN_FILES as RUN_FILES
from codemill.lineup import judged_stages as judged_stages  # what reads a run directory (`lineup`), re-exported
from codemill.lineup import quarantined as quarantined
from codemill.lineup import readable as readable
from codemill.lineup import run_config as run_config
from codemill.lineup import stage_states as stage_states
from codemill.lineup import stages_of as stages_of
from codemill.lineup import verify_run as verify_run
from codemill.sources.identity import split_declared
from codemill.sources.spec import Source, expand, is_url, local_repo_id
from codemill.stages.registry import PIPELINE as PIPELINE
from codemill.stages.registry import STAGES as STAGES  # the built-ins by name, for the review desk


class PipelineError(RuntimeError):
    pass


@dataclass
class RunSummary:
    manifests: dict[str, Manifest] = field(default_factory=dict)
    ran: dict[str, int] = field(default_factory=dict)
    reused: dict[str, int] = field(default_factory=dict)
    errors: dict[str, dict[str, str]] = field(default_factory=dict)
    quarantined: list[Quarantined] = field(default_factory=list)  # as written to DIR/quarantine.json
    run_dir: Path | None = None  # where the run was written locally (the working copy of a remote one)

    @property
    def ok(self) -> bool:
        return not any(self.errors.values())


def registered_sources(run_dir: Path) -> list[str]:
    path = run_dir / SOURCES_FILE
    return json.loads(path.read_text()) if path.is_file() else []


def register_sources(run_dir: Path, specs: list[str]) -> list[str]:
    """Add `specs` to the run directory's sources (a declared `=owner/name` kept); returns every registered spec,
    sorted. A spec naming a source already registered under another declared name replaces that entry."""
    known = {split_declared(s)[0]: s for s in registered_sources(run_dir)}
    for spec in specs:
        target, declared = split_declared(spec)
        target = target if is_url(target) else str(Path(target).expanduser().absolute())
        known[target] = f"{target}={declared}" if declared else known.get(target, target)
    merged = sorted(known.values())
    atomic_write_bytes(run_dir / SOURCES_FILE, (json.dumps(merged, indent=1) + "\n").encode())
    return merged


def resolve_sources(specs: list[str], config: Config) -> list[Source]:
    """Expand folders, clone URLs (concurrently, cached), and give each repository its id (and the name the
    user declared for it, which a folder of several repositories cannot carry)."""
    targets = []
    for spec in specs:
        path, declared = split_declared(spec)
        expanded = expand(path)
        targets += [(t, declared if len(expanded) == 1 else None) for _s, t in expanded]
    clones = clone_all(sorted({t for t, _d in targets if is_url(t)}), config.sources)
    out = []
    for target, declared in targets:
        if is_url(target):
            c = clones[target]
            out.append(Source(target, c.repo_id, c.location, c.url, c.error, declared))
        else:
            out.append(Source(target, local_repo_id(target), target, name=declared))
    return out


def run(run_dir: Path | str, config: Config, repos: list[str], *, only: list[str] | None = None,
        reporter: Reporter | None = None) -> RunSummary:
    """Run the pipeline into `run_dir`: a local folder, or an `s3://bucket/prefix` URL (`engine.store`: a local
    working copy under `$CODEMILL_CACHE`, every commit pushed to the remote in order, one writer by lease)."""
    reporter = reporter or NullReporter()
    if not is_remote(run_dir):
        return _run(local_target(run_dir), config, repos, only, reporter, None)
    if config.run.executor != "local":  # workers on other nodes would write parts the driver cannot push
        raise PipelineError(f"a run directory on object storage ({run_dir}) needs the local executor for now, "
                            f"not {config.run.executor!r}: only the driver's working copy is pushed")
    try:
        remote = RemoteRun.open(str(run_dir))
        with Lease(remote) as lease:
            remote.guard = lease.check
            return _run(remote.local, config, repos, only, reporter, remote)
    except StoreError as e:
        raise PipelineError(str(e)) from None


def _run(run_dir: Path, config: Config, repos: list[str], only: list[str] | None, reporter: Reporter,
         remote: RemoteRun | None) -> RunSummary:
    stages = stages_of(config)
    by_name = {cls.name: cls for cls in stages}
    unknown = [s for s in only or [] if s not in by_name]
    if unknown:
        raise PipelineError(f"unknown stage(s) {', '.join(unknown)}; stages are {', '.join(by_name)}")
    if run_dir.exists() and not run_dir.is_dir():
        raise PipelineError(f"the run directory {run_dir} is a file: pass a folder to --out")
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise PipelineError(f"cannot create the run directory {run_dir}: {e.strerror or e}") from e
    summary = RunSummary(run_dir=run_dir)
    with RunLock(run_dir):
        clean_temporaries(run_dir)
        if remote is not None:
            remote.pull_records([s.name for s in stages], RUN_FILES)
        specs = register_sources(run_dir, repos)
        if not specs:
            raise PipelineError("no sources: pass --repo or --repos-file (none are registered in this directory)")
        atomic_write_bytes(run_dir / CONFIG_FILE, to_toml(config).encode())
        if remote is not None:
            remote.push([SOURCES_FILE, CONFIG_FILE])
        wanted = [s.name for s in stages] if not only else [s.name for s in stages if s.name in only]
        sources = resolve_sources(specs, config) if "sources" in wanted else []
        executor = make_executor(config.run.executor, config.run.workers)
        upstream: dict[str, Manifest] = {}
        try:
            for cls in stages:
                if cls.name not in wanted:
                    m = load_manifest(run_dir / cls.name)
                    if any(cls.name in by_name[w].upstream for w in wanted):
                        _require_fresh(run_dir, config, stages, cls.name, m)
                    if m is not None:
                        upstream[cls.name] = m
                    continue
                stage = cls(config)
                ctx = PlanContext(run_dir, upstream, sources)
                result = run_stage(stage, ctx, executor, reporter, remote)
                upstream[cls.name] = result.manifest
                summary.manifests[cls.name] = result.manifest
                summary.ran[cls.name], summary.reused[cls.name] = result.ran, result.reused
                summary.errors[cls.name] = result.errors
        finally:
            executor.close()
            if remote is not None:
                remote.fetch(quarantine.parts_read(run_dir, stages))
            summary.quarantined = quarantine.write_quarantine(run_dir, stages)
            if remote is not None:
                remote.push([quarantine.QUARANTINE_FILE])
    return summary


def _require_fresh(run_dir: Path, config: Config, stages: tuple[type[Stage], ...], name: str,
                   manifest: Manifest | None) -> None:
    state = stage_states(run_dir, config, stages)[name]
    if manifest is None or state.state != "done":
        raise PipelineError(f"stage {name!r} is {state.state} ({state.why}); run it first or drop --only")
