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


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--consumers", action="store_true", default=False,
                     help="run the tests marked `consumers` (each output loaded by its real consumer, in that "
                     "consumer's own virtual environment: `make test-consumers`); deselected otherwise")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The `consumers` tests are opt-in: deselected (not skipped) unless `--consumers` is given."""
    if config.getoption("--consumers"):
        return
    chosen = [i for i in items if i.get_closest_marker("consumers") is None]
    if len(chosen) < len(items):
        config.hook.pytest_deselected(items=[i for i in items if i.get_closest_marker("consumers") is not None])
        items[:] = chosen
