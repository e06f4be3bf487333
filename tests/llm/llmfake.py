"""A loopback OpenAI-compatible server for the client tests: real HTTP, scripted replies, recorded requests."""

from __future__ import annotations

import copy
import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from loopback import Loopback

DATA = Path(__file__).parent / "data"


def fixture_json(name: str) -> dict[str, Any]:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


@dataclass
class Reply:
    """One scripted answer: a JSON body (dict) or raw bytes, with status and headers; `drop` closes the socket
    without answering; `delay_s` holds the answer back (to trip the client's timeout)."""

    status: int = 200
    body: dict[str, Any] | bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    drop: bool = False


class FakeOpenAI:
    """Serves `/v1/chat/completions`. Scripted replies are used first, then `default` (the code-generation
    fixture with the last user message echoed into it, so tests can check which answer went where)."""

    def __init__(self) -> None:
        self.script: deque[Reply] = deque()
        self.requests: list[dict[str, Any]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.hold_for_overlap = 0  # when > 0, each request waits (bounded) until another is in flight
        self.cond = threading.Condition()
        self.loop = Loopback(_Handler, self, poll=0.02)

    @property
    def url(self) -> str:
        return f"{self.loop.base}/v1"

    @property
    def hits(self) -> int:
        with self.cond:
            return len(self.requests)

    def default(self, request: dict[str, Any]) -> Reply:
        body = copy.deepcopy(fixture_json("codegen_completion.json"))
        last = request["body"]["messages"][-1]["content"]
        if "TOO LONG" in last:
            return Reply(400, fixture_json("error_400_context.json"))
        body["id"] = f"chatcmpl-{len(self.requests)}"
        body["choices"][0]["message"]["content"] = f"echo: {last}\n\n" + body["choices"][0]["message"]["content"]
        return Reply(body=body)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        fake: FakeOpenAI = self.server.owner  # type: ignore[attr-defined]
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        request = {"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()},
                   "body": json.loads(raw)}
        with fake.cond:
            fake.requests.append(request)
            reply = fake.script.popleft() if fake.script else fake.default(request)
            fake.in_flight += 1
            fake.max_in_flight = max(fake.max_in_flight, fake.in_flight)
            fake.cond.notify_all()
            if fake.hold_for_overlap:
                fake.cond.wait_for(lambda: fake.in_flight >= 2 or len(fake.requests) >= fake.hold_for_overlap,
                                   timeout=5)
        try:
            if reply.delay_s:
                threading.Event().wait(reply.delay_s)
            if reply.drop:
                self.close_connection = True
                return
            data = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for k, v in reply.headers.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            self.close_connection = True  # the client gave up (timeout) before the answer
        finally:
            with fake.cond:
                fake.in_flight -= 1
                fake.cond.notify_all()


class FakeTime:
    """Injected clock and sleep: sleeping advances the clock instantly and is recorded."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def clock(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.now += seconds
