"""git.read: an untrusted repository's history read on the host without running what it configures.

Each test plants the drivers an attacker would (a `textconv` and an external diff for `git diff`, a `smudge`
filter for `git archive` and `git show`, an fsmonitor) and checks both that nothing ran and that the result is
what plain git gives on the same repository without them.
"""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from codemill.git import read as gitread

from gitrepo import Repo, git

BINARY = bytes(range(256)) * 3
PARSER = "".join(f"def f{i}():\n    return {i}\n\n" for i in range(1, 9))


@pytest.fixture
def hostile(tmp_path: Path) -> tuple[Repo, Path, dict[str, str]]:
    """A repository whose config makes the git CLI run a command for every diff, checkout, archive and status."""
    r = Repo(tmp_path / "repo")
    marker = tmp_path / "ran"
    r.write("tools/run.sh", "#!/bin/sh\necho hi\n")
    (r.path / "tools/run.sh").chmod(0o755)
    (r.path / "docs").mkdir()
    (r.path / "docs/link").symlink_to("../src/p.py")
    sha = {"one": r.commit("Add the parser", {
        ".gitattributes": "*.py diff=evil filter=evil\n", "src/p.py": PARSER, "data.bin": BINARY})}
    sha["two"] = r.commit("Rename and change the parser", {
        "src/parser.py": PARSER.replace("return 1", "return 2"), "data.bin": BINARY[::-1]}, remove=["src/p.py"])
    command = f"sh -c 'touch {marker}; cat'"
    for key, value in (("diff.evil.textconv", command), ("diff.external", command), ("filter.evil.smudge", command),
                       ("filter.evil.clean", "cat"), ("core.fsmonitor", command)):
        git(r.path, "config", key, value)
    return r, marker, sha


def test_a_patch_runs_no_driver_and_applies(hostile, tmp_path: Path) -> None:
    r, marker, sha = hostile
    text = gitread.patch(r.path, sha["one"], sha["two"])
    assert not marker.exists()
    assert "rename from src/p.py" in text and "GIT binary patch" in text
    # A clone has the history without the repository's config: the patch applies to its base there.
    clean = tmp_path / "clean"
    git(tmp_path, "clone", "-q", "--no-checkout", str(r.path), str(clean))
    git(clean, "checkout", "-q", sha["one"])
    git(clean, "apply", "--check", "-", input=text.encode())
    assert not marker.exists()


def test_revisions_messages_files_and_contents(hostile) -> None:
    r, marker, sha = hostile
    assert gitread.rev_parse(r.path, f"{sha['two']}^1") == sha["one"]
    assert gitread.rev_parse(r.path, "HEAD") == sha["two"]
    assert gitread.message(r.path, sha["two"]).strip() == "Rename and change the parser"
    assert gitread.commit_time(r.path, sha["two"]) > gitread.commit_time(r.path, sha["one"])
    assert gitread.tree_paths(r.path, sha["two"]) == [".gitattributes", "data.bin", "docs/link", "src/parser.py",
                                                       "tools/run.sh"]
    assert gitread.read_text(r.path, sha["two"], "src/parser.py") == PARSER.replace("return 1", "return 2")
    assert gitread.read_text(r.path, sha["two"], "src/p.py") is None
    assert not marker.exists()


def test_an_archive_runs_no_filter_and_keeps_modes_and_links(hostile) -> None:
    r, marker, sha = hostile
    blob = gitread.archive(r.path, sha["two"])
    assert not marker.exists()
    with tarfile.open(fileobj=io.BytesIO(blob)) as tar:
        members = {m.name: m for m in tar.getmembers()}
        assert sorted(members) == gitread.tree_paths(r.path, sha["two"])
        assert members["tools/run.sh"].mode == 0o755 and members["src/parser.py"].mode == 0o644
        assert members["docs/link"].issym() and members["docs/link"].linkname == "../src/p.py"
        assert tar.extractfile("data.bin").read() == BINARY[::-1]
        assert {m.mtime for m in members.values()} == {gitread.commit_time(r.path, sha["two"])}
    assert gitread.archive(r.path, sha["two"]) == blob  # the bytes depend on the commit alone
