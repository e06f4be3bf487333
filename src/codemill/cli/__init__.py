"""The command line. Thin: parse, call the pipeline or a reader, print.

Each command imports what it runs, inside its function: `codemill --help` then loads typer and rich only, not
the pipeline, its stages and their libraries (1.1 s before)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Mill git repositories into training data for code LLMs.")
console = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def _fail(msg: str, code: int = 2) -> None:
    err.print("[bold red]error:[/]", escape(msg))
    raise typer.Exit(code)


@contextmanager
def _reading(*errors: type[Exception]) -> Iterator[None]:
    """Every command that reads a run directory fails alike: a `RunDirError` (or one of the command's own `errors`)
    is one `error:` line and exit 2, never a traceback."""
    from codemill.rundir import RunDirError

    try:
        yield
    except (RunDirError, *errors) as e:
        _fail(str(e))


def _need(extra: str, feature: str) -> None:
    from codemill.extras import MissingExtra, need

    try:
        need(extra, feature)
    except MissingExtra as e:
        _fail(str(e))


def _read_repos_file(path: Path) -> list[str]:
    from codemill.sources.listing import ListingError, read_listing

    try:
        return read_listing(path)
    except ListingError as e:
        _fail(str(e))
    return []


@app.command()
def run(
    config: Annotated[Path | None, typer.Argument(help="config TOML (defaults when omitted)")] = None,
    repo: Annotated[list[str] | None, typer.Option(
        "--repo", "-r", help="a repository path, folder or URL; PATH=owner/name names it")] = None,
    repos_file: Annotated[Path | None, typer.Option(
        help="sources: a text file (one per line), or a CSV/Parquet table with a url column")] = None,
    out: Annotated[str, typer.Option("--out", "-o", help="the run directory: a folder, or s3://bucket/prefix")
                   ] = "mill-out",
    executor: Annotated[str | None, typer.Option(help="local or ray")] = None,
    workers: Annotated[int | None, typer.Option(help="parallel workers (0: one per core)")] = None,
    only: Annotated[str | None, typer.Option(help="comma-separated stages to run")] = None,
) -> None:
    """Run the pipeline on the given sources (added to those already registered in --out)."""
    from codemill import pipeline
    from codemill.cli.terminal import ProgressReporter, print_funnel, print_selection
    from codemill.config import ConfigError, load_config
    from codemill.engine.lock import RunLocked
    from codemill.pipeline import PipelineError
    from codemill.rundir import RunDir

    try:
        cfg = load_config(config, {"run": {"executor": executor, "workers": workers}})
    except ConfigError as e:
        _fail(str(e))
    specs = list(repo or []) + (_read_repos_file(repos_file) if repos_file else [])
    stages = [s.strip() for s in only.split(",") if s.strip()] if only else None
    try:
        with ProgressReporter(console) as reporter:
            summary = pipeline.run(out, cfg, specs, only=stages, reporter=reporter)
    except (PipelineError, RunLocked, ConfigError) as e:
        _fail(str(e))
    print_funnel(console, summary.manifests, summary.ran, summary.reused)
    with _reading(), pipeline.readable(out, {"select": ("file",)}) as run_dir:
        print_selection(console, RunDir(run_dir))
    for stage, errors in summary.errors.items():
        for key, msg in errors.items():
            err.print(f"[red]failed[/] {stage} shard", escape(f"{key}: {msg}"))
    sources = summary.manifests.get("sources")
    bad_sources = [q for q in summary.quarantined if q.what == "source"]
    for q in bad_sources:
        err.print("[yellow]quarantined source[/]", escape(f"{q.key}: {q.reason}"))
    where = out if "://" in out else Path(out).resolve()
    console.print(f"outputs: {where}  (status: codemill status {out}; samples: codemill inspect {out} pairs)")
    if bad_sources and sources is not None and sources.totals()["kept"] == 0:
        _fail(f"no usable source: all {len(bad_sources)} were quarantined (reasons above; {where}/quarantine.json)",
              1)
    if not summary.ok:
        raise typer.Exit(1)


@app.command()
def status(target: Annotated[str, typer.Argument(help="the run directory (or s3://bucket/prefix)")]) -> None:
    """Each stage: done, stale or missing, with rows kept and dropped, bytes and digest."""
    from codemill.cli.terminal import print_status
    from codemill.config import ConfigError
    from codemill.engine.store import StoreError
    from codemill.lineup import quarantined, readable, stage_states  # not `pipeline`: no stage is imported
    from codemill.rundir import RunDir

    with _reading(ConfigError, StoreError), readable(target) as run_dir:
        cfg = RunDir(run_dir).config()
        states, held = stage_states(run_dir, cfg), quarantined(run_dir, cfg)
    print_status(console, states)
    for q in held:
        console.print(f"[yellow]quarantined {q.what}[/]",
                      escape(f"{q.stage} {q.key}: {q.reason} ({q.attempts} attempt{'s' if q.attempts > 1 else ''})"))


@app.command()
def inspect(
    target: Annotated[str, typer.Argument(help="the run directory (or s3://bucket/prefix)")],
    stage: Annotated[str, typer.Argument(help="stage name")],
    dropped: Annotated[str | None, typer.Option(help="show dropped rows; optionally of one REASON")] = None,
    n: Annotated[int, typer.Option("-n", help="how many samples")] = 5,
    seed: Annotated[int, typer.Option(help="random seed: the same seed draws the same rows")] = 0,
    best: Annotated[bool, typer.Option(help="the n best-scored rows of each category instead (pairs, select)")] = False,
) -> None:
    """Random samples of a stage's kept rows, or of its dropped rows by reason; or the best of each category."""
    from codemill.config import ConfigError
    from codemill.engine.store import StoreError
    from codemill.pipeline import readable
    from codemill.samples import InspectError

    with _reading(ConfigError, StoreError, InspectError), readable(target, {stage: ("kept", "dropped")}) as run_dir:
        _inspect(run_dir, stage, dropped, n, seed, best)


def _inspect(run_dir: Path, stage: str, dropped: str | None, n: int, seed: int, best: bool) -> None:
    from codemill.cli.terminal import print_samples
    from codemill.config import ConfigError
    from codemill.pipeline import STAGES, stages_of
    from codemill.rundir import RunDir, RunDirError
    from codemill.samples import InspectError, best_rows, sample_rows

    try:  # the run's stages, its user stages included; a directory that is no run is reported when read below
        names = [cls.name for cls in stages_of(RunDir(run_dir).config())]
    except RunDirError:
        names = list(STAGES)
    except ConfigError as e:
        _fail(str(e))
    if stage not in names:
        _fail(f"unknown stage {stage!r}; stages are {', '.join(names)}")
    reason = None if dropped in (None, "*") else dropped
    with _reading(InspectError):
        if best:
            rows, total = best_rows(run_dir, stage, n=n, dropped=dropped is not None)
        else:
            rows, total = sample_rows(run_dir, stage, n=n, seed=seed, dropped=dropped is not None, reason=reason)
    print_samples(console, stage, rows, total, dropped is not None)


@app.command()
def verify(target: Annotated[str, typer.Argument(help="the run directory (or s3://bucket/prefix)")]) -> None:
    """Re-hash every artifact against its manifest; exit 1 and list any mismatch."""
    from codemill.config import ConfigError
    from codemill.engine.store import StoreError
    from codemill.pipeline import readable, verify_run

    with _reading(ConfigError, StoreError), readable(target, whole=True) as run_dir:  # a remote: every byte read
        report = verify_run(run_dir)
    for w in report.warnings:
        console.print("[yellow]warning:[/]", escape(w))
    for p in report.problems:
        console.print("[red]mismatch:[/]", escape(p))
    if not report.ok:
        console.print(f"[bold red]verify failed:[/] {len(report.problems)} problem(s) in {report.checked} artifacts")
        raise typer.Exit(1)
    console.print(f"[green]ok:[/] {report.checked} artifacts match their manifests")


@app.command()
def report(
    run_dir: Annotated[Path, typer.Argument(help="the run directory")],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="where to write it (default: DIR/report)")] = None,
) -> None:
    """A static HTML report of the run (DIR/report/index.html) with its figures as PNG beside it."""
    _need("report", "codemill report")
    from codemill.runreport import ReportError, build_report

    with _reading(ReportError):
        result = build_report(run_dir, out)
    for figure, why in result.skipped.items():
        console.print(f"[yellow]skipped[/] {figure.value}:", escape(why))
    console.print(f"wrote {result.index} ({len(result.figures)} figures)")


@app.command()
def init(
    path: Annotated[Path, typer.Argument(help="where to write the config")] = Path("codemill.toml"),
    force: Annotated[bool, typer.Option(help="overwrite an existing file")] = False,
) -> None:
    """Write a commented default config."""
    if path.exists() and not force:
        _fail(f"{path} exists; pass --force to overwrite")
    from codemill.config import commented_default

    path.write_text(commented_default())
    console.print(f"wrote {path}")


@app.command()
def review(
    run_dir: Annotated[Path, typer.Argument(help="the run directory")],
    host: Annotated[str, typer.Option(help="address to bind; anything but loopback requires a token")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8765,
    token: Annotated[str | None, typer.Option(help="token every request must carry (default off loopback: random)")
                     ] = None,
) -> None:
    """Serve the review desk: judge seeded samples of kept and dropped rows; precision per filter, agreement.
    Read-only towards the artifacts; labels go to DIR/review/labels.sqlite."""
    _need("review", "codemill review")
    from codemill.review.data import ReviewError
    from codemill.review.serve import serve

    with _reading(ReviewError):
        serve(run_dir, host=host, port=port, token=token,
              echo=lambda line: console.print(line, markup=False, soft_wrap=True))


@app.command()
def calibrate(
    run_dir: Annotated[Path, typer.Argument(help="a run directory with review labels")],
    config: Annotated[Path | None, typer.Option(help="the config to patch (default: DIR/config.toml)")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="patched config (default: DIR/review/calibrated.toml)")
                   ] = None,
    target_precision: Annotated[float, typer.Option(help="precision the select.min_score floor must reach")] = 0.85,
    min_labels: Annotated[int, typer.Option(help="labelled pairs needed to fit")] = 10,
) -> None:
    """Refit select.weights and select.min_score on the review labels; write them as a config change."""
    from codemill.review.calibrate import CalibrationError, calibrate_run

    with _reading(CalibrationError):
        done = calibrate_run(run_dir, config, out, target_precision=target_precision, min_labels=min_labels)
    console.print(done.calibration.snippet(), markup=False, soft_wrap=True)
    console.print(f"wrote {done.snippet_path} and {done.config_path}; apply with: codemill run {done.config_path} "
                  f"--out {run_dir}", markup=False, soft_wrap=True)


tokenizer_app = typer.Typer(no_args_is_help=True, help="Train a tokenizer on a run's documents.")
app.add_typer(tokenizer_app, name="tokenizer")


@tokenizer_app.command("train")
def tokenizer_train(
    run_dir: Annotated[Path, typer.Argument(help="a run directory whose `documents` stage is done")],
    out: Annotated[Path, typer.Option("--out", "-o", help="the folder to write tokenizer.json and its transformers "
                                      "config into (a path ending in .json: that file, its config beside it)")
                   ] = Path("tokenizer"),
    vocab_size: Annotated[int, typer.Option(help="vocabulary size, special tokens included")] = 32768,
    min_frequency: Annotated[int, typer.Option(help="pairs seen fewer times are not merged")] = 2,
) -> None:
    """Byte-level BPE trained on the run's documents, with the configured family's special tokens, in a folder
    `transformers.AutoTokenizer` loads (its EOS the family's, `model_max_length` the corpus's `seq_len`); set
    `tokenizer.path` to the result and re-run to get the tokenized outputs."""
    from codemill.rundir import RunDir
    from codemill.stages.documents import family_of
    from codemill.tokenize import save_tokenizer, train_tokenizer, write_transformers_config

    with _reading():
        run = RunDir(run_dir)
        documents = run.manifest("documents")
        if not documents.complete:
            _fail(f"the `documents` stage in {run_dir} is incomplete; run the pipeline first")
        config = run.config()
        fam = family_of(config.documents)
        texts = (row["text"] for row in run.rows(documents, "kept", ["text"]))
        tok = train_tokenizer(texts, vocab_size=vocab_size, special_tokens=fam.special_tokens(),
                              min_frequency=min_frequency)
    path = save_tokenizer(tok, out)
    write_transformers_config(tok, path.parent, eos=fam.eos, model_max_length=config.corpus.seq_len)
    console.print(f"wrote {path} ({tok.get_vocab_size()} tokens) and its transformers config in {path.parent}; "
                  f"set tokenizer.path = {str(path)!r} to use it", markup=False, soft_wrap=True)


def _optional_value(argv: list[str], option: str, default: str) -> list[str]:
    """Let `--dropped` stand alone: give it `default` when no value follows."""
    out = []
    for i, a in enumerate(argv):
        out.append(a)
        if a == option and (i + 1 == len(argv) or argv[i + 1].startswith("-")):
            out.append(default)
    return out


def main(argv: list[str] | None = None) -> None:
    args = _optional_value(list(sys.argv[1:] if argv is None else argv), "--dropped", "*")
    app(args=args, prog_name="codemill")
