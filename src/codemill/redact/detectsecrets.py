"""detect-secrets' plugins run on in-memory text, with no settings, no files and no network.

We call each plugin's `analyze_string` (the pure matcher) rather than `analyze_line` or `scan_line`, which go
through the process-global settings and, when the verification filter is on, call provider APIs. The
plugins yield secret *values*; we locate each in its line to get offsets.

Selected plugins are the provider-anchored ones plus `KeywordDetector`. Left out on purpose:
`Base64HighEntropyString`/`HexHighEntropyString` (every git sha, lockfile hash and base64 fixture in a
corpus), `IPPublicDetector` (we handle IPs with documented exclusions in `pii`), and `PrivateKeyDetector`
(matches only the BEGIN line, also in code that merely tests for it; `patterns` redacts whole blocks).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

from detect_secrets.filters.heuristic import is_sequential_string
from detect_secrets.plugins.artifactory import ArtifactoryDetector
from detect_secrets.plugins.aws import AWSKeyDetector
from detect_secrets.plugins.azure_storage_key import AzureStorageKeyDetector
from detect_secrets.plugins.base import BasePlugin
from detect_secrets.plugins.basic_auth import BasicAuthDetector
from detect_secrets.plugins.discord import DiscordBotTokenDetector
from detect_secrets.plugins.github_token import GitHubTokenDetector
from detect_secrets.plugins.gitlab_token import GitLabTokenDetector
from detect_secrets.plugins.jwt import JwtTokenDetector
from detect_secrets.plugins.keyword import (
    DENYLIST,
    QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP,
    REGEX_BY_FILETYPE,
    KeywordDetector,
)
from detect_secrets.plugins.mailchimp import MailchimpDetector
from detect_secrets.plugins.npm import NpmDetector
from detect_secrets.plugins.openai import OpenAIDetector
from detect_secrets.plugins.pypi_token import PypiTokenDetector
from detect_secrets.plugins.sendgrid import SendGridDetector
from detect_secrets.plugins.slack import SlackDetector
from detect_secrets.plugins.square_oauth import SquareOAuthDetector
from detect_secrets.plugins.stripe import StripeDetector
from detect_secrets.plugins.telegram_token import TelegramBotTokenDetector
from detect_secrets.plugins.twilio import TwilioKeyDetector
from detect_secrets.util.filetype import determine_file_type

from codemill.redact.guards import looks_like_secret_value, low_variety
from codemill.redact.model import Candidate, Kind
from codemill.redact.prefilter import any_match, ascii_lower, lines_matching, lines_with, odd_breaks, tail_gate

# Plugin class -> the kind its findings get. Order is the scan order (and so, among equal spans, the winner).
_PLUGINS: tuple[tuple[type[BasePlugin], Kind], ...] = (
    (AWSKeyDetector, Kind.KEY),
    (AzureStorageKeyDetector, Kind.KEY),
    (ArtifactoryDetector, Kind.TOKEN),
    (DiscordBotTokenDetector, Kind.TOKEN),
    (GitHubTokenDetector, Kind.TOKEN),
    (GitLabTokenDetector, Kind.TOKEN),
    (JwtTokenDetector, Kind.TOKEN),
    (MailchimpDetector, Kind.KEY),
    (NpmDetector, Kind.TOKEN),
    (OpenAIDetector, Kind.KEY),
    (PypiTokenDetector, Kind.TOKEN),
    (SendGridDetector, Kind.KEY),
    (SlackDetector, Kind.TOKEN),
    (SquareOAuthDetector, Kind.TOKEN),
    (StripeDetector, Kind.KEY),
    (TelegramBotTokenDetector, Kind.TOKEN),
    (TwilioKeyDetector, Kind.KEY),
    (BasicAuthDetector, Kind.PASSWORD),
)

# Cheap substring gates: a line without any of these cannot match the keyword plugin's regexes (one is in every
# DENYLIST word).
_KEYWORD_HINTS = ("key", "pass", "pwd", "secret", "contrase")


@cache
def _plugins() -> tuple[tuple[BasePlugin, Kind, str], ...]:
    return tuple((cls(), kind, f"detect_secrets.{cls.__name__}") for cls, kind in _PLUGINS)


# Plugin patterns that open with a character class (tried at every position), by source -> the top-level tail
# after it, which opens with a literal: every match of the pattern holds a match of its tail.
_TAILS = {
    r'(?:\s|=|:|"|^)AKC[a-zA-Z0-9]{10,}(?:\s|"|$)': r'AKC[a-zA-Z0-9]{10,}(?:\s|"|$)',
    r'(?:\s|=|:|"|^)AP[\dABCDEF][a-zA-Z0-9]{8,}(?:\s|"|$)': r'AP[\dABCDEF][a-zA-Z0-9]{8,}(?:\s|"|$)',
    r"[MNO][a-zA-Z\d_-]{23,25}\.[a-zA-Z\d_-]{6}\.[a-zA-Z\d_-]{27}": r"\.[a-zA-Z\d_-]{6}\.[a-zA-Z\d_-]{27}",
    r"[0-9a-z]{32}-us[0-9]{1,2}": r"-us[0-9]{1,2}",
    r"(?:r|s)k_live_[0-9a-zA-Z]{24}": r"k_live_[0-9a-zA-Z]{24}",
    r"\d{8,10}:[0-9A-Za-z_-]{35}": r":[0-9A-Za-z_-]{35}",
}


# Case-insensitive plugin patterns, by source -> a literal every match holds, ignoring case: looked for in an ASCII
# text's lowered form, it spares the regex, which case-insensitive matching keeps from searching for its prefix.
_LOWER_LITERALS = {
    r"aws.{0,20}?(?:key|pwd|pw|password|pass|token).{0,20}?[\'\"]([0-9a-zA-Z/+]{40})[\'\"]": "aws",
    r"xox(?:a|b|p|o|s|r)-(?:\d+-)+[a-z0-9]+": "xox",
    r"https://hooks\.slack\.com/services/T[a-zA-Z0-9_]+/B[a-zA-Z0-9_]+/[a-zA-Z0-9_]+": "hooks.slack.com",
}


@cache
def _provider_gates() -> tuple[tuple[re.Pattern[str], re.Pattern[str], str | None], ...]:
    """Per plugin pattern, a fast gate for a whole text (its tail where that helps), the pattern itself over the
    text's lines (MULTILINE): the lines it starts a match on are the only ones its plugin can match, and for a
    case-insensitive pattern a lower-case literal every match holds (`_LOWER_LITERALS`)."""
    patterns = (r for cls, _kind in _PLUGINS for r in cls.denylist)  # type: ignore[attr-defined]
    gates = tuple((tail_gate(r, _TAILS.get(r.pattern)), tail_gate(r), _LOWER_LITERALS.get(r.pattern))
                  for r in patterns)
    if missing := set(_LOWER_LITERALS) - {g.pattern for g, _p, _l in gates}:
        raise RuntimeError(f"detect-secrets changed its patterns: {missing}")
    return gates


# Every regex of the keyword plugin holds one of its lower-case DENYLIST words (`api_?key`, `password`, …), matched
# ignoring case: on ASCII text, lowered, the words themselves gate its lines (tighter than `_KEYWORD_HINTS`, which
# every `key` passes).
_KEYWORD_GATE = re.compile("|".join(DENYLIST))


def _provider_lines(text: str) -> frozenset[int] | None:
    """Start offsets of the lines some plugin pattern matches on; None when a line break that `^` and `$` do not
    know (`ODD_BREAKS`) makes each line need its own check."""
    if odd_breaks(text):
        return None
    lower = ascii_lower(text)
    starts: set[int] = set()
    for gate, pattern, literal in _provider_gates():
        if literal is not None and lower is not None and literal not in lower:
            continue
        if gate.search(text) is not None:
            starts.update(start for start, _end in lines_matching(pattern, text))
    return frozenset(starts)


def _keyword_lines(text: str) -> frozenset[int] | None:
    """Start offsets of the lines holding a DENYLIST word (in lower case); None for non-ASCII text, whose lowered
    form may not keep the text's offsets, and for text whose lines `ODD_BREAKS` end."""
    lower = ascii_lower(text)
    if lower is None or odd_breaks(text):
        return None
    return frozenset(start for start, _end in lines_with(_KEYWORD_HINTS, _KEYWORD_GATE, lower))


@cache
def _keyword() -> KeywordDetector:
    return KeywordDetector()


def _keyword_kind(line: str, value: str) -> Kind:
    before = line[: line.find(value)].lower()
    if "pass" in before or "pwd" in before or "contrase" in before:
        return Kind.PASSWORD
    return Kind.KEY


def _occurrences(line: str, value: str) -> Iterator[tuple[int, int]]:
    start = line.find(value)
    while start >= 0:
        yield start, start + len(value)
        start = line.find(value, start + len(value))


def find_detect_secrets(text: str, path: str | None, *, prefilter: bool = True) -> Iterator[Candidate]:
    """Findings of the selected detect-secrets plugins, line by line, with offsets into `text`.

    With `prefilter` (`redact.prefilter`), the provider plugins see only the lines one of their patterns matches
    on and the keyword plugin only lines holding a keyword, both found by scans of the whole text; a text with
    neither is not split into lines at all. Without it, every line goes through every plugin: the reference the
    gated path is tested against."""
    providers = _provider_lines(text) if prefilter else None
    keywords = _keyword_lines(text) if prefilter else None
    if providers is not None and keywords is not None:
        if not providers and not keywords:
            return
        lines = _lines_at(text, sorted(providers | keywords))
    else:
        lines = _numbered_lines(text)
    line_gates = tuple(pattern for _gate, pattern, _literal in _provider_gates())
    keyword_regexes = REGEX_BY_FILETYPE.get(determine_file_type(path or ""), QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP)
    plugins = _plugins()
    keyword = _keyword()
    for offset, line in lines:
        if len(line) > 20_000:  # minified bundles: the provider patterns in `patterns` still scan them
            continue
        if offset in providers if providers is not None else not prefilter or any_match(line_gates, line):
            yield from _provider_findings(plugins, line, offset)
        if offset in keywords if keywords is not None else any(h in line.lower() for h in _KEYWORD_HINTS):
            for value in set(keyword.analyze_string(line, denylist_regex_to_group=keyword_regexes)):
                if not looks_like_secret_value(value, min_length=8, min_entropy=2.5):
                    continue
                for s, e in _occurrences(line, value):
                    kind = _keyword_kind(line, value)
                    yield Candidate(offset + s, offset + e, kind, "detect_secrets.KeywordDetector", 45)


def _numbered_lines(text: str) -> Iterator[tuple[int, str]]:
    """(offset, line) of every line `str.splitlines` finds, its break kept."""
    offset = 0
    for line in text.splitlines(keepends=True):
        yield offset, line
        offset += len(line)


def _lines_at(text: str, starts: list[int]) -> Iterator[tuple[int, str]]:
    """(offset, line) of the `\n`-ended lines starting at `starts`: in a text without `ODD_BREAKS`, the lines
    `_numbered_lines` would give there, found without splitting the rest."""
    for start in starts:
        end = text.find("\n", start)
        yield start, text[start:len(text) if end < 0 else end + 1]


def _provider_findings(plugins: tuple[tuple[BasePlugin, Kind, str], ...], line: str,
                       offset: int) -> Iterator[Candidate]:
    for plugin, kind, name in plugins:
        for value in set(plugin.analyze_string(line)):
            if len(value) < 8 or is_sequential_string(value) or low_variety(value):
                continue
            if kind is Kind.PASSWORD and not looks_like_secret_value(value, min_length=3, min_entropy=1.5):
                continue
            for s, e in _occurrences(line, value):
                yield Candidate(offset + s, offset + e, kind, name, 20)
