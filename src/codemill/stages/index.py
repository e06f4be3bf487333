"""The built-in stages read from their source: what judging a run needs (name, upstream, config sections, the
hand-bumped version and the module whose code is versioned), without importing a stage module and the libraries
below it (0.8 s of every `codemill status`).

The registry's `PIPELINE` tuple names the classes and its imports say where each lives; each class body is read
with `engine.scan` (cached by the file's digest). Only what a body states as a literal is taken: a stage whose
base is not `Stage` itself, that is decorated, patched after its body, computes one of these attributes or
overrides how the engine fingerprints it, makes the whole index None, and the caller imports the registry
instead. The code version is computed from the files as always, so an edited stage is never judged current;
`tests/stages/test_index.py` checks that the index equals the imported classes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from codemill.engine import fingerprint
from codemill.engine.scan import ClassScan
from codemill.engine.scancache import shared
from codemill.engine.version import ROOT, read_module, stage_code_version

if TYPE_CHECKING:
    from codemill.config import Config

REGISTRY = "codemill.stages.registry"
BASE = ("codemill.engine.stage", "Stage")
FIELDS = ("name", "upstream", "section_name", "also_reads", "config_keys", "version")
FINGERPRINT = ("code_version", "sections", "config_digest")


@dataclass(frozen=True)
class StageInfo:
    """A built-in stage as its class body states it; judged like the class (`engine.fingerprint`)."""

    name: str
    upstream: tuple[str, ...]
    section_name: str | None
    also_reads: tuple[str, ...]
    config_keys: tuple[str, ...]
    version: int
    module: str

    def code_version(self) -> str:
        return stage_code_version(self.module, self.version)

    def sections(self) -> tuple[str, ...]:
        return fingerprint.sections(self.name, self.section_name, self.also_reads)

    def config_digest(self, config: Config) -> str:
        return fingerprint.config_digest(config, self.sections(), self.config_keys)


@cache
def builtin_stages(root: Path = ROOT) -> tuple[StageInfo, ...] | None:
    """`stages.registry.PIPELINE` read statically, in order; None when any stage cannot be read so."""
    registry, base = read_module(REGISTRY, root), read_module(BASE[0], root)
    if registry is None or base is None or BASE[1] not in base.classes or "PIPELINE" not in registry.tuples:
        return None
    where = {name: module for module, names in registry.imports for name in names or ()}
    infos = [_info(cls, where.get(cls), base.classes[BASE[1]], root) for cls in registry.tuples["PIPELINE"]]
    shared().save()
    return None if any(i is None for i in infos) else tuple(i for i in infos if i is not None)


def _info(cls: str, module: str | None, base: ClassScan, root: Path) -> StageInfo | None:
    found = read_module(module, root) if module else None
    body = found.classes.get(cls) if found is not None else None
    if found is None or body is None or module is None or not _plain_stage(body, found.imports):
        return None
    values = {**{k: v for k, v in base.attrs.items() if k in FIELDS}, **body.attrs}
    name, upstream, section, also, keys, version = (values.get(f, ...) for f in FIELDS)
    if not (isinstance(name, str) and _strings(upstream) and (section is None or isinstance(section, str))
            and _strings(also) and _strings(keys) and type(version) is int):
        return None
    return StageInfo(name, upstream, section, also, keys, version, module)  # type: ignore[arg-type]


def _plain_stage(body: ClassScan, imports: tuple[tuple[str, tuple[str, ...] | None], ...]) -> bool:
    """A direct subclass of the engine's `Stage` (imported as such), stating its fields plainly."""
    base_ok = len(body.bases) == 1 and (body.bases[0] == BASE[1] or body.bases[0].startswith(f"{BASE[1]}["))
    imported = any(m == BASE[0] and BASE[1] in (names or ()) for m, names in imports)
    return base_ok and imported and body.plain and not set(body.other) & {*FIELDS, *FINGERPRINT}


def _strings(value: object) -> bool:
    return isinstance(value, tuple) and all(isinstance(v, str) for v in value)
