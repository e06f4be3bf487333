"""Scans of source files kept between processes, so a stage's code version costs a read, not a parse.

Parsing the ~250 modules of the stages' import closures took 0.5 s of every `codemill status` and `codemill run`.
A scan is a pure function of the file's bytes (`engine.scan`), so it is stored under the sha256 of those bytes
(with the package and the top-level packages it keeps), never under a path, size or mtime: any edit changes the
key, so a stale scan cannot be used, whatever a copy, a checkout or a same-second edit does to the timestamps.

Where: one JSON file under the user's cache directory (`$XDG_CACHE_HOME/codemill/scans`, by default
`~/.cache/codemill/scans`, beside the clone and API caches), not beside the package, which a read-only install (a
system site-packages, a container image) cannot write. Its name carries the Python version and the digest of
`engine/scan.py`, so another interpreter (whose `ast` may read a file differently) or a changed scanner never
reads these entries. It is replaced atomically (a temporary file renamed over it): two runs at once each leave a
whole file, the later one winning, and the entries only the other added are parsed again next time. Reading or
writing it may fail in any way (no home, a read-only cache, a truncated file): that only costs the parse.
Bounded: the LIMIT entries used last are kept.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import sys
from functools import cache
from pathlib import Path
from typing import Any

from codemill.engine import scan as scanner
from codemill.engine.scan import Scan, scan_source

LIMIT = 4096


class ScanCache:
    """Scans by source digest, loaded from `path` (None: kept in memory only) and written back by `save`."""

    def __init__(self, path: Path | None):
        self.path = path
        self._entries: dict[str, Any] = _load(path) if path is not None else {}
        self._used: dict[str, None] = {}
        self._added = False

    def scan(self, source: bytes, package: str, tops: tuple[str, ...]) -> Scan:
        key = f"{hashlib.sha256(source).hexdigest()} {package} {','.join(tops)}"
        self._used[key] = None
        raw = self._entries.get(key)
        if raw is not None:
            try:
                return Scan.from_json(raw)
            except (KeyError, TypeError, ValueError, AttributeError):
                pass  # an entry of another shape: parse again
        found = scan_source(source, package, tops)
        self._entries[key] = found.to_json()
        self._added = True
        return found

    def save(self) -> None:
        """Write the entries back when this process added any: the ones it used last, the others first dropped
        beyond LIMIT. Never raises."""
        if self.path is None or not self._added:
            return
        merged = {**_load(self.path), **self._entries}  # keep what a concurrent run wrote meanwhile
        order = [k for k in merged if k not in self._used] + [k for k in self._used if k in merged]
        kept = {k: merged[k] for k in order[-LIMIT:]}
        tmp = self.path.with_name(f"{self.path.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps(kept, separators=(",", ":")))
            os.replace(tmp, self.path)
            self._added = False
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)


def cache_file() -> Path | None:
    """This interpreter's and this scanner's cache file, or None when there is no home to put it under."""
    base = os.environ.get("XDG_CACHE_HOME") or ""
    try:
        root = Path(base) if os.path.isabs(base) else Path.home() / ".cache"
    except RuntimeError:  # no home directory
        return None
    tag = hashlib.sha256(Path(scanner.__file__).read_bytes()).hexdigest()[:12]
    return root / "codemill" / "scans" / f"{sys.implementation.cache_tag}-{tag}.json"


@cache
def shared() -> ScanCache:
    """The process's cache, on the user's cache file."""
    return ScanCache(cache_file())


def _load(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
