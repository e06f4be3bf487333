"""Recorded answers of a real model, served on loopback: an OpenAI-compatible endpoint that replays them.

A recording (`recordings/*.json`) is one exchange as `record.py` saw it through its proxy: the request body the
client sent, the HTTP status and the complete response body the real server returned. The replay server answers a
request whose body is byte-for-byte the same JSON (keys sorted) with the recorded body; any other request gets a
404 and is listed in `unmatched`, so a test fails loudly when the prompts drift from the recordings.
`fail_with` answers every request with one recorded error instead (a real server error, for the drop path), and
`also` answers chosen requests with another request's recording (a model repeating an answer, for deduplication).
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from loopback import Loopback

RECORDINGS = Path(__file__).parent / "recordings"


def body_key(body: dict[str, Any]) -> str:
    """What a recording is matched by: every field of the request body, canonically serialised."""
    blob = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


@dataclass
class Recording:
    request: dict[str, Any]
    status: int
    response: dict[str, Any]
    name: str = ""


def load_recordings(folder: Path = RECORDINGS) -> dict[str, Recording]:
    out = {}
    for path in sorted(folder.glob("*.json")):
        d = json.loads(path.read_text(encoding="utf-8"))
        out[body_key(d["request"])] = Recording(d["request"], d["status"], d["response"], path.name)
    return out


@dataclass
class ReplayServer:
    recordings: dict[str, Recording] = field(default_factory=load_recordings)
    fail_with: Recording | None = None
    also: dict[str, Recording] = field(default_factory=dict)  # body key -> the recording to answer it with
    requests: list[dict[str, Any]] = field(default_factory=list)
    unmatched: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.lock = threading.Lock()
        self.loop = Loopback(_Handler, self)

    @property
    def url(self) -> str:
        return f"{self.loop.base}/v1"

    @property
    def hits(self) -> int:
        with self.lock:
            return len(self.requests)

    def __enter__(self) -> ReplayServer:
        self.loop.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.loop.stop()

    def answer(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            self.requests.append(body)
            if self.fail_with is not None:
                return self.fail_with.status, self.fail_with.response
            rec = self.also.get(body_key(body)) or self.recordings.get(body_key(body))
            if rec is None:
                self.unmatched.append(body)
                return 404, {"error": {"message": "no recording for this request", "type": "not_found"}}
            return rec.status, rec.response


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        replay: ReplayServer = self.server.owner  # type: ignore[attr-defined]
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        status, body = replay.answer(json.loads(raw))
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
