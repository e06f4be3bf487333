"""The corpus keeps documentation values as the repository has them and removes real keys and addresses.

A real repository with the documentation cases of the pair-integrity rules: a URL-parsing docstring
(`a%20secret`, `jo@email.com`), docs naming GitHub Pages' public address, test fixtures with quoted
passwords and made-up client addresses, beside a provider key in a test and a personal address in a comment.
"""

from __future__ import annotations

import pytest

from codemill import pipeline
from codemill.config import Config

from corpus_repos import MIT
from gitrepo import Repo
from readback import kept_rows

PERSON = "jane.smith84@gmail.com"
GH_TOKEN = "gh" + "p_" + "R7x2Lq9ZkT4mWb8Nc3Vd6Hf1Jp5Ys0Ue2Ai7"  # prefixes split so scanners of this repo stay quiet
AWS_ID = "AK" + "IA" + "Z7QW3ERTY5UIOP2B"
DOCUMENTED = {
    "src/urlkit/urls.py": '''"""URLs, parsed.

    url = URL("HTTPS://jo%40email.com:a%20secret@host.de:1234/pa%20th")
    assert url.username == "jo@email.com"
    assert url.password == "a secret"
    URL("https://www.example.com/", username="jo@gmail.com", password="a secret")
    `Digest realm="realm@host.com",qop="auth"`
"""


def parse(text: str) -> str:
    return text
''',
    "docs/custom-domain.md": "# Custom domain\n\nPoint the A record at 185.199.108.153 (GitHub Pages).\n",
    "CHANGELOG.md": '# 1.0\n\n* `URL("https://www.example.com/", username="tom@gmail.com", password="123 456")`\n',
    "tests/test_urls.py": '''from urlkit.urls import parse


def test_quoted_userinfo():
    assert parse("https://user%20name:p%40ssword@example.com")
    assert parse("http://üser:pässword@☃.net/påth")
    assert parse("https://username%40gmail.com:pa%20ssword@example.com")


def test_client_address():
    assert parse("123.45.6.7")
''',
}
SECRETS = {
    "tests/test_client.py": f'TOKEN = "{GH_TOKEN}"\nAWS_ACCESS_KEY_ID = "{AWS_ID}"\n\n\n'
                            "def test_token_and_key_are_sent_with_every_request():\n"
                            "    headers = {'Authorization': f'token {TOKEN}', 'X-Key-Id': AWS_ACCESS_KEY_ID}\n"
                            "    assert sorted(headers) == ['Authorization', 'X-Key-Id']\n",
    "src/urlkit/retry.py": f"# Ported by Jane Smith <{PERSON}>, ask her first.\n\n\ndef retry(n: int) -> int:\n"
                           "    return n\n",
}  # fmt: skip


@pytest.fixture(scope="module")
def rows(tmp_path_factory) -> dict[str, dict]:
    repo = Repo(tmp_path_factory.mktemp("urlkit") / "urlkit")
    repo.commit("urlkit", {"LICENSE": MIT, **DOCUMENTED, **SECRETS})
    out = tmp_path_factory.mktemp("clean-run") / "out"
    config = Config.model_validate({"run": {"workers": 1}})
    summary = pipeline.run(out, config, [str(repo.path)], only=["sources", "repos", "files", "clean"])
    assert summary.ok, summary.errors
    return {r["path"]: r for r in kept_rows(out, "clean")}


@pytest.mark.parametrize("path", sorted(DOCUMENTED))
def test_documentation_values_leave_the_file_as_the_repository_has_it(rows: dict[str, dict], path: str):
    assert rows[path]["content"] == DOCUMENTED[path]
    assert rows[path]["redacted"] == []


def test_real_keys_and_personal_addresses_are_removed_tests_included(rows: dict[str, dict]):
    client, retry = rows["tests/test_client.py"]["content"], rows["src/urlkit/retry.py"]["content"]
    assert GH_TOKEN not in client and AWS_ID not in client and client.count("<") == 2
    assert PERSON not in retry and "<EMAIL>" in retry and "ask her first" in retry
    assert rows["src/urlkit/retry.py"]["redacted"] == ["EMAIL"]
