"""Real escapes against real bubblewrap: each must be contained and reported in the Result."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from codemill.sandbox import Limits, Result, Sandbox, SandboxUnavailable

PY = sys.executable
DEFAULT_LIMITS = Limits()
SMALL_TEST = "def test_adds():\n    assert 1 + 1 == 2\n"


def python(sandbox: Sandbox, code: str, workdir: Path, limits: Limits = DEFAULT_LIMITS) -> Result:
    return sandbox.run([PY, "-c", code], workdir, limits)


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    path = tmp_path / "work"
    path.mkdir()
    return path


def test_pytest_run_passes_inside(sandbox: Sandbox, workdir: Path) -> None:
    (workdir / "test_small.py").write_text(SMALL_TEST)
    result = sandbox.run([PY, "-m", "pytest", "-q", "-p", "no:cacheprovider"], workdir)
    assert result.ok, result
    assert "1 passed" in result.stdout


def test_failing_command_is_not_ok_and_not_killed(sandbox: Sandbox, workdir: Path) -> None:
    result = python(sandbox, "import sys; print('out'); sys.exit(3)", workdir)
    assert (result.returncode, result.killed, result.ok, result.stdout) == (3, None, False, "out\n")


def test_identity_environment_and_stdin(sandbox: Sandbox, workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_not-for-the-sandbox")
    code = "import os, sys, getpass; print(os.getuid(), getpass.getuser(), sorted(os.environ), sys.stdin.read())"
    result = Sandbox(env={"EXTRA": "1"}).run([PY, "-c", code], workdir, stdin="hello")
    assert result.ok, result
    uid, user, rest = result.stdout.split(" ", 2)
    assert (uid, user) == ("65534", "nobody")
    assert "GITHUB_TOKEN" not in rest and "'EXTRA'" in rest and rest.strip().endswith("hello")


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A service on the host's loopback that nothing should reach from the sandbox (`accept` would not block)."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        server.setblocking(False)
        yield server


def test_network_is_unreachable(sandbox: Sandbox, workdir: Path, listener: socket.socket) -> None:
    server, port = listener, listener.getsockname()[1]
    code = (
        "import socket\n"
        f"for addr in [('1.1.1.1', 53), ('127.0.0.1', {port})]:\n"
        "    try:\n"
        "        socket.create_connection(addr, timeout=3).close()\n"
        "        print('connected', addr)\n"
        "    except OSError as exc:\n"
        "        print('blocked', addr, exc)\n"
    )
    result = python(sandbox, code, workdir)
    assert result.ok, result
    assert result.stdout.count("blocked") == 2 and "connected" not in result.stdout
    with pytest.raises(BlockingIOError):
        server.accept()


def test_network_can_be_shared_on_request(workdir: Path, sandbox: Sandbox) -> None:
    """The control for the test above: the same probe does reach the loopback server with network=True."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        code = f"import socket; socket.create_connection(('127.0.0.1', {port}), timeout=3).close(); print('connected')"
        result = Sandbox(network=True).run([PY, "-c", code], workdir)
        assert result.ok and result.stdout == "connected\n", result


def test_a_build_reaches_the_package_index_and_nothing_else(workdir: Path, sandbox: Sandbox,
                                                           listener: socket.socket) -> None:
    """Builds get the index through the allow-listing proxy: the host's loopback services, a metadata address
    and any other host stay out of reach (the index itself is reached by every environment build in
    tests/swe)."""
    server, port = listener, listener.getsockname()[1]
    code = (
        "import os, socket\n"
        f"for addr in [('127.0.0.1', {port}), ('169.254.169.254', 80), ('1.1.1.1', 443)]:\n"
        "    try:\n"
        "        socket.create_connection(addr, timeout=3).close()\n"
        "        print('connected', addr)\n"
        "    except OSError as exc:\n"
        "        print('blocked', addr)\n"
        f"for target in ['127.0.0.1:{port}', 'example.com:443', 'pypi.org:80', 'localhost:443']:\n"
        "    s = socket.create_connection(('127.0.0.1', 3128), timeout=5)\n"
        "    s.sendall(f'CONNECT {target} HTTP/1.1\\r\\nHost: {target}\\r\\n\\r\\n'.encode())\n"
        "    print(target, s.recv(100).split(b'\\r\\n')[0].decode())\n"
    )
    box = Sandbox(network=True, allow_hosts=("pypi.org", "localhost"))
    result = box.run([PY, "-c", code], workdir)
    assert result.ok, result
    assert result.stdout.count("blocked") == 3 and "connected" not in result.stdout
    assert result.stdout.count("403 Forbidden") == 4  # localhost is allowed by name but resolves to loopback
    with pytest.raises(BlockingIOError):
        server.accept()


def test_writes_land_only_in_workdir(
    sandbox: Sandbox, workdir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home, sibling = tmp_path / "home", tmp_path / "sibling"
    home.mkdir()
    sibling.mkdir()
    monkeypatch.setenv("HOME", str(home))
    targets = [home / "escaped", Path("/usr/codemill-escaped"), sibling / "escaped", Path(PY).parent / "escaped"]
    code = (
        "import sys\n"
        "for target in sys.argv[1:]:\n"
        "    try:\n"
        "        open(target, 'w').write('x')\n"
        "        print('wrote', target)\n"
        "    except OSError as exc:\n"
        "        print('refused', target, type(exc).__name__)\n"
    )
    result = sandbox.run([PY, "-c", code, *map(str, targets), str(workdir / "inside")], workdir)
    assert result.ok, result
    for target in targets:
        assert not target.exists(), target
    assert "refused /usr/codemill-escaped" in result.stdout
    assert f"refused {Path(PY).parent / 'escaped'}" in result.stdout
    assert (workdir / "inside").read_text() == "x"


def test_frozen_parts_of_the_workdir_stay_read_only(sandbox: Sandbox, workdir: Path) -> None:
    (workdir / ".venv").mkdir()
    (workdir / ".venv" / "site.py").write_text("original\n")
    code = (
        "import sys\n"
        "for target in sys.argv[1:]:\n"
        "    try:\n"
        "        open(target, 'w').write('poisoned')\n"
        "        print('wrote', target)\n"
        "    except OSError as exc:\n"
        "        print('refused', target, type(exc).__name__)\n"
    )
    frozen = sandbox.derive(frozen=[".venv", "absent"])
    result = frozen.run([PY, "-c", code, ".venv/site.py", ".venv/new.py", "src.py"], workdir)
    assert result.ok, result
    assert (workdir / ".venv" / "site.py").read_text() == "original\n"
    assert not (workdir / ".venv" / "new.py").exists()
    assert (workdir / "src.py").read_text() == "poisoned"
    assert "refused .venv/site.py" in result.stdout and "wrote src.py" in result.stdout


def test_secrets_are_not_readable(
    sandbox: Sandbox, workdir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "s3cret-value-9f2c"
    home = tmp_path / "home"
    home.mkdir()
    (home / ".codemill-test-secret").write_text(secret)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("SECRET_TOKEN", secret)
    code = (
        "import glob, os, sys\n"
        "print(dict(os.environ))\n"
        # Every process the sandbox can see, bwrap itself (pid 1 of its namespace) included.
        "for path in glob.glob('/proc/[0-9]*/environ'):\n"
        "    try:\n"
        "        print(path, open(path, 'rb').read().decode(errors='replace'))\n"
        "    except OSError as exc:\n"
        "        print('hidden', path, type(exc).__name__)\n"
        "for path in [sys.argv[1], os.path.expanduser('~/.codemill-test-secret'), '/etc/shadow']:\n"
        "    try:\n"
        "        print(open(path).read())\n"
        "    except OSError as exc:\n"
        "        print('unreadable', path, type(exc).__name__)\n"
    )
    result = sandbox.run([PY, "-c", code, str(home / ".codemill-test-secret")], workdir)
    assert result.ok, result
    assert secret not in result.stdout + result.stderr
    assert result.stdout.count("unreadable") == 3


def test_fork_bomb_is_contained(sandbox: Sandbox, workdir: Path) -> None:
    """Every process forks forever and none exits, so only the limits can stop it (a bash `:|:&` bomb would
    end by itself here: its shells exit, and bwrap tears the namespace down when the main one does)."""
    marker = f"codemill-forkbomb-{os.getpid()}"
    bomb = (
        "import os, sys, time\n"
        "while True:\n"
        "    try:\n"
        "        os.fork()\n"
        "    except OSError as exc:\n"
        "        print(exc, file=sys.stderr, flush=True)\n"
        "        time.sleep(0.05)\n"
    )
    limits = Limits(processes=64, wall_seconds=4, output_bytes=100_000)
    result = sandbox.run([PY, "-c", bomb, marker], workdir, limits)
    assert not result.ok
    assert result.killed in ("wall", "output"), result.killed
    assert "Resource temporarily unavailable" in result.stderr  # held by the process limit, not only the clock
    assert not _processes_with(marker), "fork bomb processes survived the sandbox"
    host = subprocess.run(["true"], timeout=30)  # the host still forks and runs things
    assert host.returncode == 0


def test_memory_bomb_is_killed_for_memory(sandbox: Sandbox, workdir: Path) -> None:
    result = python(sandbox, "blob = bytearray(10 * 1024**3)", workdir, Limits(memory_mb=512))
    assert result.killed == "memory", result
    assert "MemoryError" in result.stderr


def test_runaway_output_is_capped(sandbox: Sandbox, workdir: Path) -> None:
    code = "import sys\nwhile True:\n    print('x' * 1000)\n    print('e' * 100, file=sys.stderr)\n"
    result = python(sandbox, code, workdir, Limits(output_bytes=20_000))
    assert result.killed == "output" and result.returncode is None
    assert 0 < len(result.stdout.encode()) + len(result.stderr.encode()) <= 20_000


def test_sleep_forever_is_killed_for_wall_time(sandbox: Sandbox, workdir: Path) -> None:
    result = python(sandbox, "import time; print('started', flush=True); time.sleep(10_000)", workdir,
                    Limits(wall_seconds=2))
    assert (result.killed, result.returncode, result.stdout) == ("wall", None, "started\n")


def test_cpu_spin_is_killed_for_cpu(sandbox: Sandbox, workdir: Path) -> None:
    result = python(sandbox, "while True:\n    pass\n", workdir, Limits(cpu_seconds=1, wall_seconds=60))
    assert result.killed == "cpu", result


def test_file_size_limit_stops_large_writes(sandbox: Sandbox, workdir: Path) -> None:
    code = "open('big', 'wb').write(b'x' * (3 * 1024 * 1024))"
    result = python(sandbox, code, workdir, Limits(file_size_mb=1))
    assert not result.ok
    assert (workdir / "big").stat().st_size <= 1024 * 1024


def test_many_small_files_hit_the_disk_quota(sandbox: Sandbox, workdir: Path) -> None:
    """Each file is under the per-file limit; together they pass the work directory's quota and the run is
    killed for disk, at most a second of writing past it."""
    code = ("import os\nos.makedirs('spam', exist_ok=True)\nfor i in range(100000):\n"
            "    open(f'spam/{i}', 'wb').write(b'x' * 65536)\n")
    result = python(sandbox, code, workdir, Limits(file_size_mb=1, disk_mb=8, wall_seconds=60))
    assert result.killed == "disk"
    written = sum(f.stat().st_size for f in (workdir / "spam").iterdir())
    assert 8 * 1024 * 1024 < written < 2 * 1024**3


def test_the_private_tmp_is_capped(sandbox: Sandbox, workdir: Path) -> None:
    """/tmp is memory: it holds no more than `tmp_mb` (by default the run's memory limit)."""
    code = ("import errno\nwritten = 0\ntry:\n    with open('/tmp/fill', 'wb') as f:\n"
            "        for _ in range(64):\n            f.write(b'x' * (1 << 20))\n            f.flush()\n"
            "            written += 1\nexcept OSError as e:\n    print('full', e.errno == errno.ENOSPC, written)\n")
    result = python(sandbox, code, workdir, Limits(tmp_mb=8, file_size_mb=256))
    assert result.ok and result.stdout.startswith("full True"), result
    assert int(result.stdout.split()[-1]) <= 8


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


def test_unsafe_mode_enforces_cpu_wall_and_output(workdir: Path) -> None:
    unsafe = Sandbox(mode="unsafe-subprocess")
    assert python(unsafe, "while True:\n    pass\n", workdir, Limits(cpu_seconds=1)).killed == "cpu"
    slept = python(unsafe, "import time; time.sleep(10_000)", workdir, Limits(wall_seconds=2))
    assert (slept.killed, slept.returncode) == ("wall", None)
    flood = python(unsafe, "while True:\n    print('x' * 1000)\n", workdir, Limits(output_bytes=5000))
    assert flood.killed == "output" and len(flood.stdout.encode()) <= 5000


def _processes_with(marker: str) -> list[int]:
    """Pids whose command line contains `marker`, waiting briefly for the kernel to finish reaping."""
    for _ in range(50):
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit() and entry.name != str(os.getpid()):
                try:
                    if marker.encode() in (entry / "cmdline").read_bytes():
                        found.append(int(entry.name))
                except OSError:
                    continue
        if not found:
            return []
        time.sleep(0.1)
    return found
