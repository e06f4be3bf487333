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
from detect_secrets.plugins.keyword import QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP, REGEX_BY_FILETYPE, KeywordDetector
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

# Cheap substring gates: a line without any of these cannot match the keyword plugin's regexes.
_KEYWORD_HINTS = ("key", "pass", "pwd", "secret", "contrase")


@cache
def _plugins() -> tuple[tuple[BasePlugin, Kind, str], ...]:
    return tuple((cls(), kind, f"detect_secrets.{cls.__name__}") for cls, kind in _PLUGINS)


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


def find_detect_secrets(text: str, path: str | None) -> Iterator[Candidate]:
    """Findings of the selected detect-secrets plugins, line by line, with offsets into `text`."""
    keyword_regexes = REGEX_BY_FILETYPE.get(determine_file_type(path or ""), QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP)
    plugins = _plugins()
    keyword = _keyword()
    offset = 0
    for line in text.splitlines(keepends=True):
        if len(line) > 20_000:  # minified bundles: the provider patterns in `patterns` still scan them
            offset += len(line)
            continue
        for plugin, kind, name in plugins:
            for value in set(plugin.analyze_string(line)):
                if len(value) < 8 or is_sequential_string(value) or low_variety(value):
                    continue
                if kind is Kind.PASSWORD and not looks_like_secret_value(value, min_length=3, min_entropy=1.5):
                    continue
                for s, e in _occurrences(line, value):
                    yield Candidate(offset + s, offset + e, kind, name, 20)
        low = line.lower()
        if any(h in low for h in _KEYWORD_HINTS):
            for value in set(keyword.analyze_string(line, denylist_regex_to_group=keyword_regexes)):
                if not looks_like_secret_value(value, min_length=8, min_entropy=2.5):
                    continue
                for s, e in _occurrences(line, value):
                    kind = _keyword_kind(line, value)
                    yield Candidate(offset + s, offset + e, kind, "detect_secrets.KeywordDetector", 45)
        offset += len(line)
