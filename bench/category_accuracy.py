"""Accuracy of `codemill.categorize` against the hand-labelled commits in tests/categorize/data.

The set is split deterministically by sha into dev (1/3: rules may be adjusted by looking at its errors)
and held-out (2/3: the honest figure). Prints accuracy, per-category precision/recall/F1/support and the
most frequent confusions for dev, held-out and all; `--errors` lists the misclassified commits of a split.

Each commit is scored twice: from its message and file stats only, and with its diff as well. The labelled
set holds no diffs, so they are read from the bare mirrors (`$CODEMILL_MIRRORS/<owner>+<name>/repo`,
default /work/.mirror) with `git show`; commits whose mirror is missing are scored without a diff and counted.

    .venv/bin/python bench/category_accuracy.py [--no-diff] [--errors dev|held_out|all] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from codemill.categorize import CATEGORIES, categorize

DATA = Path(__file__).resolve().parents[1] / "tests" / "categorize" / "data" / "labelled_commits.jsonl"
MIRRORS = Path(os.environ.get("CODEMILL_MIRRORS", "/work/.mirror"))


def load(path: Path = DATA) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def split_of(sha: str) -> str:
    """dev for a third of the commits, by sha, so the split never changes as rules change."""
    return "dev" if int(sha[:8], 16) % 3 == 0 else "held_out"


def mirror_of(repo: str) -> Path:
    return MIRRORS / repo.replace("/", "+") / "repo"


def diff_of(record: dict) -> str | None:
    """The commit's diff as `git show` prints it, or None when its mirror (or the commit) is not on disk."""
    git_dir = mirror_of(record["repo"])
    if not git_dir.is_dir():
        return None
    proc = subprocess.run(
        ["git", f"--git-dir={git_dir}", "show", "--format=", "--no-color", "--no-ext-diff", record["sha"]],
        capture_output=True, check=False,
    )
    return proc.stdout.decode("utf-8", "replace") if proc.returncode == 0 else None


def predict(record: dict, diff: str | None = None) -> tuple[str, str]:
    message = record["subject"] + ("\n\n" + record["body"] if record["body"] else "")
    stats = [(f["path"], f["status"], f["added"], f["deleted"]) for f in record["files"]]
    result = categorize(message, [s[0] for s in stats], file_stats=stats, diff=diff)
    return result.category, result.rule


@dataclass
class Report:
    n: int
    accuracy: float
    per_category: dict[str, dict[str, float]]
    confusions: list[tuple[str, str, int]]


def evaluate(pairs: Iterable[tuple[str, str]]) -> Report:
    """pairs are (gold, predicted)."""
    pairs = list(pairs)
    tp: Counter[str] = Counter()
    gold_n: Counter[str] = Counter()
    pred_n: Counter[str] = Counter()
    confusions: Counter[tuple[str, str]] = Counter()
    for gold, pred in pairs:
        gold_n[gold] += 1
        pred_n[pred] += 1
        if gold == pred:
            tp[gold] += 1
        else:
            confusions[(gold, pred)] += 1
    per = {}
    for cat in CATEGORIES:
        if not gold_n[cat] and not pred_n[cat]:
            continue
        p = tp[cat] / pred_n[cat] if pred_n[cat] else 0.0
        r = tp[cat] / gold_n[cat] if gold_n[cat] else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        per[cat] = {"precision": p, "recall": r, "f1": f, "support": gold_n[cat]}
    acc = sum(tp.values()) / len(pairs) if pairs else 0.0
    return Report(len(pairs), acc, per, [(g, p, n) for (g, p), n in confusions.most_common()])


def print_report(name: str, rep: Report, top: int = 8) -> None:
    print(f"\n== {name}: n={rep.n}  accuracy={rep.accuracy:.3f}")
    print(f"{'category':<12}{'P':>7}{'R':>7}{'F1':>7}{'support':>9}")
    for cat, m in rep.per_category.items():
        print(f"{cat:<12}{m['precision']:>7.2f}{m['recall']:>7.2f}{m['f1']:>7.2f}{m['support']:>9}")
    if rep.confusions:
        pairs = ", ".join(f"{g}->{p}: {n}" for g, p, n in rep.confusions[:top])
        print(f"top confusions (gold -> predicted: n): {pairs}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--errors", choices=["dev", "held_out", "all"], help="list misclassified commits of a split")
    ap.add_argument("--json", action="store_true", help="also print a CATEGORY_JSON line with every figure")
    ap.add_argument("--no-diff", action="store_true", help="score from message and file stats only")
    args = ap.parse_args()
    records = load()
    diffs = {r["sha"]: None if args.no_diff else diff_of(r) for r in records}
    missing = sum(d is None for d in diffs.values())
    base = {name: evaluate((r["category"], predict(r)[0]) for r in records if name in ("all", split_of(r["sha"])))
            for name in ("dev", "held_out", "all")}
    rows = [(r, split_of(r["sha"]), *predict(r, diffs[r["sha"]])) for r in records]
    reports = {}
    for name in ("dev", "held_out", "all"):
        sel = [(r["category"], pred) for r, split, pred, _ in rows if name in ("all", split)]
        reports[name] = evaluate(sel)
        print_report(name, reports[name])
    decided = Counter(rule for *_, rule in rows)
    print("\ndeciding rule (all): " + ", ".join(f"{k}: {v}" for k, v in decided.most_common()))
    print(f"\ndiffs read: {len(records) - missing}/{len(records)}" + (" (--no-diff)" if args.no_diff else ""))
    print(f"{'accuracy':<12}{'dev':>8}{'held_out':>10}{'all':>8}")
    print(f"{'message':<12}" + "".join(f"{base[n].accuracy:>{w}.3f}" for n, w in (("dev", 8), ("held_out", 10),
                                                                                   ("all", 8))))
    print(f"{'with diff':<12}" + "".join(f"{reports[n].accuracy:>{w}.3f}" for n, w in (("dev", 8), ("held_out", 10),
                                                                                       ("all", 8))))
    if args.errors:
        print(f"\nerrors ({args.errors}):")
        for r, split, pred, rule in rows:
            if r["category"] != pred and args.errors in ("all", split):
                head = f"{r['repo']:<22} {r['sha'][:10]} gold={r['category']:<9} pred={pred:<9} [{rule}]"
                print(f"  {head} {r['subject'][:70]}")
    if args.json:
        print("CATEGORY_JSON " + json.dumps({k: v.__dict__ for k, v in reports.items()}))


if __name__ == "__main__":
    main()
