"""The sandbox runs commands and reports how they ended; the escape probes are in tests/security."""

from __future__ import annotations

import logging
import socket
from pathlib import Path

import pytest

from codemill.sandbox import Limits, Sandbox, SandboxUnavailable

from sandboxed import PY, python

SMALL_TEST = "def test_adds():\n    assert 1 + 1 == 2\n"


def test_pytest_run_passes_inside(sandbox: Sandbox, workdir: Path) -> None:
    (workdir / "test_small.py").write_text(SMALL_TEST)
    result = sandbox.run([PY, "-m", "pytest", "-q", "-p", "no:cacheprovider"], workdir)
    assert result.ok, result
    assert "1 passed" in result.stdout


def test_failing_command_is_not_ok_and_not_killed(sandbox: Sandbox, workdir: Path) -> None:
    result = python(sandbox, "import sys; print('out'); sys.exit(3)", workdir)
    assert (result.returncode, result.killed, result.ok, result.stdout) == (3, None, False, "out\n")


def test_network_can_be_shared_on_request(workdir: Path, sandbox: Sandbox) -> None:
    """The control for the test above: the same probe does reach the loopback server with network=True."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        code = f"import socket; socket.create_connection(('127.0.0.1', {port}), timeout=3).close(); print('connected')"
        result = Sandbox(network=True).run([PY, "-c", code], workdir)
        assert result.ok and result.stdout == "connected\n", result


def test_missing_bwrap_raises_with_reason() -> None:
    with pytest.raises(SandboxUnavailable, match=r"/nonexistent/bwrap.*not found.*unsafe-subprocess"):
        Sandbox(bwrap_path="/nonexistent/bwrap")


def test_unsafe_mode_warns_and_runs_pytest(workdir: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="codemill.sandbox"):
        unsafe = Sandbox(mode="unsafe-subprocess")
    assert "unsafe-subprocess" in caplog.text
    (workdir / "test_small.py").write_text(SMALL_TEST)
    result = unsafe.run([PY, "-m", "pytest", "-q", "-p", "no:cacheprovider"], workdir)
    assert result.ok, result
    assert "1 passed" in result.stdout


@pytest.mark.slow
def test_unsafe_mode_enforces_cpu_wall_and_output(workdir: Path) -> None:
    unsafe = Sandbox(mode="unsafe-subprocess")
    assert python(unsafe, "while True:\n    pass\n", workdir, Limits(cpu_seconds=1)).killed == "cpu"
    slept = python(unsafe, "import time; time.sleep(10_000)", workdir, Limits(wall_seconds=2))
    assert (slept.killed, slept.returncode) == ("wall", None)
    flood = python(unsafe, "while True:\n    print('x' * 1000)\n", workdir, Limits(output_bytes=5000))
    assert flood.killed == "output" and len(flood.stdout.encode()) <= 5000
