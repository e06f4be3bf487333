"""Network for environment builds without the host's network: an allow-listing CONNECT proxy on a Unix socket.

A build installs packages, so it needs the package index; it must reach nothing else: not the host's loopback
services, not a cloud metadata address, not the internet at large. The sandbox then gets a network namespace of
its own (loopback only, no route out) and one way out: a Unix socket bound into it, behind which this proxy
tunnels `CONNECT host:443` to the allowed index hosts only, resolving names on the host and refusing any that
resolve to a loopback or link-local address. Inside, `forward.py` listens on the sandbox's own loopback and
relays to the socket, so pip and uv use it as an ordinary `HTTPS_PROXY`.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import os
import socket
import threading
from collections.abc import Iterable
from pathlib import Path

from codemill.sandbox.forward import relay

log = logging.getLogger(__name__)
INDEX_HOSTS = ("pypi.org", "files.pythonhosted.org")  # the Python package index and its file host
_MAX_HEADER = 16 * 1024


class AllowListProxy:
    """A CONNECT-only proxy on a Unix socket, tunnelling to `allowed` hosts on port 443; a thread per tunnel."""

    def __init__(self, socket_path: Path, allowed: Iterable[str] = INDEX_HOSTS) -> None:
        self.path = Path(socket_path)
        self.allowed = frozenset(h.lower() for h in allowed)
        self.refused: list[str] = []  # what was asked for and refused, for the build log
        self._server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._server.bind(str(self.path))
        os.chmod(self.path, 0o777)  # the sandbox's user is another uid
        self._server.listen(64)
        self._thread = threading.Thread(target=self._serve, daemon=True, name="codemill-proxy")
        self._thread.start()

    def __enter__(self) -> AllowListProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._server.shutdown(socket.SHUT_RDWR)
        self._server.close()
        self.path.unlink(missing_ok=True)

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            threading.Thread(target=self._tunnel, args=(client,), daemon=True).start()

    def _tunnel(self, client: socket.socket) -> None:
        with client, contextlib.suppress(OSError):  # a client gone mid-way ends its tunnel, nothing else
            head = _read_head(client)
            target = self._target(head)
            if isinstance(target, str):
                self.refused.append(target)
                client.sendall(f"HTTP/1.1 403 Forbidden\r\ncontent-length: {len(target)}\r\n\r\n{target}".encode())
                return
            try:
                upstream = socket.create_connection(target, timeout=30)
            except OSError as e:
                client.sendall(f"HTTP/1.1 502 Bad Gateway\r\n\r\n{e}".encode())
                return
            with upstream:
                upstream.settimeout(None)
                client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                relay(client, upstream)

    def _target(self, head: bytes) -> tuple[str, int] | str:
        """(address, port) to tunnel to, or why not."""
        line = head.split(b"\r\n", 1)[0].decode("latin-1")
        method, _, rest = line.partition(" ")
        hostport = rest.split(" ", 1)[0]
        host, _, port = hostport.rpartition(":")
        host = host.strip("[]").lower()
        if method != "CONNECT" or port != "443" or host not in self.allowed:
            return f"only CONNECT to {', '.join(sorted(self.allowed))} on 443 is allowed, not {line[:200]}"
        try:
            infos = socket.getaddrinfo(host, 443, type=socket.SOCK_STREAM)
        except OSError as e:
            return f"{host} does not resolve: {e}"
        for *_rest, addr in infos:
            ip = ipaddress.ip_address(addr[0])
            if not (ip.is_loopback or ip.is_link_local or ip.is_unspecified or ip.is_multicast):
                return addr[0], 443
        return f"{host} resolves only to local addresses"


def _read_head(conn: socket.socket) -> bytes:
    data = b""
    conn.settimeout(30)
    while b"\r\n\r\n" not in data and len(data) < _MAX_HEADER:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    conn.settimeout(None)
    return data
