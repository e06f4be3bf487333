"""`codemill calibrate`: weights and score floor refitted on review labels, written as a config change that
re-runs pairs and select, and not commits."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from codemill import pipeline
from codemill.config import load_config
from codemill.pipeline import stage_states
from codemill.quality import Weights
from codemill.review.calibrate import CalibrationError, calibrate_run, floor_for
from codemill.review.labels import Judgment, LabelStore

from readback import kept_rows
from reviewruns import fingerprint


def judge_pairs(run_dir: Path, good, reviewers=("ada",), stage: str = "pairs") -> int:
    """Label every kept pair: good when `good(pair)`; returns how many good."""
    store = LabelStore.for_run(run_dir)
    n = 0
    for p in kept_rows(run_dir, "pairs"):
        ok = bool(good(p))
        n += ok
        for who in reviewers:
            store.record(Judgment(stage=stage, item_id=p["pair_id"], reviewer=who,
                                  verdict="accept" if ok else "reject", reason=None if ok else "weak",
                                  role="kept", manifest_digest="d" * 64))
    return n


def with_tests(pair: dict) -> bool:
    """The reviewers' taste in this test: a change is good when it came with its tests."""
    return pair["score_tests"] == 1.0


def test_floor_for_target_precision():
    scores = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3]
    good = [True, True, True, True, False, True, False]
    assert floor_for(scores, good, 1.0, 3) == 0.6
    assert floor_for(scores, good, 0.8, 3) == 0.4  # 5 of 6 at >= 0.4
    assert floor_for(scores, good, 1.0, 5) is None
    assert floor_for([0.5, 0.5, 0.5], [True, False, True], 0.6, 1) == 0.5  # ties count together


def test_calibration_refits_weights_and_floor(run_dir: Path):
    good = judge_pairs(run_dir, with_tests)
    done = calibrate_run(run_dir, target_precision=0.75)  # 4 good pairs of 11: 0.85 needs more than 5 above
    cal = done.calibration
    assert len(cal.pairs) == len(kept_rows(run_dir, "pairs")) and sum(p.good for p in cal.pairs) == good
    assert cal.before == Weights() and cal.after != cal.before
    assert cal.after.tests > cal.before.tests  # the labels reward tests, so their weight grows
    assert all(v >= 0 for k, v in cal.after.model_dump().items() if k != "bias")
    assert cal.metrics_after["auc"] >= cal.metrics_before["auc"]
    assert cal.min_score_after > cal.min_score_before == 0.0
    snippet = done.snippet_path.read_text()
    assert done.snippet_path == run_dir / "review" / "calibration.toml"
    parsed = tomllib.loads(snippet)
    assert parsed["select"]["weights"]["tests"] == pytest.approx(cal.after.tests)
    assert parsed["select"]["min_score"] == cal.min_score_after
    assert "no numeric thresholds" in snippet and "bugfix:" in snippet
    patched = load_config(done.config_path)
    assert patched.select.weights == cal.after and patched.select.min_score == cal.min_score_after
    assert patched.select.targets == {} and patched.run.workers == 1  # the rest as the run had it


def test_applying_the_change_reruns_select_not_pairs(run_dir: Path):
    judge_pairs(run_dir, with_tests)
    before = fingerprint(run_dir)
    done = calibrate_run(run_dir, target_precision=0.75)
    assert fingerprint(run_dir) == before  # calibrating writes only under review/
    cfg = load_config(done.config_path)
    states = stage_states(run_dir, cfg)
    assert states["commits"].state == states["repos"].state == states["pairs"].state == "done"
    assert states["select"].state == "stale" and "config" in states["select"].why
    res = pipeline.run(run_dir, cfg, [], only=["sources", "repos", "commits", "issues", "reviews", "pairs", "select"])
    assert res.ok
    assert res.ran["sources"] == res.ran["repos"] == res.ran["commits"] == res.ran["pairs"] == 0
    assert res.ran["select"] >= 1
    after = fingerprint(run_dir)
    upstream = [p for p in before if p.startswith(("commits/", "repos/", "sources/", "pairs/"))
                and p.endswith(".parquet")]
    assert upstream and all(after[p] == before[p] for p in upstream)  # the parts (manifests record timings)
    assert any(after.get(p) != before[p] for p in before if p.startswith("select/part-"))  # scored anew
    scores = {p["pair_id"]: p["score"] for p in kept_rows(run_dir, "select")}
    assert min(scores.values()) >= done.calibration.min_score_after


def test_labels_from_select_count_and_ties_are_left_out(run_dir: Path):
    judge_pairs(run_dir, with_tests, stage="select")
    first = kept_rows(run_dir, "pairs")[0]
    LabelStore.for_run(run_dir).record(Judgment(stage="pairs", item_id=first["pair_id"], reviewer="bob",
                                                verdict="reject" if with_tests(first) else "accept", reason="x",
                                                role="kept", manifest_digest="d" * 64))
    cal = calibrate_run(run_dir).calibration
    assert len(cal.pairs) == len(kept_rows(run_dir, "pairs")) - 1 and cal.reviewers == ["ada", "bob"]


def test_too_few_or_one_sided_labels_are_refused(run_dir: Path):
    with pytest.raises(CalibrationError, match="no labels"):
        calibrate_run(run_dir)
    judge_pairs(run_dir, lambda p: True)
    with pytest.raises(CalibrationError, match="good and bad examples both"):
        calibrate_run(run_dir)
    with pytest.raises(CalibrationError, match="needs at least 50"):
        calibrate_run(run_dir, min_labels=50)
    with pytest.raises(CalibrationError, match="config file not found"):
        calibrate_run(run_dir, config_path=run_dir / "nope.toml")


def cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "160", "CODEMILL_FAULT": ""}
    return subprocess.run([sys.executable, "-m", "codemill", *args], capture_output=True, text=True, env=env,
                          timeout=300)


@pytest.mark.slow
def test_the_calibrate_and_review_commands(run_dir: Path, tmp_path: Path):
    none = cli("calibrate", str(run_dir))
    assert none.returncode == 2 and "no labels" in none.stderr
    judge_pairs(run_dir, with_tests)
    out = tmp_path / "mine.toml"
    res = cli("calibrate", str(run_dir), "--out", str(out))
    assert res.returncode == 0, res.stderr
    assert "[select.weights]" in res.stdout and f"codemill run {out} --out {run_dir}" in res.stdout
    assert load_config(out).select.weights.tests > Weights().tests
    helped = cli("review", "--help")
    assert helped.returncode == 0 and "--token" in helped.stdout and "127.0.0.1" in helped.stdout
    missing = cli("review", str(tmp_path / "nowhere"))
    assert missing.returncode == 2 and "no run directory" in missing.stderr

