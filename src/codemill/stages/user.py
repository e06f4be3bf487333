"""User stages: stage classes from outside codemill, named in the config or installed as plugins.

A user names a stage as `[run] stages = ["mypkg.stages:WordCountStage"]` (an import path `module:Class`), or a
package declares it in the `codemill.stages` entry-point group of its metadata. Either way the class is checked
here once, when the pipeline is assembled, so a bad plugin fails with one message naming it and where it came
from, never halfway through a run; the pipeline then runs it like a built-in stage (planned, reused, verified).
"""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, TypeVar

from pydantic import ValidationError

from codemill.config import SECTIONS, Config, ConfigError

if TYPE_CHECKING:  # imported where a user stage is checked: a run without one (`codemill status`) needs no pyarrow
    from codemill.engine.fingerprint import Fingerprinted
    from codemill.engine.stage import Stage

S = TypeVar("S", bound="Fingerprinted")

ENTRY_POINT_GROUP = "codemill.stages"
NAME = re.compile(r"[a-z][a-z0-9_]*")
# Folders of a run directory that are no stage's: a stage so named would write into them.
RESERVED = frozenset({"stages", "review", "report"})


class UserStageError(ConfigError):
    """A user stage that cannot join the pipeline; the message names the stage and where it was declared."""


@dataclass(frozen=True)
class Declared:
    """A user stage class and where it was declared (for messages)."""

    cls: type[Stage]
    origin: str


def pipeline_stages(config: Config, builtin: Sequence[S]) -> tuple[S | type[Stage], ...]:
    """The built-in stages (classes, or `stages.index` records) and the user's (the config's, then every installed
    entry point's), each after all of its upstreams; raises `UserStageError` for the first problem found."""
    declared = [*(_from_config(spec) for spec in config.run.stages), *_from_entry_points()]
    user = _distinct(declared)
    _check_names(user, builtin)
    ordered = order_stages(builtin, [d.cls for d in user])
    _check_sections(config, [d.cls for d in user])
    return ordered


def _from_config(spec: str) -> Declared:
    origin = f"run.stages entry {spec!r}"
    module, sep, attr = spec.partition(":")
    if not sep or not module or not attr:
        raise UserStageError(f"{origin}: not an import path `module:Class`")
    try:
        obj: object = importlib.import_module(module)
        for part in attr.split("."):
            obj = getattr(obj, part)
    except Exception as e:  # the user's module may fail in any way while importing
        raise UserStageError(f"{origin}: cannot import it ({type(e).__name__}: {e})") from None
    return Declared(_as_stage(obj, origin), origin)


def _from_entry_points() -> Iterable[Declared]:
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: (ep.name, ep.value)):
        dist = f" of {ep.dist.name}" if ep.dist is not None else ""
        origin = f"entry point {ep.name} = {ep.value!r}{dist} ({ENTRY_POINT_GROUP})"
        try:
            obj = ep.load()
        except Exception as e:  # as above: a plugin's import can raise anything
            raise UserStageError(f"{origin}: cannot import it ({type(e).__name__}: {e})") from None
        yield Declared(_as_stage(obj, origin), origin)


def _as_stage(obj: object, origin: str) -> type[Stage]:
    from codemill.engine.stage import Stage

    if not (inspect.isclass(obj) and issubclass(obj, Stage)):
        raise UserStageError(f"{origin}: {obj!r} is not a Stage subclass (codemill.engine.stage.Stage)")
    name = getattr(obj, "name", None)
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise UserStageError(f"{origin}: {obj.__qualname__} needs a `name` of lower-case letters, digits and _ "
                             f"(its output folder), not {name!r}")
    if inspect.isabstract(obj):
        missing = ", ".join(sorted(obj.__abstractmethods__))
        raise UserStageError(f"{origin}: stage {name!r} does not implement {missing}")
    return obj


def _distinct(declared: list[Declared]) -> list[Declared]:
    """One entry per class: a stage both named in the config and installed is the same stage."""
    seen: dict[type[Stage], Declared] = {}
    for d in declared:
        seen.setdefault(d.cls, d)
    return list(seen.values())


def _check_names(user: list[Declared], builtin: Sequence[Fingerprinted]) -> None:
    taken = {cls.name: "a built-in stage" for cls in builtin}
    taken.update({s: "a config section" for s in SECTIONS if s not in taken})
    taken.update({s: "a run-directory folder" for s in RESERVED})
    for d in user:
        if d.cls.name in taken:
            raise UserStageError(f"{d.origin}: stage name {d.cls.name!r} is taken by {taken[d.cls.name]}")
        taken[d.cls.name] = f"another user stage ({d.origin})"
    stages = _names(builtin) | _names(d.cls for d in user)
    for d in user:
        unknown = [u for u in d.cls.upstream if u not in stages]
        if unknown:
            raise UserStageError(f"{d.origin}: upstream {', '.join(map(repr, unknown))} names no stage")


def _names(stages: Iterable[Fingerprinted]) -> set[str]:
    return {cls.name for cls in stages}


def order_stages(builtin: Sequence[S], user: Sequence[type[Stage]]) -> tuple[S | type[Stage], ...]:
    """The built-in order with each user stage inserted right after the last of its upstreams (ties by name), so
    the built-ins keep their order and a stage runs after everything it reads."""
    order: list[S | type[Stage]] = list(builtin)
    pending = sorted(user, key=lambda cls: cls.name)
    while pending:
        placed = _names(order)
        ready = [cls for cls in pending if set(cls.upstream) <= placed]
        if not ready:
            raise UserStageError(f"user stages depend on each other in a cycle: {_cycle(pending)}")
        for cls in ready:  # in name order; each skips the stages of this round already placed at its spot
            pos = max((i for i, s in enumerate(order) if s.name in cls.upstream), default=-1) + 1
            while pos < len(order) and order[pos] in ready:
                pos += 1
            order.insert(pos, cls)
        pending = [cls for cls in pending if cls not in ready]
    return tuple(order)


def _cycle(pending: list[type[Stage]]) -> str:
    """One cycle among stages none of which can run first: each has an upstream among them."""
    by_name = {cls.name: cls for cls in pending}
    path = [pending[0].name]
    while True:
        nxt = next(u for u in by_name[path[-1]].upstream if u in by_name)
        if nxt in path:
            return " → ".join([*path[path.index(nxt):], nxt])
        path.append(nxt)


def _check_sections(config: Config, user: list[type[Stage]]) -> None:
    """Every `[stages.<name>]` belongs to a user stage (a typo is named, as in built-in sections), and each is
    valid under its stage's `config_model`."""
    own = {cls.section_name if cls.section_name is not None else cls.name: cls for cls in user}
    wanted = {s for cls in user for s in cls.sections() if s not in SECTIONS}
    for name in sorted(set(config.stages) - wanted):
        known = ", ".join(sorted(wanted)) or "none"
        raise UserStageError(f"invalid config: stages.{name}: no user stage reads this section (user stages' "
                             f"sections: {known})")
    for name, cls in sorted(own.items()):
        if cls.config_model is None or name in SECTIONS:
            continue
        try:
            cls.config_model.model_validate(config.section(name).model_dump())
        except ValidationError as err:
            lines = [f"invalid config: [stages.{name}] of stage {cls.name!r}:"]
            for e in err.errors():
                key = ".".join(str(p) for p in ("stages", name, *e["loc"]))
                lines.append(f"  {key}: {'unknown key' if e['type'] == 'extra_forbidden' else e['msg']}")
            raise UserStageError("\n".join(lines)) from None
