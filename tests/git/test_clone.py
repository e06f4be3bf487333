"""Cloning URL sources over the real git protocol, from a `git daemon` on loopback."""

from __future__ import annotations

import os
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pygit2
import pytest

from codemill.config import SourcesConfig
from codemill.git.clone import cache_path, clone, clone_all, git_error
from codemill.sources.spec import normalise_url

from flakyproxy import hang_up
from gitdaemon import Daemon, DroppingProxy, free_port, publish, serve
from gitrepo import Repo, git


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[Daemon]:
    """A `git daemon` serving `src.git` (three commits on main) from tmp_path/served."""
    work = Repo(tmp_path / "work")
    work.commit("Add the parser", {"parser.py": "def parse(s):\n    return s.split()\n"})
    work.commit("Handle empty input in the parser",
                {"parser.py": "def parse(s):\n    return (s or '').split()\n"})
    head = work.commit("Add a README", {"README.md": "# parser\n"})
    base = publish(work.path, tmp_path / "served", "src.git").parent
    with serve(base, head) as d:
        yield d


@pytest.fixture
def cfg(tmp_path: Path) -> SourcesConfig:
    return SourcesConfig(cache_dir=str(tmp_path / "cache"), clone_retries=1, clone_timeout_s=60)


def test_clone_succeeds_bare_into_the_cache(daemon: Daemon, cfg: SourcesConfig) -> None:
    url = daemon.url("src.git")
    src = clone(url, cfg)
    assert src.error is None
    assert src.spec == url and src.url == url
    assert src.repo_id == normalise_url(url) == f"127.0.0.1:{daemon.port}/src"
    assert src.location == str(cache_path(Path(cfg.cache_dir), src.repo_id))
    loc = Path(src.location)
    assert loc.parent == Path(cfg.cache_dir)
    assert loc.name.endswith(".git")
    repo = pygit2.Repository(src.location)
    assert repo.is_bare
    assert str(repo.head.target) == daemon.head
    assert repo.head.shorthand == "main"
    assert not list(Path(cfg.cache_dir).glob("*.partial"))


def test_the_clone_fetches_no_tags(daemon: Daemon, cfg: SourcesConfig) -> None:
    git(daemon.base / "src.git", "tag", "v1", "main")
    src = clone(daemon.url("src.git"), cfg)
    assert src.error is None
    repo = pygit2.Repository(src.location)
    assert "refs/heads/main" in repo.references
    assert not [r for r in repo.references if r.startswith("refs/tags/")]


def test_the_clone_runs_no_hooks(daemon: Daemon, cfg: SourcesConfig, tmp_path: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A template directory plants hooks in every new repository; clone runs reference-transaction."""
    marker = tmp_path / "hook-ran"
    hooks = tmp_path / "template" / "hooks"
    hooks.mkdir(parents=True)
    for name in ("reference-transaction", "post-checkout", "post-merge", "pre-commit"):
        hook = hooks / name
        hook.write_text(f"#!/bin/sh\necho {name} >> '{marker}'\n")
        hook.chmod(0o755)
    monkeypatch.setenv("GIT_TEMPLATE_DIR", str(tmp_path / "template"))
    # The hook is live: a plain clone with this template runs it.
    subprocess.run(["git", "clone", "-q", "--bare", daemon.url("src.git"), str(tmp_path / "plain.git")],
                   check=True, capture_output=True)
    assert marker.is_file()
    marker.unlink()
    src = clone(daemon.url("src.git"), cfg)
    assert src.error is None
    assert not marker.exists()


def test_a_second_call_reuses_the_cache_without_network(daemon: Daemon, cfg: SourcesConfig) -> None:
    url = daemon.url("src.git")
    first = clone(url, cfg)
    assert first.error is None
    marker = Path(first.location) / "codemill-test-marker"
    marker.write_text("the cached clone, not a new one\n")
    daemon.stop()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", daemon.port), timeout=0.5).close()
    second = clone(url, cfg)
    assert second == first
    assert marker.is_file()


def test_another_form_of_the_url_reuses_the_same_cached_clone(daemon: Daemon, cfg: SourcesConfig) -> None:
    first = clone(daemon.url("src.git"), cfg)
    daemon.stop()
    other = clone(daemon.url("src/"), cfg)
    assert other.error is None
    assert other.location == first.location
    assert other.repo_id == first.repo_id
    assert other.url == daemon.url("src/")


def test_clone_all_clones_each_repository_once_even_under_several_urls(
        daemon: Daemon, cfg: SourcesConfig) -> None:
    urls = [daemon.url("src.git"), daemon.url("src"), daemon.url("src/"), daemon.url("src.git/")]
    out = clone_all(urls, cfg.model_copy(update={"max_concurrent_clones": 4}))
    assert list(out) == urls
    assert {s.error for s in out.values()} == {None}
    assert len({s.location for s in out.values()}) == 1
    assert {s.url for s in out.values()} == set(urls)
    clones = [p.name for p in Path(cfg.cache_dir).iterdir() if p.name != ".locks"]
    assert clones == [Path(out[urls[0]].location).name]


def test_clone_all_of_nothing_is_empty(cfg: SourcesConfig) -> None:
    assert clone_all([], cfg) == {}


def test_an_unreachable_url_fails_after_retries(cfg: SourcesConfig) -> None:
    url = f"git://127.0.0.1:{free_port()}/nothing.git"
    src = clone(url, cfg)
    assert src.location is None
    assert src.error is not None and src.error.startswith("clone failed")
    assert src.repo_id == normalise_url(url)
    assert [p.name for p in Path(cfg.cache_dir).iterdir()] == [".locks"]  # no clone, no leftover .partial


def test_a_missing_repository_on_a_live_server_fails(daemon: Daemon, cfg: SourcesConfig) -> None:
    src = clone(daemon.url("missing.git"), cfg.model_copy(update={"clone_retries": 0}))
    assert src.location is None
    assert src.error is not None and src.error.startswith("clone failed")


def test_clone_all_reports_failures_per_url(daemon: Daemon, cfg: SourcesConfig) -> None:
    good, bad = daemon.url("src.git"), daemon.url("missing.git")
    out = clone_all([good, bad], cfg.model_copy(update={"clone_retries": 0}))
    assert out[good].error is None and out[good].location is not None
    assert out[bad].error is not None and out[bad].location is None


def test_a_leftover_partial_clone_is_removed_and_never_used(daemon: Daemon, cfg: SourcesConfig) -> None:
    url = daemon.url("src.git")
    final = cache_path(Path(cfg.cache_dir), normalise_url(url))
    partial = final.with_name(final.name + ".partial")
    (partial / "objects").mkdir(parents=True)
    (partial / "refs").mkdir()
    (partial / "HEAD").write_text("ref: refs/heads/leftover\n")
    (partial / "leftover-marker").write_text("from a killed clone\n")
    src = clone(url, cfg)
    assert src.error is None
    assert src.location == str(final)
    assert not partial.exists()
    assert not (final / "leftover-marker").exists()
    assert str(pygit2.Repository(src.location).head.target) == daemon.head


def test_a_leftover_attempt_folder_of_a_killed_run_is_removed(daemon: Daemon, cfg: SourcesConfig) -> None:
    url = daemon.url("src.git")
    final = cache_path(Path(cfg.cache_dir), normalise_url(url))
    leftover = final.with_name(final.name + ".partial-k1ll3d")
    (leftover / "objects").mkdir(parents=True)
    src = clone(url, cfg)
    assert src.error is None and src.location == str(final)
    assert sorted(p.name for p in Path(cfg.cache_dir).iterdir()) == [".locks", final.name]


def test_a_leftover_partial_clone_is_removed_when_cloning_fails(cfg: SourcesConfig) -> None:
    url = f"git://127.0.0.1:{free_port()}/gone.git"
    final = cache_path(Path(cfg.cache_dir), normalise_url(url))
    partial = final.with_name(final.name + ".partial")
    partial.mkdir(parents=True)
    (partial / "HEAD").write_text("ref: refs/heads/main\n")
    src = clone(url, cfg.model_copy(update={"clone_retries": 0}))
    assert src.location is None and src.error is not None
    assert not partial.exists() and not final.exists()


def test_the_ext_transport_is_refused(cfg: SourcesConfig, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    src = clone(f"ext::sh -c touch% {marker}", cfg.model_copy(update={"clone_retries": 0}))
    assert src.location is None and src.error is not None
    assert not marker.exists()


def test_cache_paths_are_distinct_per_repository_and_filesystem_safe(tmp_path: Path) -> None:
    a = cache_path(tmp_path, "github.com/ada/engine")
    b = cache_path(tmp_path, "github.com/ada/engine2")
    c = cache_path(tmp_path, "git.example.com:2222/team/" + "x" * 300)
    assert len({a, b, c}) == 3
    for p in (a, b, c):
        assert p.parent == tmp_path
        assert "/" not in p.name and ":" not in p.name
        assert len(p.name) < 120


@pytest.fixture
def big_daemon(tmp_path: Path) -> Iterator[Daemon]:
    """A daemon serving a repository whose pack is large enough to be cut mid-transfer."""
    work = Repo(tmp_path / "bigwork")
    work.commit("Add incompressible data", {"blob.bin": os.urandom(400_000)})
    head = work.commit("Add the parser", {"parser.py": "def parse(s):\n    return s.split()\n"})
    base = publish(work.path, tmp_path / "bigserved", "big.git").parent
    with serve(base, head) as d:
        yield d


def test_a_connection_dropped_midway_is_retried(big_daemon: Daemon, cfg: SourcesConfig) -> None:
    proxy = DroppingProxy(big_daemon.port, drops=1, after_bytes=50_000)
    try:
        src = clone(proxy.url("big.git"), cfg.model_copy(update={"clone_retries": 2}))
    finally:
        proxy.close()
    assert src.error is None, src.error
    assert proxy.connections == 2  # the cut attempt, then the retry
    assert str(pygit2.Repository(src.location).head.target) == big_daemon.head
    assert not list(Path(cfg.cache_dir).glob("*.partial*"))


def test_a_server_that_always_drops_fails_cleanly(big_daemon: Daemon, cfg: SourcesConfig) -> None:
    proxy = DroppingProxy(big_daemon.port, drops=99, after_bytes=50_000)
    try:
        src = clone(proxy.url("big.git"), cfg)
    finally:
        proxy.close()
    assert src.location is None and src.error and src.error.startswith("clone failed after 2 attempts: ")
    assert "unexpected disconnect" in src.error  # git's own words for it, not the last line it printed
    assert [p.name for p in Path(cfg.cache_dir).iterdir()] == [".locks"]  # nothing half-cloned is left


def test_a_server_that_hangs_up_is_reported_without_git_s_advice(tmp_path: Path, cfg: SourcesConfig) -> None:
    """git follows "Could not read from remote repository." with advice on access rights: the reason is the
    former; the advice's last line ("and the repository exists.") was once reported as the reason."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]

        def close() -> None:
            conn, _ = server.accept()
            conn.recv(4096)
            hang_up(conn)
            conn.close()

        thread = threading.Thread(target=close)
        thread.start()
        src = clone(f"git://127.0.0.1:{port}/closed.git", cfg.model_copy(update={"clone_retries": 0}))
        thread.join()
    assert src.error == "clone failed after 1 attempt: fatal: Could not read from remote repository."


def test_a_server_s_error_in_any_encoding_is_reported(cfg: SourcesConfig) -> None:
    """The server writes part of git's message (`remote error: …`), in whatever bytes it likes."""
    payload = b"ERR caf\xe9 is gone\n"
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]

        def refuse() -> None:
            conn, _ = server.accept()
            conn.recv(4096)
            conn.sendall(b"%04x" % (len(payload) + 4) + payload)
            hang_up(conn)
            conn.close()

        thread = threading.Thread(target=refuse)
        thread.start()
        src = clone(f"git://127.0.0.1:{port}/cafe.git", cfg.model_copy(update={"clone_retries": 0}))
        thread.join()
    assert src.error == "clone failed after 1 attempt: fatal: remote error: caf\ufffd is gone"


@pytest.mark.parametrize(("stderr", "reason"), [
    ("Cloning into bare repository 'x'...\nfatal: unable to connect to h:\nh[0: 1.2.3.4]: errno=Connection refused\n",
     "fatal: unable to connect to h:; h[0: 1.2.3.4]: errno=Connection refused"),
    ("fatal: repository 'https://h/x/' not found\n", "fatal: repository 'https://h/x/' not found"),
    ("hint: something\n\n", "git exit 128"),
    ("", "git exit 128"),
])
def test_git_errors_are_read_up_to_the_advice(stderr: str, reason: str) -> None:
    assert git_error(stderr, 128) == reason


@pytest.mark.slow
def test_a_stalled_server_is_given_up_on_with_the_attempts_made(tmp_path: Path) -> None:
    """A server that accepts and never answers: each attempt ends at the clone timeout, and the source carries
    why and how many attempts were made (the `sources` stage quarantines it as `clone_failed`)."""
    cfg = SourcesConfig(cache_dir=str(tmp_path / "cache"), clone_retries=1, clone_timeout_s=2)
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        src = clone(f"git://127.0.0.1:{server.getsockname()[1]}/stalled.git", cfg)
    assert src.location is None
    assert src.error == "clone failed after 2 attempts: clone timed out after 2s"
    assert not list(Path(cfg.cache_dir).glob("*.git*"))  # no clone, partial or whole, is left


@pytest.mark.slow
def test_a_timed_out_clone_leaves_no_process_of_git_s_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """git reaches a git:// server through `GIT_PROXY_COMMAND` when one is set: a process of its own, here one
    that never answers. At the timeout git is killed with that process, not git alone."""
    pids = tmp_path / "pids"
    proxy = tmp_path / "proxy.sh"
    proxy.write_text(f"#!/bin/sh\necho $$ >> {pids}\nexec sleep 300\n")
    proxy.chmod(0o755)
    monkeypatch.setenv("GIT_PROXY_COMMAND", str(proxy))
    cfg = SourcesConfig(cache_dir=str(tmp_path / "cache"), clone_retries=0, clone_timeout_s=2)
    src = clone("git://example.invalid/stalled.git", cfg)
    assert src.error == "clone failed after 1 attempt: clone timed out after 2s"
    [pid] = [int(p) for p in pids.read_text().split()]
    deadline = time.monotonic() + 10  # SIGKILL lands at once; a loaded machine may take a moment to reap it
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(pid)


def alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie, dead but not yet reaped, does not)."""
    try:
        return "\tZ" not in Path(f"/proc/{pid}/status").read_text().split("State:", 1)[1].split("\n", 1)[0]
    except FileNotFoundError:
        return False
