"""Reading and folding GH Archive hours recorded in the Events API's format, before and after its 2025 trim."""

from __future__ import annotations

import gzip
import json
import random
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from codemill.github.archive import ArchiveError, ArchiveReport, fold, read_archive, read_events

REPOS = {"Octo-Org/Widgets"}  # filters ignore case: the events say octo-org/widgets


def test_issues_fold_to_their_latest_state(dumps: Path) -> None:
    data = read_archive([dumps], REPOS)
    issues = {i.number: i for i in data.issues}
    assert sorted(issues) == [7, 11]
    seven = issues[7]
    assert seven.repo == "octo-org/widgets"
    assert seven.title == "Crash on empty or blank config"  # renamed in a later snapshot
    assert seven.labels == ("bug", "confirmed")
    assert (seven.state, seven.author, seven.is_pull_request) == ("closed", "ada", False)
    assert seven.created_at == datetime(2024, 9, 17, 15, 2, 11, tzinfo=UTC)
    assert seven.closed_at == datetime(2024, 9, 17, 16, 20, 2, tzinfo=UTC)
    assert "JSONDecodeError" in seven.body


def test_a_full_era_pull_request_keeps_its_merge(dumps: Path) -> None:
    pr = {p.number: p for p in read_archive([dumps], REPOS).pulls}[8]
    assert (pr.title, pr.author, pr.base_ref, pr.labels) == ("Handle empty config files", "grace", "main", ("bug",))
    assert pr.merged and pr.state == "closed"
    assert pr.merged_at == datetime(2024, 9, 17, 16, 20, tzinfo=UTC)
    assert pr.merge_commit_sha == "a9993e364706816aba3e25717850c26c9cd0d89d"
    assert pr.head_sha == "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"  # the review event saw the new head
    assert "Fixes #7" in pr.body


def test_stub_payloads_do_not_blank_what_earlier_events_said(dumps: Path) -> None:
    """#12 opened with a full payload on 2025-10-06 and merged as a stub `merged` action on 2025-10-08."""
    pr = {p.number: p for p in read_archive([dumps], REPOS).pulls}[12]
    assert pr.title == "Document the config search path"
    assert pr.body == "Closes octo-org/docs#4 and fixes #11."
    assert pr.author == "ada"
    assert (pr.merged, pr.state) == (True, "closed")
    assert pr.merged_at == datetime(2025, 10, 8, 9, 15, tzinfo=UTC)  # the time of the merged event
    assert pr.merge_commit_sha is None  # stubs do not carry it


def test_a_stub_only_pull_request_takes_author_and_times_from_its_events(dumps: Path) -> None:
    pr = {p.number: p for p in read_archive([dumps], REPOS).pulls}[13]
    assert (pr.author, pr.title, pr.head_sha, pr.base_ref) == ("grace", "", "2aae6c35c94fcfb415dbe95f408b9ce91ee846ed",
                                                               "main")
    assert pr.created_at == datetime(2025, 10, 8, 9, 20, tzinfo=UTC)
    assert (pr.state, pr.merged) == ("closed", False)
    assert pr.closed_at == datetime(2025, 10, 8, 9, 40, tzinfo=UTC)


def test_comments_reviews_and_review_comments(dumps: Path) -> None:
    data = read_archive([dumps], REPOS)
    assert [(c.number, c.kind, c.author) for c in data.comments] == [
        (7, "issue", "linus-t"), (8, "review", "linus-t"), (11, "issue", "grace")]
    review = data.comments[1]
    assert review.body == "Looks good once CI passes."
    assert review.created_at == datetime(2024, 9, 17, 16, 5, tzinfo=UTC)
    [rc] = data.review_comments
    assert (rc.number, rc.path, rc.line, rc.author) == (8, "widgets/config.py", 13, "linus-t")
    assert rc.diff_hunk.startswith("@@ -10,7 +10,9 @@")


def test_report_counts_skips_duplicates_and_names_malformed_lines(dumps: Path) -> None:
    report = read_archive([dumps], REPOS).report
    assert report.files == 4
    assert report.duplicates == 1  # the issue comment crawled into both 2024 hours
    assert report.skipped == 2  # a WatchEvent, and an issue of someone/else
    assert len(report.malformed) == 1
    assert report.malformed[0].startswith(f"{dumps / '2024-09-17-15.json.gz'}:5: invalid JSON")
    assert report.lines == 17


def test_without_a_repo_filter_every_repository_is_read(dumps: Path) -> None:
    data = read_archive([dumps])
    assert ("someone/else", 3) in {(i.repo, i.number) for i in data.issues}


def test_folding_does_not_depend_on_file_or_event_order(dumps: Path) -> None:
    by_dir = read_archive([dumps], REPOS)
    files = sorted(dumps.glob("*.json.gz"), reverse=True)
    by_files = read_archive([str(f) for f in files], REPOS)
    assert (by_files.issues, by_files.pulls, by_files.comments) == (by_dir.issues, by_dir.pulls, by_dir.comments)
    events = list(read_events([dumps], REPOS))
    reference = fold(events)
    rng = random.Random(7)
    for _ in range(5):
        rng.shuffle(events)
        assert fold(events) == reference


def write_dump(path: Path, events: list[dict | str]) -> Path:
    lines = [e if isinstance(e, str) else json.dumps(e) for e in events]
    with gzip.open(path, "wt") as fh:
        fh.write("\n".join(lines) + "\n")
    return path


def comment_event(eid: int, action: str, body: str, at: str) -> dict:
    return {"id": str(eid), "type": "IssueCommentEvent", "actor": {"login": "ada"},
            "repo": {"id": 1, "name": "octo-org/widgets"}, "created_at": at,
            "payload": {"action": action, "issue": {"number": 7, "title": "t", "user": {"login": "ada"}},
                        "comment": {"id": 99, "body": body, "user": {"login": "ada"}, "created_at": at}}}


def test_edited_and_deleted_comments(tmp_path: Path) -> None:
    dump = write_dump(tmp_path / "2024-01-01-0.json.gz", [
        comment_event(3, "edited", "second", "2024-01-01T00:02:00Z"),
        comment_event(2, "created", "first", "2024-01-01T00:01:00Z"),
    ])
    [c] = read_archive([dump]).comments
    assert c.body == "second"
    write_dump(tmp_path / "2024-01-01-1.json.gz", [comment_event(4, "deleted", "second", "2024-01-01T01:00:00Z")])
    assert read_archive([tmp_path]).comments == []


def test_events_missing_their_objects_are_reported(tmp_path: Path) -> None:
    broken = {"id": "5", "type": "IssuesEvent", "actor": {"login": "ada"}, "repo": {"name": "octo-org/widgets"},
              "created_at": "2024-01-01T00:00:00Z", "payload": {"action": "opened"}}
    dump = write_dump(tmp_path / "2024-01-01-0.json.gz", [broken, "[1, 2]", ""])
    report = ArchiveReport()
    assert list(read_events([dump], report=report)) == []
    assert report.malformed == [f"{dump}:1: no payload.issue.number", f"{dump}:2: not a JSON object"]


def test_a_truncated_dump_is_an_error_naming_the_file(dumps: Path, tmp_path: Path) -> None:
    whole = (dumps / "2024-09-17-16.json.gz").read_bytes()
    cut = tmp_path / "2024-09-17-16.json.gz"
    cut.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(ArchiveError, match=re.escape(f"{cut}: truncated or corrupt gzip")):
        read_archive([cut])


def test_a_file_that_is_not_gzip_is_an_error(tmp_path: Path) -> None:
    plain = tmp_path / "2024-09-17-16.json.gz"
    plain.write_text('{"id": "1"}\n')
    with pytest.raises(ArchiveError, match=re.escape(str(plain))):
        read_archive([plain])


def test_a_missing_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="nowhere"):
        read_archive([tmp_path / "nowhere"])
