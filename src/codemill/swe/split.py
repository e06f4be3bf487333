"""Splitting a commit's unified diff into the code patch (the solution) and the test patch (the check).

SWE-bench instances hand the model the repository with neither, then apply the test patch to grade it; a file
counts as test when either side of it (old or new path, so renames and deletions too) follows a test-path
convention.
"""

from __future__ import annotations

from codemill.paths import is_test_path
from codemill.redact.patch import is_people_list
from codemill.render.diff import file_chunks, file_paths


def split_patch(diff: str) -> tuple[str, str]:
    """(code_patch, test_patch) of a git-format unified diff; either is "" when the diff touches no such file.
    Lists of people (AUTHORS, CONTRIBUTORS, … see `redact.patch.is_people_list`) are in neither: no test reads
    them, and they would export their addresses."""
    code, test = [], []
    for chunk in file_chunks(diff):
        paths = file_paths(chunk)
        if paths and all(is_people_list(p) for p in paths):
            continue
        (test if any(is_test_path(p) for p in paths) else code).append(chunk)
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
