"""Collects the outcome of each consumer check (`record` in test_consumers.py) into `.venv/consumers/results.json`,
which tests/consumers/table.py turns into docs/consumers.md."""

from __future__ import annotations

import json
from collections.abc import Generator
from typing import Any

import pytest

from venvs import DEFAULT_HOME

RESULTS = DEFAULT_HOME / "results.json"
_outcomes: dict[tuple[str, str], dict[str, Any]] = {}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Generator[None, Any, Any]:
    report = yield
    cell = dict(item.user_properties).get("consumer")
    if cell is not None and (report.when == "call" or report.failed):
        consumer, output = cell
        _outcomes[(consumer, output)] = {"consumer": consumer, "output": output, "test": item.nodeid,
                                         "passed": report.passed,
                                         "why": "" if report.passed else str(report.longrepr)[-3000:]}
    return report


def pytest_sessionfinish(session: pytest.Session) -> None:
    if _outcomes:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(sorted(_outcomes.values(), key=lambda o: (o["consumer"], o["output"])),
                                      indent=1) + "\n", encoding="utf-8")
