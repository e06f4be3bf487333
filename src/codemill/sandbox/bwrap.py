"""The bubblewrap command line: what the sandbox sees, and a cached probe of whether bwrap works here.

What is visible inside, and why:
- /usr and the top-level /bin, /sbin, /lib* (symlinks kept as symlinks, real directories bound read-only): the
  system toolchain (git, compilers, shared libraries).
- A short list of /etc entries, read-only: the loader cache and config (shared libraries), alternatives (Debian
  command symlinks), ssl and ca-certificates (TLS when the network is shared), localtime, nsswitch.conf and hosts
  (so `localhost` resolves), gitconfig, resolv.conf only with the network. Not the rest of /etc: as the sandbox
  user maps to the caller's uid, a root caller's /etc/shadow would otherwise be readable.
- /etc/passwd and /etc/group are synthesised (root and nobody only), so `getpass.getuser()`, git and ssh find
  the user without the host's account list being exposed.
- The running Python's `sys.base_prefix` and `sys.prefix` (venv), read-only, when outside /usr: often under a
  hidden home directory (/root/.pyenv) of which nothing else is bound.
- `ro_paths`, read-only; `rw_paths` (a build cache) and the workdir, writable, at their own paths; a fresh tmpfs
  on /tmp (after which these are bound, so a workdir under /tmp still appears); a new /proc and a minimal /dev.
- `frozen` parts of the workdir bound read-only over it, then `overlays`: single files of the caller's bound
  read-only over files of the workdir, so runs sharing one workdir each see their own version of a file.
Nothing else: no home directory, no codemill run or output directory unless it is the workdir, no /sys, /run, /var.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

SANDBOX_UID = 65534  # nobody: the command is never uid 0 inside, even when codemill runs as root

_TOP_LEVEL = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
_ETC = (
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/alternatives",
    "/etc/ssl",
    "/etc/ca-certificates",
    "/etc/localtime",
    "/etc/nsswitch.conf",
    "/etc/hosts",
    "/etc/gitconfig",
)
PASSWD = "root:x:0:0:root:/root:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/tmp:/usr/sbin/nologin\n"
GROUP = "root:x:0:\nnogroup:x:65534:\n"


def system_args() -> list[str]:
    """Read-only system directories, keeping merged-/usr symlinks as symlinks (binding them would fail)."""
    args = ["--ro-bind", "/usr", "/usr"]
    for path in _TOP_LEVEL:
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    return args


def python_paths() -> list[Path]:
    """Install locations of the running Python not already under /usr, so `sys.executable` runs inside."""
    paths: list[Path] = []
    for prefix in (sys.base_prefix, sys.base_exec_prefix, sys.prefix, sys.exec_prefix):
        real = Path(prefix).resolve()
        if real.is_dir() and not real.is_relative_to("/usr") and real not in paths:
            paths.append(real)
        if Path(prefix) != real and not Path(prefix).is_relative_to("/usr") and Path(prefix) not in paths:
            paths.append(Path(prefix))  # a symlinked prefix: bind the name the interpreter reports, too
    return paths


def command(
    bwrap: str,
    argv: Sequence[str],
    workdir: Path,
    *,
    network: bool,
    ro_paths: Sequence[Path],
    env: dict[str, str],
    passwd: Path,
    group: Path,
    frozen: Sequence[Path] = (),
    tmp_mb: int | None = None,
    rw_paths: Sequence[Path] = (),
    overlays: Sequence[tuple[Path, Path]] = (),
) -> list[str]:
    """The full bwrap argv for one run; `env` is the complete environment (bwrap clears everything else)."""
    args = [bwrap, "--unshare-all", "--unshare-user", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID)]
    if supports(bwrap, "--disable-userns"):  # no namespaces nested inside: the kernel surface they open stays shut
        args.append("--disable-userns")
    if network:
        args.append("--share-net")
    args += ["--die-with-parent", "--new-session", "--hostname", "sandbox"]
    args += system_args()
    for path in (*_ETC, *(("/etc/resolv.conf",) if network else ())):
        args += ["--ro-bind-try", path, path]
    args += ["--ro-bind", str(passwd), "/etc/passwd", "--ro-bind", str(group), "/etc/group"]
    args += ["--proc", "/proc", "--dev", "/dev"]
    if tmp_mb is not None and supports(bwrap, "--size"):
        args += ["--size", str(tmp_mb * 1024 * 1024)]
    args += ["--tmpfs", "/tmp"]
    for path in (*python_paths(), *ro_paths):
        args += ["--ro-bind", str(path), str(path)]
    for path in (*rw_paths, workdir):
        args += ["--bind", str(path), str(path)]
    for path in frozen:  # after the workdir bind, so these parts of it stay read-only
        args += ["--ro-bind", str(path), str(path)]
    for source, target in overlays:  # last: a file of this run's own over the (possibly frozen) workdir's
        args += ["--ro-bind", str(source), str(target)]
    args += ["--chdir", str(workdir), "--clearenv"]
    for key, value in env.items():
        args += ["--setenv", key, value]
    return [*args, "--", *argv]


def supports(bwrap: str, option: str) -> bool:
    """Whether this bwrap has `option` (`--size` to cap a tmpfs: 0.7; `--disable-userns`: 0.8)."""
    return option in _help(bwrap)


@functools.cache
def _help(bwrap: str) -> str:
    try:
        done = subprocess.run([bwrap, "--help"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout + done.stderr


@functools.cache
def available(bwrap_path: str = "bwrap") -> tuple[bool, str]:
    """Whether bwrap can build our sandbox here (tried once per path), and if not why: the binary may be missing,
    or present but refused user namespaces (containers without CAP_SYS_ADMIN, AppArmor userns restrictions)."""
    found = shutil.which(bwrap_path)
    if found is None:
        return False, f"bubblewrap executable {bwrap_path!r} not found (install the 'bubblewrap' package)"
    true = shutil.which("true") or "/usr/bin/true"
    probe = [found, "--unshare-all", "--unshare-user", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID),
             "--die-with-parent", "--new-session", *system_args(), "--proc", "/proc", "--dev", "/dev",
             "--tmpfs", "/tmp", "--", true]
    try:
        done = subprocess.run(probe, capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"{found} failed to start: {exc}"
    if done.returncode != 0:
        return False, f"{found} exited {done.returncode}: {done.stderr.strip() or 'no message'}"
    return True, f"{found} works"
