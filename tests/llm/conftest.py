"""Fixtures for the codemill.llm tests; the fake server itself lives in llmfake.py so tests can import it."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from llmfake import FakeOpenAI, FakeTime


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    fake = FakeOpenAI()
    with fake.loop:
        yield fake


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()
