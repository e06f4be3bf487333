"""`select` on real repositories: duplicates among pairs, quotas per category, repository caps, upsampling with a
shortfall report, and splits that never put one repository in two splits."""

from __future__ import annotations

import itertools
import json
from collections import Counter
from pathlib import Path

import pytest

from codemill import pipeline
from codemill.config import Config

from gitrepo import MIT, Repo
from readback import dropped_rows, kept_rows

PAGES = "def paginate(items, page, size):\n    start = page * size\n    return items[start:start + size]\n"
PAGES_FIXED = ("def paginate(items, page, size):\n    if page < 1:\n        return []\n"
               "    start = (page - 1) * size\n    return items[start:start + size]\n")
TEST = ("from pages import paginate\n\n\ndef test_first_page():\n"
        "    assert paginate([1, 2, 3], 1, 2) == [1, 2]\n")


FEATURES = {  # one distinct feature per repository, so they are not near duplicates of each other
    "alpha": ("Add retry with exponential backoff to fetch_page", "fetch.py",
              "import time\n\n\ndef fetch_page(get, url, tries=3):\n    for i in range(tries):\n        try:\n"
              "            return get(url)\n        except OSError:\n            time.sleep(2 ** i)\n"
              "    raise RuntimeError(url)\n"),
    "beta": ("Add a --limit flag to the export command line", "cli.py",
             "import argparse\n\n\ndef parse(argv):\n    p = argparse.ArgumentParser(prog='export')\n"
             "    p.add_argument('--limit', type=int, default=100, help='rows to export')\n"
             "    return p.parse_args(argv)\n"),
    "gamma": ("Add CSV output to the report writer", "report.py",
              "import csv\nimport io\n\n\ndef to_csv(rows, columns):\n    buf = io.StringIO()\n"
              "    w = csv.DictWriter(buf, fieldnames=columns)\n    w.writeheader()\n    w.writerows(rows)\n"
              "    return buf.getvalue()\n"),
    "delta": ("Add an LRU cache in front of user lookups", "users.py",
              "from functools import lru_cache\n\n\n@lru_cache(maxsize=1024)\ndef user_by_id(db, user_id):\n"
              "    row = db.execute('select name, email from users where id = ?', (user_id,)).fetchone()\n"
              "    return None if row is None else {'name': row[0], 'email': row[1]}\n"),
}


def build(root: Path, name: str, n_docs: int, fix: str | None = None) -> Path:
    r = Repo(root / name)
    r.commit(f"Start the {name} service with a paginate helper", {"LICENSE": MIT, "pages.py": PAGES,
                                                                 "NAME": f"{name}\n"})
    if fix:  # the same change, in two repositories (a cherry-pick), under two messages
        r.commit(fix, {"pages.py": PAGES_FIXED, "test_pages.py": TEST})
    subject, path, code = FEATURES[name]
    r.commit(subject, {path: code})
    for i in range(n_docs):
        r.commit(f"Document the page_size option {i} of {name} in the README usage section",
                 {"README.md": f"# {name}\n\nUsage notes, revision {i}: `page_size` sets rows per page ({i}).\n"})
    return r.path


@pytest.fixture(scope="module")
def repos(tmp_path_factory) -> list[Path]:
    root = tmp_path_factory.mktemp("select-repos")
    return [build(root, "alpha", 6, fix="Fix off-by-one in paginate when page numbers start at one"),
            build(root, "beta", 1, fix="Backport the paginate fix: page numbers start at one"),
            build(root, "gamma", 1), build(root, "delta", 1)]


def run(tmp_path: Path, repos: list[Path], **select) -> Path:
    out = tmp_path / "out"
    cfg = Config.model_validate({"run": {"workers": 1}, "select": {"min_score": 0.0, **select}})
    assert pipeline.run(out, cfg, [str(p) for p in repos]).ok
    return out


def test_a_cherry_picked_change_is_kept_once(tmp_path: Path, repos):
    out = run(tmp_path, repos, targets={}, validation_fraction=0, test_fraction=0)
    dups = [r for r in dropped_rows(out, "select") if r["drop_reason"] == "duplicate_response"]
    kept = {r["pair_id"]: r for r in kept_rows(out, "select")}
    pairs = {p["pair_id"]: p for p in kept_rows(out, "pairs")}
    assert len(dups) == 1 and dups[0]["duplicate_of"] in kept
    assert {pairs[dups[0]["pair_id"]]["response"], pairs[dups[0]["duplicate_of"]]["response"]} == \
        {pairs[dups[0]["pair_id"]]["response"]}  # the same diff, under two messages


def test_quotas_repository_cap_and_upsampling_with_a_shortfall_report(tmp_path: Path, repos):
    out = run(tmp_path, repos, targets={"bugfix": 0.5, "docs": 0.5}, total=8, max_repo_share=0.5, max_upsample=1.5,
              validation_fraction=0, test_fraction=0)
    kept = kept_rows(out, "select")
    docs = [r for r in kept if r["category"] == "docs"]
    assert sum(r["copies"] for r in docs) == 4 and all(r["copies"] == 1 for r in docs)
    by_repo = {}
    for r in docs:
        by_repo[r["repo_id"]] = by_repo.get(r["repo_id"], 0) + 1
    assert max(by_repo.values()) <= 2  # max_repo_share 0.5 of a quota of 4
    assert "over_quota" in {r["drop_reason"] for r in dropped_rows(out, "select")}
    bugfix = [r for r in kept if r["category"] == "bugfix"]
    report = json.loads((out / "select" / "shortfall.json").read_text())["categories"]["bugfix"]
    assert report["quota"] == 4 and report["distinct"] == len(bugfix) == 1  # the cherry-pick is a duplicate
    assert bugfix[0]["copies"] == 1 and report["lacking"] == 3  # floor(1 * 1.5) = 1 copy at most
    assert report["available"] == 1
    assert not [r for r in kept if r["category"] not in ("bugfix", "docs")]  # no target, no selection
    export = [json.loads(line) for f in sorted((out / "export" / "jsonl").glob("train-*.jsonl"))
              for line in f.read_text().splitlines()]
    assert len(export) == sum(r["copies"] for r in kept)


def test_one_repository_fills_at_most_its_share_of_a_quota(tmp_path: Path, repos):
    # A docs quota of 8 that alpha (6 docs commits) could fill alone, with the others' 3: whatever the ranking,
    # alpha keeps 2 (a quarter of 8) and its 4 others are dropped as `repo_cap`; the quota is not reached.
    out = run(tmp_path, repos, targets={"docs": 1.0}, total=8, max_repo_share=0.25, max_upsample=1.0,
              validation_fraction=0, test_fraction=0)
    docs = Counter(r["repo_id"] for r in kept_rows(out, "select") if r["category"] == "docs")
    assert sorted(docs.values()) == [1, 1, 1, 2]
    reasons = Counter(r["drop_reason"] for r in dropped_rows(out, "select") if r["category"] == "docs")
    assert reasons == {"repo_cap": 4}


def test_upsampling_repeats_the_best_pairs_up_to_the_limit(tmp_path: Path, repos):
    out = run(tmp_path, repos, targets={"feature": 1.0}, total=10, max_repo_share=1.0, max_upsample=2.0,
              validation_fraction=0, test_fraction=0)
    feature = kept_rows(out, "select")
    assert len(feature) == 4 and sum(r["copies"] for r in feature) == 8  # 4 distinct, each at most twice
    assert json.loads((out / "select" / "shortfall.json").read_text())["categories"]["feature"]["lacking"] == 2


def test_splits_are_by_repository_and_test_holds_only_high_scores(tmp_path: Path, repos):
    out = run(tmp_path, repos, targets={}, test_fraction=0.25, validation_fraction=0.25, test_min_score=0.6)
    kept = kept_rows(out, "select")
    splits_of: dict[str, set] = {}
    for r in kept + [r for r in dropped_rows(out, "select") if r["split"]]:
        splits_of.setdefault(r["repo_id"], set()).add(r["split"])
    assert all(len(s) == 1 for s in splits_of.values())
    assert {s for v in splits_of.values() for s in v} == {"train", "validation", "test"}
    assert all(r["score"] >= 0.6 for r in kept if r["split"] == "test")
    files = {p.name.split("-")[0] for p in (out / "export" / "hf" / "data").iterdir()}
    assert files <= {"train", "validation", "test"} and "train" in files


def test_dense_default_keeps_targeted_pairs_and_upsamples_toward_the_shares(tmp_path: Path, repos):
    """By default nothing is dropped over a quota: categories without a share are `not_targeted`, the rest are all
    kept, and a scarce category repeats its best pairs; a category no source feeds shrinks nothing."""
    out = run(tmp_path, repos, targets={"feature": 0.5, "bugfix": 0.3, "code_review": 0.2}, max_upsample=2.0,
              validation_fraction=0, test_fraction=0)
    kept = kept_rows(out, "select")
    dropped = dropped_rows(out, "select")
    assert {r["drop_reason"] for r in dropped} <= {"not_targeted", "duplicate_response", "near_duplicate_response",
                                                   "duplicate_message"}
    assert {r["category"] for r in dropped if r["drop_reason"] == "not_targeted"} >= {"docs"}
    assert {r["category"] for r in kept} == {"feature", "bugfix"}
    report = json.loads((out / "select" / "shortfall.json").read_text())
    assert report["mode"] == "dense" and report["unsupplied"] == ["code_review"]
    cats = report["categories"]
    assert cats["code_review"]["supplied"] is False and cats["code_review"]["lacking"] > 0
    # shares normalised over what the run supplies: feature 0.5/0.8, bugfix 0.3/0.8 of the targeted pairs
    assert cats["feature"]["share"] == pytest.approx(0.625) and cats["bugfix"]["share"] == pytest.approx(0.375)
    assert cats["feature"]["distinct"] == cats["feature"]["available"] == 4  # every feature kept
    bugfix = [r for r in kept if r["category"] == "bugfix"]
    assert len(bugfix) == 1 and bugfix[0]["copies"] == 2  # below its share: repeated, at most max_upsample
    funnel = json.loads((out / "select" / "manifest.json").read_text())
    assert funnel["totals"]["counters"].get("unsupplied.code_review") == 1


def test_export_rows_are_shuffled_with_copies_apart(tmp_path: Path, repos):
    out = run(tmp_path, repos, targets={"feature": 0.2, "bugfix": 0.8}, max_upsample=3.0, validation_fraction=0,
              test_fraction=0)
    rows = [json.loads(line) for f in sorted((out / "export" / "jsonl").glob("train-*.jsonl"))
            for line in f.read_text().splitlines()]
    ids = [r["pair_id"] for r in rows]
    assert len(ids) == sum(r["copies"] for r in kept_rows(out, "select")) and len(set(ids)) < len(ids)
    assert all(a != b for a, b in itertools.pairwise(ids))  # no copy next to its twin
    again = run(tmp_path / "again", repos, targets={"feature": 0.2, "bugfix": 0.8}, max_upsample=3.0,
                validation_fraction=0, test_fraction=0)
    assert [json.loads(line)["pair_id"] for f in sorted((again / "export" / "jsonl").glob("train-*.jsonl"))
            for line in f.read_text().splitlines()] == ids  # the same seed, the same order


def test_too_few_repositories_for_a_split_by_repository_fall_back_to_time(tmp_path: Path, repos):
    """Four repositories each holding more than a tenth of the pairs: no repository fits a 10% split, so the newest
    pairs make validation and test, and the run says so."""
    out = run(tmp_path, repos, targets={}, test_fraction=0.1, validation_fraction=0.1, test_min_score=0.0)
    report = json.loads((out / "select" / "splits.json").read_text())
    assert report["method"] == "time" and "newest pairs" in report["notice"] and report["missing"] == []
    kept = kept_rows(out, "select")
    pairs = {p["pair_id"]: p for p in kept_rows(out, "pairs")}
    held = [pairs[r["pair_id"]]["committed_at"] for r in kept if r["split"] in ("validation", "test")]
    train = [pairs[r["pair_id"]]["committed_at"] for r in kept if r["split"] == "train"]
    assert held and train and min(held) >= max(train)  # the newest pairs are held out
    assert {s: v["pairs"] for s, v in report["sizes"].items()} == \
        {s: sum(r["split"] == s for r in kept) for s in ("train", "validation", "test")}
    manifest = json.loads((out / "select" / "manifest.json").read_text())
    assert manifest["totals"]["counters"]["split.time_fallback"] == 1
    card = (out / "export" / "README.md").read_text()
    assert "newest pairs" in card
