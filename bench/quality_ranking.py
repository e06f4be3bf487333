"""Benchmark (not a test): how well `codemill.quality` ranks hand-labelled commits.

Reads tests/categorize/data/labelled_commits.jsonl (repo, sha, subject, body, files, category, good), re-reads
each commit's diff from the bare mirror of its repository (/work/.mirror/<owner>+<name>/repo, with the
`commits` stage's own `diff_commit`), and computes every quality component. The author component uses only
the history before the commit (`author_stats(..., as_of=commit time)`), so a commit's own revert cannot leak
into its score; labels are absent from the file, so that component is "no evidence" throughout.

Prints the precision of the top-ranked third (the product's target: >= 0.85 good) and the AUC, with the
default weights and then with weights from `fit_weights` under a deterministic 2-fold split (commits sorted by
repository and sha, alternately assigned; fit on one fold, score the other, and vice versa), so the
calibrated figure is measured on commits the fit never saw. Per-component AUCs are printed as diagnostics.

    .venv/bin/python bench/quality_ranking.py [--data PATH] [--mirrors DIR] [--show N]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pygit2

from codemill.config import CommitsConfig
from codemill.quality import COMPONENTS, Weights, author_stats, combine, evaluate, fit_weights, score_pair
from codemill.quality.authors import author_key
from codemill.quality.calibrate import auc
from codemill.sources.gitrepo import open_repo
from codemill.stages.commits.diffs import diff_commit, is_partial_clone

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests/categorize/data/labelled_commits.jsonl"
MIRRORS = Path("/work/.mirror")


def mirror_of(repo: str, mirrors: Path) -> Path:
    return mirrors / repo.replace("/", "+") / "repo"


def history(repo: pygit2.Repository) -> list[dict]:
    """Commit records (author, time, message) of everything reachable from HEAD: the author signal's input."""
    rows = []
    for c in repo.walk(repo.head.target, pygit2.enums.SortMode.TIME):
        subject, _, body = c.message.partition("\n")
        rows.append({"sha": str(c.id), "author_name": c.author.name, "author_email": c.author.email,
                     "committed_at": datetime.fromtimestamp(c.commit_time, tz=UTC), "subject": subject.strip(),
                     "body": body.strip()})
    return rows


def components(labelled: list[dict], mirrors: Path) -> tuple[list[dict], list[dict], Counter[str]]:
    """(the labelled rows that could be read, their components, why others were skipped)."""
    by_repo: dict[str, list[dict]] = {}
    for row in labelled:
        by_repo.setdefault(row["repo"], []).append(row)
    kept: list[dict] = []
    scored: list[dict] = []
    skipped: Counter[str] = Counter()
    cfg = CommitsConfig()
    for name, rows in sorted(by_repo.items()):
        path = mirror_of(name, mirrors)
        if not path.exists():
            skipped[f"{name}: no mirror"] += len(rows)
            continue
        repo = open_repo(str(path))
        partial = is_partial_clone(repo)
        past = history(repo)
        for row in rows:
            try:
                commit = repo[row["sha"]]
            except (KeyError, ValueError):
                skipped[f"{name}: commit not in mirror"] += 1
                continue
            files = diff_commit(repo, commit, cfg, partial).files
            when = datetime.fromtimestamp(commit.commit_time, tz=UTC)
            stats = author_stats(past, as_of=when).get(author_key(commit.author.email))
            message = row["subject"] + (f"\n\n{row['body']}" if row["body"] else "")
            quality = score_pair(message, files, author=stats)
            kept.append(row)
            scored.append(quality.components())
    return kept, scored, skipped


def line(label: str, scores: list[float], good: list[bool]) -> str:
    m = evaluate(scores, good)
    return f"{label:<34} top-third precision {m['top_third_precision']:.3f}   AUC {m['auc']:.3f}   n {int(m['n'])}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--mirrors", type=Path, default=MIRRORS)
    ap.add_argument("--show", type=int, default=0, help="print the N best and N worst ranked commits")
    args = ap.parse_args()
    if not args.data.exists():
        print(f"no labelled commits at {args.data}: nothing to measure")
        return 0
    labelled = [json.loads(x) for x in args.data.read_text().splitlines() if x.strip()]
    rows, parts, skipped = components(labelled, args.mirrors)
    print(f"{len(labelled)} labelled commits, {len(rows)} read from mirrors, {sum(skipped.values())} skipped")
    for why, n in sorted(skipped.items()):
        print(f"  skipped {n}: {why}")
    if not rows:
        return 1
    good = [bool(r["good"]) for r in rows]
    print(f"base rate: {sum(good) / len(good):.3f} good")

    print("\nper component (AUC; missing values scored 0.5):")
    for c in COMPONENTS:
        values = [p[c] if p[c] is not None else 0.5 for p in parts]
        present = sum(p[c] is not None for p in parts)
        print(f"  {c:<12} AUC {auc(values, good):.3f}   present {present}")

    default = [combine(p, Weights()) for p in parts]
    print()
    print(line("default weights", default, good))

    order = sorted(range(len(rows)), key=lambda i: (rows[i]["repo"], rows[i]["sha"]))
    folds = [order[0::2], order[1::2]]
    held_out = [0.0] * len(rows)
    for k, (fit_on, score_on) in enumerate([(folds[0], folds[1]), (folds[1], folds[0])]):
        w = fit_weights([parts[i] for i in fit_on], [good[i] for i in fit_on])
        print(f"fold {k}: fitted " + ", ".join(f"{c} {v:.2f}" for c, v in w.model_dump().items()))
        for i in score_on:
            held_out[i] = combine(parts[i], w)
        print(line(f"  fitted on fold {k}, scored fold {1 - k}", [held_out[i] for i in score_on],
                   [good[i] for i in score_on]))
    print(line("2-fold fitted (pooled held-out)", held_out, good))
    print(line("fitted on all (in-sample, optimistic)",
               [combine(p, fit_weights(parts, good)) for p in parts], good))

    if args.show:
        ranked = sorted(range(len(rows)), key=lambda i: -default[i])
        for title, idx in (("best", ranked[:args.show]), ("worst", ranked[-args.show:])):
            print(f"\n{title} by default weights:")
            for i in idx:
                r = rows[i]
                print(f"  {default[i]:.2f} {'good' if good[i] else 'bad '} {r['category']:<9} {r['repo']:<22} "
                      f"{r['subject'][:70]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
