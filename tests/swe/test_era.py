from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from codemill.sandbox import Sandbox
from codemill.swe import era as era_module
from codemill.swe.env import (
    EnvRecipe,
    EnvResult,
    build_env,
    build_in_era,
    can_collect,
    detect_recipe,
    eras,
    present,
    with_interpreter,
)
from codemill.swe.era import MIN_VERSION, Era, Interpreter, choose, interpreters, later, uv_path

from gitrepo import git

PY39 = Interpreter("/opt/py39/bin/python3", (3, 9), "/opt/py39")
PY311 = Interpreter("/opt/py311/bin/python3", (3, 11), "/opt/py311")
PY313 = Interpreter("/opt/py313/bin/python3", (3, 13), "/opt/py313")
ALL = [PY39, PY311, PY313]


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


def test_the_newest_interpreter_settled_by_the_commit_date() -> None:
    assert choose(at("2023-06-01"), None, ALL) == Era(PY311, "2023-06-01T00:00:00Z")
    # 3.13 was out (2024-10-07) but not yet for 180 days: the commit's packages are those of 3.11's world.
    assert choose(at("2025-01-15"), None, ALL) == Era(PY311, "2025-01-15T00:00:00Z")
    assert choose(at("2025-06-01"), None, ALL).interpreter == PY313
    assert choose(at("2025-01-15"), ">=3.13", ALL) == Era(PY313, "2025-04-05T00:00:00Z")  # released, not settled


def test_an_old_commit_gets_the_oldest_interpreter_and_a_cutoff_after_its_wheels_appeared() -> None:
    era = choose(at("2015-03-01"), None, ALL)
    assert era == Era(PY39, "2021-04-03T00:00:00Z")  # 3.9 came out 2020-10-05; +180 days for its wheels


def test_requires_python_rules_out_interpreters() -> None:
    assert choose(at("2023-06-01"), ">=3.12", ALL).interpreter == PY313
    assert choose(at("2023-06-01"), "<3.10", ALL).interpreter == PY39
    assert choose(at("2023-06-01"), ">=4", ALL) is None
    assert choose(at("2023-06-01"), "not a specifier", ALL).interpreter == PY311


def test_the_present_is_not_pinned() -> None:
    assert choose(datetime.now(UTC), None, ALL) == Era(PY313)
    old = Interpreter("/opt/py38/bin/python3", (3, 8), "/opt/py38")  # below pip's floor: pinned to today for uv
    assert choose(datetime.now(UTC), "<3.9", [old, PY313]).uploaded_prior_to.startswith(
        datetime.now(UTC).date().isoformat())


def test_era_then_present_without_repeats() -> None:
    old = eras(at("2015-03-01"), EnvRecipe(), pinned=True)
    assert old[-1] == present() and len(old) == len(set(old))
    assert old[1] == later(old[0]) and old[1].interpreter == old[0].interpreter  # the era, a few months on
    assert eras(at("2015-03-01"), EnvRecipe(), pinned=False) == [present()]
    assert eras(None, EnvRecipe()) == [present()]


def test_later_is_the_same_interpreter_with_packages_of_a_few_months_on() -> None:
    assert later(Era(PY39, "2021-04-03T00:00:00Z")) == Era(PY39, "2021-07-02T00:00:00Z")
    assert later(Era(PY313)) is None  # the present has nothing later
    assert later(Era(PY313, (datetime.now(UTC).date()).isoformat() + "T00:00:00Z")) is None


def test_interpreters_found_on_this_machine_run_and_are_new_enough() -> None:
    found = interpreters()
    assert found and all(i.version >= MIN_VERSION for i in found)
    assert len({i.version for i in found}) == len(found)
    assert interpreters(["/no/such/python"]) == []


def _py310() -> Interpreter:
    found = [i for i in interpreters() if i.version == (3, 10)]
    if not found:
        pytest.skip("no Python 3.10 on this machine (pyenv or python3.10 on PATH)")
    return found[0]


def _project(root: Path, test_requirement: str, legacy: bool = False) -> Path:
    """A tiny package: PEP 621 metadata, or (`legacy`) a setup.py as before setuptools 61 (2022) read PEP 621."""
    root.mkdir()
    if legacy:
        (root / "setup.py").write_text('from setuptools import setup\n\nsetup(name="eratest", version="0.1", '
                                       f'py_modules=["eratest"], extras_require={{"test": ["{test_requirement}"]}})\n')
    else:
        (root / "pyproject.toml").write_text(
            '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n'
            '[project]\nname = "eratest"\nversion = "0.1"\n'
            f'[project.optional-dependencies]\ntest = ["{test_requirement}"]\n'
            '[tool.setuptools]\npy-modules = ["eratest"]\n')
    (root / "eratest.py").write_text("def one():\n    return 1\n")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "project")
    return root


def _frozen(frozen: tuple[str, ...], name: str) -> tuple[int, ...]:
    version = next(line.split("==")[1] for line in frozen if line.lower().startswith(f"{name}=="))
    return tuple(int(part) for part in version.split(".")[:2])


@pytest.mark.index
@pytest.mark.slow
def test_an_old_interpreter_is_built_with_uv_and_the_eras_packages(tmp_path: Path, sandbox: Sandbox) -> None:
    found = [i for i in interpreters() if i.version == (3, 8)]
    if not found or uv_path() is None:
        pytest.skip("needs Python 3.8 (pyenv or python3.8 on PATH) and uv")
    project = _project(tmp_path / "p", "pytest", legacy=True)
    era = choose(at("2019-06-01"), None, found)
    assert era == Era(found[0], "2020-04-11T00:00:00Z") and era.installer == "uv"
    result = build_env(project, detect_recipe(project), with_interpreter(sandbox, found[0]), era=era)
    assert result.ok, result.log_tail
    assert result.python.startswith("3.8.")
    assert _frozen(result.frozen, "pytest") == (5, 4)  # 5.4.1 came out 2020-03-13; 6.0 on 2020-07-28
    # Seeded as virtualenv did before 3.12 (old pytest loads its plugins through pkg_resources), and frozen with
    # the rest, so a rebuild has it too.
    assert _frozen(result.frozen, "setuptools") >= (40, 8)
    # Compiled at install, as pip would: compiling at import under `filterwarnings = error` fails on old code.
    assert list((project / ".venv").glob("lib/python3.8/site-packages/_pytest/__pycache__/*.pyc"))


@pytest.mark.index
@pytest.mark.slow
def test_an_era_build_uses_its_interpreter_and_only_packages_uploaded_before_the_cutoff(
        tmp_path: Path, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    py310 = _py310()
    project = _project(tmp_path / "p", "pytest")
    era = Era(py310, "2022-01-01T00:00:00Z")
    # Without uv, pip pins the era itself (PIP_UPLOADED_PRIOR_TO) for interpreters it runs in.
    monkeypatch.setattr(era_module, "uv_path", lambda: None)
    assert era.installer == "pip"
    result = build_env(project, detect_recipe(project), with_interpreter(sandbox, py310), era=era)
    assert result.ok, result.log_tail
    assert result.python.startswith("3.10.")
    assert _frozen(result.frozen, "pytest") <= (6, 2)  # pytest 7.0 came out 2022-02-03
    assert _frozen(result.frozen, "setuptools") <= (60, 2)  # seeded, of the era; pip's freeze lists it (`--all`)
    assert result.era == {"python": "3.10", "uploaded_prior_to": "2022-01-01T00:00:00Z"}


@pytest.mark.index
@pytest.mark.slow
def test_a_failed_era_build_falls_back_to_the_present(tmp_path: Path, sandbox: Sandbox) -> None:
    project = _project(tmp_path / "p", "pytest>=8")  # pytest 8 (2024) is not there in a 2016 commit's era
    recipe = detect_recipe(project)
    [era, after, now] = eras(at("2016-01-01"), recipe)
    assert now == present() and era.uploaded_prior_to < after.uploaded_prior_to < "2024"
    result, box = build_in_era(project, recipe, sandbox, at("2016-01-01"))
    assert result.ok, result.log_tail
    assert result.era == present().to_dict()
    assert result.failed_eras == ({**era.to_dict(), "failed_step": "install -e .[test]"},
                                  {**after.to_dict(), "failed_step": "install -e .[test]"})
    assert _frozen(result.frozen, "pytest") >= (8, 0)
    assert box is sandbox


def test_a_failed_build_names_every_era_it_tried() -> None:
    failed = EnvResult(False, failed_step="install -e .", log_tail="SyntaxError: Missing parentheses",
                       failed_eras=({"python": "3.10", "uploaded_prior_to": "2022-04-02T00:00:00Z",
                                     "failed_step": "install ."},
                                    {"python": "3.11", "uploaded_prior_to": None, "failed_step": "install -e ."}))
    assert failed.failure() == ("python 3.10 with packages until 2022-04-02T00:00:00Z: install .; "
                                "python 3.11 with packages until today: install -e .\n"
                                "SyntaxError: Missing parentheses")


@pytest.mark.index
@pytest.mark.slow
def test_an_era_whose_pytest_cannot_collect_falls_back_to_the_present(tmp_path: Path, sandbox: Sandbox) -> None:
    """The era's build succeeds, but its interpreter cannot import the suite's conftest (`tomllib` came with
    3.11): every test would look failing. Collection is tried, fails with pytest's usage error, and the present
    environment is built instead."""
    project = _project(tmp_path / "p", "pytest", legacy=True)  # setup.py: a 2021 setuptools reads no PEP 621
    (project / "conftest.py").write_text("import tomllib  # Python 3.11 and later\n")
    (project / "test_one.py").write_text("from eratest import one\n\n\ndef test_one():\n    assert one() == 1\n")
    git(project, "add", "-A")
    git(project, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "tests")
    recipe = detect_recipe(project)
    [era, _after, now] = eras(at("2021-06-01"), recipe)
    if era.interpreter.version >= (3, 11):
        pytest.skip("needs an interpreter older than 3.11 for a 2021 commit")
    result, box = build_in_era(project, recipe, sandbox, at("2021-06-01"), collect=True)
    assert result.ok, result.log_tail
    assert result.era == now.to_dict() and box is sandbox
    for failed in result.failed_eras:  # the era, and the same a few months on
        assert failed["python"] == era.to_dict()["python"]
        assert failed["failed_step"].startswith("pytest cannot collect (exit 4)") and "tomllib" in failed["failed_step"]
    assert can_collect(project, box) is None


@pytest.mark.index
@pytest.mark.slow
def test_a_plugin_that_crashes_pytest_makes_the_suite_uncollectable(tmp_path: Path, sandbox: Sandbox) -> None:
    """pytest before 7 lets a plugin's import error escape as a bare traceback (exit 1, the code a collection
    error also gets before pytest 3): the era's packages cannot run the suite, and the next era must be tried."""
    project = _project(tmp_path / "p", "pytest==6.2.5")
    assert build_env(project, detect_recipe(project), sandbox).ok
    (project / "test_one.py").write_text("import no_such_module\n")  # a module that errors: the tests' business
    assert can_collect(project, sandbox) is None
    site = next((project / ".venv").glob("lib/python3.*/site-packages"))
    (site / "brokenplug-0.1.dist-info").mkdir()
    (site / "brokenplug-0.1.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\nName: brokenplug\n"
                                                                 "Version: 0.1\n")
    (site / "brokenplug-0.1.dist-info" / "entry_points.txt").write_text("[pytest11]\nbroken = brokenplug\n")
    (site / "brokenplug.py").write_text("raise ImportError('an API its framework has removed')\n")
    why = can_collect(project, sandbox)
    assert why is not None and why.startswith("pytest cannot collect (exit 1)") and "removed" in why


@pytest.mark.index
def test_no_era_is_tried_once_the_build_budget_is_spent(tmp_path: Path, sandbox: Sandbox) -> None:
    project = _project(tmp_path / "p", "pytest>=8")  # not there in a 2016 commit's era: that build fails
    [era, after, _now] = eras(at("2016-01-01"), detect_recipe(project))
    result, box = build_in_era(project, detect_recipe(project), sandbox, at("2016-01-01"), budget_seconds=0)
    assert not result.ok and box is sandbox
    assert result.failed_eras == (
        {**era.to_dict(), "failed_step": "install -e .[test]"},
        {**after.to_dict(), "failed_step": "not tried: the build budget (0 s) was spent"})
