"""`tasks` on a real repository: a bug fix with its regression test becomes a verified instance, exported in the
SWE-bench and SWE-Gym forms, and re-verifies from the exported file alone."""

from __future__ import annotations

import json
import subprocess
import sys
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
    shas["python2"] = repo.commit(
        "Add a page report script that prints the page count of a listing, with its test",
        {"scripts/report.py": 'import sys\n\nprint "pages:", len(sys.argv) - 1\n',
         "tests/test_report.py": "def test_report_is_a_script():\n    assert True\n"})
    out = root / "out"
    cfg = Config.model_validate({"run": {"workers": 1},
                                 "tasks": {"enabled": True, "package_cache": str(root / "packages")}})
    summary = pipeline.run(out, cfg, [str(repo.path)])
    assert summary.ok, {k: v for k, v in summary.errors.items() if v}
    return out, repo, shas


@pytest.mark.index
@pytest.mark.slow
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
    assert dropped == {shas["no_f2p"]: "no_fail_to_pass", shas["init"]: "root_commit",
                       shas["python2"]: "needs_python2"}
    [python2] = [r for r in dropped_rows(out, "tasks") if r["drop_reason"] == "needs_python2"]
    assert python2["drop_detail"].startswith("scripts/report.py:3: Missing parentheses in call to 'print'")
    # The builds' package cache is a folder of the configured one, named by a digest of the repository id (a
    # path here), never the repository itself.
    [cache] = (out.parent / "packages").iterdir()
    assert len(cache.name) == 16 and any(cache.rglob("*")) and not (_repo.path / "uv").exists()
    # Each candidate is a shard of its own: a resumed run restarts at the candidate it was on.
    shards = json.loads((out / "tasks" / "manifest.json").read_text())["shards"]
    # The Python 2 change was found when planning, and is recorded by the repository's `python2` shard.
    assert sorted(s["key"].rsplit("#", 1)[1] for s in shards) == sorted(
        [f"paging-{sha[:12]}" for name, sha in shas.items() if name != "python2"] + ["python2"])


@pytest.mark.index
@pytest.mark.slow
def test_the_export_re_verifies_from_its_files_alone(run, sandbox: Sandbox):
    out, repo, _shas = run
    [bench] = [json.loads(x) for x in (out / "export_tasks/swebench/instances.jsonl").read_text().splitlines()]
    [gym] = [json.loads(x) for x in (out / "export_tasks/swegym/instances.jsonl").read_text().splitlines()]
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


@pytest.mark.index  # its module fixture builds an environment from the index
def test_the_swebench_harness_reads_every_exported_instance_and_task(run):
    """swebench 5 itself: the dataset loader, `make_test_spec` (image, eval script, log parser, eval type), the
    task-repository checks and loader, and the image specs its build step makes from the Dockerfiles."""
    from swebench.harness.utils import load_swebench_dataset, make_test_spec
    from swebench.image_builder.image_spec import get_image_specs_from_dataset
    from swebench.task.checks import check_task_repo
    from swebench.task.repo import load_dockerfiles, load_task_repo, task_paths

    out, _repo, shas = run
    export = out / "export_tasks" / "swebench"
    [row] = load_swebench_dataset(str(export / "instances.jsonl"))
    spec = make_test_spec(row)
    assert spec.FAIL_TO_PASS == ["tests/test_paging.py::test_partial_last_page"] and spec.eval_type == "pass_and_fail"
    assert spec.repo == "local/paging" and spec.version == "0.3"
    assert spec.image == f"swebench/sweb.eval.x86_64.{row['instance_id']}:latest"
    assert [str(p) for p in check_task_repo(export)] == []
    cli = subprocess.run([str(Path(sys.executable).parent / "swebench"), "dataset", "check", str(export)],
                         capture_output=True, text=True, check=False)
    assert cli.returncode == 0 and "looks well formed" in cli.stdout, cli.stdout + cli.stderr
    [task] = load_task_repo(export)
    assert {k: task[k] for k in ("instance_id", "patch", "test_patch", "eval_script", "base_commit")} == {
        k: row[k] for k in ("instance_id", "patch", "test_patch", "eval_script", "base_commit")}
    assert make_test_spec(task).eval_script == spec.eval_script and task["base_commit"] == shas["init"]
    [image] = get_image_specs_from_dataset([row], load_dockerfiles(export), "swebench", "latest", task_paths(export))
    assert image.name == spec.image and image.dockerfile.startswith("FROM python:3.")
    # The build context pins the source builds to the verified environment's own setuptools (seeded before 3.12).
    task_dir = export / "tasks" / row["instance_id"]
    pins = (task_dir / "constraints.txt").read_text().splitlines()
    assert set(pins) <= set((task_dir / "requirements.txt").read_text().splitlines())
    assert "PIP_CONSTRAINT=/tmp/codemill/constraints.txt" in image.dockerfile
    if int(image.dockerfile.splitlines()[0].removeprefix("FROM python:3.")) < 12:
        assert any(line.startswith("setuptools==") for line in pins)


@pytest.mark.index
@pytest.mark.slow
def test_the_task_directory_alone_re_verifies_and_swebench_grades_its_log(run, sandbox: Sandbox, tmp_path: Path):
    """Portable re-verification: a fresh testbed from the task directory (tree, frozen requirements, eval.sh),
    nothing from the source repository or the verified environment; swebench's own grader reads the logs."""
    from swebench.harness.grading import get_eval_report
    from swebench.harness.utils import make_test_spec
    from swebench.task.repo import load_task_repo

    from codemill.swe.portable import reverify

    out, _repo, _shas = run
    export = out / "export_tasks" / "swebench"
    [task] = load_task_repo(export)
    again = reverify(export / "tasks" / task["instance_id"], sandbox, scratch=tmp_path)
    assert again.agrees, again
    assert again.statuses["tests/test_paging.py::test_partial_last_page"] == "PASSED"
    spec = make_test_spec(task)
    for name, expected in (("gold", True), ("none", False)):
        log = tmp_path / f"{name}.log"
        log.write_text(again.logs[name])
        report = get_eval_report(spec, {"instance_id": task["instance_id"], "model_patch": "x"}, str(log), True)
        assert report[task["instance_id"]]["resolved"] is expected, (name, report)
