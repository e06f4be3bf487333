"""A TCP proxy in front of a `git daemon` that fails some connections the way real networks do: closed at once,
cut mid-transfer, or stalled (accepted, then silent until the client gives up).

The fate of a connection is drawn from a seeded RNG keyed by the repository it asks for and how many times that
repository was asked for, so it does not depend on which clones happen to run concurrently. Two rules make the
outcome exact rather than statistical, so a test can assert it:

- a repository never fails more than `max_failures_in_row` times in a row (set it to codemill's
  `clone_retries`): retries alone must get every healthy repository;
- a `doomed` repository fails every time, the same way every time (closed, or stalled), so it must end up
  quarantined with the same reason on every run.
"""

from __future__ import annotations

import contextlib
import enum
import random
import selectors
import socket
import threading
from collections import Counter
from dataclasses import dataclass, field


class Fate(enum.Enum):
    PASS = "pass"
    CLOSE = "close"  # read the request, close without a word
    CUT = "cut"  # forward, then close after some bytes of the server's answer
    STALL = "stall"  # read the request, send nothing, hold the connection until the client closes it


@dataclass(frozen=True)
class Odds:
    """The chance of each failure per connection (10% in all by default)."""

    close: float = 0.04
    cut: float = 0.03
    stall: float = 0.03

    def draw(self, rng: random.Random) -> Fate:
        x = rng.random()
        for fate, p in ((Fate.CLOSE, self.close), (Fate.CUT, self.cut), (Fate.STALL, self.stall)):
            if x < p:
                return fate
            x -= p
        return Fate.PASS


@dataclass
class Ledger:
    """What the proxy did: per repository, the fates of its connections in order."""

    fates: dict[str, list[Fate]] = field(default_factory=dict)
    cuts_made: int = 0  # CUT connections that really were cut (the answer was longer than the limit)

    def counts(self) -> Counter[Fate]:
        return Counter(f for fs in self.fates.values() for f in fs)


def requested_repo(first: bytes) -> str | None:
    """The repository path of a git:// request (`git-upload-pack /fleet/repo-0001\\0host=…`), without the
    leading slash or `.git`; None if `first` is not a whole request pkt-line."""
    if len(first) < 4:
        return None
    try:
        size = int(first[:4], 16)
    except ValueError:
        return None
    if len(first) < size:
        return None
    command = first[4:size].split(b"\0", 1)[0].decode(errors="replace")
    _, _, path = command.partition(" ")
    return path.strip("/").removesuffix(".git") or None


def hang_up(conn: socket.socket) -> None:
    """Close our side and wait for the client to close its own: closing outright resets the connection when the
    client's bytes arrive after it, and git then says "Connection reset by peer" instead of "Could not read from
    remote repository." (one time in a few hundred), which would make a doomed repository's reason vary."""
    conn.shutdown(socket.SHUT_WR)
    conn.settimeout(30)
    while conn.recv(65536):
        pass


class FlakyProxy:
    """Forwards loopback connections to `target_port`, failing some as `Odds` and `doomed` say."""

    def __init__(self, target_port: int, seed: int = 0, odds: Odds = Odds(), max_failures_in_row: int = 2,
                 doomed: dict[str, Fate] | None = None):
        self.target_port = target_port
        self.seed = seed
        self.odds = odds
        self.max_failures_in_row = max_failures_in_row
        self.doomed = dict(doomed or {})
        self.ledger = Ledger()
        self._lock = threading.Lock()
        self._in_row: Counter[str] = Counter()
        self._open: set[socket.socket] = set()
        self._server = socket.create_server(("127.0.0.1", 0), backlog=128)
        self.port = self._server.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def url(self, name: str) -> str:
        return f"git://127.0.0.1:{self.port}/{name}"

    @property
    def connections(self) -> int:
        with self._lock:
            return sum(len(fs) for fs in self.ledger.fates.values())

    def fate(self, repo: str) -> tuple[Fate, random.Random]:
        """The fate of the next connection for `repo`, and the RNG that shapes it (where a cut falls)."""
        with self._lock:
            n = len(self.ledger.fates.setdefault(repo, []))
            rng = random.Random(f"{self.seed}:{repo}:{n}")
            fate = self.doomed.get(repo) or self.odds.draw(rng)
            if fate is not Fate.PASS and repo not in self.doomed and self._in_row[repo] >= self.max_failures_in_row:
                fate = Fate.PASS
            self._in_row[repo] = 0 if fate is Fate.PASS else self._in_row[repo] + 1
            self.ledger.fates[repo].append(fate)
            return fate, rng

    def _accept(self) -> None:
        self._server.settimeout(0.2)
        while not self._stop.is_set():
            try:
                client, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._handle, args=(client,), daemon=True).start()

    def _track(self, *socks: socket.socket) -> None:
        with self._lock:
            self._open.update(socks)

    def _handle(self, client: socket.socket) -> None:
        self._track(client)
        upstream: socket.socket | None = None
        try:
            first = self._read_request(client)
            repo = requested_repo(first)
            if repo is None:
                return
            fate, rng = self.fate(repo)
            if fate is Fate.CLOSE:
                hang_up(client)
                return
            if fate is Fate.STALL:
                while client.recv(65536):  # silent until git is killed by its timeout (or the proxy closes)
                    pass
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            self._track(upstream)
            upstream.sendall(first)
            limit = rng.randint(16, 512) if fate is Fate.CUT else None  # a small repository sends ~2 KiB
            if self._pipe(client, upstream, limit):
                with self._lock:
                    self.ledger.cuts_made += 1
        except OSError:
            return
        finally:
            for s in (client, upstream):
                if s is not None:
                    with contextlib.suppress(OSError):
                        s.shutdown(socket.SHUT_RDWR)
                    s.close()
                    with self._lock:
                        self._open.discard(s)

    @staticmethod
    def _read_request(client: socket.socket) -> bytes:
        """The client's first pkt-line (git:// sends its request before the server says anything)."""
        client.settimeout(30)
        data = b""
        while requested_repo(data) is None and len(data) < 65536:
            chunk = client.recv(4096)
            if not chunk:
                break
            data += chunk
        client.settimeout(None)
        return data

    @staticmethod
    def _pipe(client: socket.socket, upstream: socket.socket, limit: int | None) -> bool:
        """Copy both ways until either side closes; True if the server's answer was cut at `limit` bytes."""
        sel = selectors.DefaultSelector()
        sel.register(client, selectors.EVENT_READ, upstream)
        sel.register(upstream, selectors.EVENT_READ, client)
        sent = 0
        while True:
            for key, _ in sel.select(timeout=60):
                src: socket.socket = key.fileobj  # type: ignore[assignment]
                data = src.recv(65536)
                if not data:
                    return False
                if src is upstream and limit is not None:
                    data = data[: max(0, limit - sent)]
                    sent += len(data)
                    key.data.sendall(data)
                    if sent >= limit:
                        return True
                    continue
                key.data.sendall(data)

    def close(self) -> None:
        """Stop accepting and close every open connection, stalled ones too (a stalled git then sees EOF)."""
        self._stop.set()
        self._thread.join(timeout=5)
        self._server.close()
        with self._lock:
            live = list(self._open)
        for s in live:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
