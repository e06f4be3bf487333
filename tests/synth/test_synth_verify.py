"""Verification: the static checks name what is wrong, and the sandbox keeps only answers whose tests all pass."""

from __future__ import annotations

from codemill.sandbox import Limits, Sandbox
from codemill.synth import Parsed, static_check, verify

LIMITS = Limits(cpu_seconds=10, wall_seconds=20, memory_mb=1024, processes=64, output_bytes=200_000)
SOLUTION = "def clamp(x, lo, hi):\n    return max(lo, min(x, hi))\n"
TESTS = ("from solution import clamp\n\n\ndef test_inside():\n    assert clamp(5, 0, 10) == 5\n\n\n"
         "class TestEdges:\n    def test_low(self):\n        assert clamp(-1, 0, 10) == 0\n")


def parsed(solution: str = SOLUTION, tests: str = TESTS) -> Parsed:
    return Parsed("Write clamp.", solution, tests)


def test_static_checks():
    assert static_check(parsed()).reason is None and static_check(parsed()).n_tests == 2
    bad = static_check(parsed(solution="def clamp(x, lo, hi)\n    return x\n"))
    assert bad.reason == "syntax_error" and bad.detail.startswith("solution line 1")
    assert static_check(parsed(tests="from solution import clamp\n\nassert clamp(1, 0, 2) == 1\n")).reason == \
        "no_tests"
    assert static_check(parsed(tests="def test_nothing():\n    assert True\n")).reason == "tests_ignore_solution"
    assert static_check(parsed(tests="import solution\n\ndef test_x():\n    assert solution.clamp(1, 0, 2) == 1\n")
                        ).reason is None


def test_passing_and_failing_answers_in_the_sandbox(sandbox: Sandbox):
    ok = verify(parsed(), sandbox=sandbox, limits=LIMITS)
    assert ok.reason is None and ok.pass_fraction == 1.0 and ok.n_tests == 2
    wrong = verify(parsed(solution="def clamp(x, lo, hi):\n    return x\n"), sandbox=sandbox, limits=LIMITS)
    assert wrong.reason == "tests_failed" and wrong.pass_fraction == 0.5 and wrong.detail == "pass fraction 0.500"
    crash = verify(parsed(solution="raise SystemExit(3)\n"), sandbox=sandbox, limits=LIMITS)
    assert crash.reason == "tests_failed" and crash.pass_fraction == 0.0
