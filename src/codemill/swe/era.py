"""The era of a commit: the Python interpreter and the package-index date its tests were written against.

A 2016 commit installed with today's setuptools and pytest often fails to build (`use_2to3`, removed APIs) or
to collect (plugins and conftest hooks that pytest has since dropped). SWE-bench pins an environment per
repository version by hand; codemill pins it by date instead, which generalises to any repository:
- the interpreter is the newest one on this machine that had been out for `slack_days` at the commit date (what
  the project's CI most likely ran; else the newest released by then, else the oldest) and satisfies the
  project's `requires-python`;
- the installer resolves only distributions uploaded before a cutoff: the commit date, but never earlier than
  the chosen interpreter's release plus `slack_days`, since wheels for a new Python take months to appear (and,
  when that fails, `later`: the same interpreter with the packages of a few months on). uv
  does it for any interpreter from 3.7 (`--exclude-newer`, which also holds its build environments, so
  setuptools is of the era too); without uv, pip does it (`PIP_UPLOADED_PRIOR_TO`, inherited by its isolated
  builds) only for interpreters pip itself runs in (its `Requires-Python`: 3.10 and newer for pip 26).

Interpreters are found among `sys.executable`, pyenv's versions and `python3.X` on PATH.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from importlib.metadata import metadata
from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet

# CPython feature releases (python.org release dates): the calendar the era is read against.
RELEASED = {(3, 7): date(2018, 6, 27), (3, 8): date(2019, 10, 14), (3, 9): date(2020, 10, 5),
            (3, 10): date(2021, 10, 4), (3, 11): date(2022, 10, 24), (3, 12): date(2023, 10, 2),
            (3, 13): date(2024, 10, 7), (3, 14): date(2025, 10, 7)}


def _pip_floor() -> tuple[int, int]:
    """The oldest Python codemill's pip runs in: `pip --python` re-executes pip inside the target interpreter."""
    spec = metadata("pip").get("Requires-Python") or ""
    found = re.search(r">=\s*3\.(\d+)", spec)
    return (3, int(found.group(1))) if found else (3, 9)


def uv_path() -> str | None:
    """The uv binary installed with codemill (the `uv` wheel puts it next to our interpreter), else on PATH."""
    beside = Path(sys.executable).parent / "uv"
    return str(beside) if beside.is_file() else shutil.which("uv")


PIP_FLOOR = _pip_floor()
UV_FLOOR = (3, 7)  # uv drives 3.7+ interpreters; older ones cannot run today's test tooling anyway
MIN_VERSION = UV_FLOOR if uv_path() else PIP_FLOOR
SLACK_DAYS = 180
LATER_DAYS = 90


@dataclass(frozen=True)
class Interpreter:
    """A Python found on this machine: the executable, its version and its install prefix (bound into sandboxes)."""

    executable: str
    version: tuple[int, int]
    prefix: str

    @property
    def released(self) -> date:
        return RELEASED.get(self.version, date.max if self.version > max(RELEASED) else date.min)

    @property
    def label(self) -> str:
        return f"{self.version[0]}.{self.version[1]}"


@dataclass(frozen=True)
class Era:
    """What an environment is built with: an interpreter and, when pinned, the package upload cutoff."""

    interpreter: Interpreter
    uploaded_prior_to: str | None = None  # ISO 8601 date, as pip's --uploaded-prior-to takes it

    @property
    def installer(self) -> str:
        """"uv" when pinned and uv is there (any interpreter); "pip" otherwise (pip's own interpreters only)."""
        return "uv" if self.uploaded_prior_to and uv_path() else "pip"

    def pip_env(self) -> dict[str, str]:
        return {"PIP_UPLOADED_PRIOR_TO": self.uploaded_prior_to} if self.uploaded_prior_to else {}

    def to_dict(self) -> dict:
        return {"python": self.interpreter.label, "uploaded_prior_to": self.uploaded_prior_to}


def candidates() -> list[str]:
    """Executables to probe: ours, pyenv's, and versioned names on PATH."""
    found = [sys.executable]
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    if root.is_dir():
        found += [str(p / "bin" / "python3") for p in sorted(root.iterdir()) if (p / "bin" / "python3").is_file()]
    for minor in range(MIN_VERSION[1], max(RELEASED)[1] + 2):
        if exe := shutil.which(f"python3.{minor}"):
            found.append(exe)
    return found


@functools.cache
def probe(executable: str) -> Interpreter | None:
    """The interpreter at `executable`, or None when it does not run or is older than pip supports."""
    code = "import json, sys; print(json.dumps([list(sys.version_info[:2]), sys.base_prefix]))"
    try:
        proc = subprocess.run([executable, "-c", code], capture_output=True, text=True, timeout=30, check=True)
        (major, minor), prefix = json.loads(proc.stdout)
    except (OSError, subprocess.SubprocessError, ValueError):
        return None
    version = (int(major), int(minor))
    return Interpreter(executable, version, prefix) if version >= MIN_VERSION else None


def interpreters(executables: Iterable[str] | None = None) -> list[Interpreter]:
    """One interpreter per version (the first found), oldest first."""
    by_version: dict[tuple[int, int], Interpreter] = {}
    for exe in executables if executables is not None else candidates():
        if (found := probe(exe)) is not None:
            by_version.setdefault(found.version, found)
    return [by_version[v] for v in sorted(by_version)]


def choose(when: datetime, requires_python: str | None, available: list[Interpreter],
           slack_days: int = SLACK_DAYS) -> Era | None:
    """The era of a commit made at `when`; None when no interpreter satisfies `requires_python`."""
    usable = [i for i in available if _allows(requires_python, i.version)]
    if not usable:
        return None
    day = when.astimezone(UTC).date()
    released = [i for i in usable if i.released <= day]
    settled = [i for i in released if i.released + timedelta(days=slack_days) <= day]
    chosen = (settled or released or usable[:1])[-1]
    cutoff = max(day, chosen.released + timedelta(days=slack_days)) if chosen.released != date.min else day
    today = datetime.now(UTC).date()
    if cutoff >= today and chosen.version >= PIP_FLOOR:
        return Era(chosen)  # the present: nothing to pin
    # An interpreter older than pip's floor is pinned (to today at the latest), so that uv installs into it.
    return Era(chosen, min(cutoff, today).isoformat() + "T00:00:00Z")


def later(era: Era, days: int = LATER_DAYS) -> Era | None:
    """The same interpreter with the packages of `days` after the era's cutoff, None when that reaches today.

    A commit's own date can catch its ecosystem mid-breakage (a plugin released against a framework's old API a
    day before its fix, a dependency the CI took from a branch that was released weeks later): its CI went green
    again on a re-run, with the packages of a little later."""
    if era.uploaded_prior_to is None:
        return None
    cutoff = datetime.fromisoformat(era.uploaded_prior_to).date() + timedelta(days=days)
    return Era(era.interpreter, cutoff.isoformat() + "T00:00:00Z") if cutoff < datetime.now(UTC).date() else None


def _allows(spec: str | None, version: tuple[int, int]) -> bool:
    if not spec:
        return True
    try:
        return SpecifierSet(spec).contains(f"{version[0]}.{version[1]}.0", prereleases=True)
    except InvalidSpecifier:
        return True  # an unreadable constraint is not a reason to give up on the commit
