"""Secrets and personal-data redaction for milled text: `redact(text, path) -> Redaction`.

Secrets come from detect-secrets' provider plugins and keyword detector (`detectsecrets`), and from our own
provider patterns and config-assignment rule for what it misses (`patterns`); emails and IP addresses from
`pii`. Each is replaced by a typed placeholder (`<EMAIL>`, `<IP_ADDRESS>`, `<KEY>`, `<TOKEN>`, `<PASSWORD>`,
`<PRIVATE_KEY>`); findings record kind, span in the original, detector and a hash, never the secret.

What is deliberately *not* redacted (documented in the module docstrings): bare high-entropy strings (git
shas, lockfile hashes, UUIDs, base64 fixtures) without a secret-naming key or provider prefix; emails on
documentation domains and no-reply role addresses; non-global IPs, public resolvers, and version strings.
License and copyright headers keep their text; only an email address inside one is replaced.
"""

from codemill.redact.core import candidates, redact, resolve
from codemill.redact.model import PLACEHOLDERS, Candidate, Finding, Kind, Redaction, secret_hash

__all__ = [
    "PLACEHOLDERS",
    "Candidate",
    "Finding",
    "Kind",
    "Redaction",
    "candidates",
    "redact",
    "resolve",
    "secret_hash",
]
