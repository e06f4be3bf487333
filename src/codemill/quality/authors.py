"""Author signal: the author's standing in the repository, as a prior on the quality of their commits.

Regular contributors know the codebase's conventions and write changes that survive review; a commit that
gets reverted was a wrong change, and an author whose commits are often reverted is a weaker prior. Bots write
templated, mechanical changes. Sub-features:

- experience: the author's commits in the repository, saturating (0.63 at 20, ~1 past 60);
- tenure: days since the author's first commit, saturating (0.63 at 180 days);
- revert rate: share of the author's commits later reverted; multiplies the score by `1 - 2.5 * rate`
  (at most down to 0.2 of it);
- bot: a bot identity (codemill.bots) scores `BOT_SCORE` whatever its history.

A newcomer still gets `FLOOR` (first contributions are often good, focused patches): this is a prior, not a
verdict. `author_stats` computes the inputs from a repository's commit records; pass `as_of` to see only the
history before a commit, so the score of a commit never uses its own future (such as its own revert).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from codemill.bots import is_bot

FLOOR = 0.3
BOT_SCORE = 0.1

_REVERTS_SHA = re.compile(r"This reverts commit ([0-9a-f]{7,40})", re.I)
_REVERT_SUBJECT = re.compile(r'^Revert "(.+)"\s*$')


@dataclass(frozen=True, slots=True)
class AuthorStats:
    commits: int
    first_commit_days_before: float  # days from the author's first commit to the reference date
    reverted: int  # the author's commits that a later commit reverted
    is_bot: bool = False


def author_signal(stats: AuthorStats) -> float:
    """Prior quality of an author's commits in [0, 1]; see the module docstring."""
    if stats.is_bot:
        return BOT_SCORE
    experience = 1.0 - math.exp(-max(0, stats.commits) / 20)
    tenure = 1.0 - math.exp(-max(0.0, stats.first_commit_days_before) / 180)
    rate = stats.reverted / stats.commits if stats.commits > 0 else 0.0
    base = FLOOR + (1.0 - FLOOR) * (0.55 * experience + 0.45 * tenure)
    return base * max(0.2, 1.0 - 2.5 * rate)


def _when(value: object) -> datetime:
    """`committed_at` as pyarrow gives it (a datetime), or as JSON carries it (ISO text, epoch seconds)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, tz=UTC)
    if isinstance(value, str):
        return _when(datetime.fromisoformat(value.replace("Z", "+00:00")))
    raise TypeError(f"not a commit time: {value!r}")


def author_key(email: str) -> str:
    return email.strip().lower()


def reverted_sha(subject: str, body: str) -> str | None:
    """The (possibly abbreviated) sha that git's revert message names, if any."""
    m = _REVERTS_SHA.search(f"{subject}\n{body}")
    return m[1].lower() if m else None


def author_stats(commits: Iterable[dict], as_of: datetime | None = None) -> dict[str, AuthorStats]:
    """Per author (lower-cased email): commits, tenure up to `as_of` (default: the newest commit) and reverts.

    A revert is a commit saying `This reverts commit <sha>` (matched by sha prefix) or, without a sha, with
    subject `Revert "<subject>"` (matched to the latest earlier commit with that subject). The reverted
    commit's author is charged, once per reverted commit. Records need author_email and committed_at; sha,
    subject, body and author_name are used when present. With `as_of`, later commits are ignored.
    """
    rows = sorted(((_when(c["committed_at"]), c) for c in commits), key=lambda t: t[0])
    if as_of is not None:
        as_of = _when(as_of)
        rows = [(t, c) for t, c in rows if t <= as_of]
    if not rows:
        return {}
    ref = as_of or rows[-1][0]
    first: dict[str, datetime] = {}
    count: dict[str, int] = {}
    bots: dict[str, bool] = {}
    by_sha: dict[str, str] = {}
    by_subject: dict[str, str] = {}  # subject -> sha of its latest commit so far
    reverted: set[str] = set()
    for t, c in rows:
        who = author_key(c["author_email"])
        first.setdefault(who, t)
        count[who] = count.get(who, 0) + 1
        bots[who] = bots.get(who, False) or is_bot(c.get("author_name") or "", c["author_email"])
        subject, body = c.get("subject") or "", c.get("body") or ""
        sha = (c.get("sha") or f"#{len(by_sha)}").lower()
        target = reverted_sha(subject, body)
        if target is None and (m := _REVERT_SUBJECT.match(subject)):
            target = by_subject.get(m[1])
        if target is not None:
            full = target if target in by_sha else next((s for s in by_sha if s.startswith(target)), None)
            if full is not None:
                reverted.add(full)
        by_sha[sha] = who
        by_subject[subject] = sha
    charged: dict[str, int] = {}
    for sha in reverted:
        charged[by_sha[sha]] = charged.get(by_sha[sha], 0) + 1
    return {who: AuthorStats(count[who], (ref - first[who]).total_seconds() / 86400, charged.get(who, 0),
                             bots[who])
            for who in count}
