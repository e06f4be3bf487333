"""Cloning URL sources into a cache with the git CLI: bare, hooks disabled, atomic, retried with backoff.

A clone is made in a temporary folder next to its final place and renamed only when git finished, so an
interrupted clone is never half-used: the next run removes the leftover and clones again. Each attempt has a
folder of its own, so a git left running by a killed run can never write into (or, failing, delete) the clone
of the run after it; a git that outlives `clone_timeout_s` is killed with every process it started.
"""

from __future__ import annotations

import contextlib
import fcntl
import glob
import hashlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

from codemill.config import SourcesConfig
from codemill.engine.faults import crash_point
from codemill.sources.spec import Source, normalise_url

# Never run hooks, never ask for credentials, never follow a redirect to a local file.
SAFE_GIT_ENV = {
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_ASKPASS": "/bin/false",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_PROTOCOL_FROM_USER": "0",
}
SAFE_GIT_CONFIG = ["-c", "core.hooksPath=/dev/null", "-c", "protocol.file.allow=never",
                   "-c", "credential.helper=",
                   # An HTTP(S) transfer slower than 1 KiB/s for two minutes is stalled: abort it rather than
                   # wait out `clone_timeout_s` (git:// and ssh are bounded by that timeout alone).
                   "-c", "http.lowSpeedLimit=1024", "-c", "http.lowSpeedTime=120"]


def cache_path(cache_dir: Path, repo_id: str, blob_limit: int = 0) -> Path:
    """Where a repository's clone is cached; a partial clone has its own place, never mistaken for a full one."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", repo_id)[-80:]
    suffix = f"-blobs-under-{blob_limit}" if blob_limit else ""
    return cache_dir / f"{name}-{hashlib.sha256(repo_id.encode()).hexdigest()[:12]}{suffix}.git"


def clone(url: str, cfg: SourcesConfig) -> Source:
    """Clone `url` (or reuse its cached clone) and return the resolved source, or one carrying the error."""
    repo_id = normalise_url(url)
    cache_dir = Path(os.path.expanduser(cfg.cache_dir))
    final = cache_path(cache_dir, repo_id, cfg.partial_clone_blob_limit)
    if (final / "HEAD").is_file():
        return Source(url, repo_id, str(final), url=url)
    cache_dir.mkdir(parents=True, exist_ok=True)
    # Another process may be cloning the same repository into the same cache: one at a time.
    locks = cache_dir / ".locks"
    locks.mkdir(exist_ok=True)
    with open(locks / final.name, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (final / "HEAD").is_file():
            return Source(url, repo_id, str(final), url=url)
        shutil.rmtree(final, ignore_errors=True)  # a folder without HEAD is not a usable clone
        for leftover in cache_dir.glob(glob.escape(final.name) + ".partial*"):
            shutil.rmtree(leftover, ignore_errors=True)
        return _clone_into(url, repo_id, final, cfg)


def _clone_into(url: str, repo_id: str, final: Path, cfg: SourcesConfig) -> Source:
    # History complete, large blobs left on the server: libgit2 cannot fetch them later, so the commits stage
    # marks the files whose blobs are missing and pairs drops those commits.
    partial = [f"--filter=blob:limit={cfg.partial_clone_blob_limit}"] if cfg.partial_clone_blob_limit else []
    error = ""
    for attempt in range(cfg.clone_retries + 1):
        tmp = Path(tempfile.mkdtemp(prefix=final.name + ".partial-", dir=final.parent))
        try:
            error = _git_clone(["--bare", "--quiet", "--no-tags", *partial, "--", url, str(tmp)],
                               cfg.clone_timeout_s)
            if not error:
                os.replace(tmp, final)
                crash_point("clone.done")  # tests kill a run with some clones made and others in flight
                return Source(url, repo_id, str(final), url=url)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        if attempt < cfg.clone_retries:
            time.sleep(min(30.0, 0.5 * 2**attempt))
    attempts = cfg.clone_retries + 1
    return Source(url, repo_id, None, url=url,
                  error=f"clone failed after {attempts} attempt{'s' if attempts > 1 else ''}: {error}")


def _git_clone(args: list[str], timeout_s: int) -> str:
    """Run `git clone ARGS`; "" when it succeeded, else why not. git runs in a session of its own: without a
    terminal nothing it starts can prompt (ssh fails instead of asking), and the whole group is killed when the
    timeout passes (or this thread is interrupted), so no transport helper or index-pack is left behind."""
    proc = subprocess.Popen(["git", *SAFE_GIT_CONFIG, "clone", *args], env={**os.environ, **SAFE_GIT_ENV},
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True, errors="replace", start_new_session=True)
    try:
        _out, stderr = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        return f"clone timed out after {timeout_s}s"
    except BaseException:
        _kill_group(proc)
        raise
    return "" if proc.returncode == 0 else git_error(stderr, proc.returncode)


def _kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL git's group and reap git, without reading its stderr to the end (a process that left the group
    may hold it open)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    if proc.stderr is not None:
        proc.stderr.close()


def git_error(stderr: str, returncode: int) -> str:
    """What went wrong, in git's own words: its messages up to the first blank line, without the progress line
    before them or the advice after ("Please make sure you have the correct access rights…" is not a reason)."""
    lines: list[str] = []
    for line in stderr.strip().splitlines():
        line = line.strip()
        if not line:
            if lines:
                break
        elif not line.startswith(("Cloning into", "hint:")):
            lines.append(line)
    return "; ".join(lines)[:500] if lines else f"git exit {returncode}"


def clone_all(urls: list[str], cfg: SourcesConfig) -> dict[str, Source]:
    """Clone many URLs concurrently, at most `max_concurrent_clones` at a time."""
    if not urls:
        return {}
    # URL forms naming one repository share one cache folder: clone it once, never concurrently with itself.
    first: dict[str, str] = {}
    for u in urls:
        first.setdefault(normalise_url(u), u)
    with ThreadPoolExecutor(max_workers=cfg.max_concurrent_clones) as pool:
        done = dict(zip(first.values(), pool.map(lambda u: clone(u, cfg), first.values()), strict=True))
    out: dict[str, Source] = {}
    for u in urls:
        c = done[first[normalise_url(u)]]
        out[u] = c if c.url == u else replace(c, spec=u, url=u)
    return out
