"""One writer per remote run directory: a lease object taken with S3's conditional writes.

A local run directory is held by `flock`, which the kernel drops when its holder dies. Object stores have no
such lock, so the writer creates `.codemill.lease` with `If-None-Match: *` (exactly one creator wins) and renews
it with `If-Match` on its own ETag from a background thread; a renewal that fails means another run took the
lease over, and the next commit stops this run (`check`). A lease is taken over (again with `If-Match`, so two
contenders cannot both win) when it expired (`LEASE_SECONDS` without a renewal: its holder died or lost the
network) or when its holder is a process of this host that no longer exists (a run killed here resumes at once).
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import threading
import time
from typing import Any

from codemill.engine.lock import RunLocked
from codemill.engine.store import LEASE_FILE, RemoteRun

LEASE_SECONDS = 300.0
RENEW_EVERY = 60.0


class Lease:
    def __init__(self, remote: RemoteRun, seconds: float = LEASE_SECONDS):
        self.remote = remote
        self.seconds = seconds
        self.bucket, _, prefix = remote.root.partition("/")
        self.key = f"{prefix}/{LEASE_FILE}"
        self.token = secrets.token_hex(8)
        self._etag: str | None = None
        self._lost = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _body(self) -> bytes:
        return json.dumps({"token": self.token, "host": socket.gethostname(), "pid": os.getpid(),
                           "expires": time.time() + self.seconds}).encode()

    def _put(self, **condition: str) -> str:
        r = self.remote.fs.call_s3("put_object", Bucket=self.bucket, Key=self.key, Body=self._body(), **condition)
        return str(r["ETag"])

    def __enter__(self) -> Lease:
        try:
            self._etag = self._put(IfNoneMatch="*")
        except FileExistsError:
            self._take_over()
        self._thread = threading.Thread(target=self._renew, name="codemill-lease", daemon=True)
        self._thread.start()
        return self

    def _take_over(self) -> None:
        head: Any = self.remote.fs.call_s3("head_object", Bucket=self.bucket, Key=self.key)  # ETag before body:
        try:  # a renewal in between makes the take-over below fail, never succeed on a stale read
            holder = json.loads(self.remote.fs.cat_file(f"{self.bucket}/{self.key}"))
        except (FileNotFoundError, ValueError):
            holder = {}
        if not _stale(holder):
            raise RunLocked(f"{self.remote.url} is leased by another run (host {holder.get('host')}, pid "
                            f"{holder.get('pid')}) until {time.ctime(float(holder.get('expires', 0)))}") from None
        try:
            self._etag = self._put(IfMatch=head["ETag"])
        except OSError:
            raise RunLocked(f"{self.remote.url}: another run took over the stale lease first") from None

    def _renew(self) -> None:
        while not self._stop.wait(RENEW_EVERY):
            try:
                self._etag = self._put(IfMatch=self._etag or "")
            except OSError:
                self._lost = True
                return

    def check(self) -> None:
        """Raise `RunLocked` if another run took the lease over: this run must commit nothing more."""
        if self._lost:
            raise RunLocked(f"{self.remote.url}: the run lease was lost (renewals failed; another run may hold "
                            "it now); nothing more is committed")

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if not self._lost:
            self.remote.fs.call_s3("delete_object", Bucket=self.bucket, Key=self.key)


def _stale(holder: dict) -> bool:
    """An expired lease, or one a process of this host holds that is gone."""
    if float(holder.get("expires", 0)) < time.time():
        return True
    if holder.get("host") != socket.gethostname():
        return False
    try:
        os.kill(int(holder.get("pid", 0)), 0)
    except ProcessLookupError:
        return True
    except (PermissionError, ValueError):
        return False
    return False
