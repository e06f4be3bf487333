"""Value types shared by both sandbox modes: the limits asked for and what came back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Killed = Literal["wall", "cpu", "memory", "output", "disk", "signal"]
Mode = Literal["bwrap", "unsafe-subprocess"]  # unsafe-subprocess: no isolation, only when asked by name


@dataclass(frozen=True)
class Limits:
    """Per-run ceilings; defaults fit a repository test suite, tighten them for single candidate solutions."""

    cpu_seconds: int = 60
    wall_seconds: float = 120
    memory_mb: int = 2048  # RLIMIT_AS: address space, so runtimes that reserve large arenas need headroom
    processes: int = 256
    file_size_mb: int = 64
    output_bytes: int = 1_000_000  # stdout and stderr together
    # What the run may add to its work directory in all (many small files as much as one big one); checked
    # every second (less often in huge trees, to spend at most a tenth of a core on it). None: unchecked.
    disk_mb: int | None = 4096
    # The private /tmp (a tmpfs, so in memory): capped at this (default: memory_mb), so /tmp cannot hold more
    # memory than the run may use itself. bwrap 0.7 or later; older ones leave it uncapped.
    tmp_mb: int | None = None


@dataclass(frozen=True)
class Result:
    """Outcome of one run; `killed` says why we (or a limit) stopped it, so callers need not parse signals."""

    returncode: int | None  # negative signal number when the command died of a signal, as in subprocess
    stdout: str
    stderr: str
    wall_seconds: float
    killed: Killed | None

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and self.killed is None


class SandboxUnavailable(RuntimeError):
    """bwrap cannot run here; the message says why, so the caller can decide whether to opt into the weaker mode."""
