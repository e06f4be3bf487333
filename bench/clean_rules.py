"""Benchmark (not a test) of the file quality rules on the hand-labelled file sample.

For every drop reason of `codemill.files.rules`: how many labelled files it drops, its precision (the share of
its drops labelled `drop`) and every `keep` file it drops, with the label's note. Then the files labelled
`drop` that no rule drops (what the rules miss), and the hand-written library modules that the duplicate-line
or import-line rules drop (the figure the issue asked to bring to zero).

The sample is tests/files/data/labelled_files.jsonl (see its README). By default each file is read from the
mirrors and measured by the code on the import path, so the figures of another checkout are got by pointing
PYTHONPATH at its src/; `--stored` judges the signals stored in file_signals.jsonl.gz instead (no mirrors).

Run `python bench/clean_rules.py --help`; see bench/README.md.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "files" / "data"))

from fileset import LABELS, SEALED_SETS, Labelled, blob, labels, measure, stored_signals, verdict  # noqa: E402

from codemill.files import QualityRules  # noqa: E402

MODULE_RULES = ("duplicate_lines", "import_lines")


def judge(items: list[Labelled], stored: bool) -> list[tuple[Labelled, tuple[str, str] | None]]:
    rules = QualityRules()
    if stored:
        _digest, rows = stored_signals()
        return [(item, verdict(rows[item.key], rules)) for item in items]
    return [(item, verdict(measure(item.repo, item.path, blob(item.repo, item.sha, item.path)), rules))
            for item in items]


def report(judged: list[tuple[Labelled, tuple[str, str] | None]]) -> None:
    items = [item for item, _ in judged]
    repos = {item.repo for item in items}
    print(f"labelled files: {len(items)} from {len(repos)} repositories "
          f"({sum(i.label == 'keep' for i in items)} keep, {sum(i.label == 'drop' for i in items)} drop)")
    by_reason: dict[str, list[tuple[Labelled, str]]] = defaultdict(list)
    for item, drop in judged:
        if drop is not None:
            by_reason[drop[0]].append((item, drop[1]))
    print(f"\n{'drop reason':<22} {'drops':>6} {'labelled drop':>14} {'precision':>10}")
    for reason, hits in sorted(by_reason.items(), key=lambda kv: -len(kv[1])):
        right = sum(item.label == "drop" for item, _ in hits)
        print(f"{reason:<22} {len(hits):>6} {right:>14} {right / len(hits):>10.1%}")
    dropped = [(item, drop) for item, drop in judged if drop is not None]
    right = sum(item.label == "drop" for item, _ in dropped)
    print(f"{'all rules':<22} {len(dropped):>6} {right:>14} {right / max(len(dropped), 1):>10.1%}")
    print("\nkeep-labelled files dropped:")
    for reason, hits in sorted(by_reason.items()):
        for item, detail in hits:
            if item.label == "keep":
                print(f"  {reason:<20} {item.repo} {item.path}  [{detail}]  ({item.what}: {item.note})")
    missed = [item for item, drop in judged if drop is None and item.label == "drop"]
    print(f"\ndrop-labelled files kept: {len(missed)} of {sum(i.label == 'drop' for i in items)}")
    for item in missed:
        print(f"  {item.repo} {item.path}  ({item.what}: {item.note})")
    modules = [(item, drop) for item, drop in judged
               if drop is not None and drop[0] in MODULE_RULES and item.what == "library"]
    print(f"\nhand-written library modules dropped by {' or '.join(MODULE_RULES)}: {len(modules)}")
    for item, drop in modules:
        print(f"  {item.repo} {item.path}  [{drop[0]}: {drop[1]}]")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stored", action="store_true", help="judge the stored signals, not the mirrors")
    parser.add_argument("--sealed", action="store_true",
                        help="the sealed samples (labelled blind; read from the mirrors)")
    args = parser.parse_args()
    if args.sealed and args.stored:
        parser.error("the sealed sample has no stored signals: it is read from the mirrors")
    if not args.sealed:
        report(judge(labels(LABELS), args.stored))
        return
    for path in SEALED_SETS:
        print(f"== {path.name}")
        report(judge(labels(path), stored=False))
        print()


if __name__ == "__main__":
    main()
