"""`codemill calibrate DIR`: refit the pipeline's pair score on the reviewers' labels, as a config change.

What is refitted, and from what:

- `[select] weights`: `codemill.quality.fit_weights` (pulled towards the current weights, so a few labels adjust
  them rather than replace them) on the labelled pairs that the run keeps in `pairs` (labels
  given in the `pairs` or `select` stage, joined by pair id), with each pair's score components as stored in the
  run. A pair judged by several reviewers counts once, good when most of its verdicts accept it (ties are left
  out). The fit needs `min_labels` such pairs, good and bad ones both.
- `[select] min_score`: the lowest floor at which the labelled pairs scoring at least that much (under the new
  weights) reach `target_precision`, with at least `min_support` of them above it; unchanged when no floor does.
- Categories: `codemill.categorize` decides by rules in a fixed precedence, with no numeric thresholds in the
  config, so nothing there is refitted; the labelled precision of each category is reported, and a category
  whose whole confidence interval lies below one half is suggested (commented out) for a `select.targets` of 0.

The result is written as a TOML snippet (`DIR/review/calibration.toml`) and as the patched config
(`DIR/review/calibrated.toml`: the run's `config.toml`, or the file given, with the changes applied). Running
the pipeline with it re-runs `select` and what follows it (its config section changed): the components `pairs`
stored are combined again, nothing is mined or judged again. The metrics printed are in-sample: they say the fit
took, not how it generalises.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from codemill.config import Config, ConfigError, load_config, parse_config, to_toml
from codemill.engine.artifacts import atomic_write_bytes
from codemill.quality import COMPONENTS, Weights, combine, evaluate, fit_weights
from codemill.review.labels import REVIEW_DIR, LabelStore, db_path
from codemill.review.stats import wilson
from codemill.rundir import RunDir

SNIPPET_FILE = "calibration.toml"
PATCHED_FILE = "calibrated.toml"
LABELLED_STAGES = ("pairs", "select")


class CalibrationError(ValueError):
    """Calibration cannot proceed (no labels, too few, one class only, a config to patch that is not there); a run
    directory that cannot be read (no `pairs` stage) is a `RunDirError`."""


@dataclass(frozen=True)
class Labelled:
    pair_id: str
    components: dict[str, float | None]
    category: str
    good: bool


@dataclass
class Calibration:
    run_dir: Path
    pairs: list[Labelled]
    reviewers: list[str]
    before: Weights
    after: Weights
    metrics_before: dict[str, float]
    metrics_after: dict[str, float]
    min_score_before: float
    min_score_after: float
    threshold_note: str
    target_precision: float
    not_in_run: int = 0  # labelled pairs the run no longer keeps
    categories: list[tuple[str, int, float, tuple[float, float] | None]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.after != self.before or not math.isclose(self.min_score_after, self.min_score_before)

    def snippet(self) -> str:
        good = sum(p.good for p in self.pairs)
        mb, ma = self.metrics_before, self.metrics_after
        lines = [
            f"# codemill calibrate: {len(self.pairs)} labelled pairs ({good} good) by {len(self.reviewers)} "
            f"reviewer(s), from {db_path(self.run_dir)}",
            f"# in-sample ranking: AUC {_f(mb['auc'])} -> {_f(ma['auc'])}, top-third precision "
            f"{_f(mb['top_third_precision'])} -> {_f(ma['top_third_precision'])}",
        ]
        if self.not_in_run:
            lines.append(f"# {self.not_in_run} labelled pair(s) are no longer kept by the run and were left out")
        lines += ["[select.weights]", *(f"{c} = {v:.4f}" for c, v in self.after.model_dump().items()), ""]
        lines.append(f"# {self.threshold_note}")
        lines += ["[select]", f"min_score = {self.min_score_after}"]
        lines.append("# codemill.categorize has no numeric thresholds to refit; labelled precision per category:")
        for cat, n, precision, ci in self.categories:
            interval = f" ({ci[0]:.2f}-{ci[1]:.2f})" if ci else ""
            lines.append(f"#   {cat}: {precision:.2f}{interval} on {n}")
            if ci and ci[1] < 0.5:
                lines.append(f"#     -> consider a select.targets share of 0 for {cat}: precision below one half")
        return "\n".join(lines) + "\n"


def _f(x: float) -> str:
    return "n/a" if x is None or math.isnan(x) else f"{x:.3f}"


def _kept_pairs(run_dir: Path) -> dict[str, tuple[dict[str, float | None], str]]:
    """pair id -> (score components, category) of every pair the run keeps."""
    cols = ["pair_id", "category", *(f"score_{c}" for c in COMPONENTS)]
    t = RunDir(run_dir).table("pairs", "kept", cols).to_pydict()
    return {pid: ({c: t[f"score_{c}"][i] for c in COMPONENTS}, t["category"][i] or "-")
            for i, pid in enumerate(t["pair_id"])}


def labelled_pairs(run_dir: Path, store: LabelStore) -> tuple[list[Labelled], list[str], int]:
    """The kept pairs with a majority verdict, the reviewers behind them, and how many labelled pairs are gone."""
    votes: dict[str, list[bool]] = {}
    reviewers: set[str] = set()
    for stage in LABELLED_STAGES:
        for j in store.labels(stage):
            if j.verdict != "skip":
                votes.setdefault(j.item_id, []).append(j.verdict == "accept")
                reviewers.add(j.reviewer)
    kept = _kept_pairs(run_dir)
    out = []
    for pid in sorted(votes):
        if pid not in kept:
            continue
        share = sum(votes[pid]) / len(votes[pid])
        if share != 0.5:
            comps, cat = kept[pid]
            out.append(Labelled(pid, comps, cat, share > 0.5))
    return out, sorted(reviewers), sum(pid not in kept for pid in votes)


def floor_for(scores: list[float], good: list[bool], target: float, min_support: int) -> float | None:
    """The lowest score s (rounded down to 3 decimals) such that the items scoring >= s are at least
    `min_support` and at least `target` good; None when no such floor exists."""
    ranked = sorted(zip(scores, good, strict=True), key=lambda t: -t[0])
    best = None
    hits = 0
    for i, (s, g) in enumerate(ranked, start=1):
        hits += g
        tied_next = i < len(ranked) and ranked[i][0] == s
        if not tied_next and i >= min_support and hits / i >= target:
            best = s
    return None if best is None else math.floor(best * 1000) / 1000


def calibrate(run_dir: Path, config: Config, store: LabelStore, *, target_precision: float = 0.85,
              min_labels: int = 10, min_support: int = 5) -> Calibration:
    pairs, reviewers, gone = labelled_pairs(run_dir, store)
    n_good = sum(p.good for p in pairs)
    if len(pairs) < min_labels:
        raise CalibrationError(f"{len(pairs)} labelled pairs kept by the run; calibration needs at least {min_labels} "
                               "(judge more pairs in `codemill review`)")
    if n_good in (0, len(pairs)):
        raise CalibrationError(f"all {len(pairs)} labelled pairs are {'good' if n_good else 'bad'}: the fit needs "
                               "good and bad examples both")
    rows = [p.components for p in pairs]
    good = [p.good for p in pairs]
    before = config.select.weights
    fitted = fit_weights(rows, good, prior=before, towards_prior=True)
    after = Weights(**{name: round(value, 4) for name, value in fitted.model_dump().items()})
    old = [combine(r, before) for r in rows]
    new = [combine(r, after) for r in rows]
    floor = floor_for(new, good, target_precision, min_support)
    min_before = config.select.min_score
    if floor is None:
        min_after = min_before
        note = (f"no score floor reaches precision {target_precision} on these labels "
                f"(with {min_support}+ pairs above it): select.min_score unchanged")
    else:
        min_after = floor
        note = (f"select.min_score {min_before} -> {floor}: the lowest floor where labelled pairs scoring at least "
                f"that reach precision {target_precision}")
    cats: dict[str, list[bool]] = {}
    for p in pairs:
        cats.setdefault(p.category, []).append(p.good)
    categories = [(c, len(v), sum(v) / len(v), wilson(sum(v), len(v))) for c, v in sorted(cats.items())]
    return Calibration(Path(run_dir), pairs, reviewers, before, after, evaluate(old, good), evaluate(new, good),
                       min_before, min_after, note, target_precision, gone, categories)


def patched_config(base: dict, cal: Calibration) -> str:
    """The config `base` (TOML data) with the calibrated weights and floor, as a complete, validated config."""
    data = {k: dict(v) if isinstance(v, dict) else v for k, v in base.items()}
    data.setdefault("select", {})["weights"] = cal.after.model_dump()
    data.setdefault("select", {})["min_score"] = cal.min_score_after
    cfg = parse_config(data, "(calibrated)")
    head = (f"# written by `codemill calibrate {cal.run_dir}`: [select] weights and min_score refitted on "
            f"{len(cal.pairs)} labelled pairs; everything else as in the config it patches\n")
    return head + to_toml(cfg)


@dataclass(frozen=True)
class Written:
    calibration: Calibration
    snippet_path: Path
    config_path: Path


def calibrate_run(run_dir: Path, config_path: Path | None = None, out: Path | None = None, *,
                  target_precision: float = 0.85, min_labels: int = 10) -> Written:
    """Calibrate on `run_dir`'s labels against its config (or `config_path`); write the snippet beside the labels
    and the patched config to `out` (default `DIR/review/calibrated.toml`). Never writes into a stage folder."""
    run = RunDir(run_dir)
    run_dir = run.path
    if not db_path(run_dir).is_file():
        raise CalibrationError(f"no labels in {run_dir}: judge pairs with `codemill review {run_dir}` first")
    base, config = _base_config(run, config_path)
    cal = calibrate(run_dir, config, LabelStore.for_run(run_dir), target_precision=target_precision,
                    min_labels=min_labels)
    review = run_dir / REVIEW_DIR
    snippet = review / SNIPPET_FILE
    target = out or review / PATCHED_FILE
    atomic_write_bytes(snippet, cal.snippet().encode())
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(target, patched_config(base, cal).encode())
    return Written(cal, snippet, target)


def _base_config(run: RunDir, config_path: Path | None) -> tuple[dict, Config]:
    """The config to patch, as TOML data and validated: the file given, else the run's own `config.toml`."""
    if config_path is None:
        return run.config_data(), run.config()
    if not config_path.is_file():
        raise CalibrationError(f"config file not found: {config_path}")
    try:
        return tomllib.loads(config_path.read_text()), load_config(config_path)
    except (ConfigError, tomllib.TOMLDecodeError) as e:
        raise CalibrationError(str(e)) from None
