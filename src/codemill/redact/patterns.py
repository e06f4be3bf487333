"""Provider-specific secret patterns that detect-secrets 1.5 lacks or matches too narrowly.

Each pattern is anchored on a documented prefix or structure (so bare hashes, UUIDs and base64 fixtures
never match) and names the group to redact. The generic assignment rule is the only context-based one and
passes its value through `guards.looks_like_secret_value`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from codemill.redact.guards import looks_like_secret_value, low_variety
from codemill.redact.model import Candidate, Kind
from codemill.redact.prefilter import ascii_lower, holds_any, lines_matching, lines_with, tail_gate


@dataclass(frozen=True, slots=True)
class Pattern:
    """A named regex whose group `group` is the secret; `check` further filters the matched value.

    `hints` are literal substrings one of which every match contains: a plain `in` test skips the regex on
    the (vast majority of) texts that cannot match, which is most of the cost on a corpus. `lines`, for a regex
    that never crosses a line break, is a top-level tail of it that opens with a literal: the regex then runs
    only on the lines the tail is found on (`redact.prefilter.tail_gate`).
    """

    name: str
    kind: Kind
    regex: re.Pattern[str]
    group: int = 0
    rank: int = 10
    check: str | None = None
    hints: tuple[str, ...] = ()
    lines: re.Pattern[str] | None = None


def _mixed(value: str) -> bool:
    """A random token has digits and both cases; `sk-some-long-css-class-name` does not."""
    return any(c.isdigit() for c in value) and any(c.isupper() for c in value) and any(c.islower() for c in value)


_B = r"(?<![A-Za-z0-9_])"  # a token boundary that, unlike \b, also holds before `-`-free prefixes in URLs
_E = r"(?![A-Za-z0-9_])"

_URL_CREDENTIALS = re.compile(
    r"(?<![\w+.-])[A-Za-z][A-Za-z0-9+.-]{1,20}://[^\s:/@'\"<>]{1,64}:([^\s:/@'\"<>]{3,128})@[\w\[]")

PATTERNS: tuple[Pattern, ...] = (
    Pattern(
        "pem_private_key",
        Kind.PRIVATE_KEY,
        re.compile(
            r"-----BEGIN ((?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?)-----"
            r"[\s\S]{16,16384}?-----END \1-----"
        ),
        rank=0,
        hints=("PRIVATE KEY",),
    ),
    # A key cut off before its END line (truncated fixtures, diffs): the header and the base64 lines after it.
    Pattern(
        "pem_private_key_open",
        Kind.PRIVATE_KEY,
        re.compile(
            r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"
            r"(?:(?:\\n|\\r|[\s\"',+])*[A-Za-z0-9+/=:-]{16,})+"
        ),
        rank=1,
        hints=("PRIVATE KEY",),
    ),
    Pattern(
        "aws_access_key_id", Kind.KEY, re.compile(_B + r"((?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16})" + _E), 1,
        hints=("AKIA", "ASIA", "ABIA", "ACCA", "A3T"),
    ),
    Pattern(
        "aws_secret_access_key",
        Kind.KEY,
        re.compile(
            r"(?i:aws_?secret(?:_?access)?_?key|secret_?access_?key)[\"']?\s*(?::=|=>|[:=])\s*[\"']?"
            r"([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])"
        ),
        1,
        hints=("secret", "SECRET", "Secret"),
    ),
    Pattern(
        "github_token", Kind.TOKEN, re.compile(_B + r"(gh[pousr]_[A-Za-z0-9]{36,251})" + _E), 1,
        hints=("ghp_", "gho_", "ghu_", "ghs_", "ghr_"),
    ),
    Pattern("github_fine_grained_pat", Kind.TOKEN, re.compile(_B + r"(github_pat_[A-Za-z0-9_]{22,255})" + _E), 1,
            hints=("github_pat_",)),
    Pattern(
        "gitlab_token", Kind.TOKEN, re.compile(_B + r"(gl(?:pat|ptt|dt|rt|oas)-[A-Za-z0-9_-]{20,})"), 1,
        hints=("glpat-", "glptt-", "gldt-", "glrt-", "gloas-"),
    ),
    Pattern("slack_token", Kind.TOKEN, re.compile(_B + r"(xox[baprs]-[A-Za-z0-9-]{10,})"), 1, hints=("xox",)),
    Pattern(
        "slack_webhook",
        Kind.TOKEN,
        re.compile(r"hooks\.slack\.com/services/(T[A-Z0-9]{6,}/B[A-Z0-9]{6,}/[A-Za-z0-9]{16,})"),
        1,
        hints=("hooks.slack.com",),
    ),
    Pattern("stripe_key", Kind.KEY, re.compile(_B + r"((?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,})" + _E), 1,
            hints=("_live_", "_test_")),
    Pattern(
        "google_api_key", Kind.KEY, re.compile(_B + r"(AIza[0-9A-Za-z_-]{35})(?![0-9A-Za-z_-])"), 1, hints=("AIza",)
    ),
    Pattern("anthropic_key", Kind.KEY, re.compile(_B + r"(sk-ant-[A-Za-z0-9_-]{20,})"), 1, rank=5, hints=("sk-ant-",)),
    Pattern(
        "openai_key",
        Kind.KEY,
        re.compile(_B + r"(sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,})(?![A-Za-z0-9_-])"),
        1,
        check="mixed",
        hints=("sk-",),
    ),
    Pattern(
        "jwt",
        Kind.TOKEN,
        re.compile(_B + r"(eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,})(?![A-Za-z0-9_-])"),
        1,
        hints=("eyJ",),
    ),
    # scheme://user:password@host — only the password; the user (postgres, git, admin …) is kept.
    Pattern(
        "url_credentials",
        Kind.PASSWORD,
        _URL_CREDENTIALS,
        1,
        rank=20,
        check="value",
        hints=("://",),
        lines=tail_gate(_URL_CREDENTIALS, _URL_CREDENTIALS.pattern[_URL_CREDENTIALS.pattern.index("://"):]),
    ),
)

# KEY = VALUE in config formats (.env, ini, yaml, toml, properties): the keyword must be in the key, the value
# may be bare; in code, the value must be a quoted string literal.
_KEYWORDS = (
    r"(?:passw(?:or)?d|passwd|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|auth[_-]?key|private[_-]?key"
    r"|client[_-]?secret|credentials?)"
)
_CONFIG_ASSIGNMENT = re.compile(
    r"(?im)^[ \t]*(?:export[ \t]+)?[\"']?([\w.-]*" + _KEYWORDS + r"[\w.-]*)[\"']?[ \t]*[:=][ \t]*"
    r"(?:\"([^\"\n]{1,200})\"|'([^'\n]{1,200})'|([^\s#;,'\"]{1,200}))"
)
_CODE_ASSIGNMENT = re.compile(
    r"(?i)(?<![\w.])([\w.]*" + _KEYWORDS + r"[\w]*)[\"']?\]?[ \t]*(?::=|=>|[:=])[ \t]*"
    r"(?:\"([^\"\n\\]{1,200})\"|'([^'\n\\]{1,200})')"
)
# What every assignment's key holds: the gate of `find_assignments`. Neither assignment regex matches across a
# `\n`, so only the lines holding a keyword need their scan. Case-insensitive matching is slow in `re`, and on ASCII
# text it is the same as matching the lowered text (whose offsets are the text's); other text takes the (?i) gate.
_KEYWORD_GATE = re.compile(r"(?i)" + _KEYWORDS)
_LOWER_KEYWORD_GATE = re.compile(_KEYWORDS)
_KEYWORD_PARTS = ("passw", "pwd", "secret", "token", "key", "credential")  # one is in every `_KEYWORDS` match
# Keys that name *about* a secret (its path, env variable, length, header) or only contain a keyword.
_NOT_SECRET_KEY = re.compile(
    r"(?i)tokeni[sz]|(?:path|file|dir|url|uri|name|env|var|type|len|length|size|field|header|prompt|count|limit|"
    r"regex|pattern|prefix|format|id|ids|cmd|command|hint|label|help|msg|message|policy|min|max|ttl|timeout|"
    r"expiry|expires|expiration|hash|algorithm|mode|source|provider|style|kind)$"
)
CONFIG_SUFFIXES = (".env", ".ini", ".cfg", ".conf", ".config", ".properties", ".yaml", ".yml", ".toml")


def is_config_path(path: str | None) -> bool:
    """`.env`, `.env.local`, `settings.ini` … : formats where `key = value` needs no quotes."""
    if not path:
        return False
    name = path.rsplit("/", 1)[-1].lower()
    return name.startswith(".env") or name.endswith(CONFIG_SUFFIXES) or name in {".npmrc", ".pypirc", ".netrc"}


def _kind_for_key(key: str) -> Kind:
    low = key.lower()
    if "pass" in low or "pwd" in low:
        return Kind.PASSWORD
    if "token" in low:
        return Kind.TOKEN
    return Kind.KEY


def find_patterns(text: str, *, prefilter: bool = True) -> Iterator[Candidate]:
    """Every match of the provider patterns in `text`. With `prefilter`, a pattern runs only on a text holding
    one of its `hints`, and only on the `lines` its gate finds; without, on every whole text."""
    for p in PATTERNS:
        if prefilter and p.hints and not holds_any(text, p.hints):
            continue
        spans = lines_matching(p.lines, text) if prefilter and p.lines else ((0, len(text)),)
        for m in (m for start, end in spans for m in p.regex.finditer(text, start, end)):
            value = m.group(p.group)
            if p.kind is not Kind.PRIVATE_KEY and low_variety(value):
                continue
            if p.check == "mixed" and not _mixed(value):
                continue
            if p.check == "value" and not looks_like_secret_value(value, min_length=3, min_entropy=1.5):
                continue
            yield Candidate(m.start(p.group), m.end(p.group), p.kind, p.name, p.rank)


def find_assignments(text: str, path: str | None, *, prefilter: bool = True) -> Iterator[Candidate]:
    """`password = "…"`, `secret: …`, `token=…` with a plausible value (see `guards`).

    With `prefilter`, the regex runs only over the lines holding a keyword (`_KEYWORD_GATE`), each from its start
    (`finditer(text, start, end)` still sees the newline before it); without, over the whole text."""
    regex = _CONFIG_ASSIGNMENT if is_config_path(path) else _CODE_ASSIGNMENT
    if not prefilter:
        spans: Iterable[tuple[int, int]] = ((0, len(text)),)
    elif (lower := ascii_lower(text)) is not None:
        spans = lines_with(_KEYWORD_PARTS, _LOWER_KEYWORD_GATE, lower)
    else:
        spans = lines_matching(_KEYWORD_GATE, text)
    for m in (m for start, end in spans for m in regex.finditer(text, start, end)):
        group = next(g for g in (2, 3, 4) if g <= regex.groups and m.group(g) is not None)
        value = m.group(group)
        if _NOT_SECRET_KEY.search(m.group(1)):
            continue
        if looks_like_secret_value(value, min_length=8, min_entropy=2.5):
            yield Candidate(m.start(group), m.end(group), _kind_for_key(m.group(1)), "assignment", 40)
