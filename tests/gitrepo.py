"""Building real git repositories with the git CLI for tests: every history here is a real one."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

MIT = """MIT License

Copyright (c) 2024 Ada Lovelace

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
"""

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Ada Lovelace", "GIT_AUTHOR_EMAIL": "ada@example.org",
    "GIT_COMMITTER_NAME": "Ada Lovelace", "GIT_COMMITTER_EMAIL": "ada@example.org",
    "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1",
}


def git(repo: Path, *args: str, env: dict | None = None, input: bytes | None = None) -> str:
    proc = subprocess.run(["git", *args], cwd=repo, env={**os.environ, **GIT_ENV, **(env or {})},
                          capture_output=True, input=input, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed: {proc.stderr.decode(errors='replace')}")
    return proc.stdout.decode(errors="replace").strip()


class Repo:
    """A repository under construction; commits get increasing, fixed dates so histories are reproducible."""

    def __init__(self, path: Path, bare: bool = False):
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        git(path, "init", "-q", "-b", "main", *(["--bare"] if bare else []))
        self._tick = 0

    def _date_env(self, author: tuple[str, str] | None = None) -> dict:
        self._tick += 1
        date = f"{1704067200 + self._tick * 3600} +0200"
        env = {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
        if author:
            env.update(GIT_AUTHOR_NAME=author[0], GIT_AUTHOR_EMAIL=author[1])
        return env

    def write(self, rel: str, content: str | bytes) -> None:
        p = self.path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(content.encode() if isinstance(content, str) else content)

    def commit(self, message: str | bytes, files: dict[str, str | bytes] | None = None,
               remove: list[str] = (), author: tuple[str, str] | None = None,
               encoding: str | None = None) -> str:
        for rel, content in (files or {}).items():
            self.write(rel, content)
        for rel in remove:
            git(self.path, "rm", "-q", rel)
        git(self.path, "add", "-A")
        msg = message if isinstance(message, bytes) else message.encode()
        args = ["-c", f"i18n.commitEncoding={encoding}"] if encoding else []
        git(self.path, *args, "commit", "-q", "--allow-empty", "-F", "-", env=self._date_env(author), input=msg)
        return self.head()

    def head(self) -> str:
        return git(self.path, "rev-parse", "HEAD")

    def branch(self, name: str, start: str = "HEAD") -> None:
        git(self.path, "checkout", "-q", "-b", name, start)

    def checkout(self, name: str) -> None:
        git(self.path, "checkout", "-q", name)

    def merge(self, name: str, message: str) -> str:
        git(self.path, "merge", "-q", "--no-ff", "-m", message, name, env=self._date_env())
        return self.head()


def fast_import_history(path: Path, n: int, files: int = 20) -> None:
    """A repository with `n` linear commits, each editing one of `files` files, built with git fast-import."""
    Repo(path)
    lines: list[bytes] = []
    for i in range(n):
        content = f"value = {i}\n# line of file {i % files}\n".encode()
        msg = f"Set value of module {i % files} to {i}\n".encode()
        ts = 1704067200 + i * 60
        lines += [b"commit refs/heads/main", f"mark :{i + 1}".encode(),
                  f"author Dev {i % 7} <dev{i % 7}@example.org> {ts} +0000".encode(),
                  f"committer Dev {i % 7} <dev{i % 7}@example.org> {ts} +0000".encode(),
                  f"data {len(msg)}".encode(), msg]
        if i:
            lines.append(f"from :{i}".encode())
        lines += [f"M 100644 inline src/mod{i % files}.py".encode(), f"data {len(content)}".encode(), content]
        if i == 0:
            lines += [b"M 100644 inline LICENSE", f"data {len(MIT)}".encode(), MIT.encode()]
        lines.append(b"")
    git(path, "fast-import", "--quiet", input=b"\n".join(lines) + b"\n")


def raw_commit(repo: Repo, message: bytes, files: dict[str, str | bytes] | None = None, *,
               author: bytes = b"Ada Lovelace <ada@example.org>", headers: bytes = b"") -> str:
    """Commit the work tree with a hand-written commit object, byte for byte, and move HEAD to it.

    `git commit` re-encodes a non-UTF-8 message to UTF-8 when no encoding is declared; this does not, so it
    can make the commits found in old or foreign histories (raw latin-1 messages, odd `encoding` headers).
    """
    for rel, content in (files or {}).items():
        repo.write(rel, content)
    git(repo.path, "add", "-A")
    tree = git(repo.path, "write-tree").encode()
    try:
        parent = b"parent " + git(repo.path, "rev-parse", "--verify", "-q", "HEAD").encode() + b"\n"
    except RuntimeError:
        parent = b""
    repo._tick += 1
    when = f" {1704067200 + repo._tick * 3600} +0000\n".encode()
    obj = (b"tree " + tree + b"\n" + parent + b"author " + author + when + b"committer " + author + when
           + headers + b"\n" + message)
    sha = git(repo.path, "hash-object", "-t", "commit", "-w", "--stdin", input=obj)
    git(repo.path, "update-ref", "HEAD", sha)
    return sha


def build_small_repo(path: Path) -> Repo:
    """A small realistic history: features, a fix, a rename, a binary file, a lockfile and a merge."""
    r = Repo(path)
    r.commit("Add pagination helper for list endpoints",
             {"src/pages.py": "def page(items, n):\n    return items[:n]\n", "LICENSE": MIT})
    r.commit("Fix off-by-one in pagination when results are empty\n\nCloses #12",
             {"src/pages.py": "def page(items, n):\n    if not items:\n        return []\n    return items[:n]\n"})
    r.commit("Add logo", {"assets/logo.png": bytes(range(256)) * 4})
    r.commit("Update lockfile", {"poetry.lock": "[[package]]\nname = 'x'\n"})
    r.commit("wip", {"src/pages.py": "def page(items, n):\n    if not items:\n        return []\n"
                                     "    return list(items[:n])\n"})
    r.branch("feature")
    r.commit("Add cursor-based pagination to the API (#7)",
             {"src/cursor.py": "def cursor(items, after):\n    return [i for i in items if i > after]\n"})
    r.checkout("main")
    r.merge("feature", "Merge pull request #7 from ada/feature")
    r.commit("Rename pages module to paging", {"src/paging.py": (r.path / "src/pages.py").read_text()},
             remove=["src/pages.py"])
    r.commit("Bump deps", {"package.json": '{"name": "x"}\n'},
             author=("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com"))
    return r
