"""Starting the desk: `codemill review DIR` binds 127.0.0.1 by default; bound anywhere else it requires a token."""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Callable
from pathlib import Path

from codemill.review.app import LOOPBACK_HOSTS, create_app


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def serve(run_dir: Path, host: str = "127.0.0.1", port: int = 8765, token: str | None = None,
          echo: Callable[[str], None] = print) -> None:
    """Serve until interrupted. Off loopback, a token is required: the given one, else a fresh random one."""
    import uvicorn

    loopback = is_loopback(host)
    if not loopback and not token:
        token = secrets.token_urlsafe(24)
    app = create_app(run_dir, token=token, allowed_hosts=LOOPBACK_HOSTS if loopback else None)
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/" + (f"?token={token}" if token else "")
    echo(f"review desk for {Path(run_dir).resolve()} at {url}  (labels: {app.state.store.path}; Ctrl-C stops)")
    uvicorn.run(app, host=host, port=port, log_level="warning")
