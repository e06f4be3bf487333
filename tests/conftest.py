from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from codemill.sandbox import Sandbox, available

from gitrepo import MIT, Repo


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """An empty work directory for a sandboxed run."""
    path = tmp_path / "work"
    path.mkdir()
    return path


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return Repo(tmp_path / "repo")


@pytest.fixture
def small_repo(tmp_path: Path) -> Repo:
    """A small realistic history: features, a fix, a rename, a binary file, a lockfile and a merge."""
    r = Repo(tmp_path / "small")
    r.commit("Add pagination helper for list endpoints",
             {"src/pages.py": "def page(items, n):\n    return items[:n]\n", "LICENSE": MIT})
    r.commit("Fix off-by-one in pagination when results are empty\n\nCloses #12",
             {"src/pages.py": "def page(items, n):\n    if not items:\n        return []\n    return items[:n]\n"})
    r.commit("Add logo", {"assets/logo.png": bytes(range(256)) * 4})
    r.commit("Update lockfile", {"poetry.lock": "[[package]]\nname = 'x'\n"})
    r.commit("wip", {"src/pages.py": "def page(items, n):\n    if not items:\n        return []\n"
                                     "    return list(items[:n])\n"})
    r.branch("feature")
    r.commit("Add cursor-based pagination to the API (#7)",
             {"src/cursor.py": "def cursor(items, after):\n    return [i for i in items if i > after]\n"})
    r.checkout("main")
    r.merge("feature", "Merge pull request #7 from ada/feature")
    r.commit("Rename pages module to paging", {"src/paging.py": (r.path / "src/pages.py").read_text()},
             remove=["src/pages.py"])
    r.commit("Bump deps", {"package.json": '{"name": "x"}\n'},
             author=("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com"))
    return r


@pytest.fixture(scope="session")
def sandbox() -> Sandbox:
    """The real bwrap sandbox; skipped where bwrap cannot run, but a failure on CI, where it must."""
    ok, why = available()
    if not ok:
        if os.environ.get("CI"):
            pytest.fail(f"bubblewrap must work on CI: {why}")
        pytest.skip(why)
    return Sandbox()
