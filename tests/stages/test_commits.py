"""The `commits` stage on real histories: walking, diffing, decoding, capping, dropping corrupt commits."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from codemill import pipeline
from codemill.config import CommitsConfig, Config, LicenseConfig, RunConfig
from codemill.engine.manifest import load_manifest
from codemill.ids import stable_id
from codemill.stages.commits import SCHEMA

from gitrepo import Repo, fast_import_history, git, raw_commit
from readback import artifact_digests, dropped_rows, kept_rows


def mill(run_dir: Path, repo: Path, commits: CommitsConfig | None = None, workers: int = 1) -> list[dict]:
    """Run sources, repos and commits on one repository; the kept commit rows, in position order."""
    # These repositories test history, not licensing: code without a license is kept.
    config = Config(run=RunConfig(workers=workers), commits=commits or CommitsConfig(),
                    license=LicenseConfig(keep_missing=True))
    summary = pipeline.run(run_dir, config, [str(repo)], only=["sources", "repos", "commits"])
    assert summary.ok, summary.errors
    assert kept_rows(run_dir, "repos"), dropped_rows(run_dir, "repos")
    rows = kept_rows(run_dir, "commits")
    for r in rows:
        assert set(r) == set(SCHEMA.names)
    return rows


def by_subject(rows: list[dict]) -> dict[str, dict]:
    out = {r["subject"]: r for r in rows}
    assert len(out) == len(rows), "subjects are unique in these tests"
    return out


def first_parent(repo: Path) -> list[str]:
    return git(repo, "rev-list", "--first-parent", "--reverse", "HEAD").split()


def only(rows: list) -> dict:
    assert len(rows) == 1, rows
    return rows[0]


# --- walking ------------------------------------------------------------------------------------------------


def test_a_linear_history(tmp_path: Path, repo: Repo) -> None:
    a = repo.commit("Add the tokenizer", {"tok.py": "def tok(s):\n    return s.split()\n"})
    b = repo.commit("Tokenize on commas\n\nCommas separate words in CSV input.",
                    {"tok.py": "def tok(s):\n    return s.replace(',', ' ').split()\n"})
    c = repo.commit("Drop the tokenizer", remove=["tok.py"], author=("Grace Hopper", "grace@example.org"))
    rows = mill(tmp_path / "run", repo.path)
    assert [r["sha"] for r in rows] == [a, b, c] == first_parent(repo.path)
    assert [r["position"] for r in rows] == [0, 1, 2]
    assert [r["parents"] for r in rows] == [[], [a], [b]]
    assert not any(r["is_merge"] for r in rows)
    repo_id = str(repo.path.resolve())
    for r in rows:
        assert r["repo_id"] == repo_id
        assert r["commit_id"] == stable_id("commit", repo_id, r["sha"])

    r0, r1, r2 = rows
    assert r0["subject"] == "Add the tokenizer" and r0["body"] == ""
    assert r1["subject"] == "Tokenize on commas" and r1["body"] == "Commas separate words in CSV input."
    assert (r0["author_name"], r0["author_email"]) == ("Ada Lovelace", "ada@example.org")
    assert (r2["author_name"], r2["author_email"]) == ("Grace Hopper", "grace@example.org")
    assert (r2["committer_name"], r2["committer_email"]) == ("Ada Lovelace", "ada@example.org")
    ts = int(git(repo.path, "log", "-1", "--format=%at", a))
    assert r0["authored_at"] == r0["committed_at"] == datetime.fromtimestamp(ts, tz=UTC)
    assert r0["author_tz_offset_min"] == r0["committer_tz_offset_min"] == 120
    assert r0["message_encoding"] == "utf-8" and r0["message_lossy"] is False

    (f0,) = r0["files"]
    assert (f0["path"], f0["old_path"], f0["status"]) == ("tok.py", None, "A")
    assert (f0["added"], f0["deleted"]) == (2, 0)
    assert f0["language"] == "Python" and f0["binary"] is False
    assert f0["diff"].startswith("diff --git a/tok.py b/tok.py\nnew file mode 100644\n")
    assert "+def tok(s):\n+    return s.split()\n" in f0["diff"]
    (f1,) = r1["files"]
    assert (f1["status"], f1["added"], f1["deleted"]) == ("M", 1, 1)
    assert "-    return s.split()\n+    return s.replace(',', ' ').split()\n" in f1["diff"]
    (f2,) = r2["files"]
    assert (f2["path"], f2["status"], f2["added"], f2["deleted"]) == ("tok.py", "D", 0, 2)
    assert (r2["n_files"], r2["added"], r2["deleted"]) == (1, 0, 2)
    for r in rows:
        assert r["diff_truncated"] is False
        assert not any(f["diff_truncated"] or f["diff_lossy"] or f["path_lossy"] for f in r["files"])


def test_the_patch_matches_git(tmp_path: Path, repo: Repo) -> None:
    repo.commit("Add a module", {"m.py": "".join(f"x{i} = {i}\n" for i in range(20))})
    repo.commit("Change two lines", {"m.py": "".join(f"x{i} = {i * (i in (3, 15)) or i}\n" for i in range(20))
                                     .replace("x3 = 3", "x3 = 33").replace("x15 = 15", "x15 = 51")})
    row = mill(tmp_path / "run", repo.path)[-1]
    assert row["files"][0]["diff"] == git(repo.path, "diff", "--no-color", "HEAD~1", "HEAD") + "\n"


def test_context_lines_follow_the_config(tmp_path: Path, repo: Repo) -> None:
    repo.commit("Add a module", {"m.py": "".join(f"x{i} = {i}\n" for i in range(20))})
    changed = "".join(f"x{i} = {i}\n" for i in range(20)).replace("x9 = 9", "x9 = 0")
    repo.commit("Change one line", {"m.py": changed})
    diff = mill(tmp_path / "run", repo.path, CommitsConfig(context_lines=0))[-1]["files"][0]["diff"]
    assert diff.endswith("\n-x9 = 9\n+x9 = 0\n")
    assert "@@ -10 +10 @@" in diff
    assert "\n x8 = 8\n" not in diff and "\n x10 = 10\n" not in diff


def test_an_empty_commit_has_no_files(tmp_path: Path, repo: Repo) -> None:
    repo.commit("Add a", {"a.txt": "a\n"})
    repo.commit("Trigger CI")
    row = mill(tmp_path / "run", repo.path)[-1]
    assert row["files"] == [] and row["n_files"] == 0
    assert (row["added"], row["deleted"], row["diff_truncated"]) == (0, 0, False)


def test_a_merge_is_diffed_against_its_first_parent_and_only_first_parents_are_walked(
        tmp_path: Path, small_repo: Repo) -> None:
    rows = mill(tmp_path / "run", small_repo.path)
    assert [r["sha"] for r in rows] == first_parent(small_repo.path)
    assert [r["position"] for r in rows] == list(range(len(rows)))
    subjects = [r["subject"] for r in rows]
    assert "Add cursor-based pagination to the API (#7)" not in subjects  # on the merged branch only
    merge = by_subject(rows)["Merge pull request #7 from ada/feature"]
    assert merge["is_merge"] is True
    assert len(merge["parents"]) == 2
    sha = merge["sha"]
    assert merge["parents"] == git(small_repo.path, "rev-parse", f"{sha}^1", f"{sha}^2").split()
    assert merge["parents"][0] == rows[merge["position"] - 1]["sha"]
    # The merge's first-parent diff is the merged branch's whole change: the cursor module.
    assert [f["path"] for f in merge["files"]] == ["src/cursor.py"] and merge["files"][0]["status"] == "A"
    assert (merge["added"], merge["deleted"]) == (2, 0)
    assert merge["refs"] == [{"kind": "merge_pr", "number": 7, "repo": None}]
    # The commit after the merge is diffed against the merge, its first parent.
    after = rows[merge["position"] + 1]
    assert after["parents"] == [merge["sha"]]


def test_a_rename_is_detected(tmp_path: Path, small_repo: Repo) -> None:
    row = by_subject(mill(tmp_path / "run", small_repo.path))["Rename pages module to paging"]
    f = only(row["files"])
    assert (f["status"], f["path"], f["old_path"]) == ("R", "src/paging.py", "src/pages.py")
    assert (f["added"], f["deleted"]) == (0, 0)
    assert "rename from src/pages.py\nrename to src/paging.py\n" in f["diff"]


def test_renames_follow_the_config_not_git_config(tmp_path: Path, small_repo: Repo) -> None:
    git(small_repo.path, "config", "diff.renames", "false")
    row = by_subject(mill(tmp_path / "run", small_repo.path))["Rename pages module to paging"]
    renamed = [(f["status"], f["path"], f["old_path"]) for f in row["files"]]
    assert renamed == [("R", "src/paging.py", "src/pages.py")]

    off = by_subject(mill(tmp_path / "run-off", small_repo.path, CommitsConfig(detect_renames=False)))
    files = off["Rename pages module to paging"]["files"]
    assert sorted((f["status"], f["path"], f["old_path"]) for f in files) == [
        ("A", "src/paging.py", None), ("D", "src/pages.py", None),
    ]


def test_binary_files(tmp_path: Path, small_repo: Repo) -> None:
    row = by_subject(mill(tmp_path / "run", small_repo.path))["Add logo"]
    f = only(row["files"])
    assert (f["path"], f["status"], f["binary"]) == ("assets/logo.png", "A", True)
    assert (f["added"], f["deleted"]) == (0, 0)
    assert f["diff"].endswith("Binary files /dev/null and b/assets/logo.png differ\n")
    assert f["language"] is None


def test_a_mode_change(tmp_path: Path, repo: Repo) -> None:
    repo.commit("Add a script", {"run.sh": "echo hi\n"})
    os.chmod(repo.path / "run.sh", 0o755)
    repo.commit("Make the script executable")
    f = only(mill(tmp_path / "run", repo.path)[-1]["files"])
    assert (f["path"], f["status"], f["added"], f["deleted"], f["language"]) == ("run.sh", "M", 0, 0, "Shell")
    assert f["diff"] == "diff --git a/run.sh b/run.sh\nold mode 100644\nnew mode 100755\n"


# --- messages -----------------------------------------------------------------------------------------------


def test_a_latin1_message_with_an_encoding_header(tmp_path: Path, repo: Repo) -> None:
    msg = "Corrige l'entête du café\n\nDétails: déjà réglé.\n"
    repo.commit(msg.encode("latin-1"), {"a.txt": "a\n"}, encoding="ISO-8859-1")
    assert b"\nencoding ISO-8859-1\n" in git(repo.path, "cat-file", "commit", "HEAD").encode()
    row = only(mill(tmp_path / "run", repo.path))
    assert row["subject"] == "Corrige l'entête du café"
    assert row["body"] == "Détails: déjà réglé."
    assert row["trailers"] == []
    assert row["message_encoding"] == "iso-8859-1"
    assert row["message_lossy"] is False


def test_a_latin1_message_without_a_header_is_lossy(tmp_path: Path, repo: Repo) -> None:
    raw_commit(repo, "Corrige le café\n\nLe détail est réglé.\n".encode("latin-1"), {"a.txt": "a\n"})
    assert b"encoding" not in git(repo.path, "cat-file", "commit", "HEAD").encode()
    row = only(mill(tmp_path / "run", repo.path))
    assert row["message_lossy"] is True
    assert row["message_encoding"] == "cp1252"
    assert row["subject"] == "Corrige le café"  # cp1252 agrees with latin-1 on these letters
    assert row["body"] == "Le détail est réglé."


def test_an_unusable_encoding_header_falls_back_to_utf8(tmp_path: Path, repo: Repo) -> None:
    raw_commit(repo, "Explique le café\n".encode(), {"a.txt": "a\n"}, headers=b"encoding undefined\n")
    raw_commit(repo, b"Declare a codec nobody has\n", {"b.txt": "b\n"}, headers=b"encoding x-no-such-codec\n")
    raw_commit(repo, "Déclare UTF-8 à tort\n".encode("latin-1"), {"c.txt": "c\n"},
               author="José <josé@example.org>".encode("latin-1"), headers=b"encoding UTF-8\n")
    rows = mill(tmp_path / "run", repo.path)
    assert [(r["subject"], r["message_encoding"], r["message_lossy"]) for r in rows] == [
        ("Explique le café", "utf-8", False),
        ("Declare a codec nobody has", "utf-8", False),
        ("Déclare UTF-8 à tort", "cp1252", True),
    ]
    assert rows[2]["author_name"] == "Jos\ufffd" and rows[2]["author_email"] == "jos\ufffd@example.org"


def test_a_non_utf8_path_is_flagged(tmp_path: Path, repo: Repo) -> None:
    repo.commit("Add a file with a latin-1 name", {os.fsdecode(b"caf\xe9.txt"): "x\n", "ok.txt": "y\n"})
    files = {f["path"]: f for f in only(mill(tmp_path / "run", repo.path))["files"]}
    assert set(files) == {"caf\\xe9.txt", "ok.txt"}
    assert files["caf\\xe9.txt"]["path_lossy"] is True
    assert files["caf\\xe9.txt"]["status"] == "A"
    assert files["ok.txt"]["path_lossy"] is False


def test_non_utf8_file_content_is_flagged_lossy(tmp_path: Path, repo: Repo) -> None:
    repo.commit("Add a latin-1 text file", {"notes.txt": "caf\xe9 cr\xe8me\n".encode("latin-1")})
    f = only(only(mill(tmp_path / "run", repo.path))["files"])
    assert f["binary"] is False
    assert f["diff_lossy"] is True
    assert "+caf\ufffd cr\ufffdme\n" in f["diff"]


def test_trailers_are_split_out_of_the_body(tmp_path: Path, repo: Repo) -> None:
    repo.commit(
        "Retry idempotent requests\n\n"
        "Requests that are safe to repeat are retried\nup to three times.\n\n"
        "Signed-off-by: Ada Lovelace <ada@example.org>\n"
        "Co-authored-by: Grace Hopper <grace@example.org>\n",
        {"http.py": "RETRIES = 3\n"},
    )
    row = only(mill(tmp_path / "run", repo.path))
    assert row["subject"] == "Retry idempotent requests"
    assert row["body"] == "Requests that are safe to repeat are retried\nup to three times."
    assert row["trailers"] == [
        {"key": "Signed-off-by", "value": "Ada Lovelace <ada@example.org>"},
        {"key": "Co-authored-by", "value": "Grace Hopper <grace@example.org>"},
    ]


def test_issue_and_pr_references(tmp_path: Path, repo: Repo) -> None:
    repo.commit("Speed up the tokenizer (#456)\n\nCloses #12. See #3 and owner/repo#5.", {"a.txt": "a\n"})
    repo.commit("Merge pull request #789 from x/y", {"b.txt": "b\n"})
    repo.commit("Fix the crash on empty input\n\nFixes owner/repo#8, relates to GH-9.", {"c.txt": "c\n"})
    repo.commit("Make colors #fff and &#123; entities work, see PR#4", {"d.txt": "d\n"})
    refs = {r["subject"]: r["refs"] for r in mill(tmp_path / "run", repo.path)}
    assert refs["Speed up the tokenizer (#456)"] == [
        {"kind": "squash_pr", "number": 456, "repo": None},
        {"kind": "closes", "number": 12, "repo": None},
        {"kind": "mention", "number": 3, "repo": None},
        {"kind": "mention", "number": 5, "repo": "owner/repo"},
    ]
    assert refs["Merge pull request #789 from x/y"] == [{"kind": "merge_pr", "number": 789, "repo": None}]
    assert refs["Fix the crash on empty input"] == [
        {"kind": "closes", "number": 8, "repo": "owner/repo"},
        {"kind": "mention", "number": 9, "repo": None},
    ]
    assert refs["Make colors #fff and &#123; entities work, see PR#4"] == []


# --- size caps ----------------------------------------------------------------------------------------------


@pytest.fixture
def three_files(repo: Repo) -> Repo:
    """One commit changing a small, a large and a small file (in that path order)."""
    repo.commit("Add three files", {
        "a.txt": "alpha\n",
        "b.txt": "".join(f"line {i} of a long file\n" for i in range(200)),
        "c.txt": "gamma\n",
    })
    return repo


def test_without_caps_every_patch_is_kept(tmp_path: Path, three_files: Repo) -> None:
    row = only(mill(tmp_path / "run", three_files.path))
    assert row["diff_truncated"] is False
    assert [f["path"] for f in row["files"]] == ["a.txt", "b.txt", "c.txt"]
    assert all(f["diff"] and not f["diff_truncated"] for f in row["files"])
    assert (row["file_diff_cap_bytes"], row["commit_diff_cap_bytes"]) == (256 * 1024, 2 * 1024 * 1024)


def test_the_per_file_cap(tmp_path: Path, three_files: Repo) -> None:
    full = only(mill(tmp_path / "full", three_files.path))
    sizes = [len(f["diff"].encode()) for f in full["files"]]
    cap = max(sizes[0], sizes[2])
    assert sizes[1] > cap
    row = only(mill(tmp_path / "run", three_files.path, CommitsConfig(max_file_diff_bytes=cap)))
    a, b, c = row["files"]
    assert row["diff_truncated"] is True
    assert (row["file_diff_cap_bytes"], row["commit_diff_cap_bytes"]) == (cap, 2 * 1024 * 1024)
    assert a["diff"] == full["files"][0]["diff"] and a["diff_truncated"] is False
    assert b["diff"] is None and b["diff_truncated"] is True
    assert (b["added"], b["deleted"], b["binary"]) == (200, 0, False)  # counted even when cut
    assert c["diff"] == full["files"][2]["diff"] and c["diff_truncated"] is False
    assert row["added"] == full["added"] == 202


def test_a_tiny_file_cap_cuts_every_patch(tmp_path: Path, three_files: Repo) -> None:
    row = only(mill(tmp_path / "run", three_files.path, CommitsConfig(max_file_diff_bytes=1)))
    assert row["diff_truncated"] is True
    assert all(f["diff"] is None and f["diff_truncated"] for f in row["files"])
    assert row["file_diff_cap_bytes"] == 1


def test_the_per_commit_cap(tmp_path: Path, three_files: Repo) -> None:
    full = only(mill(tmp_path / "full", three_files.path))
    sizes = [len(f["diff"].encode()) for f in full["files"]]
    budget = sizes[0] + sizes[2]  # room for a and c, not for b
    row = only(mill(tmp_path / "run", three_files.path, CommitsConfig(max_commit_diff_bytes=budget)))
    a, b, c = row["files"]
    assert row["diff_truncated"] is True
    assert (row["file_diff_cap_bytes"], row["commit_diff_cap_bytes"]) == (256 * 1024, budget)
    assert a["diff"] is not None and not a["diff_truncated"]
    assert b["diff"] is None and b["diff_truncated"]
    assert c["diff"] is not None and not c["diff_truncated"]

    row = only(mill(tmp_path / "run2", three_files.path, CommitsConfig(max_commit_diff_bytes=sizes[0])))
    assert [f["diff"] is not None for f in row["files"]] == [True, False, False]
    assert [f["diff_truncated"] for f in row["files"]] == [False, True, True]


def test_files_beyond_max_files_diffed_are_listed_not_diffed(tmp_path: Path, three_files: Repo) -> None:
    row = only(mill(tmp_path / "run", three_files.path, CommitsConfig(max_files_diffed=2)))
    assert row["n_files"] == 3 and row["diff_truncated"] is True
    a, b, c = row["files"]
    assert a["diff"] and b["diff"]
    assert c["path"] == "c.txt" and c["status"] == "A"
    assert (c["diff"], c["added"], c["deleted"], c["binary"]) == (None, None, None, None)
    assert c["diff_truncated"] is True
    assert row["added"] == 201


# --- corrupt objects ----------------------------------------------------------------------------------------


def test_a_corrupt_blob_drops_only_its_commit(tmp_path: Path, repo: Repo) -> None:
    first = repo.commit("Add a", {"a.txt": "a\n"})
    broken = repo.commit("Add b", {"b.txt": "content only this commit reads\n"})
    last = repo.commit("Change a", {"a.txt": "a2\n"})
    blob = git(repo.path, "rev-parse", f"{broken}:b.txt")
    obj = repo.path / ".git" / "objects" / blob[:2] / blob[2:]
    assert obj.is_file(), "the test needs loose objects"
    os.chmod(obj, 0o644)
    obj.write_bytes(b"this is not a zlib stream")
    rows = mill(tmp_path / "run", repo.path)
    assert [(r["sha"], r["position"]) for r in rows] == [(first, 0), (last, 2)]
    drop = only(dropped_rows(tmp_path / "run", "commits"))
    assert (drop["sha"], drop["position"], drop["drop_reason"]) == (broken, 1, "corrupt_object")
    assert drop["drop_detail"] == "GitError: failed to read loose object header"
    assert drop["commit_id"] == stable_id("commit", str(repo.path.resolve()), broken)
    totals = load_manifest(tmp_path / "run" / "commits").totals()
    assert totals["in"] == 3 and totals["kept"] == 2 and totals["drop_reasons"] == {"corrupt_object": 1}


# --- scale and determinism ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_ten_thousand_commits_split_into_shards_deterministically(tmp_path: Path) -> None:
    big = tmp_path / "big"
    fast_import_history(big, 10_000)
    cfg = CommitsConfig(shard_commits=1000)
    rows = mill(tmp_path / "run1", big, cfg)
    assert len(rows) == 10_000
    assert len({r["commit_id"] for r in rows}) == 10_000
    assert [r["position"] for r in rows] == list(range(10_000))
    assert [r["sha"] for r in rows] == first_parent(big)
    assert rows[0]["parents"] == [] and rows[1]["parents"] == [rows[0]["sha"]]
    assert rows[9999]["subject"] == "Set value of module 19 to 9999"
    assert all(r["n_files"] == (2 if r["position"] == 0 else 1) for r in rows)  # the root also adds LICENSE

    manifest = load_manifest(tmp_path / "run1" / "commits")
    repo_id = str(big.resolve())
    assert sorted(manifest.shards) == [f"{repo_id}#{i:06d}" for i in range(10)]
    assert {e.kept for e in manifest.shards.values()} == {1000}

    mill(tmp_path / "run2", big, cfg)
    one = {p: d for p, d in artifact_digests(tmp_path / "run1").items() if p.startswith("commits/")}
    two = {p: d for p, d in artifact_digests(tmp_path / "run2").items() if p.startswith("commits/")}
    assert len(one) == 10
    assert one == two


def test_references_in_trailers_are_found(tmp_path: Path) -> None:
    r = Repo(tmp_path / "trailer")
    r.commit("Handle a closed pool in checkout\n\nThe pool raised on reuse.\n\nFixes: #123\nChange-Id: I0a1b\n",
             {"pool.py": "closed = False\n"})
    row = only(mill(tmp_path / "run", r.path))
    assert [t["key"] for t in row["trailers"]] == ["Fixes", "Change-Id"]
    assert {(x["kind"], x["number"]) for x in row["refs"]} == {("closes", 123)}


def test_merges_are_not_diffed_when_diff_merges_is_off(tmp_path: Path, small_repo: Repo) -> None:
    rows = mill(tmp_path / "run", small_repo.path, CommitsConfig(diff_merges=False))
    merge = by_subject(rows)["Merge pull request #7 from ada/feature"]
    assert merge["files"] == [] and (merge["added"], merge["deleted"]) == (0, 0)
