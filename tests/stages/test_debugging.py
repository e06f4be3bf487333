"""`debugging` on a real repository: the verified `tasks` instance and a `bugs` bug become debugging pairs made
from the tests' real output before the fix, selected in place of the commit pair of the same change, and written
as multi-turn sessions in the chat exports (loaded back as their consumers read them)."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from codemill import pipeline
from codemill.config import Config
from codemill.sandbox import Sandbox

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
PAGING = '''def _ceil(a, b):
    return a // b


def page_count(total, size):
    """Pages needed for `total` items at `size` per page."""
    if size <= 0:
        raise ValueError("size must be positive")
    return _ceil(total, size)


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


def test_second_page():
    assert page([1, 2, 3], 2, 2) == [3]
'''
F2P = "tests/test_paging.py::test_partial_last_page"


@pytest.fixture(scope="module")
def run(tmp_path_factory, sandbox: Sandbox) -> tuple[Path, dict[str, str]]:
    root = tmp_path_factory.mktemp("debugging")
    repo = Repo(root / "paging")
    shas = {"init": repo.commit("Add the paging package with page() and page_count()", {
        "LICENSE": MIT, "pyproject.toml": PYPROJECT, "src/paging/__init__.py": PAGING, "tests/test_paging.py": TESTS})}
    shas["fix"] = repo.commit(
        "page_count() rounds down: a partial last page is not counted\n\nUse ceiling division so 21 items at 10 per "
        "page make 3 pages.",
        {"src/paging/__init__.py": PAGING.replace("return a // b", "return -(-a // b)"),
         "tests/test_paging.py": TESTS + "\n\ndef test_partial_last_page():\n    assert page_count(21, 10) == 3\n"})
    out = root / "out"
    cfg = Config.model_validate({
        "run": {"workers": 1}, "tasks": {"enabled": True, "package_cache": str(root / "packages")},
        "bugs": {"enabled": True, "max_files": 1, "max_functions": 2, "max_per_function": 1}})
    summary = pipeline.run(out, cfg, [f"{repo.path}=acme/paging"])
    assert summary.ok, {k: v for k, v in summary.errors.items() if v}
    return out, shas


@pytest.mark.index
@pytest.mark.slow
def test_the_instance_becomes_a_debugging_pair_with_its_real_failure_and_provenance(run):
    out, shas = run
    [task] = kept_rows(out, "tasks")
    assert [f["test"] for f in task["failures"]] == [F2P] == task["FAIL_TO_PASS"]
    [pair] = [p for p in kept_rows(out, "debugging") if p["kind"] == "debugging"]
    assert pair["category"] == "debugging" and pair["instance_id"] == task["instance_id"]
    assert (pair["repo_id"], pair["commit_sha"], pair["base_sha"]) == (task["repo_id"], shas["fix"], shas["init"])
    assert pair["source_pair_id"] == task["pair_id"] and pair["repo_name"] == "acme/paging"
    prompt = pair["instruction"]
    # the real failure: the test's source line, pytest's assertion diff and where it failed
    assert "assert page_count(21, 10) == 3" in prompt and "E       assert 2 == 3" in prompt
    assert "tests/test_paging.py:17: AssertionError" in prompt and f"python -m pytest {F2P}" in prompt
    # the code the fix changes, before it, by its definition; no scratch path of the sandboxed run
    assert "src/paging/__init__.py (lines 1-2)" in prompt and "return a // b" in prompt
    assert "/tmp/" not in prompt and "codemill-swe" not in prompt and "0x" not in prompt
    # the fix is the instance's code patch, never its tests
    assert "+    return -(-a // b)" in pair["response"] and "tests/" not in pair["response"]
    assert pair["response"] == task["patch"]


@pytest.mark.index  # its module fixture builds an environment from the index
@pytest.mark.slow
def test_a_synthetic_bug_becomes_a_debugging_pair_whose_fix_undoes_it(run):
    out, _shas = run
    bugs = kept_rows(out, "bugs")
    pairs = {p["instance_id"]: p for p in kept_rows(out, "debugging") if p["kind"] == "debugging_bug"}
    assert bugs and set(pairs) == {b["instance_id"] for b in bugs}
    for bug in bugs:
        pair = pairs[bug["instance_id"]]
        assert pair["response"] == bug["patch"] and pair["base_sha"] is None
        assert pair["commit_sha"] == bug["base_commit"]
        assert all(f"___ {t.split('::')[-1]} ___" in pair["instruction"] for t in bug["FAIL_TO_PASS"][:3])
        assert "\nE  " in pair["test_output"]


@pytest.mark.index  # its module fixture builds an environment from the index
@pytest.mark.slow
def test_the_change_is_one_pair_in_the_selection_and_the_export(run):
    out, shas = run
    [debug] = [p for p in kept_rows(out, "debugging") if p["kind"] == "debugging"]
    dropped = {r["pair_id"]: r for r in dropped_rows(out, "select")}
    source = dropped[debug["source_pair_id"]]
    assert source["drop_reason"] == "duplicate_change" and source["duplicate_of"] == debug["pair_id"]
    assert debug["pair_id"] in {r["pair_id"] for r in kept_rows(out, "select")}
    rows = [json.loads(line) for f in sorted((out / "export/jsonl").glob("*.jsonl"))
            for line in f.read_text().splitlines()]
    fix_rows = [r for r in rows if r["commit_sha"] == shas["fix"] and r["kind"] != "debugging_bug"]  # bugs: at head
    assert [r["kind"] for r in fix_rows] == ["debugging"]  # the commit pair of the same fix is not exported too


@pytest.mark.index  # its module fixture builds an environment from the index
@pytest.mark.slow
def test_chat_exports_hold_the_session_and_prompt_completion_the_single_turn_pair(run):
    out, _shas = run
    [debug] = [p for p in kept_rows(out, "debugging") if p["kind"] == "debugging"]
    [msgs] = [r for f in sorted((out / "export/trl-messages").glob("*.parquet"))
              for r in pq.read_table(f).to_pylist() if r["pair_id"] == debug["pair_id"]]
    roles = [m["role"] for m in msgs["messages"]]
    assert roles == ["system"] + ["user", "assistant"] * 4
    turns = [m["content"] for m in msgs["messages"]]
    assert f"python -m pytest {F2P}" in turns[2] and "E       assert 2 == 3" in turns[3]
    assert "sed -n '1,2p' src/paging/__init__.py" in turns[4] and "return a // b" in turns[5]
    assert "+    return -(-a // b)" in turns[6] and "1 passed" in turns[7]
    [pc] = [r for f in sorted((out / "export/trl-prompt-completion").glob("*.parquet"))
            for r in pq.read_table(f).to_pylist() if r["pair_id"] == debug["pair_id"]]
    assert pc["prompt"][-1]["content"] == debug["instruction"] and "-(-a // b)" in pc["completion"][0]["content"]
    sharegpt = [r for f in sorted((out / "export/llamafactory").glob("sharegpt_*/*.json"))
                for r in json.loads(f.read_text()) if r["pair_id"] == debug["pair_id"]]
    assert [t["from"] for t in sharegpt[0]["conversations"]] == ["human", "gpt"] * 4
    openai = [json.loads(line) for f in sorted((out / "export/openai").glob("*.jsonl"))
              for line in f.read_text().splitlines()]
    sessions = [o for o in openai if len(o["messages"]) == 9]
    assert len(sessions) == len(kept_rows(out, "debugging"))
    assert all(o["messages"][-1]["role"] == "assistant" and o["messages"][-1]["content"] for o in sessions)
