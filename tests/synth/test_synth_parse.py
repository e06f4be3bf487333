"""Answers to problem, solution and tests: the layouts models write, and the answers that must not parse."""

from __future__ import annotations

from codemill.synth import Parsed, ParseError, parse_answer
from codemill.synth.parse import sections

SOLUTION = "def add(a, b):\n    return a + b\n"
TESTS = "from solution import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n"


def answer(problem_head: str = "### Problem", solution_head: str = "### Solution", tests_head: str = "### Tests",
           tests: str = TESTS) -> str:
    return (f"{problem_head}\nWrite `add(a, b)` returning the sum.\n\n{solution_head}\n```python\n{SOLUTION}```\n\n"
            f"{tests_head}\n```python\n{tests}```\n")


def test_the_requested_layout():
    parsed = parse_answer(answer())
    assert parsed == Parsed("Write `add(a, b)` returning the sum.", SOLUTION, TESTS)


def test_other_heading_styles_count():
    for heads in (("## Problem:", "## Solution:", "## Tests:"), ("**Problem**", "**Solution**", "**Tests**"),
                  ("Problem:", "Solution:", "Tests:"), ("### 1. Problem Statement", "### 2. Solution",
                                                        "### 3. Unit Tests")):
        parsed = parse_answer(answer(*heads))
        assert isinstance(parsed, Parsed), heads
        assert parsed.solution == SOLUTION and parsed.tests == TESTS


def test_the_problem_keeps_its_code_and_a_comment_is_not_a_heading():
    text = ("### Problem\nThis raises:\n\n```python\ndef mean(xs):\n    return sum(xs) / len(xs)\n```\n\n"
            "```\nZeroDivisionError: division by zero\n```\nFix `mean` for empty input.\n\n"
            "### Solution\n```python\n# Tests are below\ndef mean(xs):\n    return sum(xs) / len(xs) if xs else 0.0\n"
            "```\n\n### Tests\n```python\nfrom solution import mean\n\n\ndef test_empty():\n"
            "    assert mean([]) == 0.0\n```\n")
    parsed = parse_answer(text)
    assert isinstance(parsed, Parsed)
    assert "ZeroDivisionError" in parsed.problem and "```python" in parsed.problem
    assert parsed.solution.startswith("# Tests are below\n") and "def test_empty" in parsed.tests
    assert set(sections(text)) == {"problem", "solution", "tests"}


def test_tests_inside_the_solution_section_and_split_test_blocks():
    inline = ("### Problem\nWrite add.\n\n### Solution\n```python\n" + SOLUTION + "```\n\n```python\n" + TESTS
              + "```\n")
    assert parse_answer(inline) == Parsed("Write add.", SOLUTION, TESTS)
    split = answer(tests="from solution import add\n```\n\n```python\ndef test_add():\n    assert add(1, 1) == 2\n")
    parsed = parse_answer(split)
    assert isinstance(parsed, Parsed) and parsed.tests.startswith("from solution import add\n\ndef test_add")


def test_the_last_solution_block_wins():
    text = answer().replace("### Solution\n", "### Solution\nA first try:\n```python\ndef add(a, b):\n    pass\n```\n"
                            "The final module:\n")
    assert parse_answer(text).solution == SOLUTION  # type: ignore[union-attr]


def test_missing_parts_are_parse_errors():
    no_problem = answer().replace("### Problem\nWrite `add(a, b)` returning the sum.\n\n", "")
    assert parse_answer(no_problem) == ParseError("no Problem section")
    assert isinstance(parse_answer("Sure! Here is a function:\n```python\n" + SOLUTION + "```\n"), ParseError)
    cut = answer()[: answer().rindex("```")]  # the tests' fence never closes: a truncated answer
    assert parse_answer(cut) == ParseError("no closed Python block in the Tests section")
    no_code = "### Problem\nWrite add.\n\n### Solution\nJust add them.\n\n### Tests\n```python\n" + TESTS + "```\n"
    assert parse_answer(no_code) == ParseError("no closed Python block in the Solution section")
    placeholder = answer().replace("Write `add(a, b)` returning the sum.", "<The task statement, naming the function>")
    assert parse_answer(placeholder) == ParseError("the Problem section is a template placeholder, not a task")
