"""A loopback HTTP server playing api.github.com from recorded responses (see data/SOURCES.md)."""

from __future__ import annotations

import gzip
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from loopback import Loopback

DATA = Path(__file__).parent / "data"


@dataclass
class Reply:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Route:
    """A resource: served with its ETag (and 304 for a matching If-None-Match) after any scripted replies."""

    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    before: list[Reply] = field(default_factory=list)


@dataclass
class FakeGitHub:
    base: str
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[tuple[str, Message]] = field(default_factory=list)

    def add(self, path: str, body: bytes | str, **kw) -> Route:
        route = Route(body.encode() if isinstance(body, str) else body, **kw)
        self.routes[path] = route
        return route

    def paths(self) -> list[str]:
        return [p for p, _ in self.requests]


def recorded(name: str) -> bytes:
    return (DATA / "rest" / name).read_bytes()


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    state = FakeGitHub(base="")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.requests.append((self.path, self.headers))  # case-insensitive, as HTTP headers are
            route = state.routes.get(self.path)
            if route is None:
                reply = Reply(404, recorded("error-404.json"))
            elif route.before:
                reply = route.before.pop(0)
            elif route.etag and self.headers.get("If-None-Match") == route.etag:
                reply = Reply(304, headers={"ETag": route.etag})
            else:
                headers = {**route.headers, **({"ETag": route.etag} if route.etag else {})}
                reply = Reply(200, route.body, headers)
            self.send_response(reply.status)
            for k, v in reply.headers.items():
                self.send_header(k, v.replace("{base}", state.base))
            if reply.status != 304:
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            if reply.status != 304:
                self.wfile.write(reply.body)

        def log_message(self, *args) -> None:
            pass

    with Loopback(Handler, state) as loop:
        state.base = loop.base
        yield state


@pytest.fixture
def dumps(tmp_path: Path) -> Path:
    """The recorded hours gzipped under their GH Archive names (`2024-09-17-15.json.gz`)."""
    out = tmp_path / "gharchive"
    out.mkdir()
    for src in sorted((DATA / "archive").glob("*.json")):
        with src.open("rb") as fin, gzip.open(out / f"{src.name}.gz", "wb") as fout:
            shutil.copyfileobj(fin, fout)
    return out
