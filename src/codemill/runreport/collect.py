"""From a run directory to the typed records of `model`: manifests first, then only the columns each figure
needs (pyarrow, column projection), all through `codemill.rundir`. A stage that did not run gives a `Skipped` with
the reason, never an error; a run directory that is missing or whose files cannot be read raises `RunDirError`."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from codemill.config import Config, ConfigError, load_config
from codemill.engine.manifest import Manifest
from codemill.engine.stage import Stage
from codemill.layout import CONFIG_FILE, MEGATRON_PREFIX, SELECT_SHORTFALL, TOKENIZED
from codemill.pipeline import PIPELINE, stages_of
from codemill.rundir import RunDir, RunDirError
from codemill.runreport.model import (
    QUANTILES,
    SCORE_COMPONENTS,
    CategoryMix,
    CategoryTarget,
    ClusterSizes,
    Distribution,
    Mix,
    RepoPairs,
    RunData,
    ScoreStats,
    Skipped,
    StageSummary,
    TaskOutcome,
    TaskOutcomes,
    TokenCounts,
)
from codemill.runreport.parts import ReportError, read_columns
from codemill.tokenize.megatron import read_megatron_index

NO_LANGUAGE = "(unknown)"
NO_LICENSE = "(none)"
NO_CATEGORY = "(none)"
VERIFY_STAGES = ("tasks", "bugs", "rl", "synth")  # the opt-in stages that verify by execution


def collect(run_dir: Path) -> RunData:
    """Everything the report shows about `run_dir`."""
    run = RunDir(run_dir)
    cfg, notes = _config(run)
    order = _stages(cfg, notes)
    manifests = {cls.name: run.manifest_or_none(cls.name) for cls in order}
    present = {name: m for name, m in manifests.items() if m is not None}
    if not present:
        raise ReportError(f"{run_dir} holds no stage manifest: not a run directory, or no stage has run yet "
                          f"(`codemill run --out {run_dir}` makes one)")
    states = run.states(order, cfg)
    stages = {name: _summary(m, states[name].state, states[name].why) for name, m in present.items()}
    languages, licenses = _corpus_mix(run, present)
    return RunData(
        run_dir=run_dir, stages=stages, not_run=[n for n, m in manifests.items() if m is None],
        code_versions=sorted({m.code_version for m in present.values()}),
        corpus_languages=languages, corpus_licenses=licenses, categories=_categories(run, present),
        scores=_scores(run, present), repos=_repos(run, present), clusters=_clusters(run, present),
        tokens=_tokens(run, present, cfg), tasks=_tasks(run, present, cfg), notes=notes,
    )


def _config(run: RunDir) -> tuple[Config, list[str]]:
    if not run.has_config:
        return load_config(None), [f"no {CONFIG_FILE} in the run directory: stage states assume the defaults"]
    try:
        return run.config(), []
    except RunDirError as e:
        return load_config(None), [f"{e}; stage states assume the defaults"]


def _stages(cfg: Config, notes: list[str]) -> tuple[type[Stage], ...]:
    """The run's stages, user stages included; the built-ins alone (with a note) when a user stage cannot load."""
    try:
        return stages_of(cfg)
    except ConfigError as e:
        notes.append(f"user stages cannot be loaded ({e}); the report shows the built-in stages only")
        return PIPELINE


def _summary(m: Manifest, state: str, why: str) -> StageSummary:
    t = m.totals()
    slowest = max(m.shards.values(), key=lambda e: (e.seconds, e.key), default=None)
    return StageSummary(
        stage=m.stage, state=state, why=why, complete=m.complete, rows_in=t["in"], kept=t["kept"],
        dropped=t["dropped"], drop_reasons=t["drop_reasons"], counters=t["counters"], shards=len(m.shards),
        failed=len(m.failed), shards_run=int(m.timings.get("shards_run", 0)),
        shards_reused=int(m.timings.get("shards_reused", 0)), wall_seconds=float(m.timings.get("seconds", 0.0)),
        shard_seconds=round(sum(e.seconds for e in m.shards.values()), 3),
        slowest_shard=slowest.key if slowest else None, slowest_seconds=slowest.seconds if slowest else 0.0,
    )


def _names(values: pa.ChunkedArray) -> pa.ChunkedArray:
    """As strings, with nulls and empty strings as null."""
    values = values.cast(pa.string())
    return pc.if_else(pc.equal(values, ""), None, values)


def _value_counts(values: pa.ChunkedArray, missing: str) -> dict[str, int]:
    """name -> count, largest first (ties by name); nulls and empty strings counted under `missing`."""
    counts = pc.value_counts(pc.fill_null(_names(values), missing))
    pairs = zip(counts.field("values").to_pylist(), counts.field("counts").to_pylist(), strict=True)
    return dict(sorted(pairs, key=lambda kv: (-kv[1], kv[0])))


def _sums(keys: pa.ChunkedArray, values: pa.ChunkedArray, missing: str, default: int) -> dict[str, int]:
    """key -> sum of `values` (nulls count as `default`), keys as in `_value_counts`."""
    table = pa.table({"k": pc.fill_null(_names(keys), missing), "v": pc.fill_null(values.cast(pa.int64()), default)})
    sums = table.group_by("k").aggregate([("v", "sum")])
    return dict(zip(sums["k"].to_pylist(), (int(x) for x in sums["v_sum"].to_pylist()), strict=True))


def _corpus_mix(run: RunDir, m: dict[str, Manifest]) -> tuple[Mix | Skipped, Mix | Skipped]:
    if "clean" not in m:
        why = Skipped("the corpus stages did not run (no `clean` manifest)")
        return why, why
    files = read_columns(run, m["clean"], "kept", ["file_id", "language", "license", "size_bytes"])
    if "dedup" in m:
        survivors = read_columns(run, m["dedup"], "kept", ["file_id"]).column("file_id")
        files = files.filter(pc.is_in(files["file_id"], value_set=survivors.combine_chunks()))
        note = "files kept by `clean` and by `dedup`"
    else:
        note = "files kept by `clean` (`dedup` did not run: before deduplication)"
    out = []
    for key, missing in (("language", NO_LANGUAGE), ("license", NO_LICENSE)):
        counts = _value_counts(files[key], missing)
        sizes = _sums(files[key], files["size_bytes"], missing, 0)
        out.append(Mix("files", counts, {k: sizes[k] for k in counts}, note))
    return out[0], out[1]


def _categories(run: RunDir, m: dict[str, Manifest]) -> CategoryMix | Skipped:
    if "select" not in m:
        return Skipped("`select` did not run")
    path = run.stage_file(m["select"], SELECT_SHORTFALL)
    report = run.stage_json(m["select"], SELECT_SHORTFALL) or {}
    if report.get("categories"):
        try:
            cats = [CategoryTarget(cat, float(r["share"]), int(r["quota"]), int(r["available"]), int(r["selected"]),
                                   int(r["lacking"])) for cat, r in report["categories"].items()]
            total = int(report["total"])
        except (KeyError, TypeError, ValueError) as e:
            raise ReportError(f"{path} lacks {e} for a category; re-run `select`") from None
        return CategoryMix(total, sorted(cats, key=lambda c: (-(c.quota or 0), c.category)))
    rows = read_columns(run, m["select"], "kept", ["category", "split", "copies"])
    rows = rows.filter(pc.equal(rows["split"], "train"))
    if rows.num_rows == 0:
        return Skipped("`select` kept no train rows")
    cats = [CategoryTarget(k, None, None, None, n, None)
            for k, n in _sums(rows["category"], rows["copies"], NO_CATEGORY, 1).items()]
    return CategoryMix(None, sorted(cats, key=lambda c: (-c.selected, c.category)))


def _distribution(values: np.ndarray) -> Distribution | None:
    values = values[~np.isnan(values)]
    if not values.size:
        return None
    qs = np.quantile(values, QUANTILES)
    return Distribution(int(values.size), round(float(values.mean()), 6), tuple(round(float(q), 6) for q in qs))


def _floats(column: pa.ChunkedArray) -> np.ndarray:
    return pc.fill_null(column.cast(pa.float64()), float("nan")).to_numpy()


def _scores(run: RunDir, m: dict[str, Manifest]) -> list[ScoreStats] | Skipped:
    if "pairs" not in m:
        return Skipped("`pairs` did not run")
    cols = ["category", "score", *SCORE_COMPONENTS]
    kept = read_columns(run, m["pairs"], "kept", cols)
    dropped = read_columns(run, m["pairs"], "dropped", cols)
    both = pa.concat_tables([kept, dropped], promote_options="permissive")
    if both.num_rows == 0:
        return Skipped("`pairs` has no candidates")
    cat_kept = pc.fill_null(_names(kept["category"]), NO_CATEGORY).to_numpy(zero_copy_only=False)
    cat_dropped = pc.fill_null(_names(dropped["category"]), NO_CATEGORY).to_numpy(zero_copy_only=False)
    cat_both = np.concatenate([cat_kept, cat_dropped])
    score_kept, score_dropped = _floats(kept["score"]), _floats(dropped["score"])
    components = {c: _floats(both[c]) for c in SCORE_COMPONENTS}
    out = []
    for cat in sorted(set(cat_both.tolist())):
        means = {}
        for c, values in components.items():
            v = values[cat_both == cat]
            v = v[~np.isnan(v)]
            if v.size:
                means[c] = round(float(v.mean()), 6)
        out.append(ScoreStats(cat, _distribution(score_kept[cat_kept == cat]),
                              _distribution(score_dropped[cat_dropped == cat]), means))
    out = [s for s in out if s.n]
    return out or Skipped("`pairs` stored no scores")


def _repos(run: RunDir, m: dict[str, Manifest]) -> list[RepoPairs] | Skipped:
    if "pairs" not in m:
        return Skipped("`pairs` did not run")
    kept = read_columns(run, m["pairs"], "kept", ["repo_id", "repo_name"])
    dropped = read_columns(run, m["pairs"], "dropped", ["repo_id", "repo_name"])
    both = pa.concat_tables([kept, dropped], promote_options="permissive")
    if both.num_rows == 0:
        return Skipped("`pairs` has no candidates")
    names = both.group_by(["repo_id", "repo_name"]).aggregate([])
    name_of = dict(zip(names["repo_id"].to_pylist(), names["repo_name"].to_pylist(), strict=True))
    candidates = _value_counts(both["repo_id"], "")
    kept_n = _value_counts(kept["repo_id"], "")
    selected: dict[str, int] | None = None
    if "select" in m:
        sel = read_columns(run, m["select"], "kept", ["repo_id", "copies"])
        selected = _sums(sel["repo_id"], sel["copies"], "", 1)
    names_used = Counter(name_of.values())
    label = {rid: name if name and names_used[name] == 1 else rid for rid, name in name_of.items()}
    out = [RepoPairs(label.get(rid) or rid, n, kept_n.get(rid, 0),
                     None if selected is None else selected.get(rid, 0)) for rid, n in candidates.items()]
    return sorted(out, key=lambda r: (-r.kept, -r.candidates, r.repo))


def _clusters(run: RunDir, m: dict[str, Manifest]) -> ClusterSizes | Skipped:
    if "dedup" not in m:
        return Skipped("`dedup` did not run")
    ids = pa.concat_tables([read_columns(run, m["dedup"], role, ["cluster_id"]) for role in ("kept", "dropped")],
                           promote_options="permissive")["cluster_id"]
    ids = ids.filter(pc.is_valid(ids))
    if len(ids) == 0:
        return Skipped("`dedup` decided no files")
    per_cluster = pc.value_counts(ids).field("counts")
    sizes = pc.value_counts(per_cluster)
    hist = dict(sorted(zip((int(x) for x in sizes.field("values").to_pylist()),
                           (int(x) for x in sizes.field("counts").to_pylist()), strict=True)))
    return ClusterSizes(hist, len(ids))


def _tokens(run: RunDir, m: dict[str, Manifest], cfg: Config) -> TokenCounts | Skipped:
    if "corpus" not in m:
        return Skipped("`corpus` did not run")
    corpus = m["corpus"]
    counters = corpus.totals()["counters"]
    idx = run.stage_file(corpus, f"{MEGATRON_PREFIX}.idx")
    per_doc: list[int] = []
    if idx is not None:
        try:
            index = read_megatron_index(idx.with_suffix(""))
        except (OSError, ValueError) as e:
            raise RunDirError(f"{idx} cannot be read ({e}); `codemill verify {run.path}` checks it") from None
        ends = np.concatenate([[0], np.cumsum(index.sequence_lengths, dtype=np.int64)])
        per_doc = (ends[index.document_indices[1:]] - ends[index.document_indices[:-1]]).tolist()
    tokens = counters.get(f"{TOKENIZED}tokens")
    if tokens is None and per_doc:
        tokens = sum(per_doc)
    documents = corpus.totals()["kept"]
    if tokens is None:
        return Skipped(f"the corpus ({documents:,} documents) is not tokenized: set `tokenizer.path` (or train one "
                       f"with `codemill tokenizer train {run.path}`) and run again")
    packed = counters.get(f"{TOKENIZED}packed_sequences")
    if packed is None:
        packed = sum(a.rows for a in corpus.artifacts() if a.path.startswith(f"{corpus.stage}/packed/")) or None
    return TokenCounts(documents, int(tokens), packed, cfg.corpus.seq_len if packed is not None else None, per_doc,
                       "" if per_doc else "no Megatron-LM index (`corpus.formats`), so no per-document counts")


def _tasks(run: RunDir, m: dict[str, Manifest], cfg: Config) -> TaskOutcomes | Skipped:
    outcomes, skipped = [], {}
    for stage in VERIFY_STAGES:
        man = m.get(stage)
        enabled = cfg.section(stage).enabled
        if man is None:
            skipped[stage] = "did not run"
        elif not man.shards:
            skipped[stage] = ("ran no shard (nothing to verify)" if enabled
                              else f"not enabled (`[{stage}] enabled = false`, the default)")
        else:
            t = man.totals()
            kept_by = {}
            if stage == "bugs":
                kept_by = _value_counts(read_columns(run, man, "kept", ["mutation"])["mutation"], "(none)")
            outcomes.append(TaskOutcome(stage, t["kept"], t["drop_reasons"], t["counters"], kept_by))
    if not outcomes:
        return Skipped("; ".join(f"`{s}` {why}" for s, why in skipped.items()))
    return TaskOutcomes(outcomes, skipped)
