"""On-disk response cache: one JSON file per request key, so re-running a synthesis step costs no requests.

Writes are atomic (temp file + `os.replace`) so a killed run never leaves a half-written entry that a later run
would trust; an entry that does not parse or validate anyway (truncated by a full disk, edited by hand) is treated
as a miss and overwritten by the refetched response.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError


def canonical_json(obj: Any) -> str:
    """Key-sorted, compact, NaN-free JSON: the same request always serialises to the same bytes."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def request_key(base_url: str, model: str, messages: list[dict[str, Any]], temperature: float, max_tokens: int,
                seed: int | None, stop: list[str] | None) -> str:
    """sha256 of everything that determines the answer; numbers are normalised so `0` and `0.0` share a key."""
    payload = {
        "base_url": base_url.rstrip("/"), "model": model, "messages": messages, "temperature": float(temperature),
        "max_tokens": int(max_tokens), "seed": None if seed is None else int(seed),
        "stop": None if stop is None else list(stop),
    }
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()


class CacheEntry(BaseModel):
    """What is stored per key: the parsed answer plus the request, so an entry can be audited by hand."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = 1
    key: str
    request: dict[str, Any]
    text: str
    finish_reason: str | None
    prompt_tokens: int
    completion_tokens: int
    usage_reported: bool
    request_id: str


class ResponseCache:
    """Entries live at `root/<key[:2]>/<key>.json`; the two-character shard keeps directories small."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> CacheEntry | None:
        """The stored entry, or None when it is missing, corrupt or stored under another key."""
        try:
            raw = self.path(key).read_bytes()
            entry = CacheEntry.model_validate_json(raw)
        except (OSError, ValidationError, ValueError):
            return None
        return entry if entry.key == key and entry.version == 1 else None

    def put(self, entry: CacheEntry) -> None:
        target = self.path(entry.key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{entry.key[:8]}.", suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(entry.model_dump_json(indent=1))
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
