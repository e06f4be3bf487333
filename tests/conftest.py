from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from codemill.sandbox import Sandbox, available

from gitrepo import Repo, build_small_repo


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
    """A small realistic history (`gitrepo.build_small_repo`)."""
    return build_small_repo(tmp_path / "small")


@pytest.fixture(scope="session")
def sandbox() -> Sandbox:
    """The real bwrap sandbox; skipped where bwrap cannot run, but a failure on CI, where it must."""
    ok, why = available()
    if not ok:
        if os.environ.get("CI"):
            pytest.fail(f"bubblewrap must work on CI: {why}")
        pytest.skip(why)
    return Sandbox()
