"""Diff coherence: is the response one focused change that the instruction describes?

A model learns "message -> diff" only when the diff is the message's change and nothing else: a three-line fix
with its test teaches it; the same fix buried in a 40-file reformat teaches that instructions predict noise.
Sub-features, each in [0, 1]:

- breadth: number of files (1-2 ideal, exp decay after) and of hunks (1-3 ideal, slower decay).
- spread: distinct directories of the non-test files; a package's module and its test live apart by
  convention, so tests do not count as spread.
- concern: the kinds of files touched (code, docs, ci, build/dependencies, config, assets, vendored).
  Code and its tests are one concern; changelog/news entries accompany any change and are ignored. Each kind
  besides the main one costs a penalty (docs and config little, ci, dependencies and vendored trees more).
- size: changed lines; nothing changed (a rename or a mode change) is worthless, 1-150 lines ideal, large
  changes decay (0.42 at 500 lines) because they outgrow a context window and mix concerns.

The score is a weighted mean (breadth 0.35, size 0.3, concern 0.2, spread 0.15). An earlier overlap feature (the
share of the message's identifiers found in the diff) was dropped: on the hand-labelled commits it ranked good
pairs below bad ones (AUC 0.45 among code changes), since detailed messages name more than their diff shows.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from codemill.paths import is_lockfile, is_test_path, is_vendored
from codemill.quality.tests_signal import is_code_path


@dataclass(frozen=True, slots=True)
class FileChange:
    """One changed file of a commit: the fields of a `commits` file record that the quality score reads."""

    path: str
    status: str = "M"
    added: int = 0
    deleted: int = 0
    diff: str | None = None
    binary: bool = False


Change = FileChange | Mapping[str, Any]


def as_change(f: Change) -> FileChange:
    """A `FileChange` from itself or a `commits` file record (missing counts, for truncated patches, are 0)."""
    if isinstance(f, FileChange):
        return f
    return FileChange(f["path"], f.get("status") or "M", f.get("added") or 0, f.get("deleted") or 0, f.get("diff"),
                      bool(f.get("binary")))


_CHANGELOG = re.compile(r"(?:^|/)(?:changelog|changes|news|history|release[-_]?notes|whatsnew)(?:[./_-]|$)"
                        r"|(?:^|/)(?:changelog\.d|changes|newsfragments|\.changeset|news)/", re.I)
_CI = re.compile(r"(?:^|/)(?:\.github/workflows|\.circleci|\.buildkite|\.azure-pipelines|ci)/"
                 r"|(?:^|/)(?:\.gitlab-ci\.yml|\.travis\.yml|appveyor\.yml|azure-pipelines\.yml|Jenkinsfile"
                 r"|\.pre-commit-config\.yaml|codecov\.yml|\.cirrus\.yml)$", re.I)
_BUILD = re.compile(r"(?:^|/)(?:package\.json|pyproject\.toml|setup\.py|setup\.cfg|requirements[^/]*\.(?:txt|in)"
                    r"|Cargo\.toml|go\.mod|pom\.xml|build\.gradle(?:\.kts)?|settings\.gradle(?:\.kts)?|Gemfile"
                    r"|Makefile|CMakeLists\.txt|meson\.build|tox\.ini|noxfile\.py|MANIFEST\.in|Dockerfile"
                    r"|environment\.ya?ml|Pipfile|\.nvmrc|tsconfig[^/]*\.json)$", re.I)
_DOCS = re.compile(r"(?:^|/)(?:docs?|documentation|man|examples?)/|(?:^|/)(?:readme|contributing|authors|license"
                   r"|copying|notice|code_of_conduct|security)(?:\.\w+)?$|\.(?:md|rst|adoc|txt|textile|rdoc)$", re.I)
_ASSETS = re.compile(r"\.(?:png|jpe?g|gif|svg|ico|webp|bmp|woff2?|ttf|eot|otf|mp[34]|wav|pdf|zip|gz|jar)$", re.I)

# What one extra kind of file besides the main one costs the concern sub-feature.
EXTRA_CONCERN_PENALTY = {"docs": 0.15, "config": 0.15, "assets": 0.2, "build": 0.25, "ci": 0.25, "vendored": 0.3,
                         "code": 0.3}


def concern_of(path: str) -> str | None:
    """The kind of a changed file; None for changelog entries, which go with any change."""
    if is_vendored(path):
        return "vendored"
    if _CHANGELOG.search(path):
        return None
    if _CI.search(path):  # before tests: a workflow named test.yml is CI
        return "ci"
    if is_test_path(path):
        return "code"
    if is_lockfile(path) or _BUILD.search(path):
        return "build"
    if _DOCS.search(path):
        return "docs"
    if is_code_path(path):
        return "code"
    return "assets" if _ASSETS.search(path) else "config"


def n_hunks(diff: str | None) -> int:
    return sum(1 for line in (diff or "").splitlines() if line.startswith("@@"))


def breadth_score(n_files: int, hunks: int | None) -> float:
    files = math.exp(-max(0, n_files - 2) / 8)
    return files if hunks is None else 0.6 * files + 0.4 * math.exp(-max(0, hunks - 3) / 12)


def spread_score(paths: Sequence[str]) -> float:
    dirs = {str(PurePosixPath(p).parent) for p in paths if not is_test_path(p)}
    return 1.0 / (1.0 + 0.18 * max(0, len(dirs) - 1))


def concern_score(files: Sequence[FileChange]) -> float:
    lines: dict[str, int] = {}
    for f in files:
        if (kind := concern_of(f.path)) is not None:
            lines[kind] = lines.get(kind, 0) + f.added + f.deleted + 1
    if not lines:
        return 1.0
    main = "code" if "code" in lines else max(lines, key=lambda k: (lines[k], k))
    return max(0.2, 1.0 - sum(EXTRA_CONCERN_PENALTY[k] for k in lines if k != main))


def size_score(changed: int) -> float:
    if changed <= 0:
        return 0.1
    return 1.0 if changed <= 150 else 1.0 / (1.0 + (changed - 150) / 250)


def coherence(instruction: str, files: Sequence[Change]) -> float:
    """How focused the change is and how well the instruction describes it, in [0, 1]."""
    changes = [as_change(f) for f in files]
    if not changes:
        return 0.0
    has_patches = any(f.diff for f in changes)
    hunks = sum(n_hunks(f.diff) for f in changes) if has_patches else None
    return (0.35 * breadth_score(len(changes), hunks)
            + 0.3 * size_score(sum(f.added + f.deleted for f in changes))
            + 0.2 * concern_score(changes)
            + 0.15 * spread_score([f.path for f in changes]))
