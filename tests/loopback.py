"""A test HTTP server on 127.0.0.1 (a free port) in a daemon thread: what the recorded-response servers of the
GitHub, LLM and synthesis tests share. The handler reaches its test double as `self.server.owner`."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Loopback:
    def __init__(self, handler: type[BaseHTTPRequestHandler], owner: Any = None, poll: float = 0.05) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.server.owner = owner  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self.server.serve_forever, args=(poll,), daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> Loopback:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join()

    def __enter__(self) -> Loopback:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
