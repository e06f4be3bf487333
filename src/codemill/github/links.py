"""Linking issues to the merged pull requests that closed them, and pull requests to commits in a clone.

Closing references follow GitHub's rule ("Linking a pull request to an issue"): one of close, closes, closed,
fix, fixes, fixed, resolve, resolves, resolved, in any case and optionally followed by a colon, then `#N`,
`owner/repo#N` or an issue URL; each issue needs its own keyword (`Fixes #1, #2` closes only #1). Like
SWE-bench's `extract_resolved_issues`, the PR title, body and commit messages are searched and HTML comments
are dropped first, since PR templates park example keywords in them (`<!-- Fixes #123 -->`).

A pull request's change is then found in a local clone the way it was merged: GitHub's `merge_commit_sha` on the
default branch's first-parent line, else a squash commit titled `... (#N)`, else a `Merge pull request #N`
merge commit, else the PR's own head commits reachable from the branch.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pygit2

from codemill.git.repo import first_parent_chain, open_repo
from codemill.github.events import Comment, Issue, PullRequest

KEYWORD = r"\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\b:?\s+"
REF_RE = re.compile(
    KEYWORD + r"(?:https?://github\.com/(?P<url_repo>[\w.-]+/[\w.-]+)/issues/(?P<url_n>\d+)"
    r"|(?P<repo>[\w.-]+/[\w.-]+)?#(?P<n>\d+))\b",
    re.IGNORECASE)
HTML_COMMENT_RE = re.compile(r"(?s)<!--.*?-->")


@dataclass(frozen=True)
class IssueRef:
    """A closing reference; `repo` is None for a bare `#N`, which means the pull request's own repository."""

    repo: str | None
    number: int


def find_closing_refs(text: str) -> list[IssueRef]:
    """Every closing reference in `text`, same- or cross-repository, in order of first appearance."""
    refs: dict[IssueRef, None] = {}
    for m in REF_RE.finditer(HTML_COMMENT_RE.sub("", text or "")):
        repo = m.group("url_repo") or m.group("repo")
        number = int(m.group("url_n") or m.group("n"))
        if number:
            refs[IssueRef(repo, number)] = None
    return list(refs)


def closing_refs(text: str, repo: str) -> list[int]:
    """Numbers of the issues of `repo` that `text` closes. Cross-repository references are left out: an issue
    elsewhere is not this repository's problem statement (`find_closing_refs` still returns them)."""
    numbers: dict[int, None] = {}
    for ref in find_closing_refs(text):
        if ref.repo is None or ref.repo.lower() == repo.lower():
            numbers[ref.number] = None
    return list(numbers)


@dataclass(frozen=True)
class IssuePR:
    """A merged pull request closing an issue. The flags mark many-to-many links, which make noisier pairs
    (a PR closing several issues solves more than any one statement asks; an issue fixed twice was reopened
    or fixed in parts)."""

    repo: str
    issue: int
    pr: int
    issue_has_several_prs: bool = False
    pr_closes_several_issues: bool = False


def link_issues_to_prs(issues: Iterable[Issue], prs: Iterable[PullRequest],
                       commit_messages: dict[int, list[str]]) -> list[IssuePR]:
    """Links between one repository's issues and its merged pull requests (`commit_messages` by PR number).
    References to numbers that are pull requests, or that are not among `issues`, are dropped."""
    prs = [p for p in prs if p.merged]
    issues = [i for i in issues if not i.is_pull_request]
    repos = {x.repo.lower() for x in (*issues, *prs)}
    if len(repos) > 1:
        raise ValueError(f"link one repository at a time, not {sorted(repos)}")
    known = {i.number for i in issues}
    pairs: list[tuple[str, int, int]] = []
    for pr in sorted(prs, key=lambda p: p.number):
        text = "\n".join([pr.title, pr.body, *commit_messages.get(pr.number, [])])
        pairs += [(pr.repo, n, pr.number) for n in closing_refs(text, pr.repo) if n in known]
    per_issue: dict[int, int] = defaultdict(int)
    per_pr: dict[int, int] = defaultdict(int)
    for _, issue, pr_number in pairs:
        per_issue[issue] += 1
        per_pr[pr_number] += 1
    return [IssuePR(repo, issue, pr_number, per_issue[issue] > 1, per_pr[pr_number] > 1)
            for repo, issue, pr_number in sorted(pairs, key=lambda t: (t[1], t[2]))]


@dataclass(frozen=True)
class PRCommits:
    """Where a pull request landed: `method` is `merge_sha`, `squash_suffix`, `merge_message` or `head_commits`.
    For the first three `commits` is one commit on the branch (its first-parent diff is the change); for
    `head_commits` it is the PR's own commits present in the history, oldest first."""

    number: int
    method: str
    commits: tuple[str, ...]


class History:
    """The first-parent line of a clone's default branch, read once for any number of pull requests."""

    def __init__(self, location: str | Path, branch: str | None = None):
        self.repo = open_repo(str(location))
        ref = self.repo.references[f"refs/heads/{branch}"] if branch else self.repo.head
        self.tip = str(ref.peel(pygit2.Commit).id)
        self.line = first_parent_chain(self.repo, self.tip)
        self.on_line = set(self.line)

    def _subject(self, sha: str) -> str:
        return self.repo[sha].message.split("\n", 1)[0].strip()

    def _in_history(self, sha: str) -> bool:
        try:
            oid = pygit2.Oid(hex=sha)
            if oid not in self.repo:
                return False
        except ValueError:
            return False
        return sha == self.tip or self.repo.descendant_of(pygit2.Oid(hex=self.tip), oid)

    def find(self, pr: PullRequest) -> PRCommits | None:
        """The commit(s) of `pr` in this history, or None when it never reached the branch."""
        n = pr.number
        if pr.merge_commit_sha and pr.merge_commit_sha in self.on_line:
            return PRCommits(n, "merge_sha", (pr.merge_commit_sha,))
        squash = re.compile(rf"\(#{n}\)$")
        merge = re.compile(rf"^Merge pull request #{n} from \S")
        for method, pattern, needs_merge in (("squash_suffix", squash, False), ("merge_message", merge, True)):
            for sha in self.line:  # oldest first: a later revert or re-land is not the original change
                if pattern.search(self._subject(sha)) and (len(self.repo[sha].parent_ids) > 1) == needs_merge:
                    return PRCommits(n, method, (sha,))
        heads = [s for s in (pr.commits or ((pr.head_sha,) if pr.head_sha else ())) if self._in_history(s)]
        return PRCommits(n, "head_commits", tuple(heads)) if heads else None


def hints(comments: Iterable[Comment], before: datetime) -> str:
    """SWE-bench's `hints_text`: the issue's comments made before `before` (the first commit of the linked pull
    request), oldest first, joined by newlines; later comments may discuss the fix itself."""
    early = sorted((c for c in comments if c.created_at is not None and c.created_at < before),
                   key=lambda c: (c.created_at, c.id))
    return "\n".join(c.body for c in early)
