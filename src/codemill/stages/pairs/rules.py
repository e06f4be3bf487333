"""The rules that drop a commit candidate. Each is one small function: the row in, a detail out when it drops.

The first rule that fires names the drop reason. Rules read only the commit row and the `pairs` config.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from codemill.config import PairsConfig
from codemill.instruction import clean
from codemill.paths import is_lockfile, is_vendored

Rule = Callable[[dict, PairsConfig], str | None]


def merge(row: dict, cfg: PairsConfig) -> str | None:
    """A merge that lands no pull request (a pulled branch, a tag, an octopus): what it brings has no one task."""
    if row["is_merge"] and row.get("pr_merge") != "merge" and not row.get("carries_prs"):
        return f"{len(row['parents'])} parents, no pull request"
    return None


def carries_prs(row: dict, cfg: PairsConfig) -> str | None:
    """A branch merge that brought pull requests: each has its own row, so the merge would count them twice."""
    if row.get("carries_prs"):
        return "brought PRs " + ", ".join(f"#{n}" for n in row["carries_prs"][:10])
    return None


def part_of_pr(row: dict, cfg: PairsConfig) -> str | None:
    """A commit of a rebase-merged pull request: the PR's pair, landed by a later commit, contains its change."""
    return "rebase-merged with the commit after it" if row.get("part_of_pr") else None


@functools.lru_cache(maxsize=256)
def _bot_regex(pattern: str) -> re.Pattern[str]:
    """A configured bot pattern, compiled once (not looked up in `re`'s cache for every commit)."""
    return re.compile(pattern, re.I)


def bot_author(row: dict, cfg: PairsConfig) -> str | None:
    who = f"{row['author_name']} <{row['author_email']}>"
    for pattern in map(_bot_regex, cfg.bot_patterns):
        if pattern.search(row["author_name"]) or pattern.search(row["author_email"]):
            return who
    return None


def empty_message(row: dict, cfg: PairsConfig) -> str | None:
    return "" if not row["subject"].strip() else None


def _normalise(text: str) -> str:
    return re.sub(r"[^\w\s.]", " ", text.lower()).strip(" .").split("\n")[0].strip()


def is_generic(subject: str, cfg: PairsConfig) -> bool:
    """A subject that says nothing: one of `generic_messages`, or shorter than `min_message_words`."""
    subject = " ".join(_normalise(subject).split())
    return subject in set(cfg.generic_messages) or subject.strip(".") == "" or (
        len(subject.split()) < cfg.min_message_words)


def generic_message(row: dict, cfg: PairsConfig) -> str | None:
    """The cleaned message (`codemill.instruction`: no trailers, squash lists or references) says nothing."""
    subject, _, body = clean(f"{row['subject']}\n\n{row['body']}").text.partition("\n")
    if body.strip():
        return None  # a body says what the subject does not
    if is_generic(subject, cfg):
        return row["subject"]
    # GitHub's web-editor defaults: "Update foo.py", "Create bar.md", "Delete x" naming only a touched file.
    m = re.fullmatch(r"(update|create|delete|add|rename)\s+(\S+)", " ".join(_normalise(subject).split()))
    if m and any(m[2] in (f["path"].lower(), f["path"].lower().rsplit("/", 1)[-1]) for f in row["files"]):
        return row["subject"]
    return None


def empty_diff(row: dict, cfg: PairsConfig) -> str | None:
    return "no file changed" if not row["files"] else None


def binary_only(row: dict, cfg: PairsConfig) -> str | None:
    return "every changed file is binary" if all(f["binary"] for f in row["files"]) else None


def lockfile_only(row: dict, cfg: PairsConfig) -> str | None:
    return "only lockfiles changed" if all(is_lockfile(f["path"]) for f in row["files"]) else None


def vendored_only(row: dict, cfg: PairsConfig) -> str | None:
    paths = [f["path"] for f in row["files"]]
    if all(is_vendored(p) or is_lockfile(p) for p in paths):
        return "only vendored (or lock) files changed"
    return None


def undecodable(row: dict, cfg: PairsConfig) -> str | None:
    if row["message_lossy"]:
        return f"message is not valid text in any declared encoding (guessed {row['message_encoding']})"
    bad = [f["path"] for f in row["files"] if f["diff_lossy"] or f["path_lossy"]]
    return f"not valid UTF-8: {', '.join(bad[:3])}" if bad else None


def blob_not_fetched(row: dict, cfg: PairsConfig) -> str | None:
    missing = [f["path"] for f in row["files"] if f.get("blob_missing")]
    return f"a partial clone did not fetch: {', '.join(missing[:3])}" if missing else None


def diff_truncated(row: dict, cfg: PairsConfig) -> str | None:
    return "a patch exceeded the commits stage's size caps" if row["diff_truncated"] else None


def too_many_files(row: dict, cfg: PairsConfig) -> str | None:
    return f"{row['n_files']} files > {cfg.max_files}" if row["n_files"] > cfg.max_files else None


def too_many_lines(row: dict, cfg: PairsConfig) -> str | None:
    changed = row["added"] + row["deleted"]
    return f"{changed} changed lines > {cfg.max_changed_lines}" if changed > cfg.max_changed_lines else None


RULES: tuple[tuple[str, Rule], ...] = (
    ("merge", merge),
    ("carries_prs", carries_prs),
    ("part_of_pr", part_of_pr),
    ("bot_author", bot_author),
    ("empty_message", empty_message),
    ("empty_diff", empty_diff),
    ("binary_only", binary_only),
    ("lockfile_only", lockfile_only),
    ("vendored_only", vendored_only),
    ("undecodable", undecodable),
    ("blob_not_fetched", blob_not_fetched),
    ("diff_truncated", diff_truncated),
    ("too_many_files", too_many_files),
    ("too_many_lines", too_many_lines),
    ("generic_message", generic_message),
)


# The rules that judge the commit as a commit pair: an issue → PR pair's instruction is the issue, not the
# message, and its commit may be the PR's merge.
MESSAGE_RULES = frozenset({"merge", "bot_author", "empty_message", "generic_message"})


def first_drop(row: dict, cfg: PairsConfig, *, skip: frozenset[str] = frozenset()) -> tuple[str, str] | None:
    for reason, rule in RULES:
        if reason in skip:
            continue
        detail = rule(row, cfg)
        if detail is not None:
            return reason, detail
    return None
