"""One failure-report detector for issues and the categoriser: traces of every mainstream runtime, native
crashes, and error lines; prose about errors is not one."""

from __future__ import annotations

import pytest

from codemill.categorize import change_of, decide
from codemill.tracebacks import has_traceback

REPORTS = {
    "python": 'Traceback (most recent call last):\n  File "app.py", line 3, in <module>\nKeyError: 1\n',
    "node": "TypeError: x is undefined\n    at render (src/view.js:10:5)\n",
    "jvm": 'Exception in thread "main" java.lang.NullPointerException\n    at App.main(App.java:3)\n',
    "go": "panic: runtime error: index out of range\n\ngoroutine 1 [running]:\n",
    "rust": "thread 'main' panicked at 'oops', src/main.rs:2:5\n",
    "native": "Segmentation fault (core dumped)\n",
    "asan": "==1==ERROR: AddressSanitizer: heap-use-after-free on address 0x1\n",
}


@pytest.mark.parametrize("name", REPORTS)
def test_failure_reports_are_recognised(name: str) -> None:
    assert has_traceback("Steps to reproduce:", REPORTS[name])


def test_prose_about_errors_is_not_a_report() -> None:
    assert not has_traceback("The error message could be clearer when the file is missing.", None, "")


def test_an_issue_showing_a_failure_is_debugging_for_the_categoriser_too() -> None:
    body = REPORTS["native"]
    issue = change_of(f"Crash when opening an empty file\n\n{body}", ["src/open.c"], kind="issue")
    assert decide(issue).category == "debugging"
