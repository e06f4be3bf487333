"""Changes written for Python 2: told apart by syntax alone, before an environment is built for them.

No interpreter codemill builds with (3.7 and newer) runs a `print "x"` or an `except E, e:`; a 2010 commit of a
project that later moved to Python 3 is therefore not a candidate, however well its tests are written. The
change's own Python files are parsed at the commit (and its setup.py, which every install runs); a syntax error
whose message names a construct Python 3 removed marks the change. Any other syntax error (a file that was broken
then, or uses syntax newer than codemill's interpreter) is left to the verifier to report.
"""

from __future__ import annotations

import ast
import re
import warnings
from collections.abc import Iterable

import pygit2

# What CPython 3.10+ says of Python 2's syntax: print and exec statements, `except E, e`, octal `0777`, and
# indentation that mixes tabs and spaces ambiguously (Python 2 read a tab as eight spaces).
_PY2_MESSAGES = ("Missing parentheses in call to", "multiple exception types must be parenthesized",
                 "leading zeros in decimal integer literals", "inconsistent use of tabs and spaces")
# A cheap look for those statements first: most files have none, and parsing every file a candidate touches
# would make planning slow on a long history.
_PY2_HINT = re.compile(rb"^[ \t]*(?:print|exec)[ \t]+[\"'\w][^\n]*$(?<![:,(\[{\\])"
                       rb"|^[ \t]*except[ \t]+[\w.]+[ \t]*,[ \t]*\w+[ \t]*:", re.MULTILINE)
MAX_BYTES = 1_000_000  # a larger "Python" file is data; parsing it would only cost time


def python2_syntax(source: bytes, name: str = "<file>") -> str | None:
    """`name:line: message` when `source` is Python 2 only, else None (valid Python 3, or broken otherwise)."""
    if not _PY2_HINT.search(source):
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences and the like: warnings, not Python 2
            ast.parse(source, name)
    except SyntaxError as exc:  # TabError is one
        if any(m in (exc.msg or "") for m in _PY2_MESSAGES):
            return f"{name}:{exc.lineno}: {exc.msg}"
    except (ValueError, RecursionError, MemoryError):  # null bytes; pathological nesting
        return None
    return None


def python2_change(repo: pygit2.Repository, commit: str, paths: Iterable[str]) -> str | None:
    """Why the change at `commit` (touching `paths`) is Python 2 only, or None: its own `.py` files and the
    repository's setup.py, as of the commit."""
    tree = repo.revparse_single(commit).peel(pygit2.Commit).tree
    for path in sorted({p for p in paths if p.endswith(".py")} | {"setup.py"}):
        try:
            blob = tree[path]
        except KeyError:  # deleted by the change, or no setup.py
            continue
        if isinstance(obj := repo[blob.id], pygit2.Blob) and obj.size <= MAX_BYTES \
                and (why := python2_syntax(obj.data, path)) is not None:
            return why
    return None
