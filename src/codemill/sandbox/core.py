"""Running one command with limits: rlimits in the child, a wall clock and an output cap in the parent.

Limits are set with setrlimit in the child before bwrap (or the command) is executed, and are inherited by
everything it starts: RLIMIT_CPU (soft limit; SIGXCPU, the hard limit one second later is SIGKILL), RLIMIT_AS
for memory, RLIMIT_NPROC, RLIMIT_FSIZE, and RLIMIT_CORE=0 so crashes do not litter the workdir with cores.

RLIMIT_NPROC caveat: the kernel counts it per real uid and ignores it for uid 0. The sandbox user maps back to the
caller's uid, so for a non-root caller the limit counts all of that user's processes (keep the caller's own
process count well below `Limits.processes`); for a root caller it is not enforced at all, so when codemill runs
as root we also put the run in a pids cgroup if one is writable (cgroup v1 `pids` or v2 with the pids controller),
and otherwise log a warning: a fork bomb is then held only by the wall clock, the memory limit and, under bwrap,
the pid namespace that is killed as a whole.

`killed` is classified in this order: "output" or "wall" when we killed it; SIGXCPU is "cpu"; SIGSEGV, SIGBUS, or
a failing exit whose last stderr mentions an allocation failure (Python MemoryError, ENOMEM's "Cannot allocate
memory", C++ bad_alloc, Rust/Go/Node out-of-memory messages) is "memory" (a heuristic: RLIMIT_AS makes allocation
fail rather than invoking the OOM killer, and C code that does not check malloc then segfaults); any other signal
is "signal". Exit statuses 129-192 are read as death by signal N-128, the shell convention, which is also how
bwrap reports its child's signal.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import resource
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO

from codemill.sandbox import bwrap as _bwrap
from codemill.sandbox.model import Killed, Limits, Mode, Result, SandboxUnavailable
from codemill.sandbox.proxy import AllowListProxy

log = logging.getLogger(__name__)

_MIB = 1024 * 1024
BWRAP_PATH = "/usr/local/bin:/usr/bin:/bin"  # the whole environment bwrap itself runs with
PROXY_PORT = 3128  # on the sandbox's own loopback: the allow-listing proxy's way in
_MEMORY_PATTERN = re.compile(
    r"MemoryError|Cannot allocate memory|std::bad_alloc|out of memory|memory allocation of \d+ bytes failed"
    r"|failed to allocate",
    re.IGNORECASE,
)
DEFAULT_LIMITS = Limits()
_CGROUP_ROOTS = (Path("/sys/fs/cgroup/pids"), Path("/sys/fs/cgroup"))


def available(bwrap_path: str = "bwrap") -> tuple[bool, str]:
    """Whether bwrap runs here (probed once and cached), and the reason when it does not."""
    return _bwrap.available(bwrap_path)


class Sandbox:
    """Runs untrusted commands; mode "bwrap" isolates, "unsafe-subprocess" only limits and must be asked for."""

    def __init__(
        self,
        *,
        mode: Mode = "bwrap",
        network: bool = False,
        ro_paths: Sequence[Path] = (),
        env: Mapping[str, str] | None = None,
        bwrap_path: str = "bwrap",
        frozen: Sequence[str] = (),
        allow_hosts: Sequence[str] | None = None,
        rw_paths: Sequence[Path] = (),
        overlays: Mapping[str, Path] | None = None,
    ) -> None:
        if mode not in ("bwrap", "unsafe-subprocess"):
            raise ValueError(f"unknown sandbox mode {mode!r}")
        self.mode: Mode = mode
        self.network = network
        self.ro_paths = tuple(Path(p).resolve() for p in ro_paths)
        for path in self.ro_paths:
            if not path.exists():
                raise FileNotFoundError(f"sandbox read-only path does not exist: {path}")
        # Folders outside the workdir the command may write, bound at their own paths: a package cache shared by
        # the builds of one repository (`swe.env`), never anything of codemill's own.
        self.rw_paths = tuple(Path(p).resolve() for p in rw_paths)
        for path in self.rw_paths:
            if not path.is_dir():
                raise NotADirectoryError(f"sandbox writable path is not a directory: {path}")
        self.env = dict(env or {})
        self.bwrap_path = bwrap_path
        # Paths inside the workdir (relative) bound read-only over the writable workdir, e.g. a prepared `.venv`
        # that untrusted code must not poison for later runs. bwrap only: unsafe-subprocess cannot enforce it.
        self.frozen = tuple(frozen)
        # Files inside the workdir (relative path -> host file) replaced, read-only, by another file for this run
        # only: one workdir serves many runs at once, each seeing its own version of a file (`rl.workspace`'s
        # replicas) and none seeing another's. bwrap only: without a mount namespace there is no such view.
        self.overlays = {str(k): Path(v).resolve() for k, v in (overlays or {}).items()}
        for dest, path in self.overlays.items():
            if Path(dest).is_absolute() or ".." in Path(dest).parts or not path.is_file():
                raise ValueError(f"sandbox overlay must be a relative path over a host file: {dest} -> {path}")
        if self.overlays and mode != "bwrap":
            raise ValueError("sandbox overlays need bwrap: unsafe-subprocess has no private view of the workdir")
        # With `network`, the hosts the command may reach (HTTPS, through `proxy.AllowListProxy`), and nothing
        # else: no host loopback, no metadata address. None: the host's network itself (`--share-net`).
        self.allow_hosts = tuple(allow_hosts) if allow_hosts is not None else None
        if mode == "bwrap":
            ok, why = available(bwrap_path)
            if not ok:
                raise SandboxUnavailable(
                    f"bubblewrap sandbox unavailable: {why}. Install bubblewrap, or pass "
                    "mode='unsafe-subprocess' to run with limits but without isolation."
                )
        else:
            log.warning("sandbox mode 'unsafe-subprocess': limits only, the command can read and write as this user"
                        " and use the network")

    def derive(self, **changes: object) -> Sandbox:
        """The same sandbox with some settings changed (network, ro_paths, rw_paths, env, frozen, overlays)."""
        now = {"mode": self.mode, "network": self.network, "ro_paths": self.ro_paths, "env": self.env,
               "bwrap_path": self.bwrap_path, "frozen": self.frozen, "allow_hosts": self.allow_hosts,
               "rw_paths": self.rw_paths, "overlays": self.overlays}
        return Sandbox(**{**now, **changes})  # type: ignore[arg-type]

    def _environment(self, home: str) -> dict[str, str]:
        """A clean environment: nothing of the caller's (tokens, keys) unless passed in `env` explicitly."""
        path = "/usr/local/bin:/usr/bin:/bin"
        if sys.prefix != sys.base_prefix:
            path = f"{Path(sys.prefix) / 'bin'}:{path}"  # `python` and `pytest` are codemill's venv's
        base = {"PATH": path, "HOME": home, "TMPDIR": "/tmp", "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1"}
        return {**base, **self.env}

    def run(
        self, argv: Sequence[str], workdir: Path, limits: Limits = DEFAULT_LIMITS, stdin: str | None = None
    ) -> Result:
        """Run `argv` in `workdir` under `limits`; never raises for the command's own failure, only for ours."""
        if not argv:
            raise ValueError("empty argv")
        workdir = Path(workdir).resolve()
        if not workdir.is_dir():
            raise NotADirectoryError(f"sandbox workdir is not a directory: {workdir}")
        for dest in self.overlays:  # bwrap would otherwise create the mount point in the workdir
            if not (workdir / dest).is_file():
                raise FileNotFoundError(f"sandbox overlay target is not a file of the workdir: {workdir / dest}")
        with tempfile.TemporaryDirectory(prefix="codemill-sandbox-") as scratch, _pids_cgroup(limits) as procs, \
                contextlib.ExitStack() as stack:
            if self.mode == "bwrap":
                passwd, group = Path(scratch, "passwd"), Path(scratch, "group")
                passwd.write_text(_bwrap.PASSWD)
                group.write_text(_bwrap.GROUP)
                network, extra, env_extra = self.network, (), {}
                if self.network and self.allow_hosts is not None:
                    # A network namespace of its own; the only way out is the allow-listing proxy.
                    os.chmod(scratch, 0o755)
                    stack.enter_context(AllowListProxy(Path(scratch, "proxy.sock"), self.allow_hosts))
                    shutil.copy(Path(__file__).with_name("forward.py"), Path(scratch, "forward.py"))
                    argv = [sys.executable, "-I", str(Path(scratch, "forward.py")), str(PROXY_PORT),
                            str(Path(scratch, "proxy.sock")), "--", *argv]
                    network, extra = False, (Path(scratch, "forward.py"), Path(scratch, "proxy.sock"))
                    url = f"http://127.0.0.1:{PROXY_PORT}"
                    env_extra = {k: url for k in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy")}
                bwrap = shutil.which(self.bwrap_path) or self.bwrap_path  # found on our PATH, run without it
                full = _bwrap.command(bwrap, argv, workdir, network=network, ro_paths=(*self.ro_paths, *extra),
                                      rw_paths=self.rw_paths,
                                      env={**self._environment("/tmp"), **env_extra}, passwd=passwd, group=group,
                                      frozen=[workdir / p for p in self.frozen if (workdir / p).exists()],
                                      overlays=[(src, workdir / dest) for dest, src in self.overlays.items()],
                                      tmp_mb=limits.tmp_mb or limits.memory_mb)
                # bwrap is pid 1 of the sandbox's namespace and its /proc/1/environ is readable inside: it must
                # hold nothing of ours (`--clearenv` only clears the child's).
                env: dict[str, str] = {"PATH": BWRAP_PATH}
            else:
                full, env = list(argv), self._environment(str(workdir))
            stdin_file: IO[bytes] | None = None
            if stdin is not None:
                Path(scratch, "stdin").write_text(stdin)
                stdin_file = open(Path(scratch, "stdin"), "rb")  # noqa: SIM115 - closed below
            try:
                # Frozen parts are read-only under bwrap: the disk quota need not walk them.
                frozen = frozenset(str(workdir / f) for f in self.frozen) if self.mode == "bwrap" else frozenset()
                return _execute(full, workdir, env, limits, stdin_file, procs, frozen)
            finally:
                if stdin_file is not None:
                    stdin_file.close()


def _execute(
    argv: list[str], workdir: Path, env: dict[str, str], limits: Limits, stdin: IO[bytes] | None,
    cgroup_procs: Path | None, frozen: frozenset[str] = frozenset(),
) -> Result:
    start = time.monotonic()
    deadline = start + limits.wall_seconds
    baseline = disk_usage(workdir, frozen) if limits.disk_mb is not None else 0
    proc = subprocess.Popen(
        argv, cwd=workdir, env=env, stdin=stdin if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
        preexec_fn=_preexec(limits, cgroup_procs),  # setrlimit must happen in the child
    )
    out, err, killed = _collect(proc, limits, deadline, workdir, baseline, frozen)
    status = proc.wait()
    wall = time.monotonic() - start
    stdout, stderr = out.decode("utf-8", "replace"), err.decode("utf-8", "replace")
    if killed is not None:
        return Result(None, stdout, stderr, wall, killed)
    if 128 < status <= 128 + 64:
        status = -(status - 128)
    return Result(status, stdout, stderr, wall, _classify(status, stderr))


def disk_usage(folder: Path, skip: frozenset[str] = frozenset()) -> int:
    """Bytes of the files under `folder` (allocated blocks, so sparse files count what they hold), links not
    followed, leaving out the paths in `skip` (read-only in the sandbox: they cannot grow)."""
    if str(folder) in skip:
        return 0  # the whole folder is read-only (`frozen=(".",)`): walking it every second is wasted work
    total = 0
    stack = [str(folder)]
    while stack:
        try:
            entries = list(os.scandir(stack.pop()))
        except OSError:
            continue
        for entry in entries:
            if entry.path in skip:
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                else:
                    total += entry.stat(follow_symlinks=False).st_blocks * 512
            except OSError:
                continue
    return total


def _collect(proc: subprocess.Popen[bytes], limits: Limits, deadline: float, workdir: Path,
             baseline: int, frozen: frozenset[str]) -> tuple[bytes, bytes, Killed | None]:
    """Read both pipes as they fill, killing on the wall clock, once output passes the cap (never buffered past
    it) or once the work directory grew past `disk_mb` (checked every second, or less often when the walk is
    slow), and killing leftovers in the process group once the command itself has exited."""
    assert proc.stdout is not None and proc.stderr is not None
    buffers = {proc.stdout.fileno(): bytearray(), proc.stderr.fileno(): bytearray()}
    room = limits.output_bytes
    next_disk_check = time.monotonic() + 1.0
    with selectors.DefaultSelector() as selector:
        for fd in buffers:
            selector.register(fd, selectors.EVENT_READ)
        while selector.get_map():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                _kill(proc)
                return bytes(buffers[proc.stdout.fileno()]), bytes(buffers[proc.stderr.fileno()]), "wall"
            if proc.poll() is not None:
                _kill(proc)  # background children of an exited command would hold the pipes open
            elif limits.disk_mb is not None and time.monotonic() >= next_disk_check:
                started = time.monotonic()
                used = disk_usage(workdir, frozen) - baseline
                # At most a tenth of a core on the walk: a tree of 100,000 files is checked every few seconds.
                next_disk_check = time.monotonic() + max(1.0, 10 * (time.monotonic() - started))
                if used > limits.disk_mb * _MIB:
                    _kill(proc)
                    return bytes(buffers[proc.stdout.fileno()]), bytes(buffers[proc.stderr.fileno()]), "disk"
            for key, _ in selector.select(min(remaining, 0.2)):
                chunk = os.read(key.fd, 65536)
                if not chunk:
                    selector.unregister(key.fd)
                    continue
                buffers[key.fd] += chunk[:room]
                if len(chunk) > room:
                    _kill(proc)
                    return bytes(buffers[proc.stdout.fileno()]), bytes(buffers[proc.stderr.fileno()]), "output"
                room -= len(chunk)
    return bytes(buffers[proc.stdout.fileno()]), bytes(buffers[proc.stderr.fileno()]), None


def _kill(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the whole process group; under bwrap that is bwrap itself, whose death (--die-with-parent) kills
    the sandbox's pid 1 and so every process in its pid namespace, including ones that called setsid()."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def _classify(status: int, stderr: str) -> Killed | None:
    if status == 0:
        return None
    if status == -signal.SIGXCPU:
        return "cpu"
    if status in (-signal.SIGSEGV, -signal.SIGBUS) or (status > 0 and _MEMORY_PATTERN.search(stderr[-4000:])):
        return "memory"
    if status < 0:
        return "signal"
    return None


def _preexec(limits: Limits, cgroup_procs: Path | None) -> Callable[[], None]:
    """Child-side setup between fork and exec: join the pids cgroup, then lower the rlimits."""
    settings = [
        (resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 1)),
        (resource.RLIMIT_AS, (limits.memory_mb * _MIB,) * 2),
        (resource.RLIMIT_NPROC, (limits.processes,) * 2),
        (resource.RLIMIT_FSIZE, (limits.file_size_mb * _MIB,) * 2),
        (resource.RLIMIT_CORE, (0, 0)),
    ]

    def apply() -> None:
        if cgroup_procs is not None:
            with open(cgroup_procs, "w") as handle:
                handle.write(str(os.getpid()))
        for which, (soft, hard) in settings:
            current_hard = resource.getrlimit(which)[1]
            if current_hard != resource.RLIM_INFINITY:
                soft, hard = min(soft, current_hard), min(hard, current_hard)
            resource.setrlimit(which, (soft, hard))

    return apply


_warned_no_cgroup = False


@contextlib.contextmanager
def _pids_cgroup(limits: Limits) -> Iterator[Path | None]:
    """For a root caller (where RLIMIT_NPROC is ignored), a fresh pids cgroup capped at `limits.processes`;
    yields its cgroup.procs, or None when not root or no pids controller is writable. Removed afterwards."""
    global _warned_no_cgroup
    group = _make_cgroup(limits.processes) if os.geteuid() == 0 else None
    if group is None and os.geteuid() == 0 and not _warned_no_cgroup:
        _warned_no_cgroup = True
        log.warning("running as root without a writable pids cgroup: Limits.processes is not enforced")
    try:
        yield None if group is None else group / "cgroup.procs"
    finally:
        if group is not None:
            _remove_cgroup(group)


def _make_cgroup(processes: int) -> Path | None:
    for root in _CGROUP_ROOTS:
        group = root / f"codemill-sandbox-{uuid.uuid4().hex[:12]}"
        try:
            group.mkdir()
        except OSError:
            continue
        try:
            (group / "pids.max").write_text(str(processes))
            return group
        except OSError:
            with contextlib.suppress(OSError):
                group.rmdir()
    return None


def _remove_cgroup(group: Path) -> None:
    """Kill anything still in the cgroup (a process that escaped the process group), then remove it."""
    for _ in range(50):
        try:
            pids = [int(p) for p in (group / "cgroup.procs").read_text().split()]
        except OSError:
            return
        if not pids:
            break
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.05)
    with contextlib.suppress(OSError):
        group.rmdir()
