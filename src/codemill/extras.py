"""Optional features and the extra that installs each.

`pip install codemill` carries only what the default mill needs; the report's figures, the review desk, the
sandboxed stages' era-pinned installer and the Ray executor are extras. A feature checks for its modules before
it starts, so a user without the extra gets one sentence naming what to install instead of an ImportError from
deep inside a library.
"""

from __future__ import annotations

from importlib.util import find_spec

EXTRAS: dict[str, tuple[str, ...]] = {
    "report": ("matplotlib",),
    "review": ("fastapi", "uvicorn", "jinja2", "pygments"),
    "ray": ("ray",),
    "tasks": ("uv",),
}


class MissingExtra(RuntimeError):
    """A feature was asked for whose extra is not installed; the message names the extra."""


def missing(extra: str) -> list[str]:
    """The modules of `extra` that cannot be imported here (none when the extra is installed)."""
    return [m for m in EXTRAS[extra] if find_spec(m) is None]


def need(extra: str, feature: str) -> None:
    """Raise `MissingExtra` when `feature` cannot run because a module of `extra` is not installed."""
    if absent := missing(extra):
        raise MissingExtra(f"{feature} needs {', '.join(absent)}, which `pip install codemill` leaves out: "
                           f"pip install 'codemill[{extra}]'")
