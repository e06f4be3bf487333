"""Tests signal: was the change made together with tests?

A change that edits code and its tests at once states its own intent twice: the test is a specification of the
new behaviour, and the authors of such commits tend to make deliberate, reviewed changes. Scores:

- 1.0  code and tests changed together;
- 0.6  tests only (a test added for existing behaviour: useful, but the response is not an implementation);
- 0.5  neither code nor tests (documentation, configuration): the signal does not apply, so it is neutral;
- 0.4  code only: the common case, weak evidence against.

A file counts as a test by its path (the conventions of Python, JavaScript/TypeScript, Go, Rust, Java/Kotlin,
C/C++, Ruby) or, for code files, when its added lines define a test (Rust's `#[test]` in a `mod tests`,
`def test_`, `func TestX(`, `@Test`, gtest's `TEST(`, Jest's `it(`/`test(`), since some languages keep tests
beside the code.

Hook for a later stage: `tests_passed` (None = not run) moves the score once the change's tests are run: a
change whose tests fail is a bad example whatever else it has (x0.3), one whose tests pass gains 0.25.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from codemill.paths import is_test_path

if TYPE_CHECKING:
    from codemill.quality.coherence import FileChange

# Added lines that define a test inside an ordinary source file.
_TEST_DEFINITION = re.compile(
    r"^\+\s*(?:#\[(?:cfg\()?test\)?\]|#\[tokio::test|def test_\w+|async def test_\w+|func (?:Test|Benchmark)\w*\("
    r"|@(?:Test|ParameterizedTest)\b|TEST(?:_F|_P)?\(|(?:it|test|describe)\(['\"`])",
    re.M)

CODE_EXTENSIONS = frozenset(re.findall(r"\S+", """
py pyi pyx js mjs cjs jsx ts mts cts tsx go rs java kt kts scala groovy c h cc cpp cxx hpp hh hxx cs rb php swift m mm
lua pl pm r jl dart ex exs erl hs ml mli clj cljs elm vue svelte sh bash zsh ps1 sql zig nim v f90 cu proto
"""))

TESTS_AND_CODE, TESTS_ONLY, NOT_APPLICABLE, CODE_ONLY = 1.0, 0.6, 0.5, 0.4


@lru_cache(maxsize=8192)  # asked of the same paths for every pair
def is_code_path(path: str) -> bool:
    return PurePosixPath(path).suffix.lower().lstrip(".") in CODE_EXTENSIONS


def defines_tests(diff: str | None) -> bool:
    """The patch adds a test definition (for tests kept in the same file as the code)."""
    return bool(diff) and bool(_TEST_DEFINITION.search(diff or ""))


def _path_diff(f: FileChange | Mapping[str, Any]) -> tuple[str, str | None]:
    return (f["path"], f.get("diff")) if isinstance(f, Mapping) else (f.path, f.diff)


def tests_signal(files: Sequence[FileChange | Mapping[str, Any]], tests_passed: bool | None = None) -> float:
    """Evidence, from the changed paths (and patches), that the change came with tests; see the module docstring."""
    tests = code = False
    for f in files:
        path, diff = _path_diff(f)
        if is_test_path(path):
            tests = True
        elif is_code_path(path):
            code = True
            tests = tests or defines_tests(diff)
    score = {(True, True): TESTS_AND_CODE, (True, False): CODE_ONLY,
             (False, True): TESTS_ONLY, (False, False): NOT_APPLICABLE}[code, tests]
    if tests_passed is True:
        return min(1.0, score + 0.25)
    if tests_passed is False:
        return score * 0.3
    return score
