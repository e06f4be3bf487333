from __future__ import annotations

import os
import sys
import urllib.request
from functools import cache
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from codemill.sandbox import Sandbox, available
from codemill.sandbox.proxy import INDEX_HOSTS

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



# Which test opened a sandbox that reaches the package index (through the allow-listing proxy), by node id.
# Sandbox.run is watched for the whole session, so a module fixture that builds an environment counts for the
# test whose setup ran it (the module's other tests that use it carry the marker by hand).
_index_used: dict[str, str] = {}
_current = [""]
_sandbox_run = Sandbox.run


def _watched_run(self: Sandbox, *args, **kwargs):
    if self.network and self.allow_hosts:  # the allow-listing proxy to the index, not a shared host network
        _index_used.setdefault(_current[0], str(args[0] if args else kwargs.get("argv"))[:120])
    return _sandbox_run(self, *args, **kwargs)


Sandbox.run = _watched_run  # type: ignore[method-assign]


@cache
def _index_unreachable() -> str | None:
    """Why the Python package index cannot be reached from here (None when it can)."""
    try:
        urllib.request.urlopen(f"https://{INDEX_HOSTS[0]}/simple/pip/", timeout=10).close()
    except OSError as e:
        return str(e)
    return None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None):
    _current[0] = item.nodeid
    yield
    _current[0] = ""


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Tests marked `index` install packages from PyPI inside the sandbox: where the index is unreachable they fail
    before their fixtures build anything, with the reason (never skip: a green suite means they ran)."""
    if item.get_closest_marker("index") is not None and (why := _index_unreachable()):
        pytest.fail(f"this test installs packages from the package index ({INDEX_HOSTS[0]}), unreachable here: {why};"
                    f" leave such tests out with -m 'not index'")


@pytest.fixture(autouse=True)
def _index_marker_is_true(request: pytest.FixtureRequest):
    """An unmarked test that reached the package index fails, so `-m 'not index'` really leaves out every one."""
    yield
    used = _index_used.get(request.node.nodeid)
    if used and request.node.get_closest_marker("index") is None:
        pytest.fail(f"reached the package index in a sandbox ({used}) but is not marked: add @pytest.mark.index")

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
