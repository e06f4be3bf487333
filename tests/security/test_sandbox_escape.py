"""Real escapes against real bubblewrap: each must be contained and reported in the Result (the table in
docs/security.md lists what each one tries and what stops it)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from codemill.sandbox import Limits, Sandbox
from codemill.sandbox.bwrap import python_paths, supports

from sandboxed import PY, python


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


@pytest.mark.index
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



def test_an_overlay_is_this_runs_own_read_only_file(sandbox: Sandbox, workdir: Path, tmp_path: Path) -> None:
    """Runs sharing a workdir each see their own version of a file (`rl.workspace` replicas): the overlay is
    what the run reads at that path, cannot be written through, and the shared original is never touched."""
    (workdir / "pkg").mkdir()
    (workdir / "pkg" / "mod.py").write_text("VALUE = 'original'\n")
    mine = tmp_path / "mine.py"
    mine.write_text("VALUE = 'mine'\n")
    code = ("import sys; sys.path.insert(0, 'pkg'); import mod; print(mod.VALUE)\n"
            "for target in ('pkg/mod.py', 'pkg/other.py'):\n"
            "    try:\n        open(target, 'w').write('x')\n        print('wrote', target)\n"
            "    except OSError:\n        print('refused', target)\n")
    box = sandbox.derive(frozen=["."], overlays={"pkg/mod.py": mine})
    result = box.run([PY, "-c", code], workdir)
    assert result.ok, result
    assert result.stdout.split() == ["mine", "refused", "pkg/mod.py", "refused", "pkg/other.py"]
    assert (workdir / "pkg" / "mod.py").read_text() == "VALUE = 'original'\n"
    assert mine.read_text() == "VALUE = 'mine'\n" and not (workdir / "pkg" / "other.py").exists()
    # The original, for a run without the overlay; a target that is not a file of the workdir, a path out of
    # it, and a sandbox that cannot give a private view are refused before anything runs.
    assert sandbox.derive(frozen=["."]).run([PY, "-c", code], workdir).stdout.split()[0] == "original"
    with pytest.raises(FileNotFoundError):
        sandbox.derive(overlays={"pkg/absent.py": mine}).run([PY, "-c", "pass"], workdir)
    with pytest.raises(ValueError, match="relative path"):
        sandbox.derive(overlays={"../escape.py": mine})
    with pytest.raises(ValueError, match="need bwrap"):
        Sandbox(mode="unsafe-subprocess", overlays={"pkg/mod.py": mine})

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
        "import glob, json, os, sys\n"
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
        "print('/root', json.dumps(sorted(os.listdir('/root')) if os.path.isdir('/root') else []))\n"
    )
    result = sandbox.run([PY, "-c", code, str(home / ".codemill-test-secret")], workdir)
    assert result.ok, result
    assert secret not in result.stdout + result.stderr
    assert result.stdout.count("unreadable") == 3
    # Under /root, at most the way to an interpreter installed there (pyenv), bound read-only to run Python.
    interpreters = {Path(p).parts[2] for p in python_paths() if Path(p).is_relative_to("/root")}
    [root] = [line for line in result.stdout.splitlines() if line.startswith("/root ")]
    assert set(json.loads(root.split(" ", 1)[1])) <= interpreters


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


def test_the_run_directory_is_out_of_sight(sandbox: Sandbox, workdir: Path, tmp_path: Path) -> None:
    """The run directory (every artifact, the dedup ledger, the labels) is not bound: it cannot be read, listed
    or written from inside, even by its exact path."""
    run = tmp_path / "run"
    (run / "pairs").mkdir(parents=True)
    (run / "pairs" / "part-00000.parquet").write_bytes(b"PAR1 kept pairs")
    code = (
        "import os, sys\n"
        "run = sys.argv[1]\n"
        "for attempt in (lambda: os.listdir(run), lambda: open(run + '/pairs/part-00000.parquet', 'rb').read(),\n"
        "                lambda: open(run + '/pairs/forged.parquet', 'wb').write(b'x')):\n"
        "    try:\n"
        "        print('reached', attempt())\n"
        "    except OSError as exc:\n"
        "        print('refused', type(exc).__name__)\n"
    )
    result = sandbox.run([PY, "-c", code, str(run)], workdir)
    assert result.ok, result
    assert result.stdout.count("refused") == 3 and "reached" not in result.stdout
    assert sorted(p.name for p in (run / "pairs").iterdir()) == ["part-00000.parquet"]


@pytest.mark.slow
def test_a_process_that_outlives_the_run_is_killed(sandbox: Sandbox, workdir: Path) -> None:
    """A daemon (double fork, new session) that would write after the run returns: the sandbox's pid namespace
    ends with the run, and it with it."""
    marker = f"codemill-daemon-{os.getpid()}"
    code = (
        "import os, sys, time\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        "        time.sleep(1.5)\n"
        "        open('late', 'w').write('written after the run')\n"
        "    os._exit(0)\n"
        "print('parent done', flush=True)\n"
    )
    result = sandbox.run([PY, "-c", code, marker], workdir)
    assert result.ok and result.stdout == "parent done\n", result
    time.sleep(3)
    assert not (workdir / "late").exists()
    assert not _processes_with(marker)


def test_nested_namespaces_are_refused(sandbox: Sandbox, workdir: Path) -> None:
    """No user, mount or network namespace can be made inside, nor a nested bubblewrap: the kernel surface they
    open (the root of many privilege escalations) stays shut."""
    if not supports("bwrap", "--disable-userns"):
        pytest.skip("this bubblewrap predates --disable-userns (0.8)")
    code = (
        "import ctypes, os, subprocess\n"
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        "for name, flag in [('user', 0x10000000), ('mount', 0x00020000), ('net', 0x40000000)]:\n"
        "    pid = os.fork()\n"
        "    if pid == 0:\n"
        "        print(name, 'made' if libc.unshare(flag) == 0 else 'refused', flush=True)\n"
        "        os._exit(0)\n"
        "    os.waitpid(pid, 0)\n"
        "nested = subprocess.run(['bwrap', '--ro-bind', '/', '/', 'true'], capture_output=True)\n"
        "print('bwrap', 'made' if nested.returncode == 0 else 'refused')\n"
    )
    result = python(sandbox, code, workdir)
    assert result.ok, result
    assert result.stdout.count("refused") == 4 and "made" not in result.stdout, result.stdout


def test_device_files_hold_nothing_of_the_host(sandbox: Sandbox, workdir: Path) -> None:
    """/dev is a fresh minimal one: no disks, memory or kernel log to open."""
    code = (
        "import json, os\n"
        "print(json.dumps(os.listdir('/dev')))\n"
        "for dev in ['/dev/mem', '/dev/kmem', '/dev/port', '/dev/kmsg', '/dev/sda', '/dev/vda', '/dev/nvme0n1',\n"
        "            '/dev/loop0', '/dev/fuse', '/dev/kvm']:\n"
        "    try:\n"
        "        open(dev, 'rb').close()\n"
        "        print('opened', dev)\n"
        "    except OSError:\n"
        "        print('refused', dev)\n"
    )
    result = python(sandbox, code, workdir)
    assert result.ok, result
    listed = json.loads(result.stdout.splitlines()[0])
    assert set(listed) <= {"core", "fd", "full", "null", "ptmx", "pts", "random", "shm", "stderr", "stdin", "stdout",
                           "tty", "urandom", "zero"}
    assert result.stdout.count("refused") == 10 and "opened" not in result.stdout
