"""A run directory on object storage: a local working copy (the cache) with the remote as the source of truth.

The engine keeps writing the local run directory it always did (temp name, fsync, rename; journal; manifest), and
this module mirrors each commit to the remote in the order that keeps the remote honest without a rename:
a shard's artifacts under their final names, then its journal entry (one object per shard, so no append), and
the stage manifest last. A single-object PUT is atomic on S3, so a reader of the remote sees a manifest only
after every artifact it lists is there with the listed checksum. Nothing is read from the remote unverified:
every artifact fetched into the cache is re-hashed against its manifest, and a mismatch is a `StoreError`,
never a part a stage reads. Paths in remote manifests are checked before they name a local file (no `..`,
nothing outside its stage folder). Credentials come from the environment only (the usual boto chain); a URL
carrying them is refused, so none is ever written into the cache, a manifest or a log.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from codemill.engine.artifacts import Artifact, atomic_write, atomic_write_bytes, sha256_file, tmp_name
from codemill.engine.faults import crash_point
from codemill.engine.manifest import JOURNAL, MANIFEST, Manifest, ShardEntry

SUPPORTED = ("s3",)  # the lease needs S3's conditional writes (engine.lease); other stores are refused by name
JOURNAL_DIR = ".journal"  # remote: one object per finished shard, <stage>/.journal/<sha256(key)>.json
LEASE_FILE = ".codemill.lease"
_CHUNK = 1 << 20


class StoreError(RuntimeError):
    """A remote run directory that cannot be used as asked: a corrupt or missing object, an unsafe path, an
    unsupported URL. The message names the object and what to do."""


def is_remote(target: str | Path) -> bool:
    """A URL with a scheme other than `file` (a bare path, or `file://`, is a local run directory)."""
    scheme = urlsplit(str(target)).scheme
    return isinstance(target, str) and len(scheme) > 1 and scheme != "file"


def local_target(target: str | Path) -> Path:
    """The local run directory a non-remote `--out` names (`file://` stripped)."""
    text = str(target)
    return Path(urlsplit(text).path) if text.startswith("file://") else Path(text)


def safe_rel(path: str, stage: str | None = None) -> str:
    """`path` when it is a plain relative path (inside `stage`'s folder when given); a `StoreError` otherwise, so
    a manifest from the remote can never name a file outside the cache."""
    p = PurePosixPath(path)
    ok = (path and not p.is_absolute() and "\\" not in path and all(c not in ("", ".", "..") for c in path.split("/"))
          and (stage is None or (p.parts[0] == stage and len(p.parts) > 1)))
    if not ok:
        raise StoreError(f"refusing the path {path!r} from the remote run directory: not a plain relative path"
                         + (f" inside {stage}/" if stage else ""))
    return path


def cache_root() -> Path:
    """Where remote runs keep their local working copies: `$CODEMILL_CACHE`, else `~/.cache/codemill`."""
    return Path(os.environ.get("CODEMILL_CACHE") or Path.home() / ".cache" / "codemill")


@dataclass
class RemoteRun:
    """One remote run directory and its local working copy."""

    url: str
    fs: Any  # an fsspec filesystem (s3fs)
    root: str  # the URL without its scheme, as the filesystem names objects
    local: Path
    guard: Callable[[], None] = lambda: None  # raises when this run may commit no more (a lost lease)
    _sizes: dict[str, dict[str, int]] = field(default_factory=dict)  # stage -> remote rel path -> bytes

    @staticmethod
    def open(url: str, local: Path | None = None) -> RemoteRun:
        """The remote at `url` with its working copy (`local`, default a folder of `cache_root()` named by a
        digest of the URL); a `StoreError` for an unsupported or credential-carrying URL."""
        parts = urlsplit(url)
        if parts.scheme not in SUPPORTED:
            raise StoreError(f"{url}: run directories on {parts.scheme}:// are not supported (only "
                             f"{', '.join(s + '://' for s in SUPPORTED)}: the run lease needs conditional writes)")
        if "@" in parts.netloc or parts.query or parts.fragment:
            raise StoreError(f"{parts.scheme}://{parts.hostname}/...: credentials or options in the URL are refused; "
                             "set them in the environment (AWS_PROFILE, AWS_ACCESS_KEY_ID, AWS_ENDPOINT_URL, ...)")
        root = f"{parts.netloc}{parts.path}".rstrip("/")
        if "/" not in root:
            raise StoreError(f"{url}: name a prefix inside the bucket (s3://bucket/run), not the bucket itself")
        import fsspec

        fs = fsspec.filesystem(parts.scheme)
        digest = hashlib.sha256(f"{parts.scheme}://{root}".encode()).hexdigest()[:16]
        return RemoteRun(url.rstrip("/"), fs, root, local or cache_root() / "remote-runs" / digest)

    def _key(self, rel: str) -> str:
        return f"{self.root}/{rel}"

    def _read(self, rel: str) -> bytes | None:
        try:
            return self.fs.cat_file(self._key(rel))
        except FileNotFoundError:
            return None

    def listing(self, prefix: str = "") -> dict[str, int]:
        """Every remote object under `prefix` (a run-relative folder, or the whole run): rel path -> bytes."""
        base = self._key(prefix).rstrip("/")
        self.fs.invalidate_cache()  # another process may have written since: list afresh
        try:
            found = self.fs.find(base, detail=True)
        except FileNotFoundError:
            return {}
        return {name[len(self.root) + 1:]: int(info["size"]) for name, info in found.items()
                if info.get("type") == "file" and name.startswith(self.root + "/")}

    # ------------------------------------------------------------------ pulling records into the working copy
    def pull_records(self, stages: Iterable[str], run_files: Iterable[str]) -> None:
        """Make the working copy's manifests, journals and run-level files (`config.toml`, `sources.json`, ...)
        the remote's: a record the remote lacks is removed locally, so a cache never outvotes the remote."""
        self.local.mkdir(parents=True, exist_ok=True)
        for name in run_files:
            self._mirror(safe_rel(name), self._read(name))
        for stage in stages:
            safe_rel(stage)
            data = self._read(f"{stage}/{MANIFEST}")
            if data is not None:
                Manifest.from_json(json.loads(data))  # refuse one that cannot be parsed before it replaces ours
            self._mirror(f"{stage}/{MANIFEST}", data)
            entries = [self.fs.cat_file(self._key(rel)) for rel in sorted(self.listing(f"{stage}/{JOURNAL_DIR}"))]
            lines = b"".join(e.rstrip(b"\n") + b"\n" for e in entries)
            self._mirror(f"{stage}/{JOURNAL}", lines or None)

    def _mirror(self, rel: str, data: bytes | None) -> None:
        path = self.local / rel
        if data is None:
            path.unlink(missing_ok=True)
        else:
            atomic_write_bytes(path, data)

    # ------------------------------------------------------------------ fetching verified artifacts
    def fetch(self, artifacts: Iterable[Artifact]) -> None:
        """Bring `artifacts` into the working copy, each re-hashed against its manifest; a copy already there
        and sound is kept. A remote object that is missing or does not match is a `StoreError`."""
        for a in artifacts:
            path = self.local / safe_rel(a.path, a.path.split("/")[0])
            if path.is_file() and path.stat().st_size == a.bytes and sha256_file(path) == a.sha256:
                continue
            self._download(a, path)

    def _download(self, a: Artifact, path: Path) -> None:
        h = hashlib.sha256()

        def write(f: Any) -> None:
            try:
                with self.fs.open(self._key(a.path), "rb") as src:
                    while block := src.read(_CHUNK):
                        h.update(block)
                        f.write(block)
            except FileNotFoundError:
                raise StoreError(f"{self.url}/{a.path} is missing: its manifest lists it (run again to rebuild "
                                 "it)") from None
            if h.hexdigest() != a.sha256:
                raise StoreError(
                    f"{self.url}/{a.path} does not match its manifest (sha256 {h.hexdigest()}, listed "
                    f"{a.sha256}): the remote copy is corrupt, or a run is rewriting it. `codemill verify "
                    f"{self.url}` lists every such object; delete them and run again to rebuild them")

        atomic_write(path, write)

    def fetch_state(self, stage: str, names: Iterable[str]) -> None:
        """A stage's state files (`Stage.state_files`, e.g. dedup's ledger) as the remote has them; the stage
        checks them itself (the ledger against its sidecar) before trusting them. One the remote lacks is
        removed here too: state from an older cache never outvotes the remote."""
        for name in names:
            rel = safe_rel(f"{stage}/{name}", stage)
            self._mirror(rel, self._read(rel))

    def missing(self, stage: str, entry: ShardEntry) -> list[str]:
        """Why a shard cannot be reused from the remote: an artifact absent there or of another size (one listing
        per stage). A local copy that no longer hashes right is dropped, to be fetched again when read. Bytes
        are re-hashed when fetched and by `codemill verify`, which reads every object."""
        if stage not in self._sizes:
            self._sizes[stage] = self.listing(stage)
        problems = []
        for a in entry.artifacts:
            local = self.local / safe_rel(a.path, stage)
            if local.is_file() and (local.stat().st_size != a.bytes or sha256_file(local) != a.sha256):
                local.unlink()
            size = self._sizes[stage].get(a.path)
            if size != a.bytes:
                problems.append(f"{a.path}: {'missing' if size is None else 'size differs'} on the remote")
        return problems

    # ------------------------------------------------------------------ pushing commits, in commit order
    def push(self, rels: Iterable[str]) -> None:
        """Upload local files to their final names (one PUT each, or a multipart upload, which S3 also makes
        visible only whole)."""
        self.guard()
        for rel in rels:
            self.fs.put_file(str(self.local / rel), self._key(rel))

    def push_shard(self, stage: str, entry: ShardEntry) -> None:
        """A finished shard: its artifacts first, then its journal entry, so a listed entry's files exist."""
        self.push(a.path for a in entry.artifacts)
        crash_point("remote.after_artifacts")
        name = hashlib.sha256(entry.key.encode()).hexdigest()
        self.fs.pipe_file(self._key(f"{stage}/{JOURNAL_DIR}/{name}.json"), json.dumps(entry.to_json()).encode())

    def push_manifest(self, stage: str) -> None:
        self.push([f"{stage}/{MANIFEST}"])

    def seal(self, stage: str, manifest: Manifest, state_files: tuple[str, ...]) -> None:
        """After the manifest is up: drop the stage's journal entries and every object it does not list (an
        orphan of an earlier run; state files are kept), as the local engine does in its folder."""
        listed = {a.path for a in manifest.artifacts()} | {f"{stage}/{f}" for f in (MANIFEST, *state_files)}
        doomed = [self._key(rel) for rel in self.listing(stage) if rel not in listed]
        if doomed:
            self.fs.rm(doomed)
        self._sizes.pop(stage, None)


def download_tree(remote: RemoteRun, dest: Path) -> None:
    """Every object of the remote run directory copied into `dest` as it is (for `codemill verify`, which then
    re-hashes the bytes); an object whose name is not a plain relative path is refused."""
    for rel in sorted(remote.listing()):
        if rel == LEASE_FILE or f"/{JOURNAL_DIR}/" in f"/{rel}":
            continue
        path = dest / safe_rel(rel)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = tmp_name(path)
        remote.fs.get_file(remote._key(rel), str(tmp))
        os.replace(tmp, path)
