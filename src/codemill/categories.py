"""The names of pair categories and kinds: what the categoriser gives, the config's targets name and the exports
carry. A module of its own, below everything, so reading the config does not load the categoriser."""

from __future__ import annotations

CATEGORIES: tuple[str, ...] = (
    "bugfix", "feature", "refactor", "perf", "tests", "docs", "build_ci", "deps", "style", "revert", "release",
    "ui", "code_review", "debugging", "other",
)
KINDS: tuple[str, ...] = ("commit", "pr", "issue", "review")
# The categories whose pairs can teach writing code (the article's bug fixes, features, refactors, UI, code
# review and debugging, plus tests, performance and reverts); docs, build, dependency, style, release and
# bookkeeping changes may be selected for their own sake but are never good examples of code work.
TEACHING: tuple[str, ...] = ("bugfix", "feature", "refactor", "ui", "code_review", "debugging", "tests", "perf",
                             "revert")
