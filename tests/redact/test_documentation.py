"""redact.documentation: fixtures and documented values stay (by class), real secrets go, in tests too."""

from __future__ import annotations

import pytest
import redact_fixtures as fx

from codemill.redact import redact
from codemill.redact.documentation import is_dummy_credential


@pytest.mark.parametrize(("path", "text"), [
    ("tests/test_url.py", 'assert parse("https://user:pass@example.com/").password == "pass"\n'),
    ("tests/test_url.py", 'assert parse("mailto:username@gmail.com").address == "username@gmail.com"\n'),
    ("tests/test_auth.py", 'auth = DigestAuth("user", "password123")\nrealm = "testrealm@host.com"\n'),
    ("docs/custom-domain.md", "Point the A record at 185.199.108.153, GitHub Pages' documented address.\n"),
    ("src/pkg/url.py", '    """`quote("a secret")` gives ``a%20secret``: ``https://user:a%20secret@host/``."""\n'),
    ("src/pkg/db.py", 'DSN = "postgres://app:changeme@localhost/app"\n'),
    ("README.md", "Write to alice@gmail.com and bob@gmail.com in the examples.\n"),
    # A URL's dummy password and host, which address detection reads as `pass@complex.url.com` (psf/requests).
    ("test_requests.py", "url = 'http://user:pass@complex.url.com/path?query=yes'\n"),
    ("test_requests.py", "url = 'http://user:pass pass@complex.url.com/path?query=yes'\n"),
    ("test_requests.py", "url = 'http://user%user:pass%20pass@complex.url.com/path'\n"),
    # Docstring examples in code (encode/httpx): a placeholder domain, a username beside a placeholder password,
    # and a percent-encoded user whose password and host read as an address.
    ("src/pkg/auth.py", '    `Digest realm="realm@host.com",qop="auth"`\n'),
    ("src/pkg/urls.py", '    URL("https://x.org/", username="jo@gmail.com", password="a secret")\n'),
    ("src/pkg/urls.py", '    url = URL("HTTPS://jo%40email.com:a%20secret@host.de:1234/")\n'),
    ("CHANGELOG.md", '* `httpx.URL("https://x.org/", username="tom@gmail.com", password="123 456")`\n'),
    ("docs/advanced.rst", "   or ``http://localhost@other.com``. Terminate full hostnames with a ``/``.\n"),
    # Placeholders spelt to exercise quoting (encode/httpx, pallets/werkzeug tests), and made-up test clients.
    ("tests/test_url.py", 'parse("https://username%40gmail.com:pa%20ssword@example.com")\n'),
    ("tests/test_url.py", 'assert iri_to_uri("http://üser:pässword@☃.net/") == "http://%C3%BCser:p%C3%A4ssword@x.net/"\n'),
    ("tests/test_proxy.py", 'scope = {"client": ("134.56.78.4", 1453)}\n'),
    # aio-libs/yarl tests: a placeholder followed by escaped invisible characters, and a one-letter user and password
    ("tests/test_url.py", 'u = URL.build(user="u", password="\u043f\u0430\u0440\u043e\u043b\u044c\\n\\xad\\u200b")\n'),
    ("tests/test_url.py", 'url = URL("http://%CF%80:%CF%80@example.com")\n'),
    ("tests/test_url_parsing.py", 'u = URL("//user:pas:and:more@host")\nassert u.password == "pas:and:more"\n'),
])
def test_documentation_values_are_kept(path: str, text: str) -> None:
    assert redact(text, path).text == text


@pytest.mark.parametrize(("path", "text", "secret"), [
    ("tests/test_client.py", f'TOKEN = "{fx.GH}"\n', fx.GH),  # a provider key is a key wherever it is
    ("tests/test_client.py", f'client = Client(api_key="{fx.OPENAI}")\n', fx.OPENAI),
    ("tests/test_users.py", 'OWNER = "jane.smith84@gmail.com"\n', "jane.smith84@gmail.com"),
    ("docs/setup.md", f"export DATABASE_URL=postgres://app:{fx.URL_PASSWORD}@db.corp.io/app\n", fx.URL_PASSWORD),
    ("src/settings.py", f'PASSWORD = "{fx.PASSWORD}"\n', fx.PASSWORD),
    ("src/net.py", 'PEER = "185.199.108.153"\n', "185.199.108.153"),  # a public address in code is not docs
    ("tests/test_url.py", "url = 'http://admin:Xk9f2kqLw@corp.io/'\n", "Xk9f2kqLw"),  # a real-looking password
    ("src/settings.py", 'DB_PASSWORD = "pas:and:more"\n', "pas:and:more"),  # a phrase is a fixture in tests only
    ("tests/test_db.py", 'assert cfg.password == "pas:and:M0re"\n', "pas:and:M0re"),
    ("src/pkg/retry.py", "# Ported by Jane Smith <jane.smith84@gmail.com>\n", "jane.smith84@gmail.com"),
    ("pyproject.toml", 'authors = [{ name = "K. Reitz", email = "me@kennethreitz.org" }]\n', "me@kennethreitz.org"),
    ("src/pkg/login.py", 'login(username="jane.smith84@gmail.com", password="Xk9f2kqLw")\n', "jane.smith84@gmail"),
])
def test_real_secrets_are_still_redacted_in_tests_and_docs(path: str, text: str, secret: str) -> None:
    assert secret not in redact(text, path).text


def test_dummy_credentials_by_their_words() -> None:
    for value in ("pass", "password123", "a%20secret", "changeme", "p4ssw0rd", "foo-bar", "SECRET", "pa%20ssword",
                  "p%40ssword", "pässword", "p%C3%A4ssword", "пароль", "%D0%BF%D0%B0%D1%80%D0%BE%D0%BB%D1%8C",
                  "пароль\\n\\xad\\u200b", "pass\u200b", "%CF%80", "%25cf%2580%cf%80", "x", "ab1"):
        assert is_dummy_credential(value), value
    for value in (fx.PASSWORD, fx.URL_PASSWORD, "hunter2hunter2x9", "Xk29fj2LmQ", "password98765", "p@55w0rd!x7Q"):
        assert not is_dummy_credential(value), value
