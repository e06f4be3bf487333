"""Author identities: who is the same person, and who is a bot.

A commit's author is a (name, email) pair. People commit under several pairs (a work and a home email, a
changed display name, GitHub's noreply address from the web editor), so pairs are merged with union-find:
two pairs are one person when they share a normalised email or a normalised name. Names and emails that
many unrelated people share (`root`, `user`, `you@example.com`, a lone first name) are never used as a link.
Bots are kept apart from people: they are merged only among themselves.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from codemill.bots import is_bot

# Matched (case-insensitive) against the author's name and email. The `pairs` stage's default
# `bot_patterns` plus a few common CI and merge bots.

# Names that many unrelated people commit under: never a reason to merge two identities.
GENERIC_NAMES = frozenset({
    "root", "unknown", "user", "admin", "administrator", "ubuntu", "your name", "yourname", "name",
    "username", "user name", "none", "nobody", "anonymous", "no author", "(no author)", "unknown author",
    "git", "github", "gitlab", "test", "tester", "default", "developer", "dev", "pi", "vagrant", "ec2-user",
    "localhost", "system", "server", "build", "builder", "me", "author", "owner", "local", "guest", "home",
    "example", "your full name", "first last",
})
# Emails that many unrelated people commit under: placeholder or machine-account local parts
# (`you@example.com`, `root@buildhost`), and machine-local domains (`jane@localhost`).
GENERIC_EMAIL_LOCALS = frozenset({
    "root", "user", "you", "your_email", "youremail", "your.email", "email", "none", "nobody", "unknown",
    "admin", "administrator", "test", "noreply", "no-reply", "git", "ubuntu", "pi", "vagrant", "username",
    "anonymous", "ec2-user",
})
GENERIC_EMAIL_DOMAINS = frozenset({"localhost", "localhost.localdomain", "localdomain", "(none)", "none"})
_NOREPLY = re.compile(r"^(?:\d+\+)?(?P<login>[^@\s]+)@users\.noreply\.github\.com$")


def normalise_name(name: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def normalise_email(email: str) -> str:
    return unicodedata.normalize("NFKC", email).strip().strip("<>").strip().casefold()


def identity_keys(name: str, email: str) -> list[str]:
    """The merge keys of one (name, email) pair; pairs that share a key are one person.

    - its email, unless generic (see GENERIC_EMAIL_LOCALS and GENERIC_EMAIL_DOMAINS) or without `@`; a GitHub
      noreply email (`12345+login@users.noreply.github.com`, or without the number) stands for `login`, and
      also links to the name `login`;
    - its name, unless generic (GENERIC_NAMES) or a single word of letters only: a lone first name ("Ben")
      is shared by too many people, while a handle with a digit or `-_.` ("sigmavirus24") is not.
    A pair with no key gets one of its own, so it is still one author.
    """
    n, e = normalise_name(name), normalise_email(email)
    keys = []
    local, at, domain = e.partition("@")
    if m := _NOREPLY.match(e):
        login = m["login"]
        keys.append(f"gh:{login}")
        if _name_links(login):
            keys.append(f"n:{login}")
    elif at and local and local not in GENERIC_EMAIL_LOCALS and domain not in GENERIC_EMAIL_DOMAINS:
        keys.append(f"e:{e}")
    if _name_links(n):
        keys.append(f"n:{n}")
    return keys or [f"p:{n}|{e}"]


def _name_links(n: str) -> bool:
    if not n or n in GENERIC_NAMES or not any(ch.isalpha() for ch in n):
        return False
    return " " in n or not n.isalpha()


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        parent = self.parent
        root = parent.setdefault(x, x)
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:  # path compression
            parent[x], x = root, parent[x]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            # The smaller key becomes the root: the result does not depend on the order of the unions.
            lo, hi = (ra, rb) if ra < rb else (rb, ra)
            self.parent[hi] = lo


@dataclass(frozen=True)
class AuthorStats:
    distinct_authors: int  # merged human identities
    bot_authors: int  # merged bot identities
    top_author_share: float | None  # share of the human non-merge commits by the most active person


def author_stats(counts: Iterable[tuple[str, str, int]]) -> AuthorStats:
    """`counts`: (name, email, non-merge commits) for every distinct author pair of the history."""
    uf = _UnionFind()
    rows = []
    for name, email, n_own in counts:
        bot = is_bot(name, email)
        keys = [("b/" if bot else "h/") + k for k in identity_keys(name, email)]
        for k in keys[1:]:
            uf.union(keys[0], k)
        rows.append((bot, keys[0], n_own))
    humans: dict[str, int] = {}
    bots: set[str] = set()
    for bot, key, n_own in rows:
        root = uf.find(key)
        if bot:
            bots.add(root)
        else:
            humans[root] = humans.get(root, 0) + n_own
    total = sum(humans.values())
    return AuthorStats(len(humans), len(bots), max(humans.values()) / total if total else None)
