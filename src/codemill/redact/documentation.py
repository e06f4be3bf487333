"""Values that document rather than leak: kept by class, so tests keep their fixtures and docs their examples.

A test that parses `user:pass@example.com`, a fixture `username@gmail.com`, a docs page telling readers to point
a DNS record at a public service's address, or a docstring quoting `a%20secret`: replacing them makes the test
contradict its own fixture and the patch no longer apply, and protects nobody. The classes (never a list of
particular strings):

- **dummy credentials**, anywhere: a URL password or an assigned secret made only of words people use as
  placeholders (`pass`, `secret`, `changeme`, `hunter2`, `foo`, ...), once percent-decoded, or one such word
  spelt to exercise quoting (`pa%20ssword`, `p%40ssword`, `pässword`);
- **example usernames**, anywhere: an address given as a username on the line of a placeholder password
  (`URL(username="jo@gmail.com", password="a secret")` in a docstring or changelog);
- **placeholder domains**, anywhere: an address whose domain says "some host" (`realm@host.com`,
  `jo@email.com` in a URL-parsing docstring);
- **readable phrases in tests and docs**: a credential of at most four lower-case words apart from punctuation
  (`pas:and:more`, the password a URL-parsing test splits on its colons): what a person types to exercise a
  parser; a leaked credential has capitals, digits or random letters, and is still redacted there;
- **dummy addresses in tests and docs**: an email whose local part is a role or a stock name (`user`,
  `username`, `test`, `alice`, `john.doe`, ...), whatever its domain (in code, `me@name.org` is a person);
- **addresses in docs and tests**: any IP address in documentation (a public service's documented address) or a
  test (a made-up client address such as `("123.45.6.7", 123)`); personal addresses live in neither.

Reserved example domains (RFC 2606/6761) and non-global addresses (documentation, private, loopback ranges: RFC
5737/3849/1918) are already kept by `pii`. Real provider keys (a GitHub token in a test is still a token) and
real-looking personal addresses are still redacted everywhere.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote

from codemill.categorize.paths import Role, role
from codemill.redact.model import Candidate, Kind


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words people put where a credential goes when writing an example.
DUMMY_WORDS = _words("""
a b c x y z u p pw pwd pass passwd password passw0rd p4ss p4ssw0rd secret secrets s3cret changeme change me
example examples sample dummy fake test tests testing tester foo bar baz qux quux spam eggs hunter2 letmein qwerty
abc abcd abcdef xyz admin root guest user username login name my your their the some mypassword mysecret
topsecret supersecret 123 1234 12345 123456 1234567 12345678 0000 1111 none null nil empty token key value
пароль passwort kennwort contraseña senha motdepasse
""")
# Local parts of addresses that name a role or a stock character, not a person.
DUMMY_LOCAL = _words("""
user username user1 user2 test tester testing foo bar baz someone somebody anyone nobody me you him her name
email mail address admin administrator root info contact support hello hi help team dev developer maintainer
owner author example sample dummy fake alice bob carol charlie dave eve mallory trent john jane doe jdoe
john.doe jane.doe johndoe janedoe john_doe jane_doe first.last firstname.lastname noreply no-reply localhost
""")
# Second-level domain labels that say "some host" (`realm@host.com`, `me@mydomain.org`): placeholders anywhere.
DUMMY_DOMAIN_LABELS = _words("""
host hostname domain mydomain yourdomain somedomain site mysite website server myserver company mycompany acme
foo bar baz test testing sample dummy fake somewhere anywhere nowhere invalid localhost email youremail
""")
_DOC_ROLES = {Role.DOCS, Role.CHANGELOG, Role.TESTS}
# What precedes an address that is really the password and host of a URL (`scheme://user:pa ss@host`).
_URL_USERINFO = re.compile(r"://(?P<user>[^\s/:@'\"]*):(?P<pw>[^/@'\"\n]*)$")
# A placeholder password on the line of an address: the address is the example's username.
_PASSWORD_ON_LINE = re.compile(r"(?<![a-z])pass(?:word|wd)?\W{0,4}[\"'](?P<pw>[^\"'\n]{1,40})[\"']", re.I)
# Look-alike letters in a placeholder spelt to exercise quoting (`p@ssword`, `p4ssw0rd`).
_LEET = str.maketrans("@4310$5", "aaeioss")
# At most four lower-case words of up to eight letters, with punctuation or spaces between (`pas:and:more`).
_PHRASE = re.compile(r"[a-z]{1,8}(?:[^\w\n]{1,2}[a-z]{1,8}){0,3}")
_EMAIL_PARTS = re.compile(r"^(?P<local>[^@]+)@(?:[\w-]+\.)*(?P<domain>[\w-]+)\.[A-Za-z]{2,}$")


def _local(address: str) -> str:
    return address.partition("@")[0]


# Escapes a source file writes for invisible characters (`\n`, `\xad`, `\u200b`): what a test appends to a
# placeholder to exercise quoting, not part of a secret.
_ESCAPES = re.compile(r"\\(?:[nrtfv0]|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8})")
MIN_SECRET_CHARS = 4  # a credential of 1-3 characters hides nothing (a test's `%CF%80`, `x`, `ab`)


def is_dummy_credential(value: str) -> bool:
    """The (percent-decoded) value, invisible characters and their escapes aside, is too short to be a secret, or
    every word of it, letters and digits apart (`password123`), is a placeholder."""
    text = value
    for _ in range(3):  # a test of quoting encodes twice (`%25cf%2580` is `%cf%80`, then π)
        text, before = unquote(text), text
        if text == before:
            break
    text = _ESCAPES.sub("", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf").lower().strip()
    if len(text) < MIN_SECRET_CHARS:
        return True
    words = re.findall(r"[a-z]+|[0-9]+", text)
    placeholder = all(w in DUMMY_WORDS or (w.isdigit() and len(w) <= 4) for w in words)
    respelt = _respelt(text)
    return (text in DUMMY_WORDS or (bool(words) and placeholder)
            or (len(respelt) >= 4 and 2 * len(respelt) >= len(text) and respelt in DUMMY_WORDS))


def _respelt(text: str) -> str:
    """One word, accents, look-alikes and separators undone: `pa ssword`, `p@ssword`, `pässword` -> password."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z]", "", plain.translate(_LEET))


def documents(c: Candidate, text: str, path: str | None) -> bool:
    """Whether a detected span is documentation of one of the classes above rather than something to hide."""
    value = text[c.start:c.end]
    if c.kind in (Kind.PASSWORD, Kind.KEY, Kind.TOKEN) and c.detector in _GENERIC_DETECTORS:
        in_docs = path is not None and role(path) in _DOC_ROLES
        return is_dummy_credential(value) or (in_docs and _PHRASE.fullmatch(value) is not None)
    if c.kind is Kind.EMAIL and (userinfo := _URL_USERINFO.search(text, max(0, c.start - 200), c.start)):
        # `http://user:pass@host`: the "address" is a URL's password and host; the password decides (a user name,
        # `jo%40email.com` or `степан`, hides nothing and is never redacted on its own).
        return is_dummy_credential(userinfo["pw"] + _local(value))
    if c.kind is Kind.EMAIL:
        return _example_address(c, text, path)
    if c.kind is Kind.IP_ADDRESS:
        return path is not None and role(path) in _DOC_ROLES
    return False


def _example_address(c: Candidate, text: str, path: str | None) -> bool:
    m = _EMAIL_PARTS.match(text[c.start : c.end])
    if not m:
        return False
    if m["domain"].lower() in DUMMY_DOMAIN_LABELS:
        return True
    end = text.find("\n", c.end)
    line = text[text.rfind("\n", 0, c.start) + 1 : end if end >= 0 else len(text)]
    if any(is_dummy_credential(p["pw"]) for p in _PASSWORD_ON_LINE.finditer(line)):
        return True
    return path is not None and role(path) in _DOC_ROLES and m["local"].lower() in DUMMY_LOCAL


# Detectors that judge a value by the key next to it, not by its own shape: a placeholder value is their false
# positive. Provider patterns (ghp_…, AKIA…, PEM blocks) are never second-guessed.
_GENERIC_DETECTORS = frozenset({
    "url_credentials", "assignment", "detect_secrets.KeywordDetector", "detect_secrets.BasicAuthDetector",
})
