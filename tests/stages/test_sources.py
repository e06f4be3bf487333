"""The `repos` stage, run directly on real repositories: what it records and why it drops a source."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from codemill import pipeline
from codemill.config import Config, LicenseConfig, RunConfig, SourcesConfig
from codemill.engine.stage import PlanContext, ShardOutput
from codemill.pipeline import resolve_sources
from codemill.sources.spec import Source
from codemill.stages.sources import SCHEMA, SourcesStage

from gitrepo import Repo, git, raw_commit
from readback import through

DROP_REASONS = {"not_found", "not_git", "clone_failed", "empty", "shallow", "corrupt", "duplicate_source"}


NO_LICENSE_NEEDED = LicenseConfig(keep_missing=True)  # these repositories are about git, not licenses


def mill(run_dir: Path, specs: list[str], config: Config | None = None,
         sources: list[Source] | None = None) -> tuple[list[dict], list[dict]]:
    """Plan and run every shard of the repos stage; (kept rows, dropped rows) read back from the parquet."""
    config = config or Config()
    stage = SourcesStage(config)
    sources = sources if sources is not None else resolve_sources(specs, config)
    shards = stage.plan(PlanContext(run_dir, {}, sources))
    assert len({s.key for s in shards}) == len(shards)
    kept: list[dict] = []
    dropped: list[dict] = []
    for part, shard in enumerate(shards):
        out = ShardOutput(run_dir, "sources", part, SCHEMA, stage.row_group_rows)
        stage.run(shard, out)
        out.close()
        for art in out.artifacts:
            rows = pq.read_table(run_dir / art.path).to_pylist()
            assert len(rows) == art.rows
            (kept if art.role == "kept" else dropped).extend(rows)
    ids = [r["source_id"] for r in kept + dropped]
    assert len(set(ids)) == len(ids), "source ids must be unique across kept and dropped rows"
    assert {r["drop_reason"] for r in dropped} <= DROP_REASONS
    return kept, dropped


def only(rows: list[dict]) -> dict:
    assert len(rows) == 1, rows
    return rows[0]


def utc(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, tz=UTC)


@pytest.fixture
def history(tmp_path: Path) -> Repo:
    """main with three authors and a merged branch, so first-parent and reachable counts differ."""
    r = Repo(tmp_path / "history")
    r.commit("Add the tokenizer", {"tok.py": "def tok(s):\n    return s.split()\n"})
    r.commit("Document the tokenizer", {"README.md": "# tok\n"}, author=("Grace Hopper", "Grace@Example.org"))
    r.branch("feature")
    r.commit("Tokenize on commas too", {"tok.py": "def tok(s):\n    return s.replace(',', ' ').split()\n"},
             author=("Grace Hopper", "grace@example.org"))
    r.commit("Test comma tokenization", {"test_tok.py": "assert tok('a,b') == ['a', 'b']\n"},
             author=("Alan Turing", "alan@example.org"))
    r.checkout("main")
    r.commit("Add a license", {"LICENSE": "MIT\n"})
    r.merge("feature", "Merge branch 'feature'")
    r.commit("Bump the version", {"VERSION": "1.1\n"})
    return r


def git_count(repo: Path, *args: str) -> int:
    return int(git(repo, "rev-list", "--count", *args, "HEAD"))


def test_a_normal_repository_is_described(tmp_path: Path, history: Repo) -> None:
    kept, dropped = mill(tmp_path / "run", [str(history.path)])
    assert dropped == []
    row = only(kept)
    assert row["source"] == str(history.path.resolve())
    assert row["repo_id"] == row["location"] == str(history.path.resolve())
    assert row["repo_name"] == "history"
    assert row["url"] is None and row["web_url"] is None
    assert row["is_bare"] is False
    assert row["head"] == history.head()
    assert row["default_branch"] == "main"
    assert row["commits"] == git_count(history.path, "--first-parent") == 5
    assert row["reachable_commits"] == git_count(history.path) == 7
    emails = {e.lower() for e in git(history.path, "log", "--format=%ae").split()}
    assert row["distinct_authors"] == len(emails) == 3
    times = [int(t) for t in git(history.path, "log", "--format=%ct").split()]
    assert row["first_commit_at"] == utc(min(times))
    assert row["last_commit_at"] == utc(max(times))
    assert row["license"] is None
    assert set(row) == set(SCHEMA.names)


def test_the_default_branch_is_what_head_points_to(tmp_path: Path, history: Repo) -> None:
    git(history.path, "checkout", "-q", "-b", "trunk")
    history.commit("Work on trunk", {"trunk.txt": "t\n"})
    row = only(mill(tmp_path / "run", [str(history.path)])[0])
    assert row["default_branch"] == "trunk"
    assert row["head"] == history.head()
    assert row["commits"] == 6


def test_a_detached_head_is_recorded_as_head(tmp_path: Path, history: Repo) -> None:
    first = git(history.path, "rev-list", "--max-parents=0", "HEAD")
    git(history.path, "checkout", "-q", "--detach", f"{first}")
    row = only(mill(tmp_path / "run", [str(history.path)])[0])
    assert row["default_branch"] == "HEAD"
    assert row["head"] == first
    assert row["commits"] == row["reachable_commits"] == 1


def test_a_bare_repository(tmp_path: Path, history: Repo) -> None:
    bare = tmp_path / "mirror" / "history.git"
    git(tmp_path, "clone", "-q", "--bare", str(history.path), str(bare))
    row = only(mill(tmp_path / "run", [str(bare)])[0])
    assert row["is_bare"] is True
    assert row["repo_id"] == str(bare.resolve())
    assert row["repo_name"] == "history"
    assert row["head"] == history.head()
    assert row["default_branch"] == "main"
    assert row["commits"] == 5 and row["reachable_commits"] == 7


def test_a_git_dir_spec_names_its_work_tree(tmp_path: Path, history: Repo) -> None:
    row = only(mill(tmp_path / "run", [str(history.path / ".git")])[0])
    assert row["repo_id"] == str(history.path.resolve())
    assert row["repo_name"] == "history"
    assert row["head"] == history.head()


def test_a_folder_that_is_not_a_repository_is_not_git(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    (plain / "src").mkdir(parents=True)
    (plain / "src" / "main.py").write_text("print('hi')\n")
    kept, dropped = mill(tmp_path / "run", [str(plain)])
    assert kept == []
    row = only(dropped)
    assert row["drop_reason"] == "not_git"
    assert row["source"] == str(plain.resolve())
    assert row["head"] is None


def test_a_plain_folder_inside_a_repository_does_not_open_the_enclosing_one(
        tmp_path: Path, history: Repo) -> None:
    inner = history.path / "docs" / "notes"
    inner.mkdir(parents=True)
    (inner / "todo.txt").write_text("nothing tracked here\n")
    kept, dropped = mill(tmp_path / "run", [str(inner)])
    assert kept == []
    assert only(dropped)["drop_reason"] == "not_git"


def test_a_plain_file_is_not_git(tmp_path: Path) -> None:
    f = tmp_path / "notes.txt"
    f.write_text("x\n")
    assert only(mill(tmp_path / "run", [str(f)])[1])["drop_reason"] == "not_git"


def test_a_missing_path_is_not_found(tmp_path: Path) -> None:
    missing = tmp_path / "gone"
    kept, dropped = mill(tmp_path / "run", [str(missing)])
    assert kept == []
    row = only(dropped)
    assert row["drop_reason"] == "not_found"
    assert str(missing) in row["drop_detail"]
    assert row["location"] == str(missing)


@pytest.mark.parametrize("bare", [False, True])
def test_a_repository_without_commits_is_empty(tmp_path: Path, bare: bool) -> None:
    r = Repo(tmp_path / ("void.git" if bare else "void"), bare=bare)
    kept, dropped = mill(tmp_path / "run", [str(r.path)])
    assert kept == []
    row = only(dropped)
    assert row["drop_reason"] == "empty"
    assert row["is_bare"] is bare


def test_a_head_on_a_missing_branch_says_so(tmp_path: Path, history: Repo) -> None:
    git(history.path, "symbolic-ref", "HEAD", "refs/heads/gone")
    _kept, dropped = mill(tmp_path / "run", [str(history.path)])
    row = only(dropped)
    assert row["drop_reason"] == "empty"
    assert row["drop_detail"].startswith("HEAD points to refs/heads/gone, which does not exist; its branches are")
    assert "main" in row["drop_detail"]


def test_a_git_file_pointing_outside_its_folder_is_refused(tmp_path: Path, history: Repo) -> None:
    """A downloaded folder whose `.git` file names another repository on this machine must not mill that
    repository under the folder's name."""
    lure = tmp_path / "innocent-project"
    lure.mkdir()
    (lure / ".git").write_text(f"gitdir: {history.path / '.git'}\n")
    (lure / "README.md").write_text("nothing to see\n")
    kept, dropped = mill(tmp_path / "run", [str(lure)])
    assert kept == []
    row = only(dropped)
    assert row["drop_reason"] == "not_git" and "points outside" in row["drop_detail"]
    # A .git file inside its own folder (a repository whose git directory was moved within it) still works.
    inside = tmp_path / "moved"
    git(tmp_path, "clone", "-q", "--separate-git-dir", str(inside / "meta"), str(history.path), str(inside))
    kept, _dropped = mill(tmp_path / "run2", [str(inside)])
    assert len(kept) == 1


def test_a_shallow_clone_is_dropped_unless_allowed(tmp_path: Path, history: Repo) -> None:
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{history.path}", str(shallow))
    assert (shallow / ".git" / "shallow").is_file()
    kept, dropped = mill(tmp_path / "run", [str(shallow)])
    assert kept == []
    row = only(dropped)
    assert row["drop_reason"] == "shallow"
    assert row["is_bare"] is False

    kept, dropped = mill(tmp_path / "run2", [str(shallow)], Config(sources=SourcesConfig(allow_shallow=True)))
    assert dropped == []
    row = only(kept)
    assert row["head"] == history.head()
    assert row["commits"] == row["reachable_commits"] == 1


def _loose_object(repo: Path, sha: str) -> Path:
    p = repo / ".git" / "objects" / sha[:2] / sha[2:]
    assert p.is_file(), "the test needs loose objects (an unpacked repository)"
    return p


def _corrupt(path: Path) -> None:
    os.chmod(path, 0o644)
    path.write_bytes(b"this is not a zlib stream")


@pytest.mark.parametrize("which", ["HEAD~2", "HEAD"])
def test_a_corrupt_commit_object_is_corrupt(tmp_path: Path, which: str) -> None:
    r = Repo(tmp_path / "broken")
    r.commit("Add a", {"a.txt": "a\n"})
    r.commit("Add b", {"b.txt": "b\n"})
    r.commit("Add c", {"c.txt": "c\n"})
    r.commit("Add d", {"d.txt": "d\n"})
    _corrupt(_loose_object(r.path, git(r.path, "rev-parse", which)))
    kept, dropped = mill(tmp_path / "run", [str(r.path)])
    assert kept == []
    row = only(dropped)
    assert row["drop_reason"] == "corrupt"
    assert row["drop_detail"].startswith("GitError: ") and row["drop_detail"].endswith("failed to inflate loose object")
    assert row["head"] is None and row["commits"] is None


def test_a_missing_commit_object_is_corrupt(tmp_path: Path) -> None:
    r = Repo(tmp_path / "holey")
    r.commit("Add a", {"a.txt": "a\n"})
    middle = r.commit("Add b", {"b.txt": "b\n"})
    r.commit("Add c", {"c.txt": "c\n"})
    _loose_object(r.path, middle).unlink()
    row = only(mill(tmp_path / "run", [str(r.path)])[1])
    assert row["drop_reason"] == "corrupt"
    assert row["drop_detail"] == f"NotFoundError: 'object not found - no match for id ({middle})'"


def test_odd_encoding_headers_do_not_make_a_repository_corrupt(tmp_path: Path) -> None:
    """Authors are read as raw bytes: an encoding Python lacks, or bytes it rejects, are not damage."""
    r = Repo(tmp_path / "odd")
    r.commit("Add a", {"a.txt": "a\n"})
    raw_commit(r, b"Unknown codec\n", {"b.txt": "b\n"}, headers=b"encoding x-no-such-codec\n")
    raw_commit(r, b"Undecodable codec\n", {"c.txt": "c\n"}, headers=b"encoding undefined\n")
    raw_commit(r, b"Latin-1 bytes declared UTF-8\n", {"d.txt": "d\n"},
               author="José <josé@example.org>".encode("latin-1"), headers=b"encoding UTF-8\n")
    raw_commit(r, b"Same author, other case\n", {"e.txt": "e\n"},
               author="José <JOSé@EXAMPLE.ORG>".encode("latin-1"))
    kept, dropped = mill(tmp_path / "run", [str(r.path)])
    assert dropped == []
    row = only(kept)
    assert row["commits"] == row["reachable_commits"] == 5
    assert row["distinct_authors"] == 2  # ada, and José (whose raw email differs only in ASCII case)


def test_two_specs_naming_one_repository_keep_one(tmp_path: Path, history: Repo) -> None:
    kept, dropped = mill(tmp_path / "run", [str(history.path / ".git"), str(history.path)])
    row = only(kept)
    dup = only(dropped)
    assert row["source"] == str(history.path.resolve())  # the first spec in sorted order is kept
    assert dup["source"] == str((history.path / ".git").resolve())
    assert dup["drop_reason"] == "duplicate_source"
    assert dup["drop_detail"] == f"same repository as {row['source']}"
    assert dup["repo_id"] == row["repo_id"]
    assert dup["head"] is None


def test_a_folder_and_a_repository_inside_it_are_one_source(tmp_path: Path) -> None:
    code = tmp_path / "code"
    a = Repo(code / "a")
    a.commit("Add a", {"a.txt": "a\n"})
    b = Repo(code / "b")
    b.commit("Add b", {"b.txt": "b\n"})
    link = tmp_path / "link-to-a"
    link.symlink_to(a.path, target_is_directory=True)
    kept, dropped = mill(tmp_path / "run", [str(code), str(a.path), str(link)])
    assert sorted(r["repo_name"] for r in kept) == ["a", "b"]
    assert dropped == []


def test_duplicate_specs_through_the_pipeline_keep_ids_unique(tmp_path: Path) -> None:
    code = tmp_path / "code"
    a = Repo(code / "a")
    a.commit("Add a", {"a.txt": "a\n"})
    summary = pipeline.run(tmp_path / "run", Config(run=RunConfig(workers=1)),
                           [str(code), str(a.path), str(a.path / ".git")], only=["sources"])
    assert summary.ok, summary.errors
    totals = summary.manifests["sources"].totals()
    assert totals["kept"] == 1
    assert totals["drop_reasons"] == {"duplicate_source": 1}


def test_a_failed_clone_is_clone_failed(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"git://127.0.0.1:{port}/ada/engine.git"
    config = Config(sources=SourcesConfig(cache_dir=str(tmp_path / "cache"), clone_retries=0))
    kept, dropped = mill(tmp_path / "run", [url], config)
    assert kept == []
    row = only(dropped)
    assert row["drop_reason"] == "clone_failed"
    assert row["drop_detail"].startswith("clone failed")
    assert row["url"] == url
    assert row["repo_id"] == f"127.0.0.1:{port}/ada/engine"
    assert row["repo_name"] == "ada/engine"
    assert row["location"] is None


def test_every_kind_of_source_in_one_plan(tmp_path: Path, history: Repo) -> None:
    void = Repo(tmp_path / "void")
    plain = tmp_path / "plain"
    plain.mkdir()
    specs = [str(history.path), str(void.path), str(plain), str(tmp_path / "missing")]
    kept, dropped = mill(tmp_path / "run", specs)
    assert [r["repo_name"] for r in kept] == ["history"]
    assert sorted((r["repo_name"], r["drop_reason"]) for r in dropped) == [
        ("missing", "not_found"), ("plain", "not_git"), ("void", "empty"),
    ]


def test_hooks_and_fsmonitor_never_run(tmp_path: Path, history: Repo) -> None:
    marker = tmp_path / "hook-ran"
    hooks = history.path / ".git" / "hooks"
    names = ["post-checkout", "pre-commit", "post-commit", "post-merge", "pre-auto-gc",
             "reference-transaction", "post-index-change", "pre-push", "post-rewrite", "fsmonitor-watchman"]
    for name in names:
        hook = hooks / name
        hook.write_text(f"#!/bin/sh\necho {name} >> '{marker}'\n")
        hook.chmod(0o755)
    git(history.path, "config", "core.fsmonitor", str(hooks / "fsmonitor-watchman"))
    # The hooks are live for the git CLI.
    os.system(f"'{hooks / 'post-checkout'}'")
    assert marker.read_text() == "post-checkout\n"
    marker.unlink()

    assert only(mill(tmp_path / "run", [str(history.path)])[0])["head"] == history.head()
    summary = pipeline.run(tmp_path / "run-all", Config(run=RunConfig(workers=1), license=NO_LICENSE_NEEDED),
                           [str(history.path)],
                           only=through("pairs"))
    assert summary.ok, summary.errors
    assert summary.manifests["commits"].totals()["kept"] == 5
    assert not marker.exists()


def test_the_plan_digest_follows_the_head(tmp_path: Path, history: Repo) -> None:
    stage = SourcesStage(Config())
    sources = resolve_sources([str(history.path)], Config())

    def digest() -> str:
        (shard,) = stage.plan(PlanContext(tmp_path / "run", {}, sources))
        assert shard.key == str(history.path.resolve())
        return shard.inputs_digest

    before = digest()
    assert digest() == before
    history.commit("One more", {"more.txt": "m\n"})
    assert digest() != before


def test_source_ids_are_deterministic(tmp_path: Path, history: Repo) -> None:
    first = mill(tmp_path / "run1", [str(history.path)])[0]
    second = mill(tmp_path / "run2", [str(history.path)])[0]
    assert first == second
