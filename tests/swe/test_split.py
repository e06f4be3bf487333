from __future__ import annotations

import pytest

from codemill.paths import is_test_path
from codemill.swe.split import file_chunks, patch_files, split_patch

from gitrepo import Repo, git


@pytest.mark.parametrize("path", ["tests/test_x.py", "pkg/tests/data/input.json", "test_x.py", "pkg/x_test.py",
                                  "conftest.py", "src/pkg/testing/helpers.py", "a/tests.py"])
def test_test_paths(path: str) -> None:
    assert is_test_path(path)


@pytest.mark.parametrize("path", ["src/pkg/core.py", "docs/testing.md", "pkg/contest.py", "attest.py", "README.md",
                                  "src/latest/x.py"])
def test_code_paths(path: str) -> None:
    assert not is_test_path(path)


def test_split_real_diff_keeps_each_file_whole(repo: Repo) -> None:
    base = repo.commit("init", {"src/calc.py": "def f():\n    return 1\n", "tests/test_calc.py": "old = 1\n",
                                "tests/old_name.py": "x = 1\n" * 20, "docs/a.md": "a\n"})
    repo.commit("fix", {"src/calc.py": "def f():\n    return 2\n", "tests/test_calc.py": "old = 2\n",
                        "tests/new_name.py": "x = 1\n" * 20, "src/conftest.py": "y = 1\n", "docs/a.md": "b\n"},
                remove=["tests/old_name.py"])
    diff = git(repo.path, "diff", "-M", base, "HEAD") + "\n"
    code, test = split_patch(diff)
    assert patch_files(code) == ["docs/a.md", "src/calc.py"]
    assert patch_files(test) == ["src/conftest.py", "tests/new_name.py", "tests/test_calc.py"]
    assert "rename from tests/old_name.py" in test
    assert sorted(file_chunks(code) + file_chunks(test)) == sorted(file_chunks(diff))
    # Each half applies on its own to the base tree.
    repo.checkout(base)
    for half in (code, test):
        git(repo.path, "apply", "--check", "-", input=half.encode())


def test_split_without_files() -> None:
    assert split_patch("") == ("", "")
    assert split_patch("From abc\nSubject: x\n") == ("", "")


def test_deleted_test_file_goes_to_test_patch(repo: Repo) -> None:
    base = repo.commit("init", {"tests/test_gone.py": "def test_x():\n    pass\n", "src/a.py": "a = 1\n"})
    repo.commit("drop", remove=["tests/test_gone.py"])
    code, test = split_patch(git(repo.path, "diff", base, "HEAD") + "\n")
    assert code == ""
    assert "deleted file mode" in test
    assert patch_files(test) == []


def test_lists_of_people_are_in_neither_patch(repo: Repo) -> None:
    base = repo.commit("init", {"src/a.py": "a = 1\n", "AUTHORS.rst": "- Ada <ada.lovelace77@gmail.com>\n"})
    repo.commit("fix", {"src/a.py": "a = 2\n",
                        "AUTHORS.rst": "- Ada <ada.lovelace77@gmail.com>\n- Bo <bo.ström84@gmail.com>\n"})
    code, test = split_patch(git(repo.path, "diff", base, "HEAD") + "\n")
    assert patch_files(code) == ["src/a.py"] and test == ""
    assert "gmail" not in code
