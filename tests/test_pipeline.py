"""The backbone's promises, end to end on real repositories: reuse, incremental runs, staleness, recovery."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from codemill import pipeline
from codemill.config import Config
from codemill.engine.lock import RunLock, RunLocked
from codemill.pipeline import stage_states, verify_run

from gitrepo import Repo, fast_import_history
from readback import artifact_digests, dropped_rows, kept_rows, through


def cfg(**sections) -> Config:
    base = {"run": {"workers": 1}, "commits": {"shard_commits": 40}}
    for k, v in sections.items():
        base.setdefault(k, {}).update(v)
    return Config.model_validate(base)


@pytest.fixture
def two_repos(tmp_path: Path, small_repo: Repo) -> tuple[Path, Path]:
    big = tmp_path / "big"
    fast_import_history(big, 150)
    return small_repo.path, big


def test_rerun_does_no_work(tmp_path: Path, two_repos):
    out = tmp_path / "out"
    first = pipeline.run(out, cfg(), [str(p) for p in two_repos])
    assert first.ok and first.ran["commits"] == 5  # 150 commits in shards of 40, plus the small repo
    digests = artifact_digests(out)
    second = pipeline.run(out, cfg(), [])
    assert second.ok
    assert all(n == 0 for n in second.ran.values()), second.ran
    assert artifact_digests(out) == digests
    assert all(s.state == "done" for s in stage_states(out, cfg()).values())


def test_adding_a_repository_processes_only_it(tmp_path: Path, two_repos):
    small, big = two_repos
    inc = tmp_path / "inc"
    pipeline.run(inc, cfg(), [str(small)])
    second = pipeline.run(inc, cfg(), [str(big)])
    assert second.ran["sources"] == 1 and second.reused["sources"] == 1
    assert second.ran["repos"] == 1 and second.reused["repos"] == 1
    assert second.ran["commits"] == 4 and second.reused["commits"] == 1
    fresh = tmp_path / "fresh"
    pipeline.run(fresh, cfg(), [str(small), str(big)])
    for stage, key in (("commits", "commit_id"), ("pairs", "pair_id")):
        a = sorted(kept_rows(inc, stage) + dropped_rows(inc, stage), key=lambda r: r[key])
        b = sorted(kept_rows(fresh, stage) + dropped_rows(fresh, stage), key=lambda r: r[key])
        assert a == b
        assert len({r[key] for r in a}) == len(a)
    assert verify_run(inc).ok


def test_new_commits_remine_only_the_last_chunk(tmp_path: Path, small_repo: Repo):
    out = tmp_path / "out"
    c = cfg(commits={"shard_commits": 3})
    pipeline.run(out, c, [str(small_repo.path)])
    n_before = len(kept_rows(out, "commits"))
    small_repo.commit("Add a changelog entry for the pagination fix", {"CHANGES.md": "- fixed paging\n"})
    again = pipeline.run(out, c, [])
    assert again.ran["commits"] == 1 and again.reused["commits"] == 2
    assert len(kept_rows(out, "commits")) == n_before + 1


def test_config_change_reruns_that_stage_and_later_only(tmp_path: Path, two_repos):
    out = tmp_path / "out"
    pipeline.run(out, cfg(), [str(p) for p in two_repos])
    changed = cfg(pairs={"min_message_words": 7})
    states = stage_states(out, changed)
    assert states["commits"].state == "done"
    assert states["pairs"].state == "stale" and "config" in states["pairs"].why
    assert states["export"].state == "stale"
    again = pipeline.run(out, changed, [])
    assert again.ran["sources"] == again.ran["repos"] == again.ran["commits"] == 0
    assert again.ran["pairs"] == 5 and again.ran["export"] == 1


def test_corrupted_part_is_caught_by_verify_and_rebuilt_by_run(tmp_path: Path, two_repos):
    out = tmp_path / "out"
    pipeline.run(out, cfg(), [str(p) for p in two_repos])
    digests = artifact_digests(out)
    victim = out / "commits" / "part-00001.parquet"
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0xFF
    victim.write_bytes(bytes(data))
    report = verify_run(out)
    assert not report.ok and report.problems == ["commits/part-00001.parquet: checksum mismatch"]
    again = pipeline.run(out, cfg(), [])
    assert again.ran["commits"] == 1
    assert again.ran["pairs"] == 0  # the rebuilt part is byte-identical, so nothing downstream changes
    assert artifact_digests(out) == digests and verify_run(out).ok


def test_orphans_and_temporaries_are_removed(tmp_path: Path, small_repo: Repo):
    out = tmp_path / "out"
    pipeline.run(out, cfg(), [str(small_repo.path)])
    (out / "commits" / "part-00042.parquet").write_bytes(b"left by a killed run")
    (out / "commits" / "part-00000.parquet.tmp-99-abcd").write_bytes(b"torn")
    pipeline.run(out, cfg(), [])
    names = sorted(p.name for p in (out / "commits").iterdir())
    assert names == ["manifest.json", "part-00000.parquet"]


def test_only_requires_fresh_upstream(tmp_path: Path, small_repo: Repo):
    out = tmp_path / "out"
    with pytest.raises(pipeline.PipelineError, match="'repos' is missing"):
        pipeline.run(out, cfg(), [str(small_repo.path)], only=["pairs"])
    pipeline.run(out, cfg(), [], only=[s for s in through("pairs") if s != "pairs"])
    res = pipeline.run(out, cfg(), [], only=["pairs"])
    assert set(res.ran) == {"pairs"}
    with pytest.raises(pipeline.PipelineError, match="unknown stage"):
        pipeline.run(out, cfg(), [], only=["pear"])


def test_a_second_writer_is_refused(tmp_path: Path, small_repo: Repo):
    out = tmp_path / "out"
    with RunLock(out), pytest.raises(RunLocked):
        pipeline.run(out, cfg(), [str(small_repo.path)])


def test_broken_sources_are_dropped_and_the_run_goes_on(tmp_path: Path, small_repo: Repo):
    not_git = tmp_path / "plain"
    not_git.mkdir()
    (not_git / "README").write_text("not a repository\n")
    empty = Repo(tmp_path / "empty").path
    out = tmp_path / "out"
    res = pipeline.run(out, cfg(), [str(small_repo.path), str(not_git), str(empty), str(tmp_path / "gone")])
    assert res.ok
    reasons = {r["source"]: r["drop_reason"] for r in dropped_rows(out, "sources")}
    assert reasons == {str(not_git): "not_git", str(empty): "empty", str(tmp_path / "gone"): "not_found"}
    assert len(kept_rows(out, "repos")) == 1 and len(kept_rows(out, "pairs")) > 0


def test_a_failing_shard_is_quarantined(tmp_path: Path, two_repos):
    small, big = two_repos
    out = tmp_path / "out"
    pipeline.run(out, cfg(), [str(small), str(big)], only=["sources", "repos"])
    moved = tmp_path / "moved"
    shutil.move(str(small), moved)  # the repository vanishes between stages
    res = pipeline.run(out, cfg(), [], only=["commits"])
    assert not res.ok and list(res.errors["commits"]) == [f"{small}#000000"]
    assert res.ran["commits"] == 4  # the other repository's shards all ran
    assert stage_states(out, cfg())["commits"].state == "stale"
    shutil.move(str(moved), small)
    again = pipeline.run(out, cfg(), [], only=["commits"])
    assert again.ok and again.ran["commits"] == 1 and again.reused["commits"] == 4
