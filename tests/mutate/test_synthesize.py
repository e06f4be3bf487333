"""Outcomes from real pytest runs, and bug synthesis end to end on a small real project."""

from __future__ import annotations

import contextlib
from functools import partial
from pathlib import Path

import pytest

from codemill.mutate import (
    TestOutcome,
    classify,
    covered_functions,
    problem_statement,
    pytest_outcomes,
    run_pytest,
    synthesize,
)

MODULE = '''\
def clamp(value, low, high):
    if value < low:
        return low
    if value > high:
        return high
    return value


def paginate(items, page, size):
    if page < 1:
        raise ValueError("page must be >= 1")
    start = (page - 1) * size
    return items[start:start + size]


def parse_pair(text):
    key, sep, value = text.partition("=")
    if not sep:
        raise ValueError(f"missing '=' in {text!r}")
    return key.strip(), value.strip()
'''

TESTS = '''\
import pytest

from textutil import clamp, paginate, parse_pair


def test_clamp_inside():
    assert clamp(5, 0, 10) == 5


def test_clamp_outside():
    assert clamp(-3, 0, 10) == 0
    assert clamp(42, 0, 10) == 10


def test_first_page():
    assert paginate(list(range(10)), 1, 3) == [0, 1, 2]


def test_later_page():
    assert paginate(list(range(10)), 4, 3) == [9]


def test_bad_page():
    with pytest.raises(ValueError):
        paginate([1], 0, 3)


def test_parse_pair():
    assert parse_pair(" a = 1 ") == ("a", "1")
'''

RUNNER = partial(run_pytest, timeout=60)


def _project(root: Path, module: str = MODULE, tests: str = TESTS) -> Path:
    (root / "tests").mkdir(parents=True)
    (root / "textutil.py").write_text(module)
    (root / "tests" / "test_textutil.py").write_text(tests)
    return root


def _snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_run_pytest_reports_each_status(tmp_path: Path) -> None:
    tests = (
        "import pytest\n\n"
        "def test_ok():\n    assert 1\n\n"
        "def test_bad():\n    assert [1, 2] == [1, 3], 'lists differ'\n\n"
        "@pytest.fixture\ndef broken():\n    raise RuntimeError('fixture down')\n\n"
        "def test_err(broken):\n    pass\n\n"
        "@pytest.mark.skip(reason='later')\ndef test_skip():\n    pass\n\n"
        "class TestGroup:\n    @pytest.mark.parametrize('n', [1, 2])\n    def test_n(self, n):\n        assert n == 1\n"
    )
    outcome = run_pytest(_project(tmp_path, tests=tests), timeout=60)
    assert outcome.error is None
    f = "tests/test_textutil.py"
    assert outcome.results == {f"{f}::test_ok": "passed", f"{f}::test_bad": "failed", f"{f}::test_err": "error",
                               f"{f}::test_skip": "skipped", f"{f}::TestGroup::test_n[1]": "passed",
                               f"{f}::TestGroup::test_n[2]": "failed"}
    assert "lists differ" in outcome.details[f"{f}::test_bad"]
    assert "fixture down" in outcome.details[f"{f}::test_err"]
    assert not list(tmp_path.rglob("__pycache__"))  # the run leaves the project clean


@pytest.mark.slow
def test_pytest_outcomes_without_root_and_run_errors(tmp_path: Path) -> None:
    xml = ('<testsuites><testsuite name="pytest"><testcase classname="tests.test_a.TestX" name="test_y"/>'
           '<testcase classname="tests.test_a" name="test_z"><failure message="boom">E   boom</failure>'
           '<error message="teardown">E   td</error></testcase></testsuite></testsuites>')
    outcome = pytest_outcomes(xml)
    # failed in its call, errored in teardown: an error, as SWE-bench grades it
    assert outcome.results == {"tests.test_a.TestX::test_y": "passed", "tests.test_a::test_z": "error"}
    assert outcome.details["tests.test_a::test_z"] == "E   boom\nE   td"
    broken = _project(tmp_path / "b", tests="import nonexistent_module\n\ndef test_a():\n    pass\n")
    assert run_pytest(broken, timeout=60).error == "pytest exited with 2"  # collection error
    slow = _project(tmp_path / "s", tests="import time\n\ndef test_slow():\n    time.sleep(30)\n")
    assert run_pytest(slow, timeout=2).error == "timed out after 2s"


def test_covered_functions_is_static_and_follows_calls(tmp_path: Path) -> None:
    module = MODULE + "\n\ndef _helper(x):\n    return x\n\n\ndef unused(x):\n    return parse_pair(x)\n"
    module = module.replace("    return key.strip(), value.strip()", "    return _helper(key.strip()), value.strip()")
    project = _project(tmp_path, module=module)
    assert covered_functions(project, "textutil.py") == ["clamp", "paginate", "parse_pair", "_helper"]
    assert covered_functions(project, "textutil.py", names=["unused", "nope"]) == ["unused"]


@pytest.mark.slow
def test_synthesize_finds_bugs_with_exact_fail_to_pass(tmp_path: Path) -> None:
    project = _project(tmp_path)
    before = _snapshot(project)
    bugs = synthesize(project, "textutil.py", runner=RUNNER, max_per_function=10)
    assert _snapshot(project) == before  # bytes and mtimes restored after every mutant
    assert bugs.reason is None and len(bugs) >= 6 and bugs.rejected["no_effect"] > 0
    f = "tests/test_textutil.py::"
    all_tests = {f + t for t in ("test_clamp_inside", "test_clamp_outside", "test_first_page", "test_later_page",
                                 "test_bad_page", "test_parse_pair")}
    by_change = {(b.mutation.original_snippet, b.mutation.mutated_snippet): b for b in bugs}
    for bug in bugs:
        assert bug.fail_to_pass and bug.pass_to_pass
        assert set(bug.fail_to_pass) | set(bug.pass_to_pass) == all_tests
        assert not set(bug.fail_to_pass) & set(bug.pass_to_pass)
    # equivalent mutant: `value < low` -> `value <= low` returns `low` either way, so it is never kept
    assert ("if value < low:", "if value <= low:") not in by_change
    guard = by_change[('if page < 1:\n    raise ValueError("page must be >= 1")', "")]
    assert guard.fail_to_pass == (f + "test_bad_page",)
    wrong = by_change[("return value", "return low")]
    assert wrong.fail_to_pass == (f + "test_clamp_inside",)
    assert {b.mutation.kind for b in bugs} >= {"flip_comparison", "remove_guard", "wrong_return", "off_by_one"}

    text = problem_statement(wrong)
    assert "`tests/test_textutil.py::test_clamp_inside` fails: expected 5, got 0" in text
    assert "return low" not in text and "5 others still pass" in text
    raised = problem_statement(guard)
    assert "expected ValueError to be raised, but nothing was raised" in raised
    for bug in bugs:
        statement = problem_statement(bug)
        for line in bug.mutation.mutated_snippet.splitlines():
            assert line.strip() not in statement


def test_synthesize_rejects_mutants_that_break_everything(tmp_path: Path) -> None:
    module = "def norm(text):\n    if not text:\n        return ''\n    return text.strip().lower()\n"
    tests = ("from textutil import norm\n\n"
             "def test_norm():\n    assert norm(' A ') == 'a'\n\n"
             "def test_norm_again():\n    assert norm('B') == 'b'\n")
    project = _project(tmp_path, module=module, tests=tests)
    bugs = synthesize(project, "textutil.py", runner=RUNNER)
    assert list(bugs) == [] and bugs.rejected["breaks_all"] >= 1 and bugs.reason is None


def test_synthesize_needs_a_green_baseline_and_restores_on_errors(tmp_path: Path) -> None:
    project = _project(tmp_path, tests=TESTS.replace("== [9]", "== [8]"))
    bugs = synthesize(project, "textutil.py", runner=RUNNER)
    assert list(bugs) == [] and bugs.reason is not None and "test_later_page" in bugs.reason

    fine = _project(tmp_path / "ok")
    before = _snapshot(fine)
    calls = 0

    def crashing_runner(root: Path) -> TestOutcome:
        nonlocal calls
        calls += 1
        if calls == 2:  # the first mutant run
            assert (root / "textutil.py").read_bytes() != before["textutil.py"][0]
            raise KeyboardInterrupt
        return run_pytest(root, timeout=60)

    with contextlib.suppress(KeyboardInterrupt):
        synthesize(fine, "textutil.py", runner=crashing_runner)
    assert calls == 2 and _snapshot(fine) == before


def test_classify() -> None:
    base = TestOutcome({"a": "passed", "b": "passed", "c": "skipped"})
    assert classify(base, TestOutcome({"a": "failed", "b": "passed", "c": "skipped"})) == ("kept", ("a",), ("b",))
    assert classify(base, base)[0] == "no_effect"
    assert classify(base, TestOutcome({"a": "failed", "b": "failed", "c": "skipped"}))[0] == "breaks_all"
    assert classify(base, TestOutcome({"a": "error", "b": "passed", "c": "skipped"}))[0] == "collateral"
    assert classify(base, TestOutcome({"a": "failed", "b": "passed", "c": "passed"}))[0] == "collateral"
    assert classify(base, TestOutcome({"a": "failed", "b": "passed"}))[0] == "collateral"
    assert classify(base, TestOutcome({}, error="timed out after 2s"))[0] == "run_error"
