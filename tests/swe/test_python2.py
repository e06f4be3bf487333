"""Python 2 only changes are told apart by their syntax, without false alarms on Python 3 code that mentions
`print` in prose or uses syntax Python 2 lacked."""

from __future__ import annotations

import pygit2

from codemill.swe.python2 import python2_change, python2_syntax

from gitrepo import Repo


def test_python2_statements_are_named_with_file_and_line() -> None:
    assert python2_syntax(b'import os\n\nprint "hello", os.sep\n', "hello.py") == (
        "hello.py:3: Missing parentheses in call to 'print'. Did you mean print(...)?")
    assert python2_syntax(b"try:\n    pass\nexcept ValueError, e:\n    pass\n", "x.py").startswith(
        "x.py:3: multiple exception types must be parenthesized")
    assert python2_syntax(b'exec "x = 1"\n', "x.py").startswith("x.py:1: Missing parentheses in call to 'exec'")


def test_python3_code_and_other_syntax_errors_are_not_python2() -> None:
    prose = b'def f():\n    """Usage:\n\n    print the pages, then\n    exec the report\n    """\n    print("ok")\n'
    assert python2_syntax(prose) is None
    assert python2_syntax(b"match x:\n    case 1:\n        pass\nasync def f():\n    await g()\n") is None
    assert python2_syntax(b"def broken(:\n    print 'never reached'\n") is None  # broken, not Python 2
    assert python2_syntax(b"x = '\\d'\n") is None  # an invalid escape is a warning, not Python 2
    assert python2_syntax(b"\x00print 'x'\n") is None  # null bytes: not source at all


def test_a_change_is_python2_by_its_own_files_or_its_setup_py(tmp_path) -> None:
    repo = Repo(tmp_path / "r")
    ok = repo.commit("Python 3", {"setup.py": "from setuptools import setup\nsetup()\n", "pkg.py": "x = 1\n"})
    old = repo.commit("A Python 2 script", {"tools/report.py": "print 'report'\n"})
    later = repo.commit("Python 3 again", {"pkg.py": "x = 2\n"})
    legacy = repo.commit("setup.py of Python 2", {"setup.py": "print 'building'\nfrom setuptools import setup\n"})
    git = pygit2.Repository(str(repo.path))
    assert python2_change(git, ok, ["setup.py", "pkg.py"]) is None
    assert python2_change(git, old, ["tools/report.py"]).startswith("tools/report.py:1: Missing parentheses")
    # The old script is still in the tree, but this change does not touch it.
    assert python2_change(git, later, ["pkg.py", "gone.py", "README"]) is None
    assert python2_change(git, legacy, ["pkg.py"]).startswith("setup.py:1: Missing parentheses")
