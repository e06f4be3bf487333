"""The code version recorded in manifests: the release plus a digest of the package's source.

Any change to codemill's code changes it, so an output is never reused across code that could produce
something different.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

import codemill


@cache
def code_version() -> str:
    root = Path(codemill.__file__).parent
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        h.update(path.relative_to(root).as_posix().encode())
        h.update(b"\0")
        h.update(path.read_bytes())
    return f"{codemill.__version__}+src.{h.hexdigest()[:12]}"
