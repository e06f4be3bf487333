"""`rl` on a real repository: each tested function becomes a task whose tests are found by cutting its body out;
the exported verl / TRL GRPO files and workspace archives alone are enough to compute rewards in the sandbox."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from codemill import pipeline, rewards
from codemill.config import Config
from codemill.engine.manifest import load_manifest
from codemill.exports.rl import BYTES_PER_TOKEN, CHAT_TEMPLATE_TOKENS
from codemill.rl.functions import splice
from codemill.rl.workspace import FunctionGroundTruth, Workspaces
from codemill.sandbox import Sandbox

from gitrepo import Repo, git
from readback import dropped_rows, kept_rows
from spans_task import TESTS, make

WRONG_LENGTH = "```python\ndef length(self):\n    return self.end - self.start\n```"
RIGHT_LENGTH = "Here it is:\n```python\ndef length(self):\n    return max(self.end - self.start, 0)\n```"


@pytest.fixture(scope="module")
def run(tmp_path_factory, sandbox: Sandbox) -> tuple[Path, Repo]:
    root = tmp_path_factory.mktemp("rl")
    good = make(root, "spans", TESTS)
    broken = make(root, "broken", TESTS.replace("== 4\n", "== 5\n"))  # test_length fails at head
    dead = make(root, "dead", "from spans import missing\n\n\ndef test_nothing():\n    assert missing\n")
    out = root / "out"
    cfg = Config.model_validate({"run": {"workers": 1}, "rl": {"enabled": True}})
    summary = pipeline.run(out, cfg, [str(good.path), str(broken.path), str(dead.path)])
    assert summary.ok, {k: v for k, v in summary.errors.items() if v}
    return out, good


@pytest.mark.index
@pytest.mark.slow
def test_tested_functions_become_tasks_with_the_tests_that_need_them(run):
    out, repo = run
    tasks = {t["function"]: t for t in kept_rows(out, "rl") if t["repo"] == "spans"}
    # Not the one-liner, not the untested one, not the one whose reference opens files (screened).
    assert set(tasks) == {"parse", "Span.length", "Span.overlaps"}
    assert load_manifest(out / "rl").totals()["counters"]["rl.rejected.screened"] == 2  # in spans and broken
    assert tasks["parse"]["FAIL_TO_PASS"] == ["tests/test_spans.py::test_parse",
                                              "tests/test_spans.py::test_parse_rejects_garbage"]
    assert tasks["Span.length"]["FAIL_TO_PASS"] == ["tests/test_spans.py::test_length"]
    length = tasks["Span.length"]
    assert length["base_commit"] == git(repo.path, "rev-parse", "HEAD") and length["license"] == "MIT"
    assert "raise NotImplementedError" in length["prompt"] and "max(0, self.end" not in length["prompt"]
    assert "How many integers the span holds" in length["prompt"]
    assert length["reference"].startswith("def length(self):") and "max(0, self.end" in length["reference"]
    assert length["python"] and any(r.startswith("pytest==") for r in length["requirements"])


@pytest.mark.index  # its module fixture builds an environment from the index
def test_a_test_failing_at_head_grades_nothing_and_a_repository_without_passing_tests_is_refused(run):
    out, _repo = run
    broken = {t["function"]: t["FAIL_TO_PASS"] for t in kept_rows(out, "rl") if t["repo"] == "broken"}
    assert set(broken) == {"parse", "Span.overlaps"}  # Span.length's only test fails anyway: no_effect
    assert load_manifest(out / "rl").totals()["counters"]["rl.baseline_not_passing"] == 1
    [refused] = dropped_rows(out, "rl")
    assert refused["repo"] == "dead" and refused["drop_reason"] == "baseline_failing"
    assert "no test passes at head" in refused["drop_detail"]


@pytest.mark.index  # its module fixture builds an environment from the index
def test_exports_are_verl_and_trl_grpo_parquet(run):
    out, _repo = run
    verl = pq.read_table(out / "export_tasks/rl/verl/train.parquet").to_pylist()
    assert len(verl) == 5
    row = verl[0]
    assert set(row) == {"data_source", "prompt", "ability", "reward_model", "extra_info"}
    assert row["data_source"] == "codemill/repo_function" and row["ability"] == "code"
    assert row["prompt"][0]["role"] == "user" and row["reward_model"]["style"] == "rule"
    assert row["extra_info"]["split"] == "train" and row["extra_info"]["index"] == 0
    truth = json.loads(row["reward_model"]["ground_truth"])
    assert truth["kind"] == "repo_function" and (out / "export_tasks/rl/workspaces" / truth["workspace"]).is_file()
    grpo = pq.read_table(out / "export_tasks/rl/trl-grpo/train.parquet")
    assert {"prompt", "ground_truth"} <= set(grpo.column_names)
    datasets = pytest.importorskip("datasets")
    loaded = datasets.load_dataset("parquet", data_files=str(out / "export_tasks/rl/trl-grpo/train.parquet"),
                                   split="train")
    assert loaded.num_rows == 5 and loaded[0]["prompt"][0]["role"] == "user"
    readme = (out / "export_tasks/rl/README.md").read_text(encoding="utf-8")  # verl's lengths hold every prompt
    longest = max(len(r["prompt"][0]["content"].encode()) for r in verl)
    prompt_length = int(re.search(r"data\.max_prompt_length=(\d+)", readme)[1])
    assert prompt_length >= -(-longest // BYTES_PER_TOKEN) + CHAT_TEMPLATE_TOKENS  # no tokenizer in this run
    assert "custom_reward_function.path=pkg://codemill.rewards" in readme


@pytest.mark.index
@pytest.mark.slow
def test_rewards_from_the_exported_files_alone(run, tmp_path: Path, sandbox: Sandbox, monkeypatch):
    out, _repo = run
    rows = pq.read_table(out / "export_tasks/rl/trl-grpo/train.parquet").to_pylist()
    length = next(r for r in rows if r["function"] == "Span.length" and r["repo"] == "spans")
    spaces = Workspaces(out / "export_tasks/rl/workspaces", tmp_path / "cache", sandbox)
    truth = FunctionGroundTruth.from_json(length["ground_truth"])

    def score(answer: str) -> float:
        return rewards.score(answer, length["ground_truth"], workspaces=spaces)

    assert score(RIGHT_LENGTH) == 1.0
    assert score(WRONG_LENGTH) == 0.0  # Span(7, 3) has length 0, not -4
    assert score("no code at all") == 0.0
    assert score("```python\ndef length(self:\n```") == 0.0
    # An answer that writes into the tree and the environment is screened out before it runs; run anyway (as
    # if it got past the screen), its writes are refused: the whole checkout is read-only to the run.
    vandal = ("def length(self):\n    import pathlib, glob\n"
              "    venv = glob.glob('.venv/lib/*/site-packages')\n"
              "    for p in ['src/spans/evil.py', *(d + '/evil.pth' for d in venv)]:\n"
              "        try:\n            pathlib.Path(p).write_text('x')\n"
              "        except OSError:\n            pass\n"
              "    return max(0, self.end - self.start)\n")
    assert score(f"```python\n{vandal}```") == 0.0
    source = spaces.source(truth)
    assert spaces.score(truth, splice(source, "Span.length", vandal)) == 1.0
    [home] = [p for p in (tmp_path / "cache").iterdir() if p.is_dir()]
    assert not (home / "checkout/src/spans/evil.py").exists()
    assert not list((home / "checkout/.venv").glob("lib/*/site-packages/evil.pth"))
    assert spaces.source(truth) == source
    assert score(RIGHT_LENGTH) == 1.0  # the same workspace, reused
    # TRL and verl entry points, through the environment variables a trainer would set.
    monkeypatch.setenv("CODEMILL_RL_WORKSPACES", str(out / "export_tasks/rl/workspaces"))
    monkeypatch.setenv("CODEMILL_RL_CACHE", str(tmp_path / "cache"))
    rewards._workspaces.cache_clear()
    assert rewards.test_pass_reward([RIGHT_LENGTH, WRONG_LENGTH], ground_truth=[length["ground_truth"]] * 2) == [
        1.0, 0.0]
    assert rewards.compute_score("codemill/repo_function", RIGHT_LENGTH, length["ground_truth"]) == 1.0
    rewards._workspaces.cache_clear()
    # An altered archive is refused, not silently used.
    altered = FunctionGroundTruth(**{**truth.__dict__, "sha256": "0" * 64})
    with pytest.raises(RuntimeError, match="does not match"):
        Workspaces(out / "export_tasks/rl/workspaces", tmp_path / "other-cache", sandbox).score(altered, "x = 1\n")
