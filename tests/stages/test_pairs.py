"""The `pairs` stage: every drop rule fires on a real commit made for it; a good commit becomes a pair.

Also unit tests of the message helpers (decoding, subject/body/trailers, references) and of the rules and
path classes on hand-made rows.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from codemill import pipeline
from codemill.config import CommitsConfig, Config, LicenseConfig, PairsConfig, RunConfig
from codemill.git.message import decode_message, decode_text, find_refs, parse_message
from codemill.ids import stable_id
from codemill.paths import is_lockfile, is_vendored
from codemill.stages.pairs import SCHEMA, render_diff
from codemill.stages.pairs.rules import RULES, first_drop, generic_message

from gitrepo import Repo, git, raw_commit
from readback import artifact_digests, dropped_rows, kept_rows, through

BOT = ("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com")
FILE_CAP = 8 * 1024
RESPONSE_CAP = 20_000
NO_LICENSE_NEEDED = LicenseConfig(keep_missing=True)  # these repositories test the rules, not licensing
CONFIG = Config(run=RunConfig(workers=1), commits=CommitsConfig(max_file_diff_bytes=FILE_CAP),
                pairs=PairsConfig(max_response_bytes=RESPONSE_CAP), license=NO_LICENSE_NEEDED)


def mill(run_dir: Path, repo: Path, config: Config = CONFIG) -> None:
    summary = pipeline.run(run_dir, config, [str(repo)], only=through("pairs"))
    assert summary.ok, summary.errors


def commit_empty_message(repo: Repo, files: dict[str, str]) -> str:
    for rel, content in files.items():
        repo.write(rel, content)
    git(repo.path, "add", "-A")
    with pytest.raises(RuntimeError, match="empty commit message"):
        git(repo.path, "commit", "-q", "-F", "-", input=b"")
    git(repo.path, "commit", "-q", "--allow-empty-message", "-F", "-", input=b"", env=repo._date_env())
    return repo.head()


def lines(n: int, width: int = 20, tag: str = "") -> str:
    return "".join(f"{tag}{i:06d}".ljust(width, "x") + "\n" for i in range(n))


@pytest.fixture(scope="module")
def rules_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Repo, dict[str, str], Path]:
    """A repository with a commit made for each rule, run through `pairs`: (repo, name -> sha, run dir)."""
    tmp = tmp_path_factory.mktemp("rules")
    r = Repo(tmp / "rules")

    def pages(n: int) -> dict[str, str]:
        return {"src/pages.py": f"def page(items, n={n}):\n    return list(items[:max(n, 0)])\n"}

    sha: dict[str, str] = {}
    sha["good"] = r.commit(
        "Add pagination helper for list endpoints\n\n"
        "Splits results into pages of n items.\n\n"
        "Signed-off-by: Ada Lovelace <ada@example.org>\n",
        {"src/pages.py": "def page(items, n):\n    return items[:n]\n", "README.md": "# pages\n"},
    )
    r.branch("feature")
    r.commit("Add cursor-based pagination", {"src/cursor.py": "def cursor(xs, after):\n    return xs\n"})
    r.checkout("main")
    sha["merge"] = r.merge("feature", "Merge branch 'feature' with cursor pagination")
    sha["bot_author"] = r.commit("Bump requests from 2.31.0 to 2.32.0",
                                 {"requirements.txt": "requests==2.32.0\n"}, author=BOT)
    sha["empty_message"] = commit_empty_message(r, {"src/empty.py": "X = 1\n"})
    sha["empty_diff"] = r.commit("Trigger the release pipeline again")
    # A list of people with addresses is left out of responses: when it is all the commit changed, nothing is left.
    sha["people_list_only"] = r.commit("Add Ada Lovelace to the authors",
                                       {"AUTHORS": "Ada Lovelace <ada.lovelace77@gmail.com>\n"})
    sha["binary_only"] = r.commit("Add the project logo",
                                  {"assets/logo.png": b"\x89PNG\r\n\x1a\n\x00\x00" * 64})
    sha["lockfile_only"] = r.commit("Regenerate the lockfile after the upgrade",
                                    {"poetry.lock": "[[package]]\nname = 'requests'\n"})
    sha["vendored_only"] = r.commit("Vendor the left-pad library",
                                    {"vendor/leftpad/leftpad.js": "module.exports = s => s;\n",
                                     "static/js/jquery-3.7.1.min.js": "/* jquery */\n"})
    sha["undecodable_message"] = raw_commit(r, "Corrige le café de la machine\n".encode("latin-1"),
                                            {"src/cafe.py": "CAFE = 1\n"})
    sha["undecodable_content"] = r.commit("Add the French notes file",
                                          {"docs/notes.txt": "caf\xe9 cr\xe8me\n".encode("latin-1")})
    sha["undecodable_path"] = r.commit("Add a file with a latin-1 name",
                                       {os.fsdecode(b"docs/caf\xe9.txt"): "menu\n"})
    sha["diff_truncated"] = r.commit("Add the generated parser tables", {"src/tables.py": lines(500, 40)})
    sha["too_many_files"] = r.commit("Split the constants into one module each",
                                     {f"src/consts/c{i:02d}.py": f"C{i} = {i}\n" for i in range(31)})
    sha["too_many_lines"] = r.commit("Inline the word list for offline use",
                                     {"src/words.txt": "".join("w\n" for _ in range(2001))})
    sha["response_too_large"] = r.commit(
        "Add four fixture files for the parser tests",
        {f"tests/fixtures/f{i}.txt": lines(60, 100, f"{i}-") for i in range(4)},
    )
    # A generated dump as a message (5 MB): dropped, and only its first bytes are cleaned, redacted and judged.
    sha["instruction_too_large"] = r.commit("Regenerate the parser tables\n\n" + "state 1 -> 2 on 'x'\n" * 250_000,
                                            {"src/states.py": "STATES = {}\n"})
    sha["generic_update_readme"] = r.commit("Update README.md", {"README.md": "# pages\n\nUsage.\n"})
    sha["generic_wip"] = r.commit("wip", pages(1))
    sha["generic_fix_dot"] = r.commit("Fix.", pages(2))
    sha["generic_one_word"] = r.commit("Refactoring", pages(3))
    sha["generic_web_editor"] = r.commit("Update pages.py", pages(4))
    sha["good_with_body"] = r.commit("wip\n\nHandle a negative page size by returning nothing.", pages(5))
    sha["good_update_untouched"] = r.commit("Update cursor.py", pages(6))
    run = tmp / "run"
    mill(run, r.path)
    return r, sha, run


def reasons(run: Path) -> dict[str, str]:
    out = {row["commit_sha"]: "kept" for row in kept_rows(run, "pairs")}
    out.update({row["commit_sha"]: row["drop_reason"] for row in dropped_rows(run, "pairs")})
    return out


def test_every_commit_is_accounted_for(rules_run: tuple[Repo, dict[str, str], Path]) -> None:
    r, _sha, run = rules_run
    first_parents = git(r.path, "rev-list", "--first-parent", "HEAD").split()
    assert sorted(reasons(run)) == sorted(first_parents)
    pair_ids = [p["pair_id"] for p in kept_rows(run, "pairs") + dropped_rows(run, "pairs")]
    assert len(pair_ids) == len(set(pair_ids)) == len(first_parents)


@pytest.mark.parametrize("name", [
    "merge", "bot_author", "empty_message", "empty_diff", "binary_only", "lockfile_only", "vendored_only",
    "diff_truncated", "too_many_files", "too_many_lines", "response_too_large", "instruction_too_large",
])
def test_each_rule_fires_on_its_commit(rules_run: tuple[Repo, dict[str, str], Path], name: str) -> None:
    _r, sha, run = rules_run
    assert reasons(run)[sha[name]] == name


def test_a_commit_left_empty_by_leaving_out_a_people_list_is_an_empty_diff(
        rules_run: tuple[Repo, dict[str, str], Path]) -> None:
    _r, sha, run = rules_run
    [row] = [row for row in dropped_rows(run, "pairs") if row["commit_sha"] == sha["people_list_only"]]
    assert row["drop_reason"] == "empty_diff" and "people" in row["drop_detail"]


@pytest.mark.parametrize("name", ["undecodable_message", "undecodable_content", "undecodable_path"])
def test_undecodable_fires_on_message_content_and_path(
        rules_run: tuple[Repo, dict[str, str], Path], name: str) -> None:
    _r, sha, run = rules_run
    assert reasons(run)[sha[name]] == "undecodable"


@pytest.mark.parametrize("name", [
    "generic_update_readme", "generic_wip", "generic_fix_dot", "generic_one_word", "generic_web_editor",
])
def test_generic_messages_are_dropped(rules_run: tuple[Repo, dict[str, str], Path], name: str) -> None:
    _r, sha, run = rules_run
    assert reasons(run)[sha[name]] == "generic_message"


def test_drop_details(rules_run: tuple[Repo, dict[str, str], Path]) -> None:
    _r, sha, run = rules_run
    detail = {row["commit_sha"]: row["drop_detail"] for row in dropped_rows(run, "pairs")}
    assert detail[sha["merge"]] == "2 parents, no pull request"
    assert detail[sha["bot_author"]] == f"{BOT[0]} <{BOT[1]}>"
    assert detail[sha["empty_message"]] == ""
    assert detail[sha["empty_diff"]] == "no file changed"
    assert detail[sha["too_many_files"]] == "31 files > 30"
    assert detail[sha["too_many_lines"]] == "2001 changed lines > 2000"
    assert detail[sha["undecodable_message"]] == (
        "message is not valid text in any declared encoding (guessed cp1252)")
    assert detail[sha["undecodable_content"]] == "not valid UTF-8: docs/notes.txt"
    assert detail[sha["undecodable_path"]] == "not valid UTF-8: docs/caf\\xe9.txt"
    assert detail[sha["generic_update_readme"]] == "Update README.md"
    size, cap = detail[sha["response_too_large"]].split(" bytes > ")
    assert int(cap) == RESPONSE_CAP and int(size) > RESPONSE_CAP
    size, cap = detail[sha["instruction_too_large"]].split(" bytes > ")
    assert int(cap) == PairsConfig().max_instruction_bytes and int(size) > 5_000_000
    dumped = next(p for p in dropped_rows(run, "pairs") if p["commit_sha"] == sha["instruction_too_large"])
    assert len(dumped["instruction"].encode()) <= PairsConfig().max_instruction_bytes


def test_a_dropped_pair_still_carries_its_candidate(rules_run: tuple[Repo, dict[str, str], Path]) -> None:
    _r, sha, run = rules_run
    row = next(p for p in dropped_rows(run, "pairs") if p["commit_sha"] == sha["lockfile_only"])
    assert row["instruction"] == "Regenerate the lockfile after the upgrade"
    assert row["response"].startswith("diff --git a/poetry.lock b/poetry.lock\n")
    assert row["paths"] == ["poetry.lock"]


def test_good_commits_are_kept(rules_run: tuple[Repo, dict[str, str], Path]) -> None:
    _r, sha, run = rules_run
    kept = {p["commit_sha"]: p for p in kept_rows(run, "pairs")}
    assert set(kept) == {sha["good"], sha["good_with_body"], sha["good_update_untouched"]}
    assert kept[sha["good_with_body"]]["instruction"] == (
        "wip\n\nHandle a negative page size by returning nothing.")
    assert kept[sha["good_update_untouched"]]["instruction"] == "Update cursor.py"


def test_a_kept_pair(rules_run: tuple[Repo, dict[str, str], Path]) -> None:
    r, sha, run = rules_run
    pair = next(p for p in kept_rows(run, "pairs") if p["commit_sha"] == sha["good"])
    commit = next(c for c in kept_rows(run, "commits") if c["sha"] == sha["good"])
    repo_id = str(r.path.resolve())
    assert set(pair) == set(SCHEMA.names)
    assert pair["instruction"] == (
        "Add pagination helper for list endpoints\n\nSplits results into pages of n items.")
    assert "Signed-off-by" not in pair["instruction"]
    assert pair["response"].startswith("diff --git a/README.md b/README.md\n")
    assert pair["response"] == commit["files"][0]["diff"] + commit["files"][1]["diff"]
    assert pair["response"] == render_diff(commit["files"])
    assert "+def page(items, n):\n" in pair["response"]
    assert pair["response_format"] == "unified_diff"
    assert pair["kind"] == "commit"
    assert pair["pair_id"] == stable_id("pair", "commit", repo_id, sha["good"])
    assert pair["commit_id"] == commit["commit_id"] == stable_id("commit", repo_id, sha["good"])
    assert pair["repo_id"] == repo_id and pair["repo_name"] == "rules"
    assert pair["paths"] == ["README.md", "src/pages.py"]
    assert pair["languages"] == ["Markdown", "Python"]
    assert (pair["n_files"], pair["added"], pair["deleted"]) == (2, 3, 0)
    assert pair["author_id"] == stable_id("author", "ada@example.org")
    assert "ada@example.org" not in str(pair)
    assert pair["committed_at"] == commit["committed_at"]
    assert pair["license"] is None and pair["web_url"] is None


def test_pairs_are_deterministic(rules_run: tuple[Repo, dict[str, str], Path], tmp_path: Path) -> None:
    r, _sha, run = rules_run
    mill(tmp_path / "again", r.path)
    first = {p: d for p, d in artifact_digests(run).items() if not p.startswith(("sources/", "repos/"))}
    second = {p: d for p, d in artifact_digests(tmp_path / "again").items() if not p.startswith(("sources/", "repos/"))}
    assert first and first == second
    ids = [p["pair_id"] for p in kept_rows(run, "pairs")]
    assert ids == [p["pair_id"] for p in kept_rows(tmp_path / "again", "pairs")]


def test_response_size_is_counted_in_bytes(tmp_path: Path, repo: Repo) -> None:
    repo.commit("Add the accented word list for the spell checker", {"words.txt": "é" * 600 + "\n"})
    config = Config(run=RunConfig(workers=1), pairs=PairsConfig(max_response_bytes=1000), license=NO_LICENSE_NEEDED)
    mill(tmp_path / "run", repo.path, config)
    row = dropped_rows(tmp_path / "run", "pairs")[0]
    assert row["drop_reason"] == "response_too_large"
    assert int(row["drop_detail"].split()[0]) == len(row["response"].encode()) > 1000


# --- rules on hand-made rows --------------------------------------------------------------------------------


def row(**over: object) -> dict:
    base = {
        "is_merge": False, "parents": ["a" * 40],
        "author_name": "Ada Lovelace", "author_email": "ada@example.org",
        "subject": "Add pagination helper", "body": "", "message_encoding": "utf-8", "message_lossy": False,
        "files": [{"path": "src/pages.py", "binary": False, "diff_lossy": False, "path_lossy": False}],
        "n_files": 1, "added": 3, "deleted": 1, "diff_truncated": False,
    }
    return {**base, **over}


def test_a_good_row_passes_every_rule() -> None:
    assert first_drop(row(), PairsConfig()) is None


def test_rules_are_tried_in_order() -> None:
    names = [name for name, _ in RULES]
    assert names[:5] == ["merge", "carries_prs", "part_of_pr", "bot_author", "empty_message"]
    assert names[-1] == "generic_message"
    both = row(author_name=BOT[0], author_email=BOT[1], subject="wip",
               files=[{"path": "poetry.lock", "binary": False, "diff_lossy": False, "path_lossy": False}])
    assert first_drop(both, PairsConfig())[0] == "bot_author"
    assert first_drop(row(is_merge=True, parents=["a", "b"], author_name=BOT[0]), PairsConfig()) == (
        "merge", "2 parents, no pull request")
    # A merge that lands a PR is judged as the PR (its own rules), one that brought PRs is dropped for them.
    assert first_drop(row(is_merge=True, parents=["a", "b"], pr_merge="merge"), PairsConfig()) is None
    assert first_drop(row(is_merge=True, parents=["a", "b"], carries_prs=[3, 4]), PairsConfig()) == (
        "carries_prs", "brought PRs #3, #4")


@pytest.mark.parametrize(("name", "email"), [
    ("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com"),
    ("Renovate Bot", "bot@renovateapp.com"),
    ("github-actions[bot]", "41898282+github-actions[bot]@users.noreply.github.com"),
    ("pre-commit-ci[bot]", "66853113+pre-commit-ci[bot]@users.noreply.github.com"),
    ("Ada", "DEPENDABOT@example.org"),
    ("snyk-bot", "snyk-bot@snyk.io"),
])
def test_bot_authors(name: str, email: str) -> None:
    assert first_drop(row(author_name=name, author_email=email), PairsConfig())[0] == "bot_author"


@pytest.mark.parametrize(("name", "email"), [
    ("Bob Otto", "bob@example.org"), ("Abbot Smith", "abbot@example.org"), ("Robot Lover", "rl@example.org"),
])
def test_humans_are_not_bots(name: str, email: str) -> None:
    assert first_drop(row(author_name=name, author_email=email), PairsConfig()) is None


@pytest.mark.parametrize("subject", [
    "Update", "update", "WIP", "wip!!!", "Fix.", "fix stuff", "Minor changes", "Initial commit", "...", "-",
    "Update README.md", "update readme", "Add files via upload", "Refactoring", "Typo",
])
def test_generic_subjects(subject: str) -> None:
    assert generic_message(row(subject=subject), PairsConfig()) == subject


@pytest.mark.parametrize("subject", [
    "Fix the crash on empty input", "Update the README with install steps", "Add retries", "Update cursor.py",
])
def test_specific_subjects(subject: str) -> None:
    assert generic_message(row(subject=subject), PairsConfig()) is None


def test_a_web_editor_subject_naming_a_touched_file_is_generic() -> None:
    assert generic_message(row(subject="Update pages.py"), PairsConfig()) == "Update pages.py"
    assert generic_message(row(subject="Create pages.py"), PairsConfig()) == "Create pages.py"
    with_body = row(subject="Update pages.py", body="Because the API changed.")
    assert generic_message(with_body, PairsConfig()) is None


def test_generic_messages_and_min_words_follow_the_config() -> None:
    cfg = PairsConfig(generic_messages=["ship it"], min_message_words=0)
    assert generic_message(row(subject="Ship it!"), cfg) == "Ship it!"
    assert generic_message(row(subject="wip"), cfg) is None
    assert generic_message(row(subject="Refactoring"), PairsConfig(min_message_words=1)) is None


@pytest.mark.parametrize(("paths", "reason"), [
    (["poetry.lock", "frontend/yarn.lock"], "lockfile_only"),
    (["vendor/x/x.go", "poetry.lock"], "vendored_only"),
    (["node_modules/left-pad/index.js"], "vendored_only"),
    (["third_party/zlib/inflate.c", "3rdparty/a.h"], "vendored_only"),
    (["poetry.lock", "src/app.py"], None),
    (["vendor/x/x.go", "src/app.py"], None),
])
def test_lockfile_and_vendored_rules(paths: list[str], reason: str | None) -> None:
    files = [{"path": p, "binary": False, "diff_lossy": False, "path_lossy": False} for p in paths]
    drop = first_drop(row(files=files, n_files=len(files)), PairsConfig())
    assert (drop[0] if drop else None) == reason


def test_binary_only_needs_every_file_binary() -> None:
    f = {"path": "a.png", "binary": True, "diff_lossy": False, "path_lossy": False}
    g = {"path": "a.py", "binary": False, "diff_lossy": False, "path_lossy": False}
    assert first_drop(row(files=[f]), PairsConfig())[0] == "binary_only"
    assert first_drop(row(files=[f, g], n_files=2), PairsConfig()) is None
    # Files beyond the commits stage's max_files_diffed have binary=None: unknown is not binary.
    assert first_drop(row(files=[{**f, "binary": None}]), PairsConfig()) is None


def test_size_rules_follow_the_config() -> None:
    assert first_drop(row(n_files=5), PairsConfig(max_files=4)) == ("too_many_files", "5 files > 4")
    assert first_drop(row(n_files=5), PairsConfig(max_files=5)) is None
    assert first_drop(row(added=6, deleted=5), PairsConfig(max_changed_lines=10)) == (
        "too_many_lines", "11 changed lines > 10")
    assert first_drop(row(added=5, deleted=5), PairsConfig(max_changed_lines=10)) is None
    assert first_drop(row(diff_truncated=True), PairsConfig())[0] == "diff_truncated"


@pytest.mark.parametrize(("path", "lock", "vendored"), [
    ("poetry.lock", True, False),
    ("web/package-lock.json", True, False),
    ("Cargo.lock", True, False),
    ("go.sum", True, False),
    ("yarn.lock.bak", False, False),
    ("docs/lockfiles.md", False, False),
    ("vendor/github.com/x/y.go", False, True),
    ("src/vendorize.py", False, False),
    ("static/jquery-3.7.1.min.js", False, True),
    ("static/app.min.css", False, True),
    ("lib/bootstrap.css", False, True),
    ("dist/bundle.js", False, True),
    ("src/dist.py", False, False),
    ("Godeps/_workspace/src/x.go", False, True),
    ("src/app.js", False, False),
])
def test_path_classes(path: str, lock: bool, vendored: bool) -> None:
    assert is_lockfile(path) is lock
    assert is_vendored(path) is vendored


# --- message helpers ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "subject", "body", "trailers"), [
    ("", "", "", []),
    ("Subject only", "Subject only", "", []),
    ("\n\nSubject after blank lines\n\n\n", "Subject after blank lines", "", []),
    ("First line\nsecond line\n\nBody", "First line second line", "Body", []),
    ("Subject\r\n\r\nBody line one\r\nline two\r\n", "Subject", "Body line one\nline two", []),
    ("S\n\nP1\n\n\nP2\n   \nP3", "S", "P1\n\nP2\n\nP3", []),
    ("S\n\nSigned-off-by: Ada <ada@example.org>", "S", "", [("Signed-off-by", "Ada <ada@example.org>")]),
    ("S\n\nBody\n\nReviewed-by: Ada\n  Lovelace\nAcked-by : Grace",
     "S", "Body", [("Reviewed-by", "Ada Lovelace"), ("Acked-by", "Grace")]),
    ("S\n\nBody\n\nSee: the docs\nthen prose", "S", "Body\n\nSee: the docs\nthen prose", []),
    ("S\n\nhttps://example.org/issue/1", "S", "https://example.org/issue/1", []),
    ("S\n\nBody\n\nRef: https://example.org/x", "S", "Body", [("Ref", "https://example.org/x")]),
])
def test_parse_message(text: str, subject: str, body: str, trailers: list[tuple[str, str]]) -> None:
    parsed = parse_message(text)
    assert (parsed.subject, parsed.body, parsed.trailers) == (subject, body, trailers)


def refs(subject: str, body: str = "") -> list[tuple[str, int, str | None]]:
    return [(r.kind, r.number, r.repo) for r in find_refs(subject, body)]


@pytest.mark.parametrize(("subject", "body", "expected"), [
    ("Fix the crash", "Closes #12", [("closes", 12, None)]),
    ("Fix the crash", "fixes: #7\nResolved #8", [("closes", 7, None), ("closes", 8, None)]),
    ("Fix the crash", "Closes owner/repo#5", [("closes", 5, "owner/repo")]),
    ("Speed up parsing (#456)", "", [("squash_pr", 456, None)]),
    ("Speed up (#45) parsing", "", [("mention", 45, None)]),
    ("Merge pull request #789 from x/y", "Fix things", [("merge_pr", 789, None)]),
    ("Merge pull request #789 from x/y", "Closes #789", [("merge_pr", 789, None)]),
    ("Refactor", "See #3", [("mention", 3, None)]),
    ("Refactor", "See owner/repo#5 and #5", [("mention", 5, "owner/repo"), ("mention", 5, None)]),
    ("Refactor", "Relates to GH-42", [("mention", 42, None)]),
    ("Refactor", "#12 then #12 again; closes #12", [("closes", 12, None)]),
    ("Refactor", "Colors #fff, entity &#123;, anchor abc#12, id #12abc, path a/b/c#5", []),
    ("Refactor", "", []),
])
def test_find_refs(subject: str, body: str, expected: list) -> None:
    assert refs(subject, body) == expected


@pytest.mark.parametrize(("raw", "declared", "text", "encoding", "lossy"), [
    (b"Plain ascii", None, "Plain ascii", "utf-8", False),
    ("Caf\u00e9 \u2603".encode(), None, "Caf\u00e9 \u2603", "utf-8", False),
    ("Caf\u00e9".encode("latin-1"), "ISO-8859-1", "Caf\u00e9", "iso-8859-1", False),
    ("\u00e9".encode(), "latin-1", "\u00c3\u00a9", "latin-1", False),  # a declared encoding is trusted
    ("Caf\u00e9".encode("latin-1"), None, "Caf\u00e9", "cp1252", True),
    ("Caf\u00e9".encode("latin-1"), "UTF-8", "Caf\u00e9", "cp1252", True),
    (b"Euro \x80", None, "Euro \u20ac", "cp1252", True),
    (b"Undefined in cp1252 \x81", None, "Undefined in cp1252 \x81", "latin-1", True),
    (b"Unknown codec", "x-no-such-codec", "Unknown codec", "utf-8", False),
    (b"Undecodable codec", "undefined", "Undecodable codec", "utf-8", False),
    (b"A bytes codec", "base64", "A bytes codec", "utf-8", False),
    ("\u65e5\u672c".encode("euc-jp"), "EUC-JP", "\u65e5\u672c", "euc-jp", False),
])
def test_decode_message(raw: bytes, declared: str | None, text: str, encoding: str, lossy: bool) -> None:
    msg = decode_message(raw, declared)
    assert (msg.text, msg.encoding, msg.lossy) == (text, encoding, lossy)


def test_decode_text() -> None:
    assert decode_text("ok \u00e9".encode()) == ("ok \u00e9", False)
    assert decode_text(b"bad \xe9") == ("bad \ufffd", True)


def test_secrets_and_pii_never_reach_pairs_or_exports(tmp_path: Path) -> None:
    import json

    from gitrepo import MIT

    aws = "AKIAQ3EGRT5KXZ7MPL2W"
    token = "ghp_" + "x7Yq2LmN9pQr4StU6vWz8AbCdEfGhIjK1l3M"
    email = "jane.doe@acme-corp.io"
    r = Repo(tmp_path / "leaky")
    r.commit("Add the storage client", {"LICENSE": MIT, "store.py": "def put(k, v):\n    return {k: v}\n"})
    r.commit(f"Configure the S3 uploader\n\nReported by {email} after the outage.",
             {"deploy/settings.env": f"AWS_ACCESS_KEY_ID={aws}\nGITHUB_TOKEN={token}\nREGION=eu-west-1\n",
              "store.py": "def put(k, v, bucket='main'):\n    return {k: v}\n"})
    out = tmp_path / "run"
    assert pipeline.run(out, Config(run=RunConfig(workers=1)), [str(r.path)]).ok
    import pyarrow.parquet as pq

    # Parquet is compressed: read every row back, and every export file, as text.
    exports = [f for folder in ("export", "export_tasks") for f in sorted((out / folder).rglob("*"))]
    tables = [*(out / "pairs").rglob("*.parquet"), *(f for f in exports if f.suffix == ".parquet")]
    everything = "".join(str(pq.read_table(p).to_pylist()) for p in tables)
    everything += "".join(p.read_text() for p in exports if p.suffix == ".jsonl")
    assert "Configure the S3 uploader" in everything
    for secret in (aws, token, email):
        assert secret not in everything, secret
    pair = next(p for p in kept_rows(out, "pairs") if p["instruction"].startswith("Configure"))
    assert "<EMAIL>" in pair["instruction"] and pair["redacted"] == sorted(pair["redacted"])
    assert "<KEY>" in pair["response"] or "<TOKEN>" in pair["response"]
    counters = json.loads((out / "pairs" / "manifest.json").read_text())["totals"]["counters"]
    assert counters.get("redacted.EMAIL") == 1 and sum(counters.values()) >= 3


def test_a_pair_row_has_every_column_of_the_schema_in_order() -> None:
    from codemill.stages.pairs.row import Pair

    pair = Pair(pair_id="p", kind="commit", repo_id="r", repo_name=None, commit_sha="s", commit_id="c", license=None,
                instruction="i", response="d", paths=[], languages=[], n_files=0, added=0, deleted=0, author_id=None,
                committed_at=None, web_url=None, components={"specificity": 0.5})
    row = pair.row()
    assert list(row) == SCHEMA.names
    assert row["score_specificity"] == 0.5 and row["score_author"] is None and row["response_format"] == "unified_diff"
