"""Running Python in a sandbox for the sandbox's own tests and its escape probes."""

from __future__ import annotations

import sys
from pathlib import Path

from codemill.sandbox import Limits, Result, Sandbox

PY = sys.executable


def python(sandbox: Sandbox, code: str, workdir: Path, limits: Limits | None = None) -> Result:
    return sandbox.run([PY, "-c", code], workdir, limits or Limits())
