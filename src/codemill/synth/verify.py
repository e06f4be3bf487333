"""Whether a parsed answer is a verified example: its tests exist, use `solution`, and all pass in the sandbox.

Static checks come first, so the sandbox only runs answers that could pass: both files must compile
(`syntax_error`), the tests must define at least one `test_` function (`no_tests`) and import the module
`solution` (`tests_ignore_solution`: tests that never touch the solution verify nothing). Then
`codemill.rewards.pass_fraction` runs pytest in the sandbox: the answer is kept only at 1.0, which also means at
least one test ran (`tests_failed` otherwise, with the fraction). A verdict's `reason` is None when it passed.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from codemill.rewards import SOLUTION_MODULE, pass_fraction
from codemill.sandbox import Limits, Sandbox
from codemill.synth.parse import Parsed


@dataclass(frozen=True)
class Verdict:
    reason: str | None  # None: verified
    detail: str | None = None
    pass_fraction: float | None = None  # None when the tests were not run
    n_tests: int = 0  # test functions defined (parametrized cases count once)


def test_functions(tree: ast.Module) -> list[str]:
    """Names of the tests pytest would collect by default: module-level `test*` functions and `test*` methods
    of `Test*` classes."""
    names = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test"):
            names.append(node.name)
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            names += [f"{node.name}.{n.name}" for n in node.body
                      if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name.startswith("test")]
    return names


def imports_solution(tree: ast.Module) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == SOLUTION_MODULE and not node.level:
            return True
        if isinstance(node, ast.Import) and any(a.name == SOLUTION_MODULE for a in node.names):
            return True
    return False


def static_check(parsed: Parsed) -> Verdict:
    """Everything that can be judged without running code."""
    trees = {}
    for name, code in (("solution", parsed.solution), ("tests", parsed.tests)):
        try:
            trees[name] = ast.parse(code, f"{name}.py")
        except (SyntaxError, ValueError) as err:
            where = f" line {err.lineno}" if isinstance(err, SyntaxError) and err.lineno else ""
            return Verdict("syntax_error", f"{name}{where}: {err.msg if isinstance(err, SyntaxError) else err}")
    tests = test_functions(trees["tests"])
    if not tests:
        return Verdict("no_tests", "the tests define no test_ function")
    if not imports_solution(trees["tests"]):
        return Verdict("tests_ignore_solution", "the tests never import the solution module", n_tests=len(tests))
    return Verdict(None, n_tests=len(tests))


def verify(parsed: Parsed, *, sandbox: Sandbox, limits: Limits) -> Verdict:
    """The static checks, then the tests against the solution in the sandbox."""
    static = static_check(parsed)
    if static.reason is not None:
        return static
    fraction = pass_fraction(parsed.solution, parsed.tests, limits=limits, sandbox=sandbox)
    if fraction < 1.0:
        return Verdict("tests_failed", f"pass fraction {fraction:.3f}", fraction, static.n_tests)
    return Verdict(None, None, fraction, static.n_tests)
