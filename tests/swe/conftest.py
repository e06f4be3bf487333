from __future__ import annotations

import os

import pytest

from codemill.sandbox import Sandbox, available


@pytest.fixture(scope="session")
def sandbox() -> Sandbox:
    """The real bwrap sandbox; skipped where bwrap cannot run, but a failure on CI, where it must."""
    ok, why = available()
    if not ok:
        if os.environ.get("CI"):
            pytest.fail(f"bubblewrap must work on CI: {why}")
        pytest.skip(why)
    return Sandbox()
