"""`codemill.signals` on real repositories built with the git CLI: each signal on a history made to show it."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pytest

from codemill.git.repo import open_repo
from codemill.paths import is_test_path as is_test
from codemill.signals import SIGNALS_SCHEMA, Signals, compute_signals
from codemill.signals.forks import readme_opening, readme_says_fork, readme_says_mirror, url_names_mirror
from codemill.signals.identities import identity_keys, is_bot
from codemill.signals.path_kinds import ci_systems, is_code, packaging_files

from gitrepo import Repo, git, raw_commit

T0 = 1704067200  # 2024-01-01T00:00:00Z
DAY = 86400


class Dated:
    """Commits at chosen times, by chosen authors and committers."""

    def __init__(self, path: Path):
        self.repo = Repo(path)
        self.path = path
        self.when = T0

    def commit(self, message: str, files: dict[str, str] | None = None, *, at: int | None = None,
               author: tuple[str, str] | None = None, committer: tuple[str, str] | None = None,
               remove: list[str] = ()) -> str:
        self.when = at if at is not None else self.when + 3600
        for rel, content in (files or {}).items():
            self.repo.write(rel, content)
        for rel in remove:
            git(self.path, "rm", "-q", rel)
        git(self.path, "add", "-A")
        env = {"GIT_AUTHOR_DATE": f"{self.when} +0000", "GIT_COMMITTER_DATE": f"{self.when} +0000"}
        if author:
            env.update(GIT_AUTHOR_NAME=author[0], GIT_AUTHOR_EMAIL=author[1])
        if committer:
            env.update(GIT_COMMITTER_NAME=committer[0], GIT_COMMITTER_EMAIL=committer[1])
        git(self.path, "commit", "-q", "--allow-empty", "-F", "-", env=env, input=message.encode())
        return self.repo.head()

    def merge(self, branch: str, message: str) -> str:
        self.when += 3600
        env = {"GIT_AUTHOR_DATE": f"{self.when} +0000", "GIT_COMMITTER_DATE": f"{self.when} +0000"}
        git(self.path, "merge", "-q", "--no-ff", "-m", message, branch, env=env)
        return self.repo.head()

    def signals(self, **kw) -> Signals:
        return compute_signals(open_repo(str(self.path)), self.repo.head(), **kw)


@pytest.fixture
def dated(tmp_path: Path) -> Dated:
    return Dated(tmp_path / "repo")


# --- authors --------------------------------------------------------------------------------------------

def test_identities_merge_by_name_and_by_email(dated: Dated):
    dated.commit("one", author=("Grace Hopper", "grace@navy.example"))
    dated.commit("two", author=("Grace  HOPPER", "grace@home.example"))  # same name (case, spaces): one
    dated.commit("three", author=("G. Hopper", "Grace@Home.example"))  # same email: still one
    dated.commit("four", author=("Alan Turing", "alan@bletchley.example"))
    dated.commit("five", author=("A. M. Turing", "alan@bletchley.example"))
    dated.commit("six", author=("Ada Lovelace", "ada@example.org"))
    s = dated.signals()
    assert (s.distinct_authors, s.bot_authors) == (3, 0)
    assert s.top_author_share == pytest.approx(3 / 6)


def test_github_noreply_email_stands_for_its_login(dated: Dated):
    dated.commit("web edit", author=("Amazing Grace", "1234+ghopper42@users.noreply.github.com"))
    dated.commit("old noreply form", author=("G. H.", "ghopper42@users.noreply.github.com"))
    dated.commit("local, name = login", author=("ghopper42", "grace@laptop.example"))
    dated.commit("someone else", author=("Alan Turing", "5678+aturing@users.noreply.github.com"))
    s = dated.signals()
    assert s.distinct_authors == 2
    assert s.top_author_share == pytest.approx(3 / 4)
    assert identity_keys("X", "1234+GHopper42@users.noreply.github.com")[0] == "gh:ghopper42"


def test_generic_names_and_emails_and_lone_first_names_link_nothing(dated: Dated):
    dated.commit("a", author=("root", "root@build1.example"))
    dated.commit("b", author=("root", "root@build2.example"))  # root on two machines: two people
    dated.commit("c", author=("unknown", "alice@corp.example"))
    dated.commit("d", author=("Alice Smith", "alice@corp.example"))  # by email: one with "unknown" above
    dated.commit("e", author=("unknown", "bob@corp.example"))  # the generic name does not link it to Alice
    dated.commit("f", author=("Ben", "ben@one.example"))
    dated.commit("g", author=("Ben", "ben@two.example"))  # a lone first name: two Bens
    dated.commit("h", author=("Carol Jones", "you@example.com"))
    dated.commit("i", author=("Dan Brown", "you@example.com"))  # a placeholder email: two people
    assert dated.signals().distinct_authors == 8


def test_bots_are_counted_apart(dated: Dated):
    dated.commit("human", author=("Ada Lovelace", "ada@example.org"))
    dated.commit("human again", author=("Ada Lovelace", "ada@example.org"))
    dated.commit("Bump x", author=("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com"))
    dated.commit("Bump y", author=("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com"))
    dated.commit("autofix", author=("pre-commit-ci[bot]", "66853113+pre-commit-ci[bot]@users.noreply.github.com"))
    dated.commit("regen", author=("github-actions", "41898282+github-actions[bot]@users.noreply.github.com"))
    dated.commit("lock", author=("Renovate Bot", "bot@renovateapp.com"))
    s = dated.signals()
    assert (s.distinct_authors, s.bot_authors) == (1, 4)
    assert s.top_author_share == 1.0  # of the human commits
    assert not is_bot("Abbot Smith", "abbot@example.org") and not is_bot("Robot Ross", "ross@example.org")


def test_top_author_share_leaves_out_merges(dated: Dated):
    dated.commit("base", author=("Ada Lovelace", "ada@example.org"))
    dated.repo.branch("feature")
    dated.commit("feature 1", {"f.py": "1\n"}, author=("Alan Turing", "alan@example.org"))
    dated.commit("feature 2", {"f.py": "2\n"}, author=("Alan Turing", "alan@example.org"))
    dated.repo.checkout("main")
    dated.merge("feature", "Merge branch 'feature'")  # by Ada (the default author)
    s = dated.signals()
    assert s.distinct_authors == 2
    assert s.top_author_share == pytest.approx(2 / 3)
    assert (s.commits, s.reachable_commits) == (2, 4)


# --- time -----------------------------------------------------------------------------------------------

def test_dates_and_last_year_are_relative_to_the_head_commit(dated: Dated):
    head = T0 + 1000 * DAY
    for at in (T0, head - 400 * DAY, head - 365 * DAY, head - 364 * DAY, head - 31 * DAY, head):
        dated.commit(f"at {at}", {"f.py": str(at)}, at=at)
    s = dated.signals()
    assert s.first_commit_at == datetime.fromtimestamp(T0, tz=UTC)
    assert s.last_commit_at == datetime.fromtimestamp(head, tz=UTC)
    assert s.active_days == 1000
    assert s.commits_last_year == 4  # 365 days back (inclusive) to the head's own time
    months = {datetime.fromtimestamp(t, tz=UTC).strftime("%Y-%m")
              for t in (T0, head - 400 * DAY, head - 365 * DAY, head - 364 * DAY, head - 31 * DAY, head)}
    assert s.active_months == len(months)

    # Relative to the head, not to the clock: signals of an older head see their own last year.
    old_head = git(dated.path, "rev-parse", "HEAD~2")
    s_old = compute_signals(open_repo(str(dated.path)), old_head)
    assert (s_old.reachable_commits, s_old.commits_last_year) == (4, 3)
    assert s_old.last_commit_at == datetime.fromtimestamp(head - 364 * DAY, tz=UTC)


# --- tests at head --------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", [
    "tests/test_api.py", "test/unit/helpers.py", "pkg/__tests__/button.js", "spec/models/user_spec.rb",
    "test_api.py", "api_test.py", "server_test.go", "web/button.test.tsx", "web/button.spec.ts",
    "src/test/java/org/x/ParserTest.java", "src/main/java/org/x/ParserTests.java", "FooIT.java",
    "lib/parser_spec.rb", "conftest.py", "t/basic.t", "MyAppTests/ViewTests.swift", "Foo.Tests/Bar.cs",
    "pkg/testdata/case.go", "app/src/androidTest/kotlin/A.kt", "base_unittest.cc", "Testing/util.c",
])
def test_test_paths(path: str):
    assert is_test(path)


@pytest.mark.parametrize("path", [
    "src/api.py", "latest.py", "contest.go", "src/attestation.rs", "Contest.java", "protest/main.c",
    "src/testify.py", "specification.py", "lib/Latest.java",
])
def test_not_test_paths(path: str):
    assert not is_test(path)


def test_code_paths():
    assert all(map(is_code, ["a.py", "b/c.go", "d.tsx", "e.rs", "t/basic.t", "x.SQL"]))
    assert not any(map(is_code, ["README.md", "data.json", "conf.yaml", "logo.png", "Makefile", "docs/x.rst",
                                 "vendor/lib/x.go", "node_modules/a/index.js", "style.css", "page.html"]))


def test_test_file_share_counts_code_only(dated: Dated):
    dated.commit("layout", {
        "src/app.py": "", "src/util.py": "", "src/server.go": "", "web/ui.ts": "",
        "tests/test_app.py": "", "src/server_test.go": "", "web/ui.test.ts": "",
        "tests/fixtures/data.json": "{}", "README.md": "", "docs/guide.rst": "", "logo.png": "\x89PNG",
        "vendor/lib/tests/test_x.py": "",  # vendored: neither code nor test
    })
    s = dated.signals()
    assert s.n_files_head == 12
    assert s.n_code_files_head == 7
    assert s.test_file_share == pytest.approx(3 / 7)


def test_test_file_share_is_null_without_code(dated: Dated):
    dated.commit("docs only", {"README.md": "hi\n"})
    s = dated.signals()
    assert (s.n_code_files_head, s.test_file_share) == (0, None)


# --- co-change --------------------------------------------------------------------------------------------

def test_tests_with_code_share_over_the_window(dated: Dated):
    dated.commit("code only", {"src/a.py": "1\n"})  # root commit: diffed against the empty tree
    dated.commit("code and test", {"src/a.py": "2\n", "tests/test_a.py": "1\n"})
    dated.commit("test only", {"tests/test_a.py": "2\n"})  # changes no code: not counted
    dated.commit("docs only", {"README.md": "x\n"})  # not counted
    dated.commit("code and fixture", {"src/a.py": "3\n", "tests/fixtures/a.json": "{}"})  # fixture = test path
    dated.commit("code and vendored test", {"src/a.py": "4\n", "vendor/x/tests/test_x.py": "1\n"})
    dated.repo.branch("feature")
    dated.commit("on a branch", {"src/b.py": "1\n", "tests/test_b.py": "1\n"})
    dated.repo.checkout("main")
    dated.merge("feature", "Merge branch 'feature'")  # merges are not in the co-change window
    dated.commit("delete code and its test", remove=["src/b.py", "tests/test_b.py"])
    s = dated.signals()
    # counted: code only, code and test, code and fixture, code and vendored test, delete both
    assert s.code_commits == 5
    assert s.tests_with_code_share == pytest.approx(3 / 5)
    # The last 2 first-parent non-merge commits: "delete code and its test", "code and vendored test".
    s2 = dated.signals(window=2)
    assert (s2.code_commits, s2.tests_with_code_share) == (2, 0.5)
    assert s2.window_commits == 2  # the ref window counts the merge


# --- CI and packaging -------------------------------------------------------------------------------------

def test_ci_detected_at_head(dated: Dated):
    dated.commit("ci", {".github/workflows/ci.yml": "on: push\n", ".travis.yml": "language: python\n",
                        "Jenkinsfile": "pipeline {}\n", "src/a.py": ""})
    s = dated.signals()
    assert s.has_ci and s.ci_systems == ("github_actions", "jenkins", "travis")
    # CI removed later: head is what counts.
    dated.commit("drop ci", remove=[".github/workflows/ci.yml", ".travis.yml", "Jenkinsfile"])
    s = dated.signals()
    assert (s.has_ci, s.ci_systems) == (False, ())


def test_ci_systems_paths():
    assert ci_systems([".gitlab-ci.yml", ".circleci/config.yml", "azure-pipelines.yml", ".buildkite/pipeline.yml",
                       "appveyor.yml", "bitbucket-pipelines.yml", ".drone.yml", ".cirrus.yml", ".zuul.yaml",
                       ".builds/alpine.yml", ".woodpecker/test.yml", ".forgejo/workflows/ci.yaml",
                       ".semaphore/semaphore.yml", ".teamcity/settings.kts"]) == [
        "appveyor", "azure_pipelines", "bitbucket_pipelines", "buildkite", "circleci", "cirrus", "drone",
        "gitea_actions", "gitlab_ci", "semaphore", "sourcehut", "teamcity", "woodpecker", "zuul"]
    # Test runners are not CI; a workflow folder without a workflow, or a nested copy, is not CI either.
    assert ci_systems(["tox.ini", "noxfile.py", ".github/workflows/README.md", "sub/.travis.yml",
                       "vendor/x/.github/workflows/ci.yml"]) == []


def test_packaging_detected_at_head(dated: Dated):
    dated.commit("pkg", {"pyproject.toml": "[project]\n", "js/package.json": "{}", "ruby/foo.gemspec": "",
                         "examples/setup.py": "", "tests/pom.xml": "", "a/b/Cargo.toml": "",
                         "vendor/go.mod": "", "src/a.py": ""})
    s = dated.signals()
    assert s.has_packaging
    assert s.packaging_files == ("js/package.json", "pyproject.toml", "ruby/foo.gemspec")


def test_no_packaging(dated: Dated):
    dated.commit("script", {"run.py": "print(1)\n", "requirements.txt": "requests\n"})
    s = dated.signals()
    assert (s.has_packaging, s.packaging_files) == (False, ())
    assert packaging_files(["Cargo.toml", "go.mod", "App.csproj", "x.cabal", "mix.exs"]) == [
        "App.csproj", "Cargo.toml", "go.mod", "mix.exs", "x.cabal"]


# --- forks and mirrors ------------------------------------------------------------------------------------

def test_plain_repository_has_no_fork_indication(dated: Dated):
    dated.commit("init", {"README.md": "# tool\n\nFork the repository and send a pull request.\n", "a.py": ""})
    s = dated.signals()
    assert (s.fork_indications, s.is_fork_or_mirror) == ((), False)


def test_upstream_remote(dated: Dated):
    dated.commit("init", {"a.py": ""})
    git(dated.path, "remote", "add", "upstream", "https://github.com/orig/proj.git")
    git(dated.path, "remote", "add", "origin", "https://github.com/me/proj.git")
    s = dated.signals()
    assert (s.fork_indications, s.is_fork_or_mirror) == (("upstream_remote",), True)


def test_origin_url_mirror(dated: Dated):
    dated.commit("init", {"a.py": ""})
    git(dated.path, "remote", "add", "origin", "git@github.com:gcc-mirror/gcc.git")
    assert dated.signals().fork_indications == ("origin_url_mirror",)


@pytest.mark.parametrize(("url", "mirror"), [
    ("https://github.com/gcc-mirror/gcc.git", True),
    ("https://gitlab.com/mirrors/project", True),
    ("https://github.com/me/foo-mirror", True),
    ("git@github.com:mirror/busybox.git", True),
    ("ssh://git@example.org/Mirrors/x.git", True),
    ("https://github.com/acme/mirrorball.git", False),
    ("https://mirrors.example.org/git/linux.git", False),  # the host is not the project
    ("/srv/mirror/proj.git", False),  # a local path says nothing about the project
    ("", False),
])
def test_url_names_mirror(url: str, mirror: bool):
    assert url_names_mirror(url) is mirror


@pytest.mark.parametrize(("text", "mirror", "fork"), [
    ("# Foo\n\nThis repository is a read-only mirror of https://svn.example.org/foo.", True, False),
    ("Mirror of https://git.example.org/foo. Send patches to the list.", True, False),
    ("# Unofficial GitHub mirror of Foo", True, False),
    ("This is the official **mirror** of the foo tree.", True, False),
    ("The code is automatically mirrored from our Gerrit.", True, False),
    ("apt-mirror is a tool to create a mirror of Debian archives.", False, False),
    ("A maintained fork of foo with bug fixes.", False, True),
    ("Forked from https://github.com/orig/foo.", False, True),
    ("bar is a friendly fork of foo.", False, True),
    ("This project is a fork.", False, True),
    ("Fork the repository, make a branch and open a pull request.", False, False),
    ("Use `git fork` to start. We mirror releases to PyPI.", False, False),
])
def test_readme_phrases(text: str, mirror: bool, fork: bool):
    opening = readme_opening(text.encode())
    assert (readme_says_mirror(opening), readme_says_fork(opening)) == (mirror, fork)


def test_readme_mirror_and_fork_indications(dated: Dated):
    dated.commit("init", {"README.md": "[![ci](badge.svg)](x)\n\n# Foo\n\nThis repository is a read-only\n"
                                       "mirror of https://svn.example.org/foo.\n", "a.py": ""})
    assert dated.signals().fork_indications == ("readme_mirror",)
    dated.commit("fork", {"README.md": "# Bar\n\nA maintained fork of Foo.\n"})
    assert dated.signals().fork_indications == ("readme_fork",)
    # Only the opening counts: a mention far down the README does not.
    dated.commit("far", {"README.md": "# Bar\n" + "text\n" * 80 + "Bar is a fork of Foo.\n"})
    assert dated.signals().fork_indications == ()


def test_bulk_import_root(tmp_path: Path):
    big = Dated(tmp_path / "big")
    big.commit("Import foo 2.3 from upstream", {f"pkg/mod{i}.py": f"x = {i}\n" for i in range(600)})
    big.commit("Fix one thing", {"pkg/mod1.py": "x = -1\n"})
    big.commit("Add a module", {"pkg/new.py": "y = 1\n"})
    assert big.signals().fork_indications == ("bulk_import_root",)
    # A project that grew over time: a small root commit.
    grown = Dated(tmp_path / "grown")
    grown.commit("Start", {"pkg/mod0.py": "x = 0\n"})
    grown.commit("Grow", {f"pkg/mod{i}.py": f"x = {i}\n" for i in range(600)})
    assert grown.signals().fork_indications == ()
    # A big root commit whose files are mostly gone by head: not an import of what is there now.
    rewritten = Dated(tmp_path / "rewritten")
    rewritten.commit("Import", {f"old/mod{i}.py": "" for i in range(600)})
    git(rewritten.path, "rm", "-rq", "old")
    rewritten.commit("Rewrite", {f"new/mod{i}.py": "" for i in range(700)})
    assert rewritten.signals().fork_indications == ()


def test_mirror_committer(dated: Dated):
    bot = ("GitHub Mirror Bot", "mirror-bot@example.org")
    dated.commit("one", {"a.py": "1"}, author=("Ada Lovelace", "ada@example.org"), committer=bot)
    dated.commit("two", {"a.py": "2"}, author=("Alan Turing", "alan@example.org"), committer=bot)
    assert dated.signals().fork_indications == ("mirror_committer",)
    dated.commit("three", {"a.py": "3"})  # committed by Ada herself: no longer all by the mirror
    assert dated.signals().fork_indications == ()


def test_single_human_committer_is_no_mirror(dated: Dated):
    dated.commit("one", {"a.py": "1"})
    dated.commit("two", {"a.py": "2"})
    assert dated.signals().fork_indications == ()


def test_git_svn_mirror(dated: Dated):
    dated.commit("Old import\n\ngit-svn-id: https://svn.example.org/foo/trunk@1 6b0d6c2e-1d0a-0410-bbc5-a8a8a1f8d9c3")
    dated.commit("Fix the parser\n\n"
                 "git-svn-id: https://svn.example.org/foo/trunk@1234 6b0d6c2e-1d0a-0410-bbc5-a8a8a1f8d9c3\n")
    assert dated.signals().fork_indications == ("git_svn_mirror",)
    dated.commit("Migrated to git: the first native commit")
    assert dated.signals().fork_indications == ()


# --- references -------------------------------------------------------------------------------------------

def test_ref_share(dated: Dated):
    dated.commit("Add pagination (#45)", {"a.py": "1"})
    dated.commit("Fix empty pages\n\nThe first page was lost.\n\nFixes: #12\nChange-Id: I0123", {"a.py": "2"})
    dated.commit("Handle GH-12 again", {"a.py": "3"})
    dated.commit("Close the loophole\n\nfixes owner/repo#5", {"a.py": "4"})
    dated.commit("Tidy up", {"a.py": "5"})
    dated.commit("Version 1.2.3", {"a.py": "6"})
    dated.repo.branch("feature")
    dated.commit("Add cursors", {"b.py": "1"})
    dated.repo.checkout("main")
    dated.merge("feature", "Merge pull request #7 from ada/feature")
    dated.repo.branch("gerrit")
    dated.commit("Deterministic DDL\n\nFixes: #13\nChange-Id: Iabc", {"c.py": "1"})
    dated.repo.checkout("main")
    dated.merge("gerrit", 'Merge "Deterministic DDL" into main')  # the merged tip references
    dated.repo.branch("plain")
    dated.commit("Some work", {"d.py": "1"})
    dated.repo.checkout("main")
    dated.merge("plain", "Merge branch 'plain'")
    s = dated.signals()
    # first-parent: 6 commits + 3 merges; referencing: (#45), Fixes: #12, GH-12, owner/repo#5, PR merge, Gerrit
    assert s.window_commits == 9
    assert s.ref_share == pytest.approx(6 / 9)
    s3 = dated.signals(window=3)  # the three merges
    assert (s3.window_commits, s3.ref_share) == (3, pytest.approx(2 / 3))


def test_undecodable_names_and_paths(dated: Dated):
    """Latin-1 author names and non-UTF-8 file names (old histories) still make a row Arrow can write."""
    (dated.path / os.fsdecode(b"caf\xe9.py")).write_text("x = 1\n")
    (dated.path / os.fsdecode(b"m\xe9tier_test.py")).write_text("x = 1\n")
    (dated.path / os.fsdecode(b"README\xe9")).write_text("A fork of something.\n")
    (dated.path / os.fsdecode(b"caf\xe9.gemspec")).write_text("")
    dated.commit("latin-1 author", author=("Ren\xe9", "rene@example.org"))
    sha = raw_commit(dated.repo, b"raw latin-1 name", author=b"Jos\xe9 Mar\xeda <jose@example.org>")
    s = compute_signals(open_repo(str(dated.path)), sha)
    row = s.to_row()
    assert pa.Table.from_pylist([row], schema=SIGNALS_SCHEMA).to_pylist() == [row]
    assert s.distinct_authors == 2 and s.n_code_files_head == 2 and s.test_file_share == 0.5
    assert s.fork_indications == ("readme_fork",)
    assert s.packaging_files == ("caf\ufffd.gemspec",)


def test_window_must_be_positive(dated: Dated):
    dated.commit("one")
    with pytest.raises(ValueError, match="window"):
        dated.signals(window=0)


# --- the row ----------------------------------------------------------------------------------------------

def test_row_matches_schema_and_is_deterministic(small_repo: Repo, tmp_path: Path):
    repo = open_repo(str(small_repo.path))
    head = small_repo.head()
    row = compute_signals(repo, head).to_row()
    assert list(row) == SIGNALS_SCHEMA.names
    table = pa.Table.from_pylist([row], schema=SIGNALS_SCHEMA)
    assert table.to_pylist() == [row]
    # Same repository → same row: again, through a new handle, and from a bare clone elsewhere.
    assert compute_signals(open_repo(str(small_repo.path)), head).to_row() == row
    clone = tmp_path / "clone.git"
    git(tmp_path, "clone", "-q", "--bare", "--", str(small_repo.path), str(clone))
    assert compute_signals(open_repo(str(clone)), head).to_row() == row
    # What the fixture's history shows.
    assert (row["commits"], row["reachable_commits"]) == (8, 9)
    assert (row["distinct_authors"], row["bot_authors"]) == (1, 1)
    assert row["has_packaging"] and row["packaging_files"] == ["package.json"]


# --- real repositories ------------------------------------------------------------------------------------

MIRRORS = Path(os.environ.get("CODEMILL_MIRRORS", "/work/.mirror"))


def _mirror(name: str):
    path = MIRRORS / name / "repo"
    if not (path / "HEAD").is_file() and not (path / ".git" / "HEAD").is_file():
        pytest.skip(f"no mirror of {name} at {path}")
    return open_repo(str(path))


def test_smoke_sqlalchemy():
    repo = _mirror("sqlalchemy+sqlalchemy")
    start = time.perf_counter()
    s = compute_signals(repo, str(repo.head.target))
    assert time.perf_counter() - start < 10
    assert s.commits > 10_000 and s.reachable_commits >= s.commits
    assert s.distinct_authors > 50 and s.bot_authors >= 1
    assert 0.3 < s.top_author_share < 0.95  # one principal author, many contributors
    assert s.first_commit_at.year == 2005 and s.active_months > 150
    assert s.has_ci and "github_actions" in s.ci_systems
    assert s.has_packaging and "pyproject.toml" in s.packaging_files
    assert s.test_file_share > 0.1 and s.tests_with_code_share > 0.1
    assert s.ref_share > 0.2  # "Fixes: #NNNN" trailers and "(#NNNN)" suffixes
    assert not s.is_fork_or_mirror


def test_smoke_requests():
    repo = _mirror("psf+requests")
    s = compute_signals(repo, str(repo.head.target))
    assert s.distinct_authors > 50 and s.bot_authors >= 1
    assert s.has_ci and s.has_packaging
    assert s.test_file_share > 0.1 and s.ref_share > 0.2
    assert not s.is_fork_or_mirror
