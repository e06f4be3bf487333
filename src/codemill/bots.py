"""Recognising bot identities (dependabot, renovate, CI accounts …) by name or email.

One list, used both to set bots apart in a repository's author signals and, as the default of
`pairs.bot_patterns`, to drop commits authored by bots.
"""

from __future__ import annotations

import re

BOT_PATTERNS = (
    r"\[bot\]", r"^dependabot", r"^renovate", r"github-actions", r"pre-commit-ci", r"^greenkeeper",
    r"^snyk-bot", r"^mergify", r"allcontributors", r"^imgbot", r"^codecov", r"semantic-release-bot",
    r"^pyup-bot", r"^deepsource", r"^weblate", r"^transifex", r"^copilot-swe-agent", r"^bors\b",
    r"^k8s-ci-robot", r"^web-flow$", r"[ _-]bot$", r"[._+-]bot@",
)
_BOT = re.compile("|".join(f"(?:{p})" for p in BOT_PATTERNS), re.I)


def is_bot(name: str, email: str) -> bool:
    return bool(_BOT.search(name) or _BOT.search(email))
