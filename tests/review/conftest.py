"""Fixtures for the review desk: one real run built per session, copied per test that writes labels."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from reviewruns import build_run, copy_run


@pytest.fixture(scope="session")
def built_run(tmp_path_factory) -> Path:
    return build_run(tmp_path_factory.mktemp("review-run"))


@pytest.fixture
def run_dir(built_run: Path, tmp_path: Path) -> Path:
    """A private copy of the built run (labels and re-runs stay in this test)."""
    return copy_run(built_run, tmp_path / "run")
