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


def publish(repo: Path, served: Path, name: str) -> Path:
    """A bare copy of `repo` as `served/name`, ready for `serve(served)`."""
    served.mkdir(parents=True, exist_ok=True)
    target = served / name
    subprocess.run(["git", "clone", "-q", "--bare", str(repo), str(target)], check=True, capture_output=True)
    return target


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


class DroppingProxy:
    """A TCP proxy on loopback that forwards to `target_port` but cuts the first `drops` connections after
    `after_bytes` bytes from the server: a server that drops the connection midway through a clone."""

    def __init__(self, target_port: int, drops: int, after_bytes: int = 4096):
        import threading

        self.target_port = target_port
        self.drops_left = drops
        self.after_bytes = after_bytes
        self.connections = 0
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def url(self, name: str) -> str:
        return f"git://127.0.0.1:{self.port}/{name}"

    def _serve(self) -> None:
        import threading

        self._server.settimeout(0.2)
        while not self._stop.is_set():
            try:
                client, _ = self._server.accept()
            except TimeoutError:
                continue
            self.connections += 1
            limit = self.after_bytes if self.drops_left > 0 else None
            self.drops_left -= 1
            threading.Thread(target=self._pipe, args=(client, limit), daemon=True).start()

    def _pipe(self, client: socket.socket, limit: int | None) -> None:
        import selectors

        upstream = socket.create_connection(("127.0.0.1", self.target_port))
        sel = selectors.DefaultSelector()
        sel.register(client, selectors.EVENT_READ, upstream)
        sel.register(upstream, selectors.EVENT_READ, client)
        sent = 0
        try:
            while True:
                for key, _ in sel.select(timeout=30):
                    data = key.fileobj.recv(65536)
                    if not data:
                        return
                    if key.fileobj is upstream and limit is not None:
                        data = data[: max(0, limit - sent)]
                        sent += len(data)
                        key.data.sendall(data)
                        if sent >= limit:
                            return  # cut mid-transfer
                        continue
                    key.data.sendall(data)
        except OSError:
            return
        finally:
            for s in (client, upstream):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._server.close()
