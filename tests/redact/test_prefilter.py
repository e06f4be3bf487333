"""The gated detectors find exactly what the exhaustive ones do (`redact.prefilter`): a gate may only skip work.

Texts: the fixture files with every secret format, detect-secrets' own provider formats, codemill's source files,
and those files with secrets planted on random lines, under every line break `str.splitlines` knows and with the
non-ASCII letters that case-insensitive matching folds onto ASCII (Kelvin sign, long s, dotted I).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest
import redact_fixtures as fx

import codemill
from codemill.redact.detectsecrets import find_detect_secrets
from codemill.redact.patterns import find_assignments, find_patterns
from codemill.redact.pii import find_emails, find_ips
from codemill.redact.prefilter import lines_matching, tail_gate

# Formats detect-secrets' provider plugins match (prefixes split, as in redact_fixtures).
PLUGIN_SECRETS = [
    "AK" + "C" + "p8k2Lq9ZkT4mWb8Nc3Vd6Hf1J",  # Artifactory API token
    "AP" + "6" + "xq2Lq9ZkT4mW",  # Artifactory password
    "Account" + "Key=" + "a" * 40 + "B9" * 24,  # Azure storage
    "M" + "TIzNDU2Nzg5MDEyMzQ1Njc4OTAx" + ".Gq4Fzk.Zq8Wk3Lp9Mx2Nv7Bc4Rt6Yh1Jd5",  # Discord
    "3f9a1c2b7d4e6f8091a2b3c4d5e6f7a8" + "-us" + "12",  # Mailchimp
    "123456789" + ":AAH" + "q8Wk3Lp9Mx2Nv7Bc4Rt6Yh1Jd5Fg0Hs",  # Telegram
    "AC" + "3f9a1c2b7d4e6f8091a2b3c4d5e6f7a8",  # Twilio
    "SG" + ".q8Wk3Lp9Mx2Nv7Bc4Rt6Yx." + "h1Jd5Fg0Hs2Ka9Pe3Uo7q8Wk3Lp9Mx2Nv7Bc4Rt6Yh1J",  # SendGrid
    "sq0" + "csp-" + "q8Wk3Lp9Mx2Nv7Bc4Rt6Yh1Jd5Fg0Hs2Ka9Pe3Uo7q8",  # Square
    "//registry.npmjs.org/:_auth" + "Token=npm_" + "q8Wk3Lp9Mx2Nv7Bc4Rt6Yh1Jd5Fg0Hs2",  # npm
    "pypi-" + "AgEIcHlwaS5vcmc" + "q8Wk3Lp9Mx2Nv7Bc4Rt6Yh1Jd5Fg0Hs2Ka9Pe3Uo7" * 2,  # PyPI
    "https://hooks.slack" + ".com/services/T0123ABCD/B0123ABCD/q8Wk3Lp9Mx2Nv7Bc4Rt6",  # Slack webhook
    "rk" + "_live_" + "q8Wk3Lp9Mx2Nv7Bc4Rt6Yh1J",  # Stripe restricted
    "aws_" + "secret_key = '" + "wJalrXUtnFEMI/K7MDENG/bPxRfiCYz9Kq2Lm7Np" + "'",  # AWS, by its keyword
]
ASSIGNMENTS = [
    'password = "Tr0ub4dor&3xQ"', "api_key: q8Wk3Lp9Mx2Nv7Bc4", "export CLIENT_SECRET='pZ8k!mQ2vL9xq8Wk'",
    'self.auth_token = "Zq8Wk3Lp9Mx2Nv7B"', '"private-key": "Mx2Nv7Bc4Rt6Yh1J"',
    'api_\u212aey = "q8Wk3Lp9Mx2Nv7Bc4"', 'ſecret = "q8Wk3Lp9Mx2Nv7Bc4"', 'PASSWORD\u0130 = "q8Wk3Lp9Mx2Nv7Bc4"',
]
# Personal data and URL credentials the line-gated scans must still find, beside look-alikes they must leave.
PII = [
    "jane.doe@acme-corp.io", "ops+alerts@mail.eu-west.corp.co.uk", "x@1.2.com", "@pytest.fixture", "pkg@1.2.3",
    "8.20.30.40", "(\"151.101.1.69\", 443)", "v1.22.3.4", "1.2.3.4.5", "2606:4700:90:0:f22e:fbec:5bed:a9b9",
    "[2a00:1450:4001:82a::200e]:443", "x[1:2:3]", "postgres://admin:q8Wk3Lp9Mx2N@db.internal:5432/app",
]
BREAKS = ["\n", "\r\n", "\r", "\x0b", "\x0c", "\x1c", "\x85", "\u2028"]
PATHS = [None, "src/app.py", ".env", "deploy/config.yaml", "tests/test_client.py", "docs/setup.md"]


def _sources(n: int, rng: random.Random) -> list[str]:
    files = sorted(Path(codemill.__file__).parent.rglob("*.py"))
    return [f.read_text() for f in rng.sample(files, n)]


def _planted(text: str, rng: random.Random) -> str:
    lines = text.split("\n")
    for _ in range(rng.randint(1, 6)):
        secret = rng.choice(PLUGIN_SECRETS + ASSIGNMENTS + PII + list(fx.SECRETS.values()))
        i = rng.randrange(len(lines))
        cut = rng.randint(0, len(lines[i]))
        lines[i] = lines[i][:cut] + rng.choice(["", " ", '"', "=", ":"]) + secret + lines[i][cut:]
    return rng.choice(BREAKS[:2] * 4 + BREAKS).join(lines)


def corpus() -> Iterator[str]:
    rng = random.Random(19)
    yield from fx.FILES.values()
    yield from PLUGIN_SECRETS + ASSIGNMENTS + PII
    for brk in BREAKS:
        yield brk.join(PLUGIN_SECRETS + ASSIGNMENTS + PII) + brk
        yield brk.join(f"x = {s!r}" for s in PLUGIN_SECRETS)
    sources = _sources(60, rng)
    yield from sources
    for text in sources:
        yield _planted(text, rng)
        yield _planted(text[: rng.randint(0, len(text))], rng)


TEXTS = list(corpus())


@pytest.mark.parametrize("path", PATHS)
def test_detect_secrets_gated_equals_exhaustive(path: str | None) -> None:
    found = 0
    for text in TEXTS:
        exhaustive = list(find_detect_secrets(text, path, prefilter=False))
        assert list(find_detect_secrets(text, path)) == exhaustive, text[:200]
        found += len(exhaustive)
    assert found > 100  # the corpus exercises the plugins, or the equality says little


def test_every_plugin_finds_something_in_the_corpus() -> None:
    names = {c.detector for text in TEXTS for c in find_detect_secrets(text, ".env", prefilter=False)}
    for wanted in ("Artifactory", "AzureStorageKey", "DiscordBotToken", "Mailchimp", "TelegramBotToken", "TwilioKey",
                   "SendGrid", "SquareOAuth", "Npm", "PypiToken", "Slack", "Stripe", "JwtToken", "BasicAuth",
                   "AWSKey", "Keyword"):  # GitHub's yields its prefix group alone, too short: `patterns` finds them
        assert f"detect_secrets.{wanted}Detector" in names


@pytest.mark.parametrize("path", PATHS)
def test_assignments_gated_equals_exhaustive(path: str | None) -> None:
    found = 0
    for text in TEXTS:
        exhaustive = list(find_assignments(text, path, prefilter=False))
        assert list(find_assignments(text, path)) == exhaustive, text[:200]
        found += len(exhaustive)
    assert found > 20


@pytest.mark.parametrize(("find", "least"), [(find_patterns, 50), (find_emails, 50), (find_ips, 50)])
def test_line_gated_scans_equal_whole_text(find, least: int) -> None:  # type: ignore[no-untyped-def]
    """Provider patterns (hints, URL credentials by their lines), emails and IP addresses by their gates' lines."""
    found = 0
    for text in TEXTS:
        exhaustive = list(find(text, prefilter=False))
        assert list(find(text)) == exhaustive, text[:200]
        found += len(exhaustive)
    assert found > least


def test_the_literal_gates_cover_what_they_stand_for() -> None:
    """Each DENYLIST word of detect-secrets' keyword plugin holds a hint `lines_with` looks for, and every line
    break `str.splitlines` knows but `\n` is one `odd_breaks` looks for before its regex."""
    from detect_secrets.plugins.keyword import DENYLIST

    from codemill.redact.detectsecrets import _KEYWORD_HINTS
    from codemill.redact.prefilter import _ODD_CHARS

    assert all(any(h in word.replace("_?", "") for h in _KEYWORD_HINTS) for word in DENYLIST)
    breaks = {chr(c) for c in range(0x110000) if len(f"a{chr(c)}b".splitlines()) == 2} - {"\n"}
    assert breaks == set(_ODD_CHARS)


def test_a_tail_must_end_its_pattern() -> None:
    import re

    with pytest.raises(ValueError):
        tail_gate(re.compile(r"[0-9a-z]{32}-us[0-9]{1,2}"), r"-us[0-9]")


def test_lines_matching_gives_each_line_once() -> None:
    import re

    text = "a key\nno\nkey key\nlast key"
    assert list(lines_matching(re.compile("key"), text)) == [(0, 6), (9, 17), (17, 25)]
