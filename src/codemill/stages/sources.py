"""`sources`: open every source and describe it; a source that cannot be milled is dropped with its reason.

Each repository gets its identity here (`sources.identity`): `owner/name` from a declared name, the URL or the
clone's `origin`, else a unique folder-derived name, and its web page when the host is known.

Drop reasons: `not_found`, `not_git`, `clone_failed`, `empty` (no commits), `shallow` (history cut off),
`corrupt` (objects that cannot be read), `duplicate_source` (another spec names the same repository).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import pyarrow as pa
import pygit2

from codemill import licenses
from codemill.config import SourcesConfig
from codemill.engine.reads import Reads
from codemill.engine.stage import PlanContext, Shard, ShardOutput, Stage
from codemill.git.repo import head_info, open_repo
from codemill.git.tree import tree_files
from codemill.ids import digest_json, stable_id
from codemill.signals import SIGNALS_SCHEMA, compute_signals
from codemill.sources.identity import Identity, identities
from codemill.sources.spec import Source, is_git_dir, web_url

BASE_SCHEMA = pa.schema([
    ("source_id", pa.string()),
    ("source", pa.string()),
    ("repo_id", pa.string()),
    ("repo_name", pa.string()),
    ("location", pa.string()),
    ("url", pa.string()),
    ("web_url", pa.string()),
    ("is_bare", pa.bool_()),
    ("head", pa.string()),
    ("default_branch", pa.string()),
    ("license", pa.string()),  # the repository-level SPDX expression resolved from the evidence; null if none
    ("license_evidence", pa.list_(licenses.ARROW_TYPE)),  # every finding: file, kind, rule, confidence, span
    ("license_overrides", pa.list_(pa.struct([("path", pa.string()), ("spdx", pa.string())]))),
    ("license_files_read", pa.int64()),
    ("license_scan_truncated", pa.bool_()),  # more files at head than sources.license_scan_max_files
])
# What the repository is, then the signals of real-world use measured on it (`codemill.signals`).
SCHEMA = pa.schema(list(BASE_SCHEMA) + list(SIGNALS_SCHEMA))


def _probe(location: str | None) -> str:
    """A cheap fingerprint of a repository's state for the plan: its HEAD, or why it cannot be read."""
    if location is None:
        return "unresolved"
    try:
        repo = open_repo(location)
        if repo.head_is_unborn:
            return "unborn"
        return f"{repo.head.target}|shallow={repo.is_shallow}"
    except (pygit2.GitError, KeyError, ValueError) as e:
        return f"error:{e}"


def unborn_reason(repo: pygit2.Repository) -> str:
    """Why a repository whose HEAD names no commit has nothing to mill: no commits at all, or a HEAD on a
    branch that does not exist while others do."""
    branches = sorted(repo.branches.local)
    if not branches:
        return "the repository has no commits"
    target = repo.references["HEAD"].target
    return (f"HEAD points to {target}, which does not exist; its branches are {', '.join(branches[:5])}: "
            "check one out, or set HEAD to it")


def gitdir_outside(src: Source) -> str | None:
    """Why a `.git` file (`gitdir: …`) is refused: it points outside the repository's folder, so milling it
    would mill another repository on this machine under this folder's name (a worktree is refused too: pass the
    repository it belongs to)."""
    git = Path(src.location) / ".git"
    if not git.is_file():
        return None
    root = git.parent.resolve()
    text = git.read_text(errors="replace").strip()
    target = text.removeprefix("gitdir:").strip() if text.startswith("gitdir:") else ""
    if target and (root / target).resolve().is_relative_to(root):
        return None
    return (f"its .git file points outside {root} (gitdir: {target or text[:80]}); pass the repository it belongs "
            "to instead")


@dataclass(frozen=True)
class SourceShard:
    """Every spec that resolved to one repository (the first is milled, the rest are duplicates) and the
    identity the run gave it."""

    sources: list[Source]
    identity: Identity


class SourcesStage(Stage[SourceShard]):
    name = "sources"
    reads: ClassVar[Reads] = {}
    schema = SCHEMA
    id_column = "source_id"

    section: SourcesConfig

    def plan(self, ctx: PlanContext) -> list[Shard[SourceShard]]:
        by_repo: dict[str, list[Source]] = {}
        for src in ctx.sources:
            by_repo.setdefault(src.repo_id, []).append(src)
        # Specs that resolve to one target (a folder and a repository in it, a symlink) are one source.
        groups = {repo_id: sorted(set(srcs), key=lambda s: (s.name is None, s.spec)) for repo_id, srcs in
                  by_repo.items()}
        names = identities((repo_id, srcs[0].name, srcs[0].url, srcs[0].location) for repo_id, srcs in
                           groups.items())
        shards = []
        for repo_id, srcs in sorted(groups.items()):
            ident = names[repo_id]
            state = [(s.spec, s.location, s.url, s.error, _probe(s.location)) for s in srcs] + [ident.name,
                                                                                                ident.web_url]
            shards.append(Shard(repo_id, digest_json(state), SourceShard(srcs, ident)))
        return shards

    def run(self, shard: Shard[SourceShard], out: ShardOutput) -> None:
        (first, *rest), ident = shard.payload.sources, shard.payload.identity
        row, reason, detail = self._describe(first, ident)
        if reason:
            out.drop(row, reason, detail)
        else:
            out.keep(row)
        for dup in rest:
            out.drop(self._base_row(dup, ident), "duplicate_source", f"same repository as {first.spec}")

    @staticmethod
    def _base_row(src: Source, ident: Identity) -> dict:
        return {
            "source_id": stable_id("source", src.spec, src.repo_id),
            "source": src.spec,
            "repo_id": src.repo_id,
            "repo_name": ident.name,
            "location": src.location,
            "url": src.url,
            "web_url": ident.web_url or web_url(src.repo_id),
        }

    def _describe(self, src: Source, ident: Identity) -> tuple[dict, str | None, str | None]:
        row = self._base_row(src, ident)
        if src.error:
            return row, "clone_failed", src.error
        assert src.location is not None
        if not os.path.exists(src.location):
            return row, "not_found", f"no such path: {src.location}"
        if (outside := gitdir_outside(src)) is not None:
            return row, "not_git", outside
        try:
            repo = open_repo(src.location)
        except pygit2.GitError as e:
            return row, "not_git", str(e)
        row["is_bare"] = is_git_dir(Path(src.location))  # as given; open_repo always reads it bare
        if repo.head_is_unborn:
            return row, "empty", unborn_reason(repo)
        if repo.is_shallow and not self.section.allow_shallow:
            return row, "shallow", "a shallow clone: history is cut off"
        try:
            head, branch = head_info(repo)
            signals = compute_signals(repo, head, window=self.section.signals_window)
            evidence, n_read, truncated = self._license_evidence(repo, head)
        except (pygit2.GitError, KeyError, ValueError, OSError) as e:
            return row, "corrupt", f"{type(e).__name__}: {e}"
        row.update(head=head, default_branch=branch, **signals.to_row(), **licenses.resolve(evidence).to_row(),
                   license_files_read=n_read, license_scan_truncated=truncated)
        return row, None, None

    def _license_evidence(self, repo: pygit2.Repository, head: str) -> tuple[list, int, bool]:
        """License evidence from the files at head: license files and package metadata first, then the
        leading lines of every other file (SPDX lines, license notices), within the configured budget."""
        cfg = self.section
        paths = list(tree_files(repo, head))
        # Files that can decide the repository's license are read before the budget goes to source headers.
        paths.sort(key=lambda p: (not set(licenses.detectors_for(p[0])) & {"license_file", "package_metadata"},
                                  p[0]))
        files: dict[str, bytes] = {}
        for path, oid in paths[:cfg.license_scan_max_files]:
            try:
                blob = repo[oid]
                if blob.size <= cfg.license_scan_max_bytes and not blob.is_binary:
                    files[path] = blob.data
            except (pygit2.GitError, KeyError):
                continue  # an unreadable blob is the commits stage's to report, per commit; not a reason to drop
        return licenses.evidence_for_tree(files), len(files), len(paths) > cfg.license_scan_max_files
