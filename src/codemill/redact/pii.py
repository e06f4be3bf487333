"""Emails and IP addresses: personal data by default, with the documented exceptions that identify nobody.

Decisions (see `docs`-style notes in `__init__`):

- Emails on reserved documentation domains (RFC 2606/6761: example.com/.org/.net, *.example, *.test,
  *.invalid, *.localhost, *.local) are kept: they are placeholders, and code learns from them.
- Role addresses with a no-reply local part (`noreply@github.com`) are kept; GitHub's
  `123+user@users.noreply.github.com` encodes an account, so it is redacted like any other address.
- `name@2x.png`-style asset names and `pkg@1.2.3` are not emails (the "domain" ends in a file extension or a
  digit).
- IPv4 and IPv6 addresses are redacted only when globally routable (`ipaddress.is_global`): private,
  loopback, link-local, shared, multicast, reserved and documentation ranges (192.0.2.0/24, 198.51.100.0/24,
  203.0.113.0/24, 2001:db8::/32) say nothing about a person. Well-known public resolvers (8.8.8.8, 1.1.1.1 …)
  are kept too. An IPv4 must have four valid octets without leading zeros, must not be part of a longer
  dotted run (`1.2.3.4.5`), and must not follow a version, section or OID word (`version = "1.2.3.4"`,
  `v1.2.3.4`, `§4.2.3.1`, `#section-7.2.3.1`, `ObjectIdentifier("2.5.29.9")`). Dotted quads whose last three
  octets are all single digits (`7.4.7.1`, `1.0.0.0`) or whose first two are (`1.3.101.112`, `2.5.4.97`) are
  treated as versions/section numbers/OIDs: that misses real addresses such as 3.5.1.2, a deliberate trade
  for not shredding numbered text in code.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator

from codemill.redact.model import Candidate, Kind
from codemill.redact.prefilter import lines_matching

_EMAIL = re.compile(
    r"(?<![\w.%+-])([A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,62}[A-Za-z0-9_+-])?)@"
    r"((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24})(?![\w-]|\.[A-Za-z0-9])"
)
_DOC_DOMAINS = ("example.com", "example.org", "example.net")
_DOC_TLDS = ("example", "test", "invalid", "localhost", "local")
_NOREPLY_LOCAL = frozenset({"noreply", "no-reply", "no_reply", "donotreply", "do-not-reply", "do_not_reply"})
_FILE_TLDS_TEXT = (
    "png jpg jpeg gif svg webp ico bmp tif tiff js mjs cjs ts tsx jsx css scss less py rb go rs java kt c h cc "
    "cpp hpp md rst txt json yaml yml toml xml html htm lock map wasm so dll exe zip gz tar whl pdf"
)
_FILE_TLDS = frozenset(_FILE_TLDS_TEXT.split())


def keep_email(local: str, domain: str) -> bool:
    """Whether an address identifies nobody (documentation domain, role no-reply address, asset name)."""
    d = domain.lower()
    tld = d.rsplit(".", 1)[-1]
    if tld in _FILE_TLDS:
        return True
    if d in _DOC_DOMAINS or d.endswith(tuple("." + x for x in _DOC_DOMAINS)) or tld in _DOC_TLDS:
        return True
    return local.lower() in _NOREPLY_LOCAL


# What every address holds from its `@` on (its domain's labels, a dot, the first letter of its top-level domain), a
# gate that opens with a literal: decorators pass it too, but only their lines then meet `_EMAIL`, whose leading
# look-behind is tried at every position of a text.
_EMAIL_GATE = re.compile(r"@[A-Za-z0-9][A-Za-z0-9.-]*\.[A-Za-z]")


def find_emails(text: str, *, prefilter: bool = True) -> Iterator[Candidate]:
    """Addresses that identify someone (see `keep_email`). With `prefilter`, only the lines `_EMAIL_GATE` finds
    are scanned (no address spans a line break); without, the whole text."""
    if "@" not in text:  # the regex's one literal: most texts have none, and its scan costs more than this
        return
    for m in _matches(_EMAIL, _EMAIL_GATE if prefilter else None, text):
        if not keep_email(m.group(1), m.group(2)):
            yield Candidate(m.start(), m.end(), Kind.EMAIL, "email", 30)


def _matches(regex: re.Pattern[str], gate: re.Pattern[str] | None, text: str) -> Iterator[re.Match[str]]:
    """`regex.finditer(text)`, or the same matches found only on the lines where `gate` starts a match: valid when
    every match of `regex` holds one of `gate` and neither crosses a `\n` (a line's span keeps its newline, and
    look-behinds see before it, so each line is matched as in the whole text)."""
    if gate is None:
        yield from regex.finditer(text)
        return
    for start, end in lines_matching(gate, text):
        yield from regex.finditer(text, start, end)


_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])"
_IPV4 = re.compile(r"(?<![\w.])(" + _OCTET + r"(?:\." + _OCTET + r"){3})(?![\w]|\.\d)")
_NOT_IP_BEFORE = re.compile(
    r"(?i)(?:\b(?:v|version|ver|release|rev|build|tag|sections?|sec|oid|rfc\s*\d+|objectidentifier)|§|==|[#-])"
    r"[\s\"':=(\[`]{0,4}$"
)
_IPV6 = re.compile(
    r"(?<![\w:.])((?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{0,4}|" + _OCTET + r"(?:\." + _OCTET + r"){3}))(?![\w:.])"
)
_PUBLIC_RESOLVERS = frozenset(
    {
        "8.8.8.8", "8.8.4.4", "1.1.1.1", "1.0.0.1", "9.9.9.9", "149.112.112.112", "208.67.222.222",
        "208.67.220.220", "2001:4860:4860::8888", "2001:4860:4860::8844", "2606:4700:4700::1111",
        "2606:4700:4700::1001",
    }
)


def redactable_ip(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return address.is_global and not address.is_multicast and str(address) not in _PUBLIC_RESOLVERS


# Gates with a literal first character: an IPv4 address holds `.D.D.D`, an IPv6 one `:` hex digits `:`.
_IPV4_GATE = re.compile(r"\.\d{1,3}\.\d{1,3}\.\d")
_IPV6_GATE = re.compile(r":[0-9A-Fa-f]{0,4}:")


def find_ips(text: str, *, prefilter: bool = True) -> Iterator[Candidate]:
    """Globally routable addresses (see the module notes). With `prefilter`, only the lines a gate finds are
    scanned (neither pattern matches across a line break); without, the whole text."""
    for m in _matches(_IPV4, _IPV4_GATE if prefilter else None, text):
        line_start = text.rfind("\n", 0, m.start()) + 1
        if _NOT_IP_BEFORE.search(text, max(line_start, m.start() - 24), m.start()):
            continue
        octets = [int(x) for x in m.group(1).split(".")]
        if max(octets[1:]) < 10 or max(octets[:2]) < 10:  # 7.4.7.1, 1.0.0.0, OIDs 2.5.29.9, 1.3.101.112
            continue
        if redactable_ip(ipaddress.IPv4Address(m.group(1))):
            yield Candidate(m.start(1), m.end(1), Kind.IP_ADDRESS, "ipv4", 30)
    if "::" not in text and text.count(":") < 7:
        return
    for m in _matches(_IPV6, _IPV6_GATE if prefilter else None, text):
        candidate = m.group(1)
        if sum(c in "0123456789abcdefABCDEF" for c in candidate) < 4:
            continue
        try:
            address = ipaddress.IPv6Address(candidate)
        except ValueError:
            continue
        if address.ipv4_mapped is None and address in _GLOBAL_UNICAST and redactable_ip(address):
            yield Candidate(m.start(1), m.end(1), Kind.IP_ADDRESS, "ipv6", 30)


_GLOBAL_UNICAST = ipaddress.IPv6Network("2000::/3")
