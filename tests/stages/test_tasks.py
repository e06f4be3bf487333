"""`tasks` on a real repository: a bug fix with its regression test becomes a verified instance, exported in the
SWE-bench and SWE-Gym forms, and re-verifies from the exported file alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from codemill import pipeline
from codemill.config import Config
from codemill.sandbox import Sandbox
from codemill.stages.tasks import instance_id, spread
from codemill.swe.instance import verify

from gitrepo import MIT, Repo
from readback import dropped_rows, kept_rows

PYPROJECT = """[build-system]
requires = ["setuptools>=64"]
build-backend = "setuptools.build_meta"

[project]
name = "paging"
version = "0.3"

[project.optional-dependencies]
test = ["pytest"]
"""
PAGING = '''def page_count(total, size):
    """Pages needed for `total` items at `size` per page."""
    return total // size


def page(items, number, size):
    """The items of 1-based page `number`."""
    start = (number - 1) * size
    return items[start:start + size]
'''
TESTS = '''from paging import page, page_count


def test_exact_pages():
    assert page_count(20, 10) == 2


def test_first_page():
    assert page([1, 2, 3], 1, 2) == [1, 2]
'''


@pytest.fixture(scope="module")
def run(tmp_path_factory, sandbox: Sandbox) -> tuple[Path, Repo, dict[str, str]]:
    root = tmp_path_factory.mktemp("tasks")
    repo = Repo(root / "paging")
    shas = {"init": repo.commit("Add the paging package with page() and page_count()", {
        "LICENSE": MIT, "pyproject.toml": PYPROJECT, "src/paging/__init__.py": PAGING, "tests/test_paging.py": TESTS})}
    shas["fix"] = repo.commit(
        "page_count() rounds down: a partial last page is not counted\n\nUse ceiling division so 21 items at 10 per "
        "page make 3 pages.",
        {"src/paging/__init__.py": PAGING.replace("return total // size", "return -(-total // size)"),
         "tests/test_paging.py": TESTS + "\n\ndef test_partial_last_page():\n    assert page_count(21, 10) == 3\n"})
    shas["no_f2p"] = repo.commit(
        "Test that page() of an empty list is empty and document page numbers in page()",
        {"src/paging/__init__.py": (repo.path / "src/paging/__init__.py").read_text().replace(
            '"""The items of 1-based page `number`."""', '"""The items of page `number` (the first page is 1)."""'),
         "tests/test_paging.py": (repo.path / "tests/test_paging.py").read_text()
            + "\n\ndef test_empty():\n    assert page([], 1, 10) == []\n"})
    out = root / "out"
    cfg = Config.model_validate({"run": {"workers": 1}, "tasks": {"enabled": True}})
    summary = pipeline.run(out, cfg, [str(repo.path)])
    assert summary.ok, {k: v for k, v in summary.errors.items() if v}
    return out, repo, shas


def test_a_fix_with_its_regression_test_is_a_verified_instance(run):
    out, _repo, shas = run
    [task] = kept_rows(out, "tasks")
    assert task["commit_sha"] == shas["fix"] and task["base_commit"] == shas["init"]
    assert task["FAIL_TO_PASS"] == ["tests/test_paging.py::test_partial_last_page"]
    assert set(task["PASS_TO_PASS"]) == {"tests/test_paging.py::test_exact_pages",
                                         "tests/test_paging.py::test_first_page"}
    assert "page_count() rounds down" in task["problem_statement"] and task["requirements"]
    assert "src/paging/__init__.py" in task["patch"] and "tests/" not in task["patch"]
    dropped = {r["commit_sha"]: r["drop_reason"] for r in dropped_rows(out, "tasks")}
    assert dropped == {shas["no_f2p"]: "no_fail_to_pass", shas["init"]: "root_commit"}


def test_the_export_re_verifies_from_its_files_alone(run, sandbox: Sandbox):
    out, repo, _shas = run
    [bench] = [json.loads(x) for x in (out / "export/swebench/instances.jsonl").read_text().splitlines()]
    [gym] = [json.loads(x) for x in (out / "export/swegym/instances.jsonl").read_text().splitlines()]
    assert json.loads(bench["FAIL_TO_PASS"]) == gym["FAIL_TO_PASS"] == ["tests/test_paging.py::test_partial_last_page"]
    again = verify(repo.path, bench["base_commit"], bench["patch"], bench["test_patch"], sandbox)
    assert again.kept and again.fail_to_pass == gym["FAIL_TO_PASS"]
    assert sorted(again.pass_to_pass) == sorted(gym["PASS_TO_PASS"])


def candidate(i: int, score: float, kind: str = "commit", **kw) -> dict:
    return {"pair_id": f"p{i:03d}", "kind": kind, "score": score, "commit_sha": f"{i:040x}", "pr_tip_sha": None,
            "committed_at": 2010 + i, "pr_number": None, **kw}


def test_candidates_are_spread_over_history_not_only_the_best_scored():
    # The ten best-scored changes are the oldest: the best alone would try 2010-2014 only.
    pairs = [candidate(i, 0.9 - i / 100 if i < 10 else 0.5 + i / 1000) for i in range(40)]
    picked = spread(pairs, 4)
    assert len(picked) == 4
    assert sorted(p["committed_at"] for p in picked) == [2010, 2029, 2039, 2049]  # one per ten-year stratum
    assert [p["score"] for p in picked] == sorted((p["score"] for p in picked), reverse=True)
    assert spread(pairs[:3], 20) == sorted(pairs[:3], key=lambda p: -p["score"])


def test_one_candidate_per_change_the_issue_pair_first():
    tip = "f" * 40
    pr = candidate(1, 0.9, "pr", pr_tip_sha=tip, pr_number=7)
    issue = candidate(2, 0.5, "issue_pr", commit_sha=pr["commit_sha"], pr_tip_sha=tip, pr_number=7)
    assert spread([pr, issue], 5) == [issue]
    assert instance_id("psf/requests", issue) == "psf__requests-7"
    assert instance_id("psf/requests", candidate(3, 0.1, commit_sha="ab" * 20)) == "psf__requests-" + "ab" * 6
