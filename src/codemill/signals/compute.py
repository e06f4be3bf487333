"""Signals of real-world use for one repository, as plain columns. Deterministic: nothing here reads the
clock; "recent" is measured back from the head commit's committer time.

Cost: one walk over the reachable commits (author pairs, committer times, merges), one first-parent walk,
name-only tree diffs over a window of recent first-parent commits (no patch is generated), and a listing of
the head tree (and of the root commit's tree).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime

import pyarrow as pa
import pygit2
from pygit2.enums import FileMode, SortMode

from codemill.git.message import decode_message, find_refs, parse_message
from codemill.paths import is_test_path, is_vendored
from codemill.signals import forks
from codemill.signals.identities import author_stats
from codemill.signals.path_kinds import ci_systems, is_code, packaging_files

DAY = 86400
YEAR = 365 * DAY
_BLOB_MODES = (FileMode.BLOB, FileMode.BLOB_EXECUTABLE)


@dataclass(frozen=True)
class Signals:
    """Signals of real-world use of one repository at one head commit.

    History (all reachable commits unless said otherwise; times are committer times, UTC):
    - commits: first-parent commits of the default branch (what the `commits` stage mines).
    - reachable_commits: commits reachable from head.
    - distinct_authors: people among the authors. (name, email) pairs are merged when they share a normalised
      (NFKC, case-folded, whitespace-collapsed) email or name; a GitHub noreply email `123+login@users.noreply.
      github.com` stands for `login` (and links to the name `login`); generic names and emails (root, user,
      unknown, you@example.com …) and lone first names ("Ben") link nothing. Bots are not counted.
    - bot_authors: distinct bot identities (name or email matches a bot pattern: [bot], dependabot, renovate,
      github-actions, pre-commit-ci …), merged among themselves the same way.
    - top_author_share: share of the human non-merge commits made by the most active person; null if none.
    - first_commit_at, last_commit_at: earliest and latest committer time.
    - active_days: whole days from first_commit_at to last_commit_at (the span).
    - active_months: distinct calendar months (UTC) with at least one commit.
    - commits_last_year: commits committed in the 365 days up to the head commit's committer time.

    Head tree (regular and executable files; symlinks and submodules are not files):
    - n_files_head: files at head.
    - n_code_files_head: source-code files at head (by extension; not docs, data, markup or styling, not
      vendored).
    - test_file_share: share of the code files at head that are tests (by directory or file name); null if
      there is no code.

    Recent changes:
    - window_commits: the last `window` first-parent commits (merges included), the window of ref_share.
    - ref_share: share of window_commits whose message references an issue or PR (`find_refs`: closing
      keywords, `(#45)`, `Merge pull request #`, `#123`, `GH-12`, `owner/repo#5`; trailers included); a merge
      also counts when the tip it merged (its second parent) does, as Gerrit's "Merge "…" into main" does
      not.
    - code_commits: of the last `window` first-parent non-merge commits, those that change non-test code
      (name-only diff against the first parent; a root commit against the empty tree).
    - tests_with_code_share: share of code_commits that also change a test path (any file in a test
      directory or named as a test); null if there are none.

    Project set-up at head:
    - has_ci, ci_systems: CI configured (GitHub Actions workflows, .gitlab-ci.yml, .travis.yml, CircleCI,
      Azure Pipelines, Jenkinsfile, Buildkite, AppVeyor, Bitbucket Pipelines, Drone, Woodpecker, Cirrus,
      Semaphore, TeamCity, Zuul, sourcehut, Gitea/Forgejo Actions). tox.ini and noxfile.py run tests but are
      not CI, so they do not count.
    - has_packaging, packaging_files: packaging manifests (pyproject.toml, setup.py, package.json,
      Cargo.toml, go.mod, pom.xml, build.gradle, *.gemspec, *.csproj, …) at the root or one folder down, not
      in tests, vendored trees, examples or docs.

    Forks and mirrors (see `codemill.signals.forks` for each indication's exact condition):
    - fork_indications: sorted names among upstream_remote, origin_url_mirror, readme_mirror, readme_fork,
      bulk_import_root, mirror_committer, git_svn_mirror.
    - is_fork_or_mirror: any indication.

    List columns are tuples here and lists in `to_row()`.
    """

    commits: int
    reachable_commits: int
    distinct_authors: int
    bot_authors: int
    top_author_share: float | None
    first_commit_at: datetime
    last_commit_at: datetime
    active_days: int
    active_months: int
    commits_last_year: int
    n_files_head: int
    n_code_files_head: int
    test_file_share: float | None
    window_commits: int
    ref_share: float
    code_commits: int
    tests_with_code_share: float | None
    has_ci: bool
    ci_systems: tuple[str, ...]
    has_packaging: bool
    packaging_files: tuple[str, ...]
    fork_indications: tuple[str, ...]
    is_fork_or_mirror: bool

    def to_row(self) -> dict:
        """The columns of SIGNALS_SCHEMA, in its order (lists as lists)."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}


SIGNALS_SCHEMA = pa.schema([
    ("commits", pa.int64()),
    ("reachable_commits", pa.int64()),
    ("distinct_authors", pa.int64()),
    ("bot_authors", pa.int64()),
    ("top_author_share", pa.float64()),
    ("first_commit_at", pa.timestamp("s", tz="UTC")),
    ("last_commit_at", pa.timestamp("s", tz="UTC")),
    ("active_days", pa.int64()),
    ("active_months", pa.int64()),
    ("commits_last_year", pa.int64()),
    ("n_files_head", pa.int64()),
    ("n_code_files_head", pa.int64()),
    ("test_file_share", pa.float64()),
    ("window_commits", pa.int64()),
    ("ref_share", pa.float64()),
    ("code_commits", pa.int64()),
    ("tests_with_code_share", pa.float64()),
    ("has_ci", pa.bool_()),
    ("ci_systems", pa.list_(pa.string())),
    ("has_packaging", pa.bool_()),
    ("packaging_files", pa.list_(pa.string())),
    ("fork_indications", pa.list_(pa.string())),
    ("is_fork_or_mirror", pa.bool_()),
])
assert SIGNALS_SCHEMA.names == [f.name for f in fields(Signals)]


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _tree_paths(tree: pygit2.Tree) -> list[str]:
    """Paths of the regular and executable files of a tree, sorted (the index orders them)."""
    index = pygit2.Index()
    index.read_tree(tree)
    # pygit2 decodes a non-UTF-8 path with surrogate escapes, which Arrow cannot encode: replace them.
    return [p if p.isascii() else p.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            for p in (e.path for e in index if e.mode in _BLOB_MODES)]


def _references(commit: pygit2.Commit) -> bool:
    msg = decode_message(commit.raw_message, commit.message_encoding).text
    parsed = parse_message(msg)
    # Trailers too: "Fixes: #123" as the last paragraph (Gerrit, sqlalchemy) is a trailer to parse_message.
    body = "\n\n".join([parsed.body, *(f"{k}: {v}" for k, v in parsed.trailers)])
    return bool(find_refs(parsed.subject, body))


def _changed_paths(repo: pygit2.Repository, commit: pygit2.Commit) -> list[str]:
    diff = repo.diff(commit.parents[0].tree, commit.tree) if commit.parents else commit.tree.diff_to_tree(swap=True)
    return [_text(d.new_file.raw_path) for d in diff.deltas]  # a deletion's new_file names the deleted path


def _remote_urls(repo: pygit2.Repository) -> dict[str, str]:
    try:
        return {r.name: r.url or "" for r in repo.remotes}
    except pygit2.GitError:  # an unreadable remote section is no indication either way
        return {}


def compute_signals(repo: pygit2.Repository, head: str, *, window: int = 1000) -> Signals:
    """The signals of `repo` at commit `head`; `window` bounds the recent-changes signals."""
    if window < 1:
        raise ValueError(f"window must be positive, got {window}")
    head_commit = repo[head].peel(pygit2.Commit)
    head_time = head_commit.commit_time

    # One walk over everything reachable: authors, committer times, merges, the committer identity.
    pairs: dict[tuple[bytes, bytes], int] = {}  # author pair → non-merge commits
    days: set[int] = set()
    reachable = last_year = 0
    first = last = head_time
    one_committer: bytes | None = head_commit.committer.raw_email
    for c in repo.walk(head_commit.id, SortMode.NONE):
        reachable += 1
        a = c.author
        key = (a.raw_name, a.raw_email)
        pairs[key] = pairs.get(key, 0) + (len(c.parent_ids) < 2)
        t = c.commit_time
        first = min(first, t)
        last = max(last, t)
        days.add(t // DAY)
        if t >= head_time - YEAR:
            last_year += 1
        if one_committer is not None and c.committer.raw_email != one_committer:
            one_committer = None
    authors = author_stats((_text(n), _text(e), n_own) for (n, e), n_own in pairs.items())
    months = {datetime.fromtimestamp(d * DAY, tz=UTC).strftime("%Y-%m") for d in days}

    # The first-parent chain, newest first: its length, its root, and the two windows.
    fp = repo.walk(head_commit.id, SortMode.NONE)
    fp.simplify_first_parent()
    n_first_parent = 0
    ref_window: list[pygit2.Commit] = []
    code_window: list[pygit2.Commit] = []
    root = head_commit
    for c in fp:
        n_first_parent += 1
        root = c
        if len(ref_window) < window:
            ref_window.append(c)
        if len(code_window) < window and len(c.parent_ids) < 2:
            code_window.append(c)

    referencing = 0
    for c in ref_window:
        if _references(c) or (len(c.parent_ids) > 1 and _references(repo[c.parent_ids[1]])):
            referencing += 1
    code_commits = with_tests = 0
    for c in code_window:
        paths = _changed_paths(repo, c)
        tests = [is_test_path(p) for p in paths]
        if any(is_code(p) and not t for p, t in zip(paths, tests, strict=True)):
            code_commits += 1
            with_tests += any(t and not is_vendored(p) for p, t in zip(paths, tests, strict=True))

    # The head tree.
    head_paths = _tree_paths(head_commit.tree)
    code = [p for p in head_paths if is_code(p)]
    n_tests = sum(1 for p in code if is_test_path(p))
    ci = ci_systems(head_paths)
    packaging = packaging_files(head_paths)

    # Forks and mirrors.
    indications = []
    remotes = _remote_urls(repo)
    if "upstream" in remotes:
        indications.append("upstream_remote")
    if forks.url_names_mirror(remotes.get("origin", "")):
        indications.append("origin_url_mirror")
    readme = _readme_opening(repo, head_commit.tree)
    if forks.readme_says_mirror(readme):
        indications.append("readme_mirror")
    if forks.readme_says_fork(readme):
        indications.append("readme_fork")
    root_paths = head_paths if root.id == head_commit.id else _tree_paths(root.tree)
    if forks.is_bulk_import(set(root_paths), set(head_paths)):
        indications.append("bulk_import_root")
    if one_committer is not None and forks.names_mirror_tool(_text(head_commit.committer.raw_name),
                                                              _text(one_committer)):
        indications.append("mirror_committer")
    if forks.has_git_svn_id(decode_message(head_commit.raw_message, head_commit.message_encoding).text):
        indications.append("git_svn_mirror")
    indications.sort()

    return Signals(
        commits=n_first_parent,
        reachable_commits=reachable,
        distinct_authors=authors.distinct_authors,
        bot_authors=authors.bot_authors,
        top_author_share=authors.top_author_share,
        first_commit_at=datetime.fromtimestamp(first, tz=UTC),
        last_commit_at=datetime.fromtimestamp(last, tz=UTC),
        active_days=(last - first) // DAY,
        active_months=len(months),
        commits_last_year=last_year,
        n_files_head=len(head_paths),
        n_code_files_head=len(code),
        test_file_share=_share(n_tests, len(code)),
        window_commits=len(ref_window),
        ref_share=referencing / len(ref_window),  # the window holds at least the head commit
        code_commits=code_commits,
        tests_with_code_share=_share(with_tests, code_commits),
        has_ci=bool(ci),
        ci_systems=tuple(ci),
        has_packaging=bool(packaging),
        packaging_files=tuple(packaging),
        fork_indications=tuple(indications),
        is_fork_or_mirror=bool(indications),
    )


def _readme_opening(repo: pygit2.Repository, tree: pygit2.Tree) -> str:
    parts = []
    for entry in sorted(tree, key=lambda e: e.raw_name):
        if entry.raw_name.lower().startswith(b"readme") and entry.filemode in _BLOB_MODES:
            blob = repo[entry.id]
            parts.append(forks.readme_opening(blob.data[:forks.README_MAX_BYTES]))
    return "\n".join(parts)
