"""Starting the desk: `codemill review DIR` binds 127.0.0.1 by default; bound anywhere else it requires a token."""

from __future__ import annotations

import ipaddress
import secrets
import socket
from collections.abc import Callable
from pathlib import Path

from codemill.review.app import LOOPBACK_HOSTS, create_app
from codemill.review.data import ReviewError


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def listen(host: str, port: int) -> socket.socket:
    """The listening socket, bound before anything is printed or created: a busy port is one clear error, not a
    printed address that never answers and a labels database left behind."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError as e:
        sock.close()
        raise ReviewError(f"cannot listen on {host}:{port}: {e.strerror or e}; pick another with --port") from e
    return sock


def serve(run_dir: Path, host: str = "127.0.0.1", port: int = 8765, token: str | None = None,
          echo: Callable[[str], None] = print) -> None:
    """Serve until interrupted. Off loopback, a token is required: the given one, else a fresh random one."""
    import uvicorn

    loopback = is_loopback(host)
    if not loopback and not token:
        token = secrets.token_urlsafe(24)
    sock = listen(host, port)
    app = create_app(run_dir, token=token, allowed_hosts=LOOPBACK_HOSTS if loopback else None)
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/" + (f"?token={token}" if token else "")
    echo(f"review desk for {Path(run_dir).resolve()} at {url}  (labels: {app.state.store.path}; Ctrl-C stops)")
    with sock:
        uvicorn.Server(uvicorn.Config(app, log_level="warning")).run(sockets=[sock])
