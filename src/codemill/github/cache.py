"""A per-URL store of GitHub responses for conditional requests.

GitHub answers a request carrying the stored `ETag` (`If-None-Match`) with `304 Not Modified` when nothing
changed, and a 304 does not count against the rate limit. Keeping every page's body and `Link` header makes an
interrupted crawl resumable for free: the rerun asks for the same pages, gets 304s, and reads them from here.
Each entry is one JSON file written atomically (temporary file, then rename), so a crash never leaves a
half-written entry that a later run would trust.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class CachedResponse:
    url: str
    body: str
    etag: str | None = None
    last_modified: str | None = None
    link: str | None = None


class ResponseCache:
    """Responses under `root`, one file per URL, named by the URL's SHA-256."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def _path(self, url: str) -> Path:
        digest = hashlib.sha256(url.encode()).hexdigest()
        return self.root / digest[:2] / f"{digest}.json"

    def get(self, url: str) -> CachedResponse | None:
        """The stored response for `url`; an unreadable entry counts as absent (it is refetched)."""
        try:
            data = json.loads(self._path(url).read_text(encoding="utf-8"))
            entry = CachedResponse(**data)
        except (OSError, ValueError, TypeError):
            return None
        return entry if entry.url == url else None

    def put(self, entry: CachedResponse) -> None:
        path = self._path(entry.url)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(asdict(entry), fh)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
