from __future__ import annotations

from pathlib import Path

import pytest

from codemill.junit import ERROR, FAILED, PASSED, SKIPPED, parse_junit
from codemill.sandbox import Sandbox
from codemill.swe.env import EnvResult, build_env, detect_recipe
from codemill.swe.run import (
    pytest_args,
    pytest_version,
    run_tests,
    stable_outcomes,
)

TESTS = '''import pytest

def test_ok():
    assert True

def test_bad():
    assert 1 == 2

@pytest.fixture
def broken():
    raise RuntimeError("fixture")

def test_error(broken):
    pass

@pytest.mark.skip(reason="no")
def test_skipped():
    pass

@pytest.mark.parametrize("x", ["a.b", "c"])
def test_param(x):
    assert x

class TestGroup:
    def test_method(self):
        assert True

def test_no_network():
    import socket
    with pytest.raises(OSError):
        socket.create_connection(("pypi.org", 443), timeout=5)

def test_needs_network():
    import urllib.request
    urllib.request.urlopen("http://httpbin.org/get", timeout=5)
'''

FLAKY = '''from pathlib import Path

def test_alternates():
    counter = Path(__file__).parent / ".runs"
    n = int(counter.read_text()) if counter.exists() else 0
    counter.write_text(str(n + 1))
    assert n % 2 == 0

def test_steady():
    pass
'''


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, sandbox: Sandbox) -> tuple[Path, EnvResult]:
    """One env, built once for the module: a pyproject package with a test extra."""
    root = tmp_path_factory.mktemp("proj")
    (root / "pyproject.toml").write_text('[build-system]\nrequires = ["setuptools>=64"]\n'
                                         'build-backend = "setuptools.build_meta"\n[project]\nname = "calc"\n'
                                         'version = "0.1"\n[project.optional-dependencies]\ntest = ["pytest"]\n')
    (root / "src" / "calc").mkdir(parents=True)
    (root / "src" / "calc" / "__init__.py").write_text("def add(a, b):\n    return a + b\n")
    (root / "tests").mkdir()
    (root / "tests" / "test_mixed.py").write_text(TESTS)
    (root / "tests" / "test_uses_pkg.py").write_text("from calc import add\n\ndef test_add():\n"
                                                     "    assert add(1, 2) == 3\n")
    (root / "tests" / "test_broken_import.py").write_text("import calc.missing\n")
    env = build_env(root, detect_recipe(root), sandbox)
    assert env.ok, env.log_tail
    print(f"env build: {env.seconds:.1f}s")
    return root, env


@pytest.mark.index
@pytest.mark.slow
def test_env_is_recorded(project: tuple[Path, EnvResult]) -> None:
    _, env = project
    assert env.editable
    assert any(line.startswith("pytest==") for line in env.frozen)
    assert not any("calc" in line for line in env.frozen)  # the project itself is the checkout, not a pin
    assert env.python and env.python.count(".") == 2


@pytest.mark.index  # its module fixture builds an environment from the index
def test_statuses_by_nodeid(project: tuple[Path, EnvResult], sandbox: Sandbox) -> None:
    root, _ = project
    offline: set[str] = set()
    statuses = run_tests(root, None, sandbox, offline=offline)
    assert statuses == {
        "tests/test_mixed.py::test_ok": PASSED,
        "tests/test_mixed.py::test_bad": FAILED,
        "tests/test_mixed.py::test_error": ERROR,
        "tests/test_mixed.py::test_skipped": SKIPPED,
        "tests/test_mixed.py::test_param[a.b]": PASSED,
        "tests/test_mixed.py::test_param[c]": PASSED,
        "tests/test_mixed.py::TestGroup::test_method": PASSED,
        "tests/test_mixed.py::test_no_network": PASSED,
        "tests/test_mixed.py::test_needs_network": FAILED,
        "tests/test_uses_pkg.py::test_add": PASSED,
        "tests/test_broken_import.py": ERROR,
    }
    assert offline == {"tests/test_mixed.py::test_needs_network"}  # the one that failed for want of a network
    assert not list(root.glob(".codemill-junit-*"))


@pytest.mark.index  # its module fixture builds an environment from the index
def test_selected_tests_only(project: tuple[Path, EnvResult], sandbox: Sandbox) -> None:
    root, _ = project
    assert run_tests(root, ["tests/test_uses_pkg.py", "tests/test_mixed.py::TestGroup"], sandbox) == {
        "tests/test_uses_pkg.py::test_add": PASSED, "tests/test_mixed.py::TestGroup::test_method": PASSED}


@pytest.mark.index  # its module fixture builds an environment from the index
def test_repeats_expose_flaky_tests(project: tuple[Path, EnvResult], sandbox: Sandbox) -> None:
    root, _ = project
    (root / "tests" / "test_flaky.py").write_text(FLAKY)
    try:
        outcomes = stable_outcomes(root, ["tests/test_flaky.py"], sandbox, repeats=2)
    finally:
        (root / "tests" / "test_flaky.py").unlink()
    assert outcomes.flaky == {"tests/test_flaky.py::test_alternates"}
    assert outcomes.stable() == {"tests/test_flaky.py::test_steady": PASSED}


def test_pytest_options_follow_the_installed_version(tmp_path: Path) -> None:
    report = tmp_path / "r.xml"
    assert pytest_args((2, 8), report) == ["-p", "no:cacheprovider", f"--junitxml={report}"]
    assert pytest_args((2, 5), report)[-1] == "--assert=plain"  # its rewriting predates Python 3.5's ast.Call
    assert pytest_args((3, 10), report)[-1] == "--continue-on-collection-errors" and "-o" not in pytest_args(
        (3, 10), report)
    assert pytest_args((8, 3), report) == ["-rA", "-p", "no:cacheprovider", f"--junitxml={report}",
                                           "--continue-on-collection-errors", "-o", "junit_family=xunit1"]
    assert pytest_args(None, report) == pytest_args((8, 3), report)
    site = tmp_path / ".venv/lib/python3.7/site-packages"
    site.mkdir(parents=True)
    assert pytest_version(tmp_path) is None
    (site / "pytest-2.8.7.dist-info").mkdir()
    assert pytest_version(tmp_path) == (2, 8)


def test_junit_without_file_attributes_is_read_against_the_tree(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests/test_a.py").write_text("")
    xml = (b'<testsuite><testcase classname="tests.test_a.TestX" name="test_y"/>'
           b'<testcase classname="tests.test_a" name="test_z"><failure message="no"/></testcase></testsuite>')
    assert parse_junit(xml, tmp_path) == {"tests/test_a.py::TestX::test_y": "PASSED",
                                          "tests/test_a.py::test_z": "FAILED"}
    messages: dict[str, str] = {}
    parse_junit(xml.replace(b'message="no"', b'message="AssertionError: no&#10;more lines"'), tmp_path,
                messages=messages)
    assert messages == {"tests/test_a.py::test_z": "AssertionError: no"}
    generic = (b'<testsuite><testcase classname="tests.test_a" name="test_z"><failure message="test failure">'
               b"def test_z():\n&gt;   f(strict=1)\nE   TypeError: f() got an unexpected keyword argument 'strict'"
               b"\n\ntests/test_a.py:2: TypeError</failure></testcase></testsuite>")
    messages.clear()
    parse_junit(generic, tmp_path, messages=messages)  # pytest 2's message is generic: the `E` line says more
    assert messages == {"tests/test_a.py::test_z": "TypeError: f() got an unexpected keyword argument 'strict'"}
