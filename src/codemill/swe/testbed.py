"""A verified tree unpacked from its archive as a git repository of one commit: what an exported SWE task's eval
script and a function task's rewards reset to (`git checkout`, `git clean`) between runs."""

from __future__ import annotations

import subprocess
import tarfile
from collections.abc import Sequence
from pathlib import Path

# Committing needs an identity and must not ask a key to sign: the caller's git configuration does not apply.
GIT = ["git", "-c", "user.name=codemill", "-c", "user.email=codemill@localhost", "-c", "commit.gpgsign=false"]


def unpack(archive: Path, testbed: Path, exclude: Sequence[str] = ()) -> None:
    """Extract `archive` (a tar, compressed or not; only regular files, directories and links inside the target)
    into the new folder `testbed`, commit it, and keep `exclude` (the `.venv`, harness files) out of git."""
    testbed.mkdir(parents=True)
    with tarfile.open(archive) as tar:
        tar.extractall(testbed, filter="data")
    subprocess.run(["git", "init", "-q", str(testbed)], check=True, capture_output=True)
    subprocess.run([*GIT, "-C", str(testbed), "add", "-A"], check=True, capture_output=True)
    subprocess.run([*GIT, "-C", str(testbed), "commit", "-qm", "base"], check=True, capture_output=True)
    (testbed / ".git" / "info").mkdir(exist_ok=True)
    (testbed / ".git" / "info" / "exclude").write_text("".join(f"{name}\n" for name in exclude))
