"""A real `git daemon` on loopback, serving a folder of bare repositories over the git protocol."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"git daemon exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"git daemon did not listen on port {port}")


@dataclass
class Daemon:
    proc: subprocess.Popen
    port: int
    base: Path
    head: str

    def url(self, name: str) -> str:
        return f"git://127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        """Kill the daemon's whole process group: `git daemon` runs git-daemon as a child process."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        # The listening git-daemon is a child of `git`: wait until it is gone and the port refuses.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
            except OSError:
                return
            time.sleep(0.02)
        raise RuntimeError(f"git daemon still listens on port {self.port}")


@contextlib.contextmanager
def serve(base: Path, head: str = "") -> Iterator[Daemon]:
    """Serve every repository under `base` until the block ends; the daemon's whole group is killed then."""
    port = free_port()
    proc = subprocess.Popen(
        ["git", "daemon", "--export-all", f"--base-path={base}", "--reuseaddr", "--listen=127.0.0.1",
         f"--port={port}", str(base)],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    d = Daemon(proc, port, base, head)
    try:
        wait_for_port(port, proc)
        yield d
    finally:
        d.stop()
