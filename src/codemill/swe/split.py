"""Splitting a commit's unified diff into the code patch (the solution) and the test patch (the check).

SWE-bench instances hand the model the repository with neither, then apply the test patch to grade it; a file
counts as test when either side of it (old or new path, so renames and deletions too) follows a test-path
convention.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

TEST_DIRS = frozenset({"test", "tests", "testing", "__tests__", "spec", "specs", "unittests", "test_utils"})
_TEST_FILE = re.compile(r"^(test_.*\.py|.*_tests?\.py|conftest\.py|tests?\.py)$")
_HEADER = re.compile(r"^diff --git (?:\"?a/(.*?)\"?) (?:\"?b/(.*?)\"?)$")


def is_test_path(path: str) -> bool:
    """Whether `path` is test code or fixtures by the usual conventions (a tests/ directory, test_*.py, ...)."""
    parts = PurePosixPath(path).parts
    if not parts:
        return False
    return any(part.lower() in TEST_DIRS for part in parts[:-1]) or bool(_TEST_FILE.match(parts[-1]))


def file_paths(chunk: str) -> tuple[str, ...]:
    """Old and new paths of one file's diff: from ---/+++ and rename/copy lines, the header only as a fallback
    (its split is ambiguous when paths contain ' b/')."""
    paths: list[str] = []
    for line in chunk.splitlines():
        if line.startswith(("--- a/", "+++ b/")):
            paths.append(line[6:].rstrip("\t"))
        elif line.startswith(("rename from ", "rename to ", "copy from ", "copy to ")):
            paths.append(line.split(" ", 2)[2])
        elif line.startswith("@@"):
            break
    if not paths and (match := _HEADER.match(chunk.split("\n", 1)[0])):
        paths = [match.group(1), match.group(2)]
    return tuple(dict.fromkeys(p.strip('"') for p in paths))


def file_chunks(diff: str) -> list[str]:
    """One string per file, each starting at its `diff --git` line; anything before the first is dropped."""
    chunks: list[str] = []
    for line in diff.splitlines(keepends=True):
        if line.startswith("diff --git "):
            chunks.append(line)
        elif chunks:
            chunks[-1] += line
    return chunks


def split_patch(diff: str) -> tuple[str, str]:
    """(code_patch, test_patch) of a git-format unified diff; either is "" when the diff touches no such file."""
    code, test = [], []
    for chunk in file_chunks(diff):
        (test if any(is_test_path(p) for p in file_paths(chunk)) else code).append(chunk)
    return "".join(code), "".join(test)


def patch_files(diff: str) -> list[str]:
    """Paths a diff leaves in the tree (the new side; deletions excluded), in diff order."""
    out: list[str] = []
    for chunk in file_chunks(diff):
        if "\n+++ /dev/null" in chunk or "\ndeleted file mode" in chunk:
            continue
        paths = file_paths(chunk)
        if paths:
            out.append(paths[-1])
    return out
