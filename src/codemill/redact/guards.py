"""Value guards shared by the assignment-style detectors, which see a key name but not what the value is.

`password = "…"` matches every test fixture and every template; these checks keep what looks like a real
value: long enough, not a placeholder or template, not an identifier or path, and not too regular. A hex
string or UUID *is* kept as a secret here: next to a `secret`/`token` key it usually is one (Django's
SECRET_KEY, API keys).
"""

from __future__ import annotations

import math
import re
from collections import Counter

from codemill.redact.model import PLACEHOLDERS

# Values that are documentation, not credentials (lower-cased, compared after stripping quotes).
PLACEHOLDER_VALUES: frozenset[str] = frozenset(
    {
        "password", "passwd", "secret", "token", "changeme", "change_me", "change-me", "example", "dummy",
        "test", "testing", "none", "null", "nil", "true", "false", "undefined", "redacted", "hidden", "masked",
        "your_password", "yourpassword", "your-password", "mypassword", "my_password", "your_token",
        "your_api_key", "your-api-key", "api_key", "apikey", "secret_key", "xxxxxx", "xxxxxxxx", "required",
        "optional", "string", "str", "bytes", "default", "empty", "notset", "not_set", "sample", "fake",
    }
)

_TEMPLATE = re.compile(r"^(?:\$\{.*\}|\{\{.*\}\}|\{.*\}|<.*>|%\(?\w*\)?s|\$\w+|%\w+%|@\w+@|\[\w+\])$")
_REPEATED = re.compile(r"^(.)\1+$|^[x*•.#_-]+$", re.IGNORECASE)
_IDENTIFIER = re.compile(r"^[a-z]+(?:[-_.][a-z]+)*$|^[A-Z]+(?:_[A-Z]+)*$|^[a-z]+(?:[A-Z][a-z]+)+$")
_DOTTED = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+$|^[A-Z][a-z]+(?:[A-Z][a-z]+)+$|^[a-z0-9_-]+(?:/[a-z0-9_.-]+)+$")
_PATHLIKE = re.compile(r"^(?:[./~]|[A-Za-z]:\\|https?://)|\.(?:pem|key|json|txt|crt|p12|env)$")


def shannon_entropy(value: str) -> float:
    """Bits per character of `value`'s own character distribution."""
    if not value:
        return 0.0
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in Counter(value).values())


def low_variety(value: str) -> bool:
    """`ACxxxxxxxxxxxxxxxx`, `sk_live_0000…`: a documented shape, not a secret (few distinct characters)."""
    return len(set(value)) < 6 or Counter(value).most_common(1)[0][1] > len(value) // 2


def looks_like_secret_value(value: str, *, min_length: int = 6, min_entropy: float = 2.3) -> bool:
    """Whether an assigned value is plausibly a real credential rather than a name, template or fixture."""
    v = value.strip().strip("'\"`")
    if len(v) < min_length or len(v) > 200:
        return False
    if any(p in v for p in PLACEHOLDERS):
        return False
    low = v.lower()
    if low in PLACEHOLDER_VALUES or low.startswith(("your", "<", "${", "{{", "env:", "os.environ", "process.env")):
        return False
    if low_variety(v) or _TEMPLATE.match(v) or _REPEATED.match(v):
        return False
    if _IDENTIFIER.match(v) or _DOTTED.match(v) or _PATHLIKE.search(v):
        return False
    if not any(ch.isalpha() for ch in v) or " " in v.strip() or v.endswith("..."):
        return False
    return shannon_entropy(v) >= min_entropy
