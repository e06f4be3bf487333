"""The result types of redaction: what was found, where, by whom, and the rewritten text.

A finding never carries the secret: only a salted, truncated hash of it, enough to count distinct secrets
and to match a finding across runs, so a findings table can be stored next to the data without becoming a
leak of its own. Weak passwords remain guessable from any hash, so findings are still not for publication.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    """What was redacted; the value is the placeholder's name, so `<{kind}>` is the placeholder."""

    EMAIL = "EMAIL"
    IP_ADDRESS = "IP_ADDRESS"
    KEY = "KEY"
    TOKEN = "TOKEN"
    PASSWORD = "PASSWORD"
    PRIVATE_KEY = "PRIVATE_KEY"

    @property
    def placeholder(self) -> str:
        return f"<{self.value}>"


PLACEHOLDERS: frozenset[str] = frozenset(kind.placeholder for kind in Kind)

_HASH_SALT = b"codemill.redact.v1\x00"


def secret_hash(secret: str) -> str:
    """A stable 16-hex-digit fingerprint of `secret` (sha256 with a fixed domain prefix, truncated)."""
    return hashlib.sha256(_HASH_SALT + secret.encode("utf-8", "surrogatepass")).hexdigest()[:16]


@dataclass(frozen=True, slots=True, order=True)
class Candidate:
    """A span some detector wants redacted, before overlaps between detectors are resolved.

    `rank` orders detectors for the same span: lower wins, so a provider-specific pattern (a GitHub token)
    names the kind rather than the generic `password = "…"` rule that also matched it.
    """

    start: int
    end: int
    kind: Kind
    detector: str
    rank: int = 50


@dataclass(frozen=True, slots=True)
class Finding:
    """One redacted span: `start`/`end` index the *original* text; `secret_hash` hashes `original[start:end]`."""

    kind: Kind
    start: int
    end: int
    detector: str
    secret_hash: str


@dataclass(frozen=True, slots=True)
class Redaction:
    """The redacted text with its findings (sorted by `start`, non-overlapping) and their counts per kind."""

    text: str
    findings: list[Finding] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.findings)
