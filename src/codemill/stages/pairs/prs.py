"""A pull request's pair: the instruction its title and its commits state, and the row the rules judge.

GitHub writes the PR title into the merge message's body (GitLab and Bitbucket likewise); the PR's own commits
say what was done, step by step. The instruction is the title, then the merge message's description if any,
then the cleaned message of each commit of the PR that says something, at most `MAX_MESSAGES` of them (merges,
generic messages, review rounds such as "address review comments", lint and test fixups, and repeats of the
title are left out). A rebase merge has no title: its commits' messages are the instruction.

The commit rules judge a PR on what it is, not on its merge commit: its instruction as the message, and the
author most of its commits have (a bot's PR is a bot's even when a maintainer merged it).
"""

from __future__ import annotations

import re
from collections import Counter
from difflib import SequenceMatcher

from codemill.config import PairsConfig
from codemill.instruction import clean
from codemill.stages.pairs.rules import is_generic

MAX_MESSAGES = 12
MAX_CHARS = 6000
# What a PR branch's commits say to its reviewers, not about the task: review rounds, fixups, lint and test runs.
_BRANCH_NOISE = re.compile(
    r"^\W*(?:(?:address(?:ed|ing)?|apply|applied|incorporate[sd]?|respond(?:ed)? to|handle[sd]?)\b.*"
    r"\b(?:review|feedback|comments?|suggestions?|nits?)\b|(?:fixup|squash|amend)!|"
    r"(?:fix(?:e[sd])?|run|ran|make)\s+(?:the\s+)?(?:lint(?:er|ing)?|tests?|typos?|ci|build|format(?:ting)?|mypy|"
    r"flake8|black|isort|ruff|style|pre-commit|types?)\b\W*$|(?:review|pr|code review) (?:feedback|comments?|fixes)|"
    r"(?:lint|linting|format(?:ting)?|formatted|black|isort|pre-commit|wip|nits?)\b\W*$|"
    r"(?:run\s+|apply\s+)?(?:black|isort|prettier|ruff|gofmt|rustfmt|eslint|clang-format)(?:\s+\w+)?\W*$|"
    r"(?:bump(?:ed)?\s+)?(?:the\s+)?version(?:\s+to)?\s+v?\d[\w.-]*\W*$|"
    r"update \S+\.\w+\W*$)", re.I)


def pr_author(row: dict) -> str:
    """The email most of the PR's own commits carry (the first such on a tie), else the merge's author."""
    emails = [m["author_email"] for m in row["members"] if not m["is_merge"]]
    if not emails:
        return row["author_email"]
    counts = Counter(emails)
    return max(emails, key=lambda e: (counts[e], -emails.index(e)))


def _same(a: str, b: str) -> bool:
    """The same words but for a character or two (`pytest >= 3.3.0` and `pytest > 3.3.0`)."""
    a, b = (" ".join(t.lower().split()).rstrip(".") for t in (a, b))
    if a == b or max(len(a), len(b)) > 300:  # long texts: only exact repeats (the ratio is quadratic)
        return a == b
    return SequenceMatcher(None, a, b, autojunk=False).ratio() >= 0.95


def pr_instruction(row: dict, cfg: PairsConfig) -> str:
    """The PR's task as its title, description and commit messages state it (cleaned, see the module)."""
    parts: list[str] = []
    if row["pr_title"]:
        head = clean(f"{row['pr_title']}\n\n{(row['pr_description'] or '')[:MAX_CHARS]}".strip()).text
        title, _, description = head.partition("\n")
        if title and not is_generic(title, cfg):
            parts.append(title)
        if description.strip():
            parts.append(description.strip())
    messages = 0
    for m in row["members"]:
        if m["is_merge"] or messages >= MAX_MESSAGES:
            continue
        text = clean(f"{m['subject']}\n\n{m['body'][:MAX_CHARS]}".strip()).text
        subject, _, body = text.partition("\n")
        if parts and _same(subject, parts[0]):
            text = body.strip()  # the commit repeats the title: its body is what it adds
        elif (is_generic(subject, cfg) or _BRANCH_NOISE.match(subject)) and not body.strip():
            continue
        if text and not any(_same(text, p) for p in parts):
            parts.append(text)
            messages += 1
    return "\n\n".join(parts)[:MAX_CHARS].strip()


def rule_row(row: dict, instruction: str) -> dict:
    """The row the commit rules judge for a PR: its instruction as the message, its commits' author."""
    subject, _, body = instruction.partition("\n")
    author = pr_author(row)
    return {**row, "subject": subject, "body": body.strip(), "author_email": author,
            "author_name": author.partition("@")[0]}
