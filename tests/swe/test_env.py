from __future__ import annotations

import sys
from pathlib import Path

import pytest

from codemill.sandbox import Sandbox
from codemill.swe.env import (
    EnvRecipe,
    build_env,
    build_pins,
    detect_recipe,
    networked,
    present,
    recipe_at,
    with_cache,
)
from codemill.swe.era import Era

from gitrepo import Repo, git

PYPROJECT = """[project]
name = "calc"
version = "1.2"
requires-python = ">=3.10"
[project.optional-dependencies]
test = ["pytest", "hypothesis"]
dev = ["ruff"]
docs = ["sphinx"]
[dependency-groups]
lint = ["ruff"]
testing = ["pytest-mock", {include-group = "lint"}]
[tool.pytest.ini_options]
addopts = "-q"
"""


def test_recipe_from_pyproject_at_commit(repo: Repo) -> None:
    sha = repo.commit("init", {"pyproject.toml": PYPROJECT, "requirements.txt": "attrs\n",
                               "requirements-docs.txt": "sphinx\n", "requirements/test.txt": "coverage\n"})
    repo.commit("later", {"pyproject.toml": "[project]\nname = 'calc'\nversion = '2'\n"})
    recipe = recipe_at(repo.path, sha)
    assert recipe == detect_recipe(_checkout(repo, sha))
    assert recipe.python == ">=3.10" and recipe.package_version == "1.2"
    assert recipe.extras == ("test",)  # dev only when there is no test extra; docs never
    assert recipe.requirements == ("pytest-mock", "ruff")
    assert recipe.requirement_files == ("requirements.txt", "requirements/test.txt")
    assert recipe.pytest_configured
    assert recipe.sources == ("pyproject.toml", "requirements.txt", "requirements/test.txt")
    assert recipe.install_commands() == [["install", "-e", ".[test]"], ["install", "-r", "requirements.txt"],
                                         ["install", "-r", "requirements/test.txt"],
                                         ["install", "pytest-mock", "ruff", "pytest"]]
    assert recipe_at(repo.path, "HEAD").extras == ()


def test_minimum_version_pins_and_a_developers_everything_file_are_not_the_test_environment(repo: Repo) -> None:
    """flask's layout: tests.txt, tests-pallets-min.txt (Werkzeug 2.0.0, a compatibility floor),
    tests-pallets-dev.txt (development branches) and dev.txt (docs, linters, release tools): only the tests' file,
    and dev.txt only when there is no test file."""
    sha = repo.commit("init", {"pyproject.toml": PYPROJECT, "requirements/tests.txt": "pytest\n",
                               "requirements/tests-pallets-min.txt": "werkzeug==2.0.0\n",
                               "requirements/tests-pallets-dev.txt": "https://github.com/pallets/werkzeug/"
                                                                     "archive/main.tar.gz\n",
                               "requirements/dev.txt": "tox\nsphinx\n", "requirements/docs.txt": "sphinx\n",
                               "requirements-min.txt": "attrs==17.4\n"})
    assert recipe_at(repo.path, sha).requirement_files == ("requirements/tests.txt",)
    only_dev = repo.commit("tests.txt goes", remove=["requirements/tests.txt"])
    assert recipe_at(repo.path, only_dev).requirement_files == ("requirements/dev.txt",)


def test_recipe_from_setup_cfg_and_tox(repo: Repo) -> None:
    sha = repo.commit("init", {
        "setup.py": "from setuptools import setup\nsetup()\n",
        "setup.cfg": "[metadata]\nversion = 0.3\n[options]\npython_requires = >=3.8\n"
                     "[options.extras_require]\ntesting =\n    pytest\n    mock\n[tool:pytest]\n",
        "tox.ini": "[tox]\nenvlist = py3\n[testenv]\ndeps =\n    pytest>=7  # runner\n    -rtest-requirements.txt\n"
                   "    {env:EXTRA:}\n    -e.\n    devel: https://github.com/pallets/werkzeug/archive/main.tar.gz\n"
                   "    https://github.com/pallets/jinja/archive/master.tar.gz\n"
                   "    py38,py39: mock\n    !min: attrs>=21\ncommands = pytest\n",
        "test-requirements.txt": "freezegun\n",
    })
    recipe = recipe_at(repo.path, sha)
    assert recipe.python == ">=3.8" and recipe.package_version == "0.3"
    assert recipe.extras == ("testing",)
    assert recipe.requirements == ("pytest>=7",)  # a bare pytest is dropped: it is always installed, last
    assert recipe.requirement_files == ("test-requirements.txt",)
    assert recipe.pytest_configured
    assert recipe.sources == ("setup.cfg", "setup.py", "tox.ini", "test-requirements.txt")


def test_recipe_of_a_plain_directory(tmp_path: Path) -> None:
    (tmp_path / "test_x.py").write_text("def test_x():\n    pass\n")
    recipe = detect_recipe(tmp_path)
    assert recipe == EnvRecipe(installable=False)
    assert recipe.install_commands() == [["install", "pytest"]]


@pytest.mark.index
def test_failed_install_reports_the_step_and_log(tmp_path: Path, sandbox: Sandbox) -> None:
    (tmp_path / "requirements-test.txt").write_text("./no-such-project\n")
    result = build_env(tmp_path, detect_recipe(tmp_path), sandbox)
    assert not result.ok
    assert result.failed_step == "install -r requirements-test.txt"
    assert "no-such-project" in result.log_tail
    assert (tmp_path / ".venv" / "bin" / "python").exists()  # the venv itself was made


def _checkout(repo: Repo, sha: str) -> Path:
    out = repo.path.parent / "checkout"
    git(repo.path, "worktree", "add", "-q", "--detach", str(out), sha)
    return out


@pytest.mark.index
@pytest.mark.slow
def test_when_the_editable_install_fails_the_checkouts_source_still_comes_first(tmp_path: Path,
                                                                                 sandbox: Sandbox) -> None:
    """A src-layout package whose build refuses editable installs (as old setuptools did) is installed as a
    copy; a code patch applied to the checkout afterwards must still be what the tests import."""
    (tmp_path / "src" / "calcpkg").mkdir(parents=True)
    (tmp_path / "src" / "calcpkg" / "__init__.py").write_text("ANSWER = 1\n")
    (tmp_path / "setup.py").write_text(
        "import sys\nfrom setuptools import setup\n"
        "if any(a in sys.argv for a in ('develop', 'editable_wheel')):\n"
        "    raise SystemExit('this build cannot make editable installs')\n"
        "setup(name='calcpkg', version='0.1', packages=['calcpkg'], package_dir={'': 'src'})\n")
    result = build_env(tmp_path, detect_recipe(tmp_path), sandbox)
    assert result.ok, result.log_tail
    assert not result.editable  # a copy was installed
    assert all(" " not in r and "calcpkg" not in r for r in result.frozen)  # its local path is no requirement
    (tmp_path / "src" / "calcpkg" / "__init__.py").write_text("ANSWER = 2\n")  # the code patch
    res = sandbox.run([str(tmp_path / ".venv" / "bin" / "python"), "-c", "import calcpkg; print(calcpkg.ANSWER)"],
                      tmp_path)
    assert res.ok and res.stdout.strip() == "2", res


@pytest.mark.index
@pytest.mark.slow
def test_a_project_todays_installer_cannot_build_gets_what_it_declares_and_its_source_first(
        tmp_path: Path, sandbox: Sandbox) -> None:
    """A 2013 setup.py that today's tools cannot build (uv read flask 0.10's date-tagged version as no version at
    all): the literal `install_requires` and test extras are installed instead, and the source comes first."""
    (tmp_path / "legacy.py").write_text("import six\nANSWER = 1\n")
    (tmp_path / "setup.py").write_text(
        "import no_such_build_helper  # the build fails, as an old setup.py does under today's tools\n"
        "from setuptools import setup\n"
        "setup(name='legacy', version='0.1', py_modules=['legacy'], install_requires=['six'],\n"
        "      extras_require={'test': ['iniconfig']})\n")
    recipe = detect_recipe(tmp_path)
    assert recipe.dependencies == ("six", "iniconfig") and recipe.extras == ("test",)
    result = build_env(tmp_path, recipe, sandbox)
    assert result.ok, result.log_tail
    assert not result.editable and any(r.startswith("six==") for r in result.frozen)
    assert any(r.startswith("iniconfig==") for r in result.frozen)
    res = sandbox.run([str(tmp_path / ".venv" / "bin" / "python"), "-c", "import legacy; print(legacy.ANSWER)"],
                      tmp_path)
    assert res.ok and res.stdout.strip() == "1", res
    # Not known (computed), nothing is guessed: the build failure stands.
    (tmp_path / "setup.py").write_text("import no_such_build_helper\nfrom setuptools import setup\n"
                                       "setup(name='legacy', install_requires=open('reqs').read().split())\n")
    assert detect_recipe(tmp_path).dependencies is None
    (tmp_path / ".venv").rename(tmp_path / "old-venv")
    failed = build_env(tmp_path, detect_recipe(tmp_path), sandbox)
    assert not failed.ok and failed.failed_step == "install -e ."


@pytest.mark.index
@pytest.mark.slow
def test_a_repositorys_package_cache_serves_its_next_build_and_test_runs_never_see_it(tmp_path: Path,
                                                                                       sandbox: Sandbox) -> None:
    """The second build of the same requirements installs from the cache alone (uv offline succeeds), and a
    test run in the same sandbox can neither read nor write the cache."""
    cache = tmp_path / "cache"
    cached = with_cache(sandbox, cache)
    era = Era(present().interpreter, "2024-06-01")  # pinned: the uv installer
    for name in ("first", "second"):
        checkout = tmp_path / name
        checkout.mkdir()
        (checkout / "requirements-test.txt").write_text("iniconfig==2.0.0\n")
        box = cached if name == "first" else cached.derive(env={**cached.env, "UV_OFFLINE": "1"})
        result = build_env(checkout, detect_recipe(checkout), box, era=era)
        assert result.ok, result.log_tail
        assert "iniconfig==2.0.0" in result.frozen
    assert any((cache / "uv").rglob("iniconfig*"))  # downloaded once, into the repository's cache
    probe = ("import os, sys; p = sys.argv[1]; print(os.path.exists(p))\n"
             "try:\n    open(os.path.join(p, 'poison'), 'w')\nexcept OSError:\n    print('refused')\n")
    res = networked(cached, network=False).run([sys.executable, "-c", probe, str(cache)], tmp_path / "second")
    assert res.ok and res.stdout.split() == ["False", "refused"], res
    assert not (cache / "poison").exists()


def test_build_pins_are_the_frozen_versions_only() -> None:
    frozen = ("setuptools==40.8.0", "requests @ file:///wheels/requests-2.0-py3-none-any.whl", "-e git+https://x#egg=y",
              "pytest==2.8.7", "Flask_Login==0.6.3")
    assert build_pins(frozen) == "setuptools==40.8.0\npytest==2.8.7\nFlask_Login==0.6.3\n"
    assert build_pins(()) == ""
