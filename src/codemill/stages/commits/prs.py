"""Merged pull requests in a clone: the merge messages forges write, a PR's own commits, its base commit, the
PR merges nested inside branch merges, and the rebase merges GitHub makes.

SWE-bench, SWE-Gym and SWE-rebench take the pull request as the unit: its base commit is the merge-base of the
branch it merged into and its tip, and its change is base → tip. A clone alone says all of that for a merge
commit: the first parent is the branch, the second parent is the PR's tip. Three ways a PR lands are recognised:

- a merge commit on the first-parent line (`Merge pull request #N from …`, GitLab's `See merge request …!N`,
  Bitbucket's `Merged in … (pull request #N)`, or a plain `Merge branch 'topic'`);
- a PR merge nested inside a merge of another branch (a maintenance branch merged into the default branch brings
  the PRs merged into it): each top-most nested PR merge is a PR of its own, and the carrying merge is not;
- a rebase merge: consecutive commits GitHub re-committed in one go (committer `GitHub <noreply@github.com>`,
  one commit time); the last of them stands for the PR and the others are part of it.

Nothing here writes to the repository (a real three-way merge would write merged blobs into its object store):
a merge's own edits are found by comparing trees.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pygit2
from pygit2.enums import SortMode

from codemill.git.message import decode_message, parse_message

_GITHUB = re.compile(r"^Merge pull request #(?P<num>\d+) from \S+")
_BITBUCKET = re.compile(r"^Merged in \S+ \(pull request #(?P<num>\d+)\)")
_GITLAB = re.compile(r"^See merge request \S+!(?P<num>\d+)\s*$", re.M)
# `git merge topic` on the branch itself (GitLab's subject is `Merge branch 'x' into 'y'`). A merge of what was
# pulled (`… of https://…`, `remote-tracking branch`) is not a unit of work: it brings whatever others pushed.
_BRANCH = re.compile(r"^Merge branch '[^']+'(?: into '?[^'\s]+'?)?\s*$")
# GitHub's web-flow identity: it commits squash and rebase merges and web-editor commits.
WEB_FLOW = (b"GitHub", b"noreply@github.com")
MAX_MEMBERS = 250  # a PR's own commits kept in a row (their messages feed the instruction); the rest are counted


@dataclass(frozen=True)
class MergeMessage:
    """What a merge commit's message says about the pull request it merged."""

    forge: str  # github | gitlab | bitbucket | branch | other
    pr_number: int | None
    title: str | None  # the PR title (the first paragraph of the body, for forges that put it there)
    description: str  # the rest of the body, without GitLab's `See merge request` line

    @property
    def is_pr(self) -> bool:
        """A forge's pull-request merge (with a number)."""
        return self.pr_number is not None

    @property
    def is_unit(self) -> bool:
        """A merge that brings one piece of work: a PR, or a plain topic-branch merge."""
        return self.forge != "other"


def parse_merge(subject: str, body: str) -> MergeMessage:
    """The forge, PR number, title and description a merge message gives."""
    body = body.strip()
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", body) if p.strip()]
    if m := _GITHUB.match(subject) or _BITBUCKET.match(subject):
        forge = "github" if subject.startswith("Merge pull") else "bitbucket"
        title = " ".join(paragraphs[0].split()) if paragraphs else None
        return MergeMessage(forge, int(m["num"]), title, "\n\n".join(paragraphs[1:]))
    if m := _GITLAB.search(body):
        rest = [p for p in paragraphs if not _GITLAB.search(p)]
        title = " ".join(rest[0].split()) if rest else None
        return MergeMessage("gitlab", int(m["num"]), title, "\n\n".join(rest[1:]))
    if _BRANCH.match(subject):
        return MergeMessage("branch", None, None, body)
    return MergeMessage("other", None, None, body)


def merge_message(commit: pygit2.Commit) -> MergeMessage:
    parsed = parse_message(decode_message(commit.raw_message, commit.message_encoding).text)
    return parse_merge(parsed.subject, parsed.body)


def own_commits(repo: pygit2.Repository, branch: pygit2.Oid, tip: pygit2.Oid) -> Iterator[pygit2.Commit]:
    """The commits reachable from `tip` and not from `branch` (`git log branch..tip`), oldest first."""
    walker = repo.walk(tip, SortMode.TOPOLOGICAL | SortMode.REVERSE)
    walker.hide(branch)
    yield from walker


def member_row(commit: pygit2.Commit) -> dict:
    """One of a PR's own commits, as a `commits` row lists it."""
    parsed = parse_message(decode_message(commit.raw_message, commit.message_encoding).text)
    return {"sha": str(commit.id), "subject": parsed.subject, "body": parsed.body,
            "author_email": commit.author.raw_email.decode("utf-8", "replace"),
            "is_merge": len(commit.parents) > 1}


@dataclass
class PullRequest:
    """A merged pull request as it lands in a clone."""

    how: str  # merge | rebase
    tip: str  # the PR's last commit
    base: str  # merge-base of the branch and the tip: the commit its change applies to
    members: list[dict]  # its own commits, oldest first (at most MAX_MEMBERS)
    n_members: int
    message: MergeMessage | None  # the merge's message (None for a rebase merge)
    resolved_paths: list[str]  # files the merge commit left different from the PR's tip (both sides changed them)


def merged_pr(repo: pygit2.Repository, merge: pygit2.Commit, message: MergeMessage) -> PullRequest | None:
    """The PR a two-parent merge commit (whose parsed message is `message`) merged: tip = second parent,
    base = merge-base(first parent, tip)."""
    if len(merge.parents) != 2:
        return None
    first, tip = merge.parent_ids
    members = []
    n = 0
    own: set[pygit2.Oid] = set()
    outside: set[pygit2.Oid] = set()  # parents of the PR's own commits
    for c in own_commits(repo, first, tip):
        n += 1
        own.add(c.id)
        outside.update(c.parent_ids)
        if len(members) < MAX_MEMBERS:
            members.append(member_row(c))
    outside -= own
    # Every common ancestor is reached from the tip through a parent of an own commit that is not one itself; when
    # there is one such parent it is the merge-base, and a second walk (a third of this function) is saved.
    base = outside.pop() if len(outside) == 1 else repo.merge_base(first, tip)
    if base is None:  # unrelated histories: no base to state the change against
        return None
    return PullRequest("merge", str(tip), str(base), members, n, message, resolved_paths(repo, merge))


def resolved_paths(repo: pygit2.Repository, merge: pygit2.Commit) -> list[str]:
    """Paths where the merge result is neither the branch's nor the PR tip's version: merged by content (both
    sides changed them) or edited in the merge itself. The PR's change (base → tip) does not show those edits."""
    first, tip = merge.parents
    out = []
    for delta in first.tree.diff_to_tree(merge.tree).deltas:  # where the merge differs from the branch
        path = delta.new_file.path
        try:
            at_tip = tip.tree[path].id
        except KeyError:
            at_tip = None
        if delta.status_char() == "D":
            if at_tip is not None:
                out.append(path)
        elif at_tip != delta.new_file.id:
            out.append(path)
    return sorted(out)


def nested_prs(repo: pygit2.Repository, merge: pygit2.Commit) -> list[tuple[pygit2.Commit, MergeMessage]]:
    """The PR merges a branch merge brings that no other PR merge it brings contains (a PR merged into another
    PR's branch is part of that PR), oldest first, with their parsed messages."""
    if len(merge.parents) != 2:
        return []
    first, tip = merge.parent_ids
    merges = ((c, merge_message(c)) for c in own_commits(repo, first, tip) if len(c.parents) == 2)
    candidates = [(c, message) for c, message in merges if message.is_pr]
    if len(candidates) < 2:
        return candidates
    inside: set[pygit2.Oid] = set()
    for c, _message in candidates:
        inside.update(m.id for m in own_commits(repo, c.parent_ids[0], c.parent_ids[1]))
    return [(c, message) for c, message in candidates if c.id not in inside]


def is_web_flow(commit: pygit2.Commit) -> bool:
    c = commit.committer  # raw bytes: a commit may declare an encoding no codec knows
    return len(commit.parents) == 1 and (c.raw_name, c.raw_email) == WEB_FLOW


def rebased_together(a: pygit2.Commit, b: pygit2.Commit) -> bool:
    """`b` (the child) was committed by GitHub's rebase merge in the same go as its parent `a`."""
    return (is_web_flow(a) and is_web_flow(b) and a.committer.time == b.committer.time
            and b.parent_ids[0] == a.id)


def rebase_members(repo: pygit2.Repository, tip: pygit2.Commit) -> list[pygit2.Commit]:
    """The commits rebased together with `tip` and before it, oldest first (just `tip` when none were)."""
    run = [tip]
    while is_web_flow(run[-1]) and run[-1].parents:
        parent = run[-1].parents[0]
        if not rebased_together(parent, run[-1]):
            break
        run.append(parent)
    run.reverse()
    return run


def rebased_pr(repo: pygit2.Repository, tip: pygit2.Commit) -> PullRequest | None:
    """The PR a rebase merge landed, given its last commit; None unless at least two commits were rebased."""
    run = rebase_members(repo, tip)
    if len(run) < 2 or not run[0].parents:
        return None
    base = run[0].parent_ids[0]
    return PullRequest("rebase", str(tip.id), str(base), [member_row(c) for c in run[:MAX_MEMBERS]], len(run),
                       None, [])
