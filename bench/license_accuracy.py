"""Benchmark (not a test) of the license-evidence library: accuracy on the labelled set, and throughput.

1. Accuracy of the whole pipeline (`evidence_for_tree` -> `resolve` -> `license_for_path` -> `decide`) on
   tests/licenses/data/cases.toml: exact SPDX expression, keep/drop decision, per case kind, and the
   confusion list (every case whose expression or decision is wrong).
2. The two full-text matchers alone on the license-file cases (one file each): `fulltext.identify` without
   the confirmer (licenseclassifier's regions with our post-processing), and askalono's single best match;
   this is the evidence behind the choice of primary and confirmer documented in `codemill/licenses/fulltext.py`.
3. Throughput of `evidence_for_file`: on the real license files installed in site-packages (the
   `*.dist-info` license files), and on the package's Python sources (header detection on files that mostly
   have no license header, the common case in a repository).

Run `python bench/license_accuracy.py --help`; see bench/README.md.
"""

from __future__ import annotations

import argparse
import collections
import sys
import sysconfig
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "licenses"))

from labelled import Outcome, load_cases, run_case  # noqa: E402

from codemill.licenses import evidence_for_file, fulltext  # noqa: E402
from codemill.licenses.expressions import equivalent  # noqa: E402


def accuracy(outcomes: list[Outcome]) -> None:
    n = len(outcomes)
    ids = sum(o.id_ok for o in outcomes)
    dec = sum(o.decision_ok for o in outcomes)
    print(f"labelled set: {n} cases")
    print(f"  exact SPDX expression: {ids}/{n} = {ids / n:.1%}")
    print(f"  keep/drop decision:    {dec}/{n} = {dec / n:.1%}")
    print("  per kind:                 cases   exact id   decision")
    kinds: dict[str, list[Outcome]] = collections.defaultdict(list)
    for o in outcomes:
        kinds[o.case.kind].append(o)
    for kind, group in sorted(kinds.items()):
        k_ids = sum(o.id_ok for o in group)
        k_dec = sum(o.decision_ok for o in group)
        print(f"    {kind:<22} {len(group):>5} {k_ids / len(group):>10.1%} {k_dec / len(group):>10.1%}")
    wrong = [o for o in outcomes if not (o.id_ok and o.decision_ok)]
    print(f"  confusion list ({len(wrong)}):")
    for o in wrong:
        print(f"    {o.line()}")
        if o.case.note:
            print(f"      note: {o.case.note}")


def matchers(outcomes: list[Outcome]) -> None:
    single = [o.case for o in outcomes if o.case.kind == "license_file" and len(o.case.files) == 1]
    primary_ok = confirmer_ok = 0
    t_primary = t_confirmer = 0.0
    misses: list[str] = []
    for case in single:
        (text,) = case.files.values()
        t0 = time.perf_counter()
        primary = fulltext.identify(text, confirm=False)
        p = primary[0].spdx if primary else None
        t1 = time.perf_counter()
        alt = fulltext.confirmer(text)
        t2 = time.perf_counter()
        a = alt[0] if alt else None
        t_primary += t1 - t0
        t_confirmer += t2 - t1
        primary_ok += equivalent(p, case.expect)
        confirmer_ok += equivalent(a, case.expect)
        if not equivalent(p, case.expect) or not equivalent(a, case.expect):
            score = f"{alt[1]:.2f}" if alt else "-"
            misses.append(f"    {case.id}: expected {case.expect!r}; {fulltext.PRIMARY} {p!r}; "
                          f"{fulltext.CONFIRMER} {a!r} ({score})")  # fmt: skip
    n = len(single)
    print(f"\nfull-text matchers alone on the {n} single-file license-text cases:")
    print(f"  {fulltext.PRIMARY:<18} exact {primary_ok}/{n} = {primary_ok / n:.1%}   "
          f"{t_primary / n * 1000:.1f} ms/file")  # fmt: skip
    print(f"  {fulltext.CONFIRMER:<18} exact {confirmer_ok}/{n} = {confirmer_ok / n:.1%}   "
          f"{t_confirmer / n * 1000:.1f} ms/file")  # fmt: skip
    print("  disagreements with the label:")
    for line in misses:
        print(line)


def _site_packages() -> Path:
    return Path(sysconfig.get_paths()["purelib"])


def throughput(limit: int) -> None:
    site = _site_packages()
    licenses = sorted(p for p in site.glob("*.dist-info/**/*") if p.is_file() and _is_license_name(p.name))[:limit]
    sources = sorted((ROOT / "src").rglob("*.py")) + sorted(site.glob("pydantic/**/*.py"))[:limit]
    print()
    for label, files in (("license files (site-packages *.dist-info)", licenses), ("Python sources", sources)):
        texts = [(str(p.relative_to(p.parents[1])), p.read_text(errors="replace")) for p in files]
        if not texts:
            print(f"throughput, {label}: no files found")
            continue
        evidence_for_file(*texts[0])  # warm-up: imports, the matcher's first load
        t0 = time.perf_counter()
        found = 0
        for path, text in texts:
            found += bool(evidence_for_file(path, text))
        dt = time.perf_counter() - t0
        size = sum(len(t) for _, t in texts) / 1e6
        print(f"throughput, {label}: {len(texts)} files ({size:.1f} MB) in {dt:.2f} s = "
              f"{len(texts) / dt:.0f} files/s; {found} with evidence")  # fmt: skip


def _is_license_name(name: str) -> bool:
    from codemill.licenses.files import is_license_file

    return is_license_file(name)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=400, help="files per throughput sample (default 400)")
    ap.add_argument("--no-throughput", action="store_true")
    args = ap.parse_args()
    t0 = time.perf_counter()
    outcomes = [run_case(c) for c in load_cases()]
    print(f"(labelled set ran in {time.perf_counter() - t0:.2f} s)")
    accuracy(outcomes)
    matchers(outcomes)
    if not args.no_throughput:
        throughput(args.limit)


if __name__ == "__main__":
    main()
