"""Every rendering is checked against real git: commits made with the git CLI, diffed with libgit2 as the
commits stage does, and the edit blocks replayed over the old files must give the new ones."""

from __future__ import annotations

import re

import pygit2
import pytest

from codemill.render import (
    Unrepresentable,
    apply_hunks,
    apply_search_replace,
    full_files,
    parse_search_replace,
    prompt_context,
    search_replace,
    unified_diff,
)

from gitrepo import Repo

# A module whose functions start alike: the hunk in `remove` has context that also occurs in `load`.
GUARD = """    if not path:
        return None
    if not os.path.exists(path):
        return None
    if os.path.isdir(path):
        return None
    if os.path.islink(path):
        return None
"""
SERVICE = f"""import logging
import os

log = logging.getLogger(__name__)


def load(path):
{GUARD}    with open(path) as fh:
        return fh.read()


def save(path, data):
    if not path:
        return None
    with open(path, "w") as fh:
        fh.write(data)


def remove(path):
{GUARD}    os.remove(path)
"""
STRICT_GUARD = GUARD.replace("exists(path):\n        return None",
                             "exists(path):\n        raise FileNotFoundError(path)")
SERVICE_V2 = SERVICE.replace('    with open(path, "w") as fh:\n', '    log.info("saving %s", path)\n'
                             '    with open(path, "w") as fh:\n').replace(
    f"def remove(path):\n{GUARD}", f"def remove(path):\n{STRICT_GUARD}")
README = "# Service\n\nLoads and saves files.\n"
NOTES = "line one\nline two\nline three"  # no newline at end of file


def records(repo: Repo, sha: str, context_lines: int = 3) -> list[dict]:
    """The stored change of a commit as the commits stage records it, plus full contents from the blobs."""
    r = pygit2.Repository(str(repo.path))
    commit = r[sha]
    diff = r.diff(commit.parents[0].tree, commit.tree, context_lines=context_lines)
    diff.find_similar(flags=pygit2.enums.DiffFind.FIND_RENAMES)
    out = []
    for patch in diff:
        d = patch.delta
        row = {"path": d.new_file.path, "old_path": d.old_file.path if d.old_file.path != d.new_file.path else None,
               "status": d.status_char(), "diff": patch.data.decode(), "binary": d.is_binary}
        if not d.is_binary:
            row["before"] = None if row["status"] == "A" else r[d.old_file.id].data.decode()
            row["after"] = None if row["status"] == "D" else r[d.new_file.id].data.decode()
        out.append(row)
    return out


def tree(files: list[dict], key: str) -> dict[str, str]:
    path = "old_path" if key == "before" else "path"
    return {f.get(path) or f["path"]: f[key] for f in files if f.get(key) is not None}


@pytest.fixture
def change(repo: Repo) -> list[dict]:
    """One realistic commit: two-hunk edit with repeated context, a rename with an edit, an added and a deleted
    file, a binary file, a file without a final newline edited mid-way, and a CRLF file."""
    repo.commit("Initial service", {"src/service.py": SERVICE, "README.md": README, "docs/old.txt": "bye\n",
                                    "src/util.py": "def helper():\n    return 41\n" * 3, "notes.txt": NOTES,
                                    "win.ini": "[a]\r\nx=1\r\ny=2\r\n", "logo.bin": bytes(range(256))})
    sha = repo.commit("Log saves and make remove return False",
                      {"src/service.py": SERVICE_V2, "src/helpers.py": "def helper():\n    return 42\n"
                       + "def helper():\n    return 41\n" * 2, "CHANGELOG.md": "## 0.2\n\n- log saves\n",
                       "notes.txt": NOTES.replace("two", "2"), "win.ini": "[a]\r\nx=1\r\ny=3\r\n",
                       "logo.bin": bytes(range(255, -1, -1))},
                      remove=["docs/old.txt", "src/util.py"])
    return records(repo, sha)


def test_records_cover_every_kind_of_change(change: list[dict]):
    assert {f["status"] for f in change} == {"A", "D", "M", "R"}
    assert unified_diff(change) == "".join(f["diff"] for f in change)
    assert "\\ No newline at end of file" in unified_diff(change)
    for f in change:
        if not f["binary"] and f["status"] != "D":
            assert apply_hunks(f["before"] or "", f["diff"]) == f["after"]
        if not f["binary"] and f["status"] != "A":
            assert apply_hunks(f["after"] or "", f["diff"], reverse=True) == f["before"]


def test_search_replace_round_trips_to_the_new_files(change: list[dict]):
    text = search_replace(change)
    assert text.startswith(next(f["path"] for f in change) + "\n```\n<<<<<<< SEARCH\n")
    after = apply_search_replace(tree(change, "before"), text)
    expected = tree(change, "after")
    assert {p: c for p, c in after.items() if p != "logo.bin"} == expected
    # The deleted and the renamed-away files are gone, the new file made from an empty SEARCH.
    assert "docs/old.txt" not in after and "src/util.py" not in after
    assert ("CHANGELOG.md", "", "## 0.2\n\n- log saves\n") in parse_search_replace(text)


def test_repeated_context_is_widened_until_it_lands(change: list[dict]):
    service = next(f for f in change if f["path"] == "src/service.py")
    blocks = parse_search_replace(search_replace([service]))
    assert len(blocks) == 2
    # The raw hunk for `remove` starts with context that also occurs in `load`: replayed as is it would edit
    # the wrong function, so its SEARCH was widened to something unique.
    hunk = [h for h in service["diff"].split("@@") if "FileNotFoundError" in h][-1]
    search = "".join(line[1:] + "\n" for line in hunk.splitlines()[1:] if line[:1] in " -")
    replace = "".join(line[1:] + "\n" for line in hunk.splitlines()[1:] if line[:1] in " +")
    assert SERVICE.count(search) == 2 and "def remove" not in search
    raw = f"src/service.py\n```\n<<<<<<< SEARCH\n{search}=======\n{replace}>>>>>>> REPLACE\n```\n"
    wrong = apply_search_replace({"src/service.py": SERVICE}, raw)["src/service.py"]
    assert "def load(path):\n" + STRICT_GUARD in wrong
    assert all(SERVICE.count(s) == 1 for _, s, _ in blocks)
    assert apply_search_replace({"src/service.py": SERVICE}, search_replace([service])) == \
        {"src/service.py": SERVICE_V2}


def test_zero_context_insertions_get_context(repo: Repo):
    repo.commit("a", {"m.py": "x = 1\n\n\ny = 2\n"})
    sha = repo.commit("b", {"m.py": "x = 1\n\n\nz = 0\ny = 2\n"})
    files = records(repo, sha, context_lines=0)
    blocks = parse_search_replace(search_replace(files))
    assert blocks[0][1].strip()  # a blank SEARCH would make Aider append instead
    assert apply_search_replace(tree(files, "before"), search_replace(files)) == tree(files, "after")


def test_lines_that_read_as_markers_are_refused(repo: Repo):
    repo.commit("a", {"doc.rst": "Title\n=======\n\nText.\n"})
    sha = repo.commit("b", {"doc.rst": "Title\n=======\n\nMore text.\n"})
    with pytest.raises(Unrepresentable):
        search_replace(records(repo, sha))


def test_full_files_show_every_new_file_whole(change: list[dict]):
    text = full_files(change)
    shown = dict(re.findall(r"^(\S+)\n```\n(.*?)```\n", text, re.S | re.M))
    expected = {p: c if c.endswith("\n") else c + "\n" for p, c in tree(change, "after").items()}
    assert shown == {p: c for p, c in expected.items() if p != "logo.bin"}
    assert "Deleted docs/old.txt." in text and "Renamed src/util.py to src/helpers.py." in text
    assert "Binary file logo.bin changed (not shown)." in text


def test_prompt_context_cuts_tree_then_largest_files(change: list[dict]):
    paths = [f"pkg/module_{i:03d}.py" for i in range(200)]
    full = prompt_context("Log saves.", change, paths, budget_chars=100_000)
    assert full.startswith("Log saves.\n") and "pkg/module_199.py" in full and "def save(path, data):" in full
    assert "Not shown" not in full and "not shown" not in full
    assert "docs/old.txt" in full and "src/util.py\n```" in full  # deleted and renamed files, by old path

    budget = len(full) - 2000
    some = prompt_context("Log saves.", change, paths, budget_chars=budget)
    assert len(some) <= budget and "def save(path, data):" in some and "more paths, not shown for length" in some

    files_only = sum(len(f["before"] or "") for f in change if f["status"] != "A" and not f["binary"])
    tight = prompt_context("Log saves.", change, paths, budget_chars=files_only)
    assert len(tight) <= files_only and "Repository files: 200 paths, not shown for length." in tight
    assert "Not shown for length: src/service.py (" in tight and "pkg/module_000.py" not in tight

    bare = prompt_context("Log saves.", change, paths, budget_chars=100_000, include_files=False,
                          include_tree=False)
    assert bare == "Log saves.\n"


def test_missing_contents_are_refused_not_guessed(change: list[dict]):
    renamed = next(f for f in change if f["status"] == "R")
    with pytest.raises(Unrepresentable):
        search_replace([{**renamed, "before": None, "after": None}])
    # With only the new contents, the old ones are rebuilt from the patch.
    edited = next(f for f in change if f["path"] == "src/service.py")
    assert search_replace([{**edited, "before": None}]) == search_replace([edited])
    # Added and deleted files carry their whole contents in the patch.
    bare = [{**f, "before": None, "after": None} for f in change if f["status"] in ("A", "D") and not f["binary"]]
    assert search_replace(bare) == search_replace([f for f in change if f["status"] in ("A", "D")])
    assert full_files(bare) == full_files([f for f in change if f["status"] in ("A", "D") and not f["binary"]])

