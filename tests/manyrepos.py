"""Many small, distinct, real bare repositories, made in seconds: one `git fast-import` stream per repository."""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from gitrepo import MIT, git

ORG = "fleet"


def repo_name(i: int) -> str:
    """`fleet/repo-0042`: the path a repository is served under, and the owner/name codemill gives it."""
    return f"{ORG}/repo-{i:04d}"


def _stream(i: int, commits: int) -> bytes:
    """A linear history whose every file, message and date differs from every other repository's."""
    lines: list[bytes] = []
    for c in range(commits):
        body = f"def step_{i}_{c}(x):\n    return x + {i * 1000 + c}\n".encode()
        msg = f"Add step {c} to module {i}\n\nRepository {i} grows by one function.\n".encode()
        ts = 1704067200 + i * 86400 + c * 600
        lines += [b"commit refs/heads/main", f"mark :{c + 1}".encode(),
                  f"author Dev {i % 13} <dev{i % 13}@example.org> {ts} +0000".encode(),
                  f"committer Dev {i % 13} <dev{i % 13}@example.org> {ts} +0000".encode(),
                  f"data {len(msg)}".encode(), msg]
        if c:
            lines.append(f"from :{c}".encode())
        lines += [f"M 100644 inline src/mod{i}_{c % 3}.py".encode(), f"data {len(body)}".encode(), body]
        if c == 0:
            lines += [b"M 100644 inline LICENSE", f"data {len(MIT)}".encode(), MIT.encode()]
        lines.append(b"")
    return b"\n".join(lines) + b"\n"


def make_fleet(served: Path, n: int, commits: int = 4) -> list[str]:
    """`n` bare repositories under `served` (as `fleet/repo-NNNN`), `commits` commits each; their names.

    One empty bare repository is initialised and copied (no process per copy), then each copy gets its own
    history from one `git fast-import`: a process per repository, not one per commit."""
    template = served / ".template.git"
    template.mkdir(parents=True)
    git(template, "init", "-q", "--bare", "--template=", "-b", "main")  # no hook samples: fewer files
    names = [repo_name(i) for i in range(n)]

    def make(i: int) -> None:
        path = served / names[i]
        shutil.copytree(template, path)
        git(path, "-c", "fastimport.unpackLimit=0", "fast-import", "--quiet", input=_stream(i, commits))  # one pack

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(make, range(n)))
    shutil.rmtree(template)
    return names
