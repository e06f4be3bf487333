"""`bugs` on a real repository: mutants its tests catch become instances whose fix is verified, and a repository
whose tests fail at head is refused with its reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from codemill import pipeline
from codemill.config import Config
from codemill.engine.manifest import load_manifest
from codemill.sandbox import Sandbox
from codemill.swe.instance import verify

from gitrepo import MIT, Repo, git
from readback import dropped_rows, kept_rows

PYPROJECT = """[build-system]
requires = ["setuptools>=64"]
build-backend = "setuptools.build_meta"

[project]
name = "ranges"
version = "1.0"

[project.optional-dependencies]
test = ["pytest"]
"""
CODE = '''def clamp(value, low, high):
    """`value` limited to [low, high]."""
    if value < low:
        return low
    if value > high:
        return high
    return value


def overlaps(a_start, a_end, b_start, b_end):
    """Whether the half-open ranges [a_start, a_end) and [b_start, b_end) share a point."""
    return a_start < b_end and b_start < a_end
'''
TESTS = '''from ranges import clamp, overlaps


def test_clamp_inside():
    assert clamp(5, 0, 10) == 5


def test_clamp_low():
    assert clamp(-1, 0, 10) == 0


def test_clamp_high():
    assert clamp(11, 0, 10) == 10


def test_overlaps():
    assert overlaps(0, 5, 4, 8)


def test_touching_ranges_do_not_overlap():
    assert not overlaps(0, 5, 5, 8)
'''


def make(root: Path, name: str, tests: str) -> Repo:
    repo = Repo(root / name)
    repo.commit("Add the ranges package with clamp() and overlaps()", {
        "LICENSE": MIT, "pyproject.toml": PYPROJECT, "src/ranges/__init__.py": CODE, "tests/test_ranges.py": tests})
    return repo


@pytest.fixture(scope="module")
def run(tmp_path_factory, sandbox: Sandbox) -> tuple[Path, Repo]:
    root = tmp_path_factory.mktemp("bugs")
    good = make(root, "ranges", TESTS)
    broken = make(root, "broken", TESTS.replace("== 10\n", "== 11\n", 1))  # one test fails at head
    out = root / "out"
    cfg = Config.model_validate({"run": {"workers": 1}, "bugs": {"enabled": True, "max_per_function": 2}})
    summary = pipeline.run(out, cfg, [str(good.path), str(broken.path)])
    assert summary.ok, {k: v for k, v in summary.errors.items() if v}
    return out, good


@pytest.mark.index
@pytest.mark.slow
def test_caught_mutants_become_instances_and_their_fix_verifies(run, sandbox: Sandbox):
    out, repo = run
    bugs = kept_rows(out, "bugs")
    assert bugs and {b["repo"] for b in bugs} == {"ranges"}
    assert all(b["FAIL_TO_PASS"] and b["base_commit"] == git(repo.path, "rev-parse", "HEAD") for b in bugs)
    assert len({b["instance_id"] for b in bugs}) == len(bugs)
    for b in bugs:
        assert b["path"] == "src/ranges/__init__.py" and b["function"] in ("clamp", "overlaps")
        assert not any(line.strip() in b["problem_statement"] for line in b["bug_patch"].splitlines()
                       if line.startswith("+") and not line.startswith("+++") and len(line.strip()) > 4)
    # The instance is the buggy state (base + bug_patch) fixed by `patch`: verify it as SWE-bench would.
    first = bugs[0]
    scratch = out.parent / "verify"
    scratch.mkdir()
    work = scratch / "ranges"
    git(scratch, "clone", "-q", str(repo.path), str(work))
    git(work, "apply", "-", input=first["bug_patch"].encode())
    git(work, "commit", "-qam", "Introduce the bug")
    buggy = git(work, "rev-parse", "HEAD")
    again = verify(work, buggy, first["patch"], "", sandbox, tests=["tests/test_ranges.py"], require_test_patch=False)
    assert again.fail_to_pass == sorted(first["FAIL_TO_PASS"]), again
    exported = [json.loads(x) for x in (out / "export_tasks/swesmith/instances.jsonl").read_text().splitlines()]
    assert {e["instance_id"] for e in exported} == {b["instance_id"] for b in bugs}


@pytest.mark.index  # its module fixture builds an environment from the index
def test_a_repository_failing_at_head_is_refused(run):
    out, _repo = run
    [refused] = dropped_rows(out, "bugs")
    assert refused["repo"] == "broken" and refused["drop_reason"] == "baseline_failing"
    assert "test_clamp_high" in refused["drop_detail"]
    counters = load_manifest(out / "bugs").totals()["counters"]
    assert counters["bugs.tried"] >= len(kept_rows(out, "bugs"))
