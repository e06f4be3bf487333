"""`select`: from the kept pairs, a deduplicated, ranked, balanced selection split by repository.

One shard over every kept pair (`pairs`, and the `debugging` pairs made from verified instances and bugs), in
this order (the first step that removes a pair names its drop reason):
0. one change, one pair: a commit, PR or issue → PR pair whose change (its PR tip, else its commit) a
   `debugging` pair was made from is dropped for it (`duplicate_change`): the same fix, stated by the real
   failing tests instead of the message;
1. duplicates: pairs with the same normalised response (a cherry-picked change: `duplicate_response`) or a
   response whose token-shingle MinHash Jaccard reaches `near_duplicate_threshold` (`near_duplicate_response`)
   keep only the best-scored; then one pair per normalised instruction (`duplicate_message`);
2. `low_score`: below `min_score`;
3. splits by repository: in a seeded hash order, whole repositories fill test and then validation up to
   `test_fraction` / `validation_fraction` of the eligible pairs (a repository that would overshoot is
   skipped), the rest is train, so no repository is in two splits. When that leaves validation or test empty
   (fewer than `min_repos_for_split` repositories, or none small enough), the newest pairs go to validation and
   test instead (`time_split`, counted `split.time_fallback` and stated in `splits.json`'s notice). Test keeps
   only human-written pairs scoring at least `test_min_score` (`below_test_bar`); with `test_after`, test pairs
   must be newer and train/validation pairs older than that date (`outside_time_split`);
4. balance (train only; validation and test keep the natural mix of the targeted categories; see `balance`):
   categories without a target share are dropped (`not_targeted`); by default (`total = 0`) every targeted pair
   is kept, shares are normalised over the categories the run can supply, and a category below its share
   repeats its best pairs up to `max_upsample` times (`copies`); with `total = N` quotas are nominal shares of N
   and ceilings too (`over_quota`, `repo_cap`). What is still missing, and what no source could supply, goes to
   `shortfall.json`, which synthesis reads.
Scores are the `pairs` stage's; the selection only reads them, so retuning targets never re-scores.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import ClassVar

import pyarrow as pa

from codemill.config import SelectConfig
from codemill.dedup import DedupParams, NearDupIndex, normalize_prose
from codemill.engine.artifacts import Artifact
from codemill.engine.reads import Reads
from codemill.engine.stage import PlanContext, Shard, ShardOutput, Stage, iter_batches, iter_rows
from codemill.ids import digest_json
from codemill.layout import SELECT_SHORTFALL, SELECT_SPLITS
from codemill.quality.weights import COMPONENTS, combine

SCHEMA = pa.schema([
    ("pair_id", pa.string()),
    ("repo_id", pa.string()),
    ("kind", pa.string()),
    ("category", pa.string()),
    ("score", pa.float64()),  # the pair's components combined under [select] weights
    ("split", pa.string()),  # train | validation | test (null when dropped before the split)
    ("copies", pa.int32()),  # how many times the pair appears in its split (upsampling)
    ("rank", pa.int32()),  # 1-based rank by score within its split and category
    ("duplicate_of", pa.string()),  # the pair kept in its place, for duplicates
])
COMPONENT_COLUMNS = [f"score_{c}" for c in COMPONENTS]
COLUMNS = ["pair_id", "repo_id", "kind", "category", "instruction", "response", "committed_at", *COMPONENT_COLUMNS]
CHANGE_COLUMNS = ["commit_sha", "pr_tip_sha"]  # what names a pair's change (`change_of`)
CHANGE_KINDS = ("commit", "pr", "issue_pr")  # the kinds a `tasks` instance (and so a debugging pair) comes from


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def change_of(row: dict) -> str:
    """The change a pair states: its PR's tip, else its commit (as `tasks` tells changes apart)."""
    return row["pr_tip_sha"] or row["commit_sha"]


@dataclass(frozen=True)
class SelectInputs:
    """Every kept `pairs` part and every kept `debugging` part."""

    pairs: tuple[Artifact, ...]
    debugging: tuple[Artifact, ...]


class SelectStage(Stage[SelectInputs]):
    name = "select"
    upstream = ("pairs", "debugging")
    reads: ClassVar[Reads] = {"pairs": [*COLUMNS, *CHANGE_COLUMNS], "debugging": [*COLUMNS, *CHANGE_COLUMNS]}
    schema = SCHEMA
    id_column = "pair_id"
    row_group_rows = 8192

    section: SelectConfig

    def plan(self, ctx: PlanContext) -> list[Shard]:
        parts = tuple(art for _k, art in ctx.kept_parts("pairs"))
        debugging = tuple(art for _k, art in ctx.kept_parts("debugging"))
        digest = digest_json([a.sha256 for a in parts] + ([["debugging", *(a.sha256 for a in debugging)]]
                                                            if debugging else []))
        return [Shard("all", digest, SelectInputs(parts, debugging))]

    def run(self, shard: Shard, out: ShardOutput) -> None:
        cfg = self.section
        self._kept_train: dict[str, int] = {}
        pairs, index = [], NearDupIndex(DedupParams(threshold=cfg.near_duplicate_threshold, tokenizer="code",
                                                            strip_license_header=False))
        columns = [*COLUMNS, *CHANGE_COLUMNS]
        # A debugging pair stands for the change it was made from (see step 0).
        replaced = {change_of(r): r["pair_id"] for art in shard.payload.debugging
                    for r in sorted(iter_rows(out.run_dir, art, 512, columns), key=lambda r: r["pair_id"])
                    if r["kind"] == "debugging"}
        for art in (*shard.payload.pairs, *shard.payload.debugging):
            for batch in iter_batches(out.run_dir, art, 512, columns):
                rows = []
                for r in batch:
                    r["score"] = combine({c: r.pop(f"score_{c}") for c in COMPONENTS}, cfg.weights)
                    if r["kind"] in CHANGE_KINDS and (by := replaced.get(change_of(r))) is not None:
                        self._drop(out, r, "duplicate_change", duplicate_of=by)
                    else:
                        rows.append(r)
                index.add([(r["pair_id"], r["response"], (-r["score"], r["pair_id"])) for r in rows])
                for r in rows:
                    r["message"] = _digest(normalize_prose(r.pop("instruction")))
                    del r["response"]
                    pairs.append(r)
        decisions = {d.doc_id: d for d in index.decisions()}
        alive = []
        best_message: dict[str, dict] = {}
        for p in sorted(pairs, key=lambda p: (-p["score"], p["pair_id"])):
            d = decisions[p["pair_id"]]
            if not d.keep:
                reason = "duplicate_response" if d.reason == "exact_duplicate" else "near_duplicate_response"
                self._drop(out, p, reason, duplicate_of=d.survivor)
            elif (first := best_message.setdefault(p["message"], p)) is not p:
                self._drop(out, p, "duplicate_message", duplicate_of=first["pair_id"])
            elif p["score"] < cfg.min_score:
                self._drop(out, p, "low_score", detail=f"{p['score']:.3f} < {cfg.min_score}")
            else:
                alive.append(p)
        splits = self._assign_splits(Counter(p["repo_id"] for p in alive), sorted({p["repo_id"] for p in pairs}))
        plan = Splitting("repository", splits)
        if _lacks_a_split(splits, cfg) and not cfg.test_after:
            plan = time_split(alive, cfg, splits)
            out.count("split.time_fallback")
        by_split: dict[str, list[dict]] = defaultdict(list)
        cutoff = datetime.fromisoformat(cfg.test_after).replace(tzinfo=UTC) if cfg.test_after else None
        for p in alive:
            split = p["split"] = plan.split_of(p)
            when = p["committed_at"]
            if cutoff is not None and when is not None and (when >= cutoff) != (split == "test"):
                self._drop(out, p, "outside_time_split", detail=f"{split} pair of {when:%Y-%m-%d}")
            elif split == "test" and p["score"] < cfg.test_min_score:
                self._drop(out, p, "below_test_bar", detail=f"{p['score']:.3f} < {cfg.test_min_score}")
            else:
                by_split[split].append(p)
        report = self._balance(out, by_split.get("train", [])) if cfg.targets else {}
        sizes = {"train": {"pairs": len(self._kept_train), "rows": sum(self._kept_train.values())}} if cfg.targets \
            else {}
        for split in ("validation", "test") if cfg.targets else ("train", "validation", "test"):
            held = by_split.get(split, [])
            for p in held:
                if cfg.targets and cfg.targets.get(p["category"], 0) <= 0:
                    self._drop(out, p, "not_targeted", detail=f"{p['category']} has no share in select.targets")
            kept = [p for p in held if not cfg.targets or cfg.targets.get(p["category"], 0) > 0]
            self._keep_all(out, kept)
            sizes[split] = {"pairs": len(kept), "rows": len(kept)}
        missing = [s for s in ("validation", "test") if not sizes.get(s, {}).get("pairs")]
        for split in missing:
            out.count(f"split.missing.{split}")
        out.write_file(SELECT_SHORTFALL, _json(report))
        out.write_file(SELECT_SPLITS, _json({"method": plan.method, "train_before": plan.train_before,
                                      "repositories": plan.repositories, "sizes": sizes, "missing": missing,
                                      "notice": split_notice(plan, missing, len(splits))}))

    def _assign_splits(self, eligible: Counter[str], repos: list[str]) -> dict[str, str]:
        """Whole repositories per split, in a seeded hash order: test, then validation, are filled greedily with
        repositories that keep the split within its share of the eligible pairs (one huge repository cannot
        become the whole test set); the rest is train. Too few repositories, or none small enough: train."""
        cfg = self.section
        splits = dict.fromkeys(repos, "train")
        if len(repos) < cfg.min_repos_for_split:
            return splits
        total = sum(eligible.values())
        order = sorted(repos, key=lambda r: _digest(f"{cfg.seed}:{r}"))
        for split, fraction in (("test", cfg.test_fraction), ("validation", cfg.validation_fraction)):
            budget, used = fraction * total, 0
            for r in order:
                n = eligible.get(r, 0)
                if splits[r] == "train" and n and used + n <= budget and list(splits.values()).count("train") > 1:
                    splits[r] = split
                    used += n
        return splits

    def _balance(self, out: ShardOutput, train: list[dict]) -> dict:
        plan = balance(train, self.section)
        for p, reason, detail in plan.dropped:
            self._drop(out, p, reason, split="train", detail=detail)
        self._kept_train = {p["pair_id"]: copies for p, copies, _rank in plan.kept}
        for p, copies, rank in plan.kept:
            self._keep(out, p, "train", copies, rank)
        for cat in plan.report["unsupplied"]:
            out.count(f"unsupplied.{cat}")
        return plan.report

    def _keep_all(self, out: ShardOutput, pairs: list[dict]) -> None:
        ranks: Counter[str] = Counter()
        for p in sorted(pairs, key=lambda p: (p["category"], -p["score"], p["pair_id"])):
            ranks[p["category"]] += 1
            self._keep(out, p, p["split"], 1, ranks[p["category"]])

    @staticmethod
    def _row(p: dict, split: str | None, copies: int, rank: int | None, duplicate_of: str | None) -> dict:
        return {"pair_id": p["pair_id"], "repo_id": p["repo_id"], "kind": p["kind"], "category": p["category"],
                "score": p["score"], "split": split, "copies": copies, "rank": rank, "duplicate_of": duplicate_of}

    def _keep(self, out: ShardOutput, p: dict, split: str, copies: int, rank: int) -> None:
        out.keep(self._row(p, split, copies, rank, None))
        if copies > 1:
            out.count("upsampled_copies", copies - 1)

    def _drop(self, out: ShardOutput, p: dict, reason: str, *, split: str | None = None, detail: str | None = None,
              duplicate_of: str | None = None) -> None:
        out.drop(self._row(p, split or p.get("split"), 0, None, duplicate_of), reason,
                 detail or (f"of {duplicate_of}" if duplicate_of else None))


@dataclass
class Splitting:
    """How pairs were split: by repository (`repositories` maps each to its split), or by time (the newest pairs
    to validation and test, `train_before` the first of them) when the run has too few repositories for that."""

    method: str
    repositories: dict[str, str]
    by_pair: dict[str, str] = field(default_factory=dict)
    train_before: str | None = None

    def split_of(self, pair: dict) -> str:
        return self.by_pair.get(pair["pair_id"]) or self.repositories.get(pair["repo_id"], "train")


def _lacks_a_split(splits: dict[str, str], cfg: SelectConfig) -> bool:
    wanted = {s for s, f in (("test", cfg.test_fraction), ("validation", cfg.validation_fraction)) if f > 0}
    return bool(wanted - set(splits.values()))


def time_split(alive: list[dict], cfg: SelectConfig, repositories: dict[str, str]) -> Splitting:
    """The newest `test_fraction` of the dated pairs to test and the `validation_fraction` before them to
    validation, the rest (and undated pairs) to train; the same repository then appears in several splits, so
    `repositories` maps every one to train (which synthesis reads together with `train_before`)."""
    dated = sorted((p for p in alive if p["committed_at"] is not None), key=lambda p: (p["committed_at"], p["pair_id"]))
    n_test, n_val = round(cfg.test_fraction * len(dated)), round(cfg.validation_fraction * len(dated))
    by_pair: dict[str, str] = {}
    for i, p in enumerate(reversed(dated)):
        if i < n_test:
            by_pair[p["pair_id"]] = "test"
        elif i < n_test + n_val:
            by_pair[p["pair_id"]] = "validation"
    held = [p for p in dated if p["pair_id"] in by_pair]
    first = min((p["committed_at"] for p in held), default=None)
    return Splitting("time", dict.fromkeys(repositories, "train"), by_pair,
                     first.isoformat() if first is not None else None)


def split_notice(plan: Splitting, missing: list[str], n_repos: int) -> str | None:
    """What a user must know about the splits, or None."""
    notes = []
    if plan.method == "time":
        notes.append(f"{n_repos} repositories are too few (or too large) for a split by repository: validation and "
                     f"test hold the newest pairs (from {plan.train_before}), so their repositories also appear in "
                     "train")
    if missing:
        notes.append(f"no {' and no '.join(missing)} split: too few pairs pass the floor and the test bar")
    return "; ".join(notes) or None


@dataclass
class Balance:
    """What balancing decided: kept (pair, copies, rank), dropped (pair, reason, detail), and the report that
    becomes `shortfall.json`."""

    kept: list[tuple[dict, int, int]] = field(default_factory=list)
    dropped: list[tuple[dict, str, str]] = field(default_factory=list)
    report: dict = field(default_factory=dict)


def balance(train: list[dict], cfg: SelectConfig) -> Balance:
    """Category balance over the train candidates (each with category, score, pair_id, repo_id).

    Categories without a target share are dropped (`not_targeted`); a targeted category with no candidate is
    reported `supplied: false` (counted `unsupplied.<category>`) with its nominal quota as lacking, for synthesis.
    With `total = 0` (the default) every targeted candidate is kept, the total is their number, shares are
    normalised over the categories the run can supply (a category no source feeds, such as code review without
    GitHub data, shrinks no other), and a category below its share repeats its best pairs (up to
    `max_upsample` copies each): balance is reached by adding, never by dropping good pairs. With `total = N`,
    each category's quota is its nominal share of N, a ceiling as well as a floor: the best pairs fill it, one
    repository at most `max_repo_share` of it (`repo_cap`), the rest `over_quota`."""
    weight = {c: v for c, v in cfg.targets.items() if v > 0}
    by_cat: dict[str, list[dict]] = defaultdict(list)
    for p in train:
        by_cat[p["category"]].append(p)
    plan = Balance()
    for cat in sorted(set(by_cat) - set(weight)):
        for p in by_cat[cat]:
            plan.dropped.append((p, "not_targeted", f"{cat} has no share in select.targets"))
    supplied = {c for c in weight if by_cat.get(c)}
    dense = cfg.total == 0
    # dense: the run's own pairs are the total, so shares are of what it can supply; quota mode: the asked-for
    # total, each category its nominal share, synthesis filling what no source supplies
    norm = sum(weight[c] for c in (supplied if dense else weight))
    shares = {c: weight[c] / norm for c in (supplied if dense else weight)} if norm else {}
    total = cfg.total or sum(len(by_cat[c]) for c in supplied)
    report: dict = {"total": total, "mode": "dense" if dense else "quota", "categories": {},
                    "unsupplied": sorted(set(weight) - supplied)}
    all_weight = sum(weight.values())
    for cat in sorted(weight):
        pool = sorted(by_cat.get(cat, []), key=lambda p: (-p["score"], p["pair_id"]))
        quota = round(shares.get(cat, 0.0) * total)
        taken = pool if dense else _fill(pool, quota, cat, cfg, plan)
        copies = _upsample(len(taken), quota, cfg.max_upsample)
        for rank, (p, n) in enumerate(zip(taken, copies, strict=True), 1):
            plan.kept.append((p, n, rank))
        selected = sum(copies)
        entry = {"share": round(shares.get(cat, 0.0), 6), "quota": quota, "available": len(pool),
                 "distinct": len(taken), "selected": selected, "lacking": max(0, quota - selected),
                 "supplied": cat in supplied}
        if dense and cat not in supplied:  # what it would have had: synthesis may fill it
            entry["lacking"] = round(weight[cat] / all_weight * total)
        report["categories"][cat] = entry
    plan.report = report
    return plan


def _fill(pool: list[dict], quota: int, cat: str, cfg: SelectConfig, plan: Balance) -> list[dict]:
    """The best pairs up to the quota, each repository at most `max_repo_share` of it; the rest dropped."""
    cap = max(1, math.ceil(cfg.max_repo_share * quota))
    taken: list[dict] = []
    per_repo: Counter[str] = Counter()
    for p in pool:
        if len(taken) >= quota:
            plan.dropped.append((p, "over_quota", f"{cat} quota {quota} filled"))
        elif per_repo[p["repo_id"]] >= cap:
            plan.dropped.append((p, "repo_cap", f"{cap} of {cat}'s quota {quota}"))
        else:
            per_repo[p["repo_id"]] += 1
            taken.append(p)
    return taken


def _upsample(distinct: int, quota: int, limit: float) -> list[int]:
    """Copies per selected pair (best first): one each, then extra copies to the best-scored pairs until the
    quota is met or every pair has `limit` copies (fractional limits give the best pairs the extra copy)."""
    if distinct == 0:
        return []
    target = min(quota, math.floor(distinct * limit)) if quota > distinct else distinct
    base, extra = divmod(target, distinct)
    return [base + (1 if i < extra else 0) for i in range(distinct)]


def _json(obj: object):
    blob = (json.dumps(obj, indent=1, sort_keys=True) + "\n").encode()
    return lambda f: f.write(blob)
