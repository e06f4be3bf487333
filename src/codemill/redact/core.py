"""`redact`: run every detector, resolve overlaps, splice in typed placeholders.

Overlaps are resolved greedily in a fixed order (start, then detector rank, then longest), so the output is
a pure function of the text and the path. Placeholders are never re-detected (the guards reject values
containing one, and none of the patterns matches `<KIND>`), so redacting a redacted text changes nothing.
License and copyright headers need no special case: only the matched span is replaced, so an author's
email inside `Copyright 2020 Jane Doe <jane@corp.com>` becomes `<EMAIL>` and the rest of the line stays.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from codemill.redact.detectsecrets import find_detect_secrets
from codemill.redact.documentation import documents
from codemill.redact.model import PLACEHOLDERS, Candidate, Finding, Redaction, secret_hash
from codemill.redact.patterns import find_assignments, find_patterns
from codemill.redact.pii import find_emails, find_ips


def candidates(text: str, path: str | None = None) -> list[Candidate]:
    """Every detector's spans, unresolved (overlapping, duplicated), in a deterministic order."""
    found: list[Candidate] = []
    found.extend(find_patterns(text))
    found.extend(find_assignments(text, path))
    found.extend(find_detect_secrets(text, path))
    found.extend(find_emails(text))
    found.extend(find_ips(text))
    return [c for c in found if c.end > c.start and text[c.start : c.end] not in PLACEHOLDERS
            and not documents(c, text, path)]


def resolve(found: Iterable[Candidate]) -> list[Candidate]:
    """Non-overlapping spans: the earliest start wins, then the lowest rank, then the longest span."""
    chosen: list[Candidate] = []
    last_end = -1
    for c in sorted(found, key=lambda c: (c.start, c.rank, -(c.end - c.start), c.detector)):
        if c.start >= last_end:
            chosen.append(c)
            last_end = c.end
    return chosen


def redact(text: str, path: str | None = None) -> Redaction:
    """Replace secrets and personal data in `text` by `<KIND>` placeholders.

    `path` (repository-relative) selects format-specific rules: bare `key = value` assignments are considered
    only in config formats (.env, ini, yaml, toml …), elsewhere values must be quoted literals; and it tells
    tests and docs apart, whose dummy addresses and documented IPs are kept (`documentation`).
    """
    spans = resolve(candidates(text, path))
    if not spans:
        return Redaction(text=text)
    pieces: list[str] = []
    findings: list[Finding] = []
    pos = 0
    for c in spans:
        pieces.append(text[pos : c.start])
        pieces.append(c.kind.placeholder)
        findings.append(Finding(c.kind, c.start, c.end, c.detector, secret_hash(text[c.start : c.end])))
        pos = c.end
    pieces.append(text[pos:])
    counts = Counter(f.kind.value for f in findings)
    return Redaction(text="".join(pieces), findings=findings, counts=dict(sorted(counts.items())))
