from __future__ import annotations

from datetime import UTC, datetime

import pygit2

from codemill.quality.authors import AuthorStats, author_signal, author_stats

from gitrepo import Repo, git

ADA = ("Ada Lovelace", "ada@example.org")
BOB = ("Bob Babbage", "Bob@Example.org")
BOT = ("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com")


def history(repo: Repo) -> list[dict]:
    """Commit records (the `commits` stage's fields the author signal reads) of a real repository."""
    git = pygit2.Repository(str(repo.path))
    out = []
    for c in git.walk(git.head.target):
        subject, _, body = c.message.partition("\n")
        out.append({"sha": str(c.id), "author_name": c.author.name, "author_email": c.author.email,
                    "committed_at": datetime.fromtimestamp(c.commit_time, tz=UTC), "subject": subject,
                    "body": body.strip()})
    return out


def test_author_stats_on_a_real_history_with_reverts(repo: Repo) -> None:
    repo.commit("Add pagination helper", {"src/pages.py": "def page(items, n):\n    return items[:n]\n"},
                author=ADA)
    bad = repo.commit("Cache pages in a module-level dict", {"src/pages.py": "CACHE = {}\n"}, author=BOB)
    repo.commit("Document page()", {"README.md": "page(items, n)\n"}, author=BOB)
    # `git revert`'s own message names the sha.
    git(repo.path, "revert", "--no-edit", bad, env={"GIT_AUTHOR_NAME": ADA[0], "GIT_AUTHOR_EMAIL": ADA[1]})
    # A hand-written revert by subject only.
    repo.commit("Add page size limit", {"src/limits.py": "MAX = 100\n"}, author=BOB)
    repo.commit('Revert "Add page size limit"', {"src/limits.py": "MAX = 1000\n"}, author=ADA)
    repo.commit("Bump pytest from 7.4.0 to 8.0.0", {"requirements.txt": "pytest==8.0.0\n"}, author=BOT)

    stats = author_stats(history(repo))
    assert set(stats) == {"ada@example.org", "bob@example.org", BOT[1]}
    bob, ada = stats["bob@example.org"], stats["ada@example.org"]
    assert (bob.commits, bob.reverted, bob.is_bot) == (3, 2, False)
    assert (ada.commits, ada.reverted) == (3, 0)
    assert stats[BOT[1]].is_bot
    # The fixture ticks one hour per commit; the first commit is six commits before the newest.
    assert ada.first_commit_days_before > bob.first_commit_days_before > 0
    assert author_signal(ada) > author_signal(bob) > author_signal(stats[BOT[1]])


def test_as_of_hides_the_future(repo: Repo) -> None:
    repo.commit("Add a", {"a.py": "a = 1\n"}, author=BOB)
    bad = repo.commit("Make a two", {"a.py": "a = 2\n"}, author=BOB)
    rows = history(repo)
    before = max(r["committed_at"] for r in rows)
    git(repo.path, "revert", "--no-edit", bad)
    assert author_stats(history(repo))["bob@example.org"].reverted == 1
    assert author_stats(history(repo), as_of=before)["bob@example.org"].reverted == 0


def test_committed_at_as_json_would_carry_it() -> None:
    rows = [{"author_email": "a@x.org", "committed_at": "2024-01-01T00:00:00Z", "subject": "x", "body": ""},
            {"author_email": "a@x.org", "committed_at": 1704153600, "subject": "y", "body": ""}]
    stats = author_stats(rows)["a@x.org"]
    assert stats.commits == 2
    assert stats.first_commit_days_before == 1.0
    assert author_stats([]) == {}


def test_author_signal_rises_with_experience_and_tenure_and_falls_with_reverts() -> None:
    newcomer = AuthorStats(1, 0.0, 0)
    regular = AuthorStats(40, 400.0, 0)
    reverted = AuthorStats(40, 400.0, 8)
    assert 0.3 <= author_signal(newcomer) < author_signal(regular) <= 1.0
    assert author_signal(reverted) < author_signal(regular) * 0.6
    assert author_signal(AuthorStats(500, 3000.0, 0, is_bot=True)) <= 0.1
    # Saturating: the hundredth commit adds less than the tenth.
    gain_10 = author_signal(AuthorStats(11, 100, 0)) - author_signal(AuthorStats(10, 100, 0))
    gain_100 = author_signal(AuthorStats(101, 100, 0)) - author_signal(AuthorStats(100, 100, 0))
    assert gain_10 > gain_100 > 0
