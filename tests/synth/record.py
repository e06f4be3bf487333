"""Record a real model's answers for the `synth` tests: run the test scenario through a recording proxy.

    python tests/synth/llmserver.py -- python tests/synth/record.py [--out tests/synth/recordings]

(`llmserver.py` starts the model server and sets CODEMILL_LLM_URL; `--upstream URL` names another server.) A
loopback proxy forwards every request to the server unchanged and stores the request body, the status and the
complete response body as the server returned them, one JSON file per request; a request already recorded is
answered from its file (llama.cpp does not always repeat itself even at temperature 0), so recording with a
larger `--cap` only adds the new requests. The scenario of
`synthscenario.py` runs once, and one over-long request records the server's real context-window error. The
tests replay these files (`synthreplay.py`); re-record (after deleting the old files) whenever the prompts, the
scenario or the model change: the tests say so by listing unmatched requests.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import urllib.error
import urllib.request
from collections import Counter
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from synthreplay import body_key  # noqa: E402
from synthscenario import MODEL, build_repos, config  # noqa: E402

from codemill import pipeline  # noqa: E402
from codemill.llm import LLMClient, LLMConfig, LLMError  # noqa: E402

from loopback import Loopback  # noqa: E402
from readback import dropped_rows, kept_rows, through  # noqa: E402

ERROR_RECORDING = "error-context-window.json"


class Proxy:
    """Forwards POSTs to `upstream` and writes each exchange to `out` (named by the request key)."""

    def __init__(self, upstream: str, out: Path) -> None:
        self.upstream, self.out = upstream.rstrip("/"), out
        self.saved: list[str] = []
        self.loop = Loopback(_ProxyHandler, self)

    @property
    def url(self) -> str:
        return f"{self.loop.base}/v1"

    def forward(self, path: str, raw: bytes) -> tuple[int, bytes]:
        req = urllib.request.Request(self.upstream + path.removeprefix("/v1"), data=raw, method="POST",
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=1800) as resp:
                status, data = resp.status, resp.read()
        except urllib.error.HTTPError as err:
            status, data = err.code, err.read()
        return status, data

    def save(self, body: dict[str, Any], status: int, data: bytes, name: str | None = None) -> None:
        name = name or f"{body_key(body)[:16]}.json"
        record = {"request": body, "status": status, "response": json.loads(data)}
        (self.out / name).write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        self.saved.append(name)


class _ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        proxy: Proxy = self.server.owner  # type: ignore[attr-defined]
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        body = json.loads(raw)
        known = proxy.out / f"{body_key(body)[:16]}.json"
        if known.is_file():  # recorded before: the server may not repeat itself, even greedily, so keep the first
            d = json.loads(known.read_text(encoding="utf-8"))
            status, data = d["status"], json.dumps(d["response"]).encode()
        else:
            status, data = proxy.forward(self.path, raw)
            proxy.save(body, status, data)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def summarise(run_dir: Path, label: str) -> None:
    kept, dropped = kept_rows(run_dir, "synth"), dropped_rows(run_dir, "synth")
    reasons = Counter(r["drop_reason"] for r in dropped)
    print(f"{label}: {len(kept) + len(dropped)} requests, {len(kept)} kept, dropped {dict(sorted(reasons.items()))}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--upstream", default=os.environ.get("CODEMILL_LLM_URL"), help="the real server's /v1 URL")
    ap.add_argument("--out", type=Path, default=HERE / "recordings")
    ap.add_argument("--cap", type=int, default=6, help="max_requests_per_category of the scenario")
    args = ap.parse_args()
    if not args.upstream:
        ap.error("give --upstream or set CODEMILL_LLM_URL")
    args.out.mkdir(parents=True, exist_ok=True)
    proxy = Proxy(args.upstream, args.out)
    proxy.loop.start()
    try:
        with tempfile.TemporaryDirectory(prefix="codemill-record-") as tmp:
            root = Path(tmp)
            repos = [str(p) for p in build_repos(root / "repos")]
            summary = pipeline.run(root / "out", config(proxy.url, cap=args.cap), repos, only=through("synth"))
            if not summary.ok:
                print(f"run failed: {summary.errors}", file=sys.stderr)
                return 1
            summarise(root / "out", "scenario")
        # A real error body: a prompt longer than the server's context window.
        client = LLMClient(LLMConfig(base_url=proxy.url, model=MODEL, max_retries=0, timeout_s=600))
        before = len(proxy.saved)
        try:
            client.complete([{"role": "user", "content": "word " * 6000}], max_tokens=16)
            print("the over-long request did not fail; no error recorded", file=sys.stderr)
        except LLMError as err:
            print(f"recorded error: {err}")
        if len(proxy.saved) > before:
            (args.out / proxy.saved[-1]).rename(args.out / ERROR_RECORDING)
    finally:
        proxy.loop.stop()
    print(f"{len(proxy.saved)} exchanges recorded in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
