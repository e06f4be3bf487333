"""Cloning URL sources into a cache with the git CLI: bare, hooks disabled, atomic, retried with backoff.

A clone is made in a temporary folder next to its final place and renamed only when git finished, so an
interrupted clone is never half-used: the next run removes the leftover and clones again.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

from codemill.config import SourcesConfig
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
        return _clone_into(url, repo_id, final, cfg)


def _clone_into(url: str, repo_id: str, final: Path, cfg: SourcesConfig) -> Source:
    tmp = final.with_name(final.name + ".partial")
    # History complete, large blobs left on the server: libgit2 cannot fetch them later, so the commits stage
    # marks the files whose blobs are missing and pairs drops those commits.
    partial = [f"--filter=blob:limit={cfg.partial_clone_blob_limit}"] if cfg.partial_clone_blob_limit else []
    error = ""
    for attempt in range(cfg.clone_retries + 1):
        shutil.rmtree(tmp, ignore_errors=True)
        try:
            proc = subprocess.run(
                ["git", *SAFE_GIT_CONFIG, "clone", "--bare", "--quiet", "--no-tags", *partial, "--", url, str(tmp)],
                env={**os.environ, **SAFE_GIT_ENV}, capture_output=True, text=True,
                timeout=cfg.clone_timeout_s, stdin=subprocess.DEVNULL,
            )
            if proc.returncode == 0:
                os.replace(tmp, final)
                return Source(url, repo_id, str(final), url=url)
            error = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"git exit {proc.returncode}"
        except subprocess.TimeoutExpired:
            error = f"clone timed out after {cfg.clone_timeout_s}s"
        if attempt < cfg.clone_retries:
            time.sleep(min(30.0, 0.5 * 2**attempt))
    shutil.rmtree(tmp, ignore_errors=True)
    attempts = cfg.clone_retries + 1
    return Source(url, repo_id, None, url=url,
                  error=f"clone failed after {attempts} attempt{'s' if attempts > 1 else ''}: {error}")


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
