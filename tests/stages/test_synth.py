"""`synth` on real repositories, with a real small model's recorded answers served on loopback.

The recordings (tests/synth/recordings, made by tests/synth/record.py through a proxy in front of
Qwen2.5-Coder-0.5B-Instruct under llama.cpp) are complete response bodies matched by request, so these tests run
the whole stage as it runs against the model: real prompts from real seeds, real answers (good and bad), real
tests in the sandbox. A request the recordings do not hold fails the test (the prompts drifted: re-record).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from codemill import pipeline, rewards
from codemill.engine.manifest import load_manifest
from codemill.rewards import pass_fraction
from codemill.sandbox import Sandbox
from codemill.stages.synth import CACHE_DIR

from readback import dropped_rows, kept_rows, through

sys.path.insert(0, str(Path(__file__).parents[1] / "synth"))
from synthreplay import ReplayServer, body_key, load_recordings
from synthscenario import HOLDOUT_MARKER, MODEL, build_repos, config

TRAIN = {"inventory", "textkit"}
LACKING = {"bugfix": 4, "code_review": 8, "debugging": 8, "feature": 1, "other": 8}
REQUESTS = {c: min(n, 6) for c, n in LACKING.items()}  # max_requests_per_category = 6
ONLY = through("synth")


@pytest.fixture(scope="module")
def repos(tmp_path_factory) -> list[str]:
    return [str(p) for p in build_repos(tmp_path_factory.mktemp("synth-repos"))]


@pytest.fixture(scope="module")
def server():
    with ReplayServer() as replay:
        yield replay


@pytest.fixture(scope="module")
def run(tmp_path_factory, repos, server: ReplayServer, sandbox: Sandbox) -> Path:
    out = tmp_path_factory.mktemp("synth") / "out"
    summary = pipeline.run(out, config(server.url), repos, only=ONLY)
    assert summary.ok, {k: v for k, v in summary.errors.items() if v}
    assert server.unmatched == [], "requests without a recording: re-record with tests/synth/record.py"
    return out


def rows(out: Path) -> list[dict]:
    return kept_rows(out, "synth") + dropped_rows(out, "synth")


def git(repo: str, *args: str) -> str:
    return subprocess.run(["git", "-C", repo, *args], check=True, capture_output=True, text=True).stdout


@pytest.mark.slow
def test_short_categories_get_verified_problems(run: Path, repos: list[str], sandbox: Sandbox):
    shortfall = json.loads((run / "select/shortfall.json").read_text())["categories"]
    assert {c: v["lacking"] for c, v in shortfall.items() if v["lacking"]} == LACKING
    everything = rows(run)
    assert Counter(r["category"] for r in everything) == REQUESTS
    kept = kept_rows(run, "synth")
    assert kept, "the recorded answers hold verified problems"
    by_name = {Path(p).name: p for p in repos}
    for r in kept:
        assert r["pass_fraction"] == 1.0 and r["n_tests"] >= 1 and r["model"] == MODEL
        assert r["instruction"].strip() and "solution" in r["tests"]
        assert r["seed_snippet"] in r["prompt"] and r["seed_repo_name"] in TRAIN and r["seed_license"] == "MIT"
        # The provenance names a real commit and a real file of it, and the snippet is from that file.
        at_commit = git(by_name[r["seed_repo_name"]], "show", f"{r['seed_commit_sha']}:{r['seed_path']}")
        assert r["seed_snippet"].splitlines()[0].strip() in at_commit
    first = kept[0]  # verified again, independently of the stage
    assert pass_fraction(first["solution"], first["tests"], sandbox=sandbox) == 1.0


def test_every_answer_is_accounted_for_with_its_reason(run: Path):
    dropped = dropped_rows(run, "synth")
    reasons = Counter(r["drop_reason"] for r in dropped)
    assert reasons["tests_failed"] >= 1, "a recorded answer whose tests fail is dropped as tests_failed"
    for r in dropped:
        assert r["drop_detail"] and r["answer"], r["synth_id"]
        if r["drop_reason"] == "tests_failed":
            assert r["pass_fraction"] < 1.0 and r["tests"]
    m = load_manifest(run / "synth")
    assert m is not None and m.complete
    totals = m.totals()
    assert totals["kept"] + totals["dropped"] == sum(REQUESTS.values())
    counters = totals["counters"]
    everything = rows(run)
    assert counters["synth.llm.requests"] == sum(REQUESTS.values()) and "synth.llm.failures" not in counters
    assert counters["synth.tokens.prompt"] == sum(r["prompt_tokens"] for r in everything) > 0
    assert counters["synth.tokens.completion"] == sum(r["completion_tokens"] for r in everything) > 0


def test_seeds_come_from_train_repositories_only(run: Path, server: ReplayServer):
    splits = json.loads((run / "select/splits.json").read_text())["repositories"]
    assert {Path(r).name: s for r, s in splits.items()} == {"inventory": "train", "textkit": "train",
                                                            "holdout": "test"}
    assert {r["seed_repo_name"] for r in rows(run)} <= TRAIN
    assert not any(HOLDOUT_MARKER in json.dumps(body) for body in server.requests)


def test_verified_problems_are_exported_for_sft_and_rl(run: Path, repos, server: ReplayServer, sandbox: Sandbox):
    summary = pipeline.run(run, config(server.url), repos, only=through("export", "export_tasks"))
    assert summary.ok, {k: v for k, v in summary.errors.items() if v}
    kept = {r["synth_id"]: r for r in kept_rows(run, "synth")}
    train = [json.loads(line) for f in sorted((run / "export/jsonl").glob("train-*.jsonl"))
             for line in f.read_text().splitlines()]
    synthetic = {r["pair_id"]: r for r in train if r["kind"] == "synthetic"}
    assert set(synthetic) == set(kept)  # train only: none in validation or test
    assert not any(r["kind"] == "synthetic" for f in (run / "export/jsonl").glob("[!t]*.jsonl")
                   for r in map(json.loads, f.read_text().splitlines()))
    for sid, row in synthetic.items():
        assert row["messages"][-1]["content"].startswith("```python\n") and kept[sid]["solution"].strip() in \
            row["messages"][-1]["content"]
        assert row["license"] == kept[sid]["seed_license"] and row["commit_sha"] == kept[sid]["seed_commit_sha"]
    grpo = [r for r in pq.read_table(run / "export_tasks/rl/trl-grpo/train.parquet").to_pylist()
            if r["kind"] == "synthetic"]
    assert {r["task_id"] for r in grpo} == set(kept)
    first = grpo[0]
    answer = f"```python\n{kept[first['task_id']]['solution']}\n```"
    assert rewards.test_pass_reward([answer, "no code"], ground_truth=[first["ground_truth"]] * 2) == [1.0, 0.0]


@pytest.mark.slow
def test_a_rerun_makes_no_requests_and_gives_the_same_rows(run: Path, repos, server: ReplayServer):
    hits = server.hits
    again = pipeline.run(run, config(server.url), repos, only=ONLY)
    assert again.ok and again.ran["synth"] == 0 and server.hits == hits  # nothing changed: nothing re-runs
    before = {a.path: a.sha256 for a in load_manifest(run / "synth").artifacts()}
    # A changed option re-runs the stage; every answer then comes from the response cache.
    changed = pipeline.run(run, config(server.url, near_duplicate_threshold=0.85), repos, only=ONLY)
    assert changed.ok and changed.ran["synth"] == 1 and server.hits == hits
    assert {a.path: a.sha256 for a in load_manifest(run / "synth").artifacts()} == before
    counters = load_manifest(run / "synth").totals()["counters"]
    assert counters["synth.llm.cached_hits"] == sum(REQUESTS.values()) and "synth.llm.requests" not in counters
    assert (run / CACHE_DIR).is_dir()


def request_body(row: dict, cfg) -> dict:
    """The body the client sent for a row (what recordings are matched by)."""
    return {"model": cfg.synth.llm.model, "messages": [{"role": "system", "content": row["system_prompt"]},
                                                       {"role": "user", "content": row["prompt"]}],
            "temperature": cfg.synth.temperature, "max_tokens": cfg.synth.max_tokens, "stream": False,
            "seed": row["request_seed"]}


@pytest.mark.slow
def test_a_repeated_answer_is_dropped_as_duplicate(tmp_path: Path, run: Path, repos, sandbox: Sandbox):
    """The model gives the verified answer of one request to another request too: one copy is kept."""
    cfg = config("http://127.0.0.1:9/v1")
    recordings = load_recordings()
    good = kept_rows(run, "synth")[0]
    other = next(r for r in dropped_rows(run, "synth") if r["prompt"])  # a request with another answer
    answer = recordings[body_key(request_body(good, cfg))]
    with ReplayServer(also={body_key(request_body(other, cfg)): answer}) as replay:
        assert pipeline.run(tmp_path / "out", config(replay.url), repos, only=ONLY).ok and replay.unmatched == []
    everything = {r["synth_id"]: r for r in rows(tmp_path / "out")}
    first, second = sorted([everything[good["synth_id"]], everything[other["synth_id"]]],
                           key=lambda r: r.get("drop_reason") is not None)
    assert first.get("drop_reason") is None and first["answer"] == second["answer"]
    assert second["drop_reason"] == "duplicate" and second["drop_detail"] == f"of synth:{first['synth_id']}"


@pytest.mark.slow
def test_a_benchmark_problem_is_dropped_as_contamination(tmp_path: Path, run: Path, repos, server: ReplayServer):
    victim = kept_rows(run, "synth")[0]
    bench = tmp_path / "leaked.jsonl"
    bench.write_text(json.dumps({"task_id": "leaked/0", "prompt": victim["instruction"]}) + "\n")
    hits = server.hits
    cfg = config(server.url).model_copy(update={"decontam": config(server.url).decontam.model_copy(
        update={"files": [str(bench)]})})
    assert pipeline.run(run, cfg, repos, only=ONLY).ok and server.hits == hits
    [row] = [r for r in dropped_rows(run, "synth") if r["synth_id"] == victim["synth_id"]]
    assert row["drop_reason"] == "benchmark_contamination" and row["drop_detail"].startswith("leaked:leaked/0")
    assert victim["synth_id"] not in {r["synth_id"] for r in kept_rows(run, "synth")}


def test_a_server_error_is_a_counted_drop(tmp_path: Path, repos, sandbox: Sandbox):
    error = load_recordings()
    [failure] = [r for r in error.values() if r.name == "error-context-window.json"]
    with ReplayServer(fail_with=failure) as replay:
        summary = pipeline.run(tmp_path / "out", config(replay.url), repos, only=ONLY)
    assert summary.ok
    dropped = dropped_rows(tmp_path / "out", "synth")
    assert kept_rows(tmp_path / "out", "synth") == [] and len(dropped) == sum(REQUESTS.values())
    assert {r["drop_reason"] for r in dropped} == {"llm_error"}
    assert all(f"HTTP {failure.status}" in r["drop_detail"] for r in dropped)


def test_an_unreachable_server_fails_the_stage_instead(tmp_path: Path, repos):
    with ReplayServer() as replay:
        url = replay.url  # a loopback port that is closed once the server stops
    summary = pipeline.run(tmp_path / "out", config(url), repos, only=ONLY)
    assert not summary.ok and "could not be reached" in next(iter(summary.errors["synth"].values()))
