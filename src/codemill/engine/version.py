"""The code versions recorded in manifests: the release plus a digest of source.

A stage's version covers the code it runs:
- its own module and every codemill module that module imports, directly or through others, found statically
  (`import` and `from ... import` anywhere in a file, functions included), with the `__init__.py` of every
  package on the way, and the files beside each module that it names in a string (a fitted model's JSON);
- the whole engine, which writes, orders and checks what the stage emits;
- the stage's hand-bumped `version`, for what the digest cannot see (a module loaded by name, data read at run
  time).
A user stage's module outside codemill is followed the same way inside its own top-level package (found with
`importlib.util.find_spec`, never imported here), together with the codemill modules it imports; a module whose
source cannot be found (no file on disk) counts by name only, so its `version` is then the one way to re-run it.
So editing the review desk or a CLI docstring leaves the mined stages done, while any change to code a stage
runs marks it stale: its outputs are never reused across code that could produce something different.

The digest is of each file's sha256 under its place in its package, so the 21 stages' versions read and hash a
file once per process; the imports come from `engine.scancache`, which parses only files whose bytes it has not
seen before.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from functools import cache
from pathlib import Path

import codemill
from codemill.engine.scan import Import, Scan
from codemill.engine.scancache import shared

ROOT = Path(codemill.__file__).parent
Imports = tuple[Import, ...]
Roots = tuple[tuple[str, Path], ...]  # (top-level package, its folder, or the file of a top-level module)
PACKAGE = "codemill"


@cache
def stage_code_version(module: str, version: int = 1, root: Path = ROOT) -> str:
    """The version of the code a stage runs: `module` (dotted, `codemill.stages.commits`) and its static
    imports, transitively, the whole engine (which writes, orders and checks what the stage emits), and the
    stage's own `version`."""
    engine = {p for p in (root / "engine").rglob("*.py")}
    others = foreign_root(module)
    files = module_closure(module, root, others) | engine
    out = _version(files, ((PACKAGE, root), *others), extra=f"stage-version {version} {module}")
    shared().save()
    return out


def read_module(module: str, root: Path = ROOT) -> Scan | None:
    """The static read of a codemill module (`engine.scan`, through the cache), or None when no file is so named."""
    roots = ((PACKAGE, root),)
    path = _module_file(module, roots)
    return None if path is None else shared().scan(_bytes(path), _package_of(path, roots), (PACKAGE,))


def forget() -> None:
    """Drop what this process has read (versions, closures, file digests, scans), so edits made since count."""
    for cached in (stage_code_version, module_closure, _scan, _bytes, _digest, _listing, _module_file, _parent_inits,
                   _package_of, _label):
        cached.cache_clear()


def foreign_root(module: str) -> Roots:
    """Where the top-level package of a module outside codemill lives (a user stage), or () when it is codemill's
    or has no source on disk; located without importing it."""
    top = module.split(".")[0]
    if top == PACKAGE:
        return ()
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        return ()
    if spec is None:
        return ()
    if spec.submodule_search_locations:
        return ((top, Path(next(iter(spec.submodule_search_locations)))),)
    if spec.origin and spec.origin.endswith(".py"):
        return ((top, Path(spec.origin)),)
    return ()


@cache
def module_closure(module: str, root: Path = ROOT, others: Roots = ()) -> frozenset[Path]:
    """Source files of `module` and of every codemill module it imports, directly or not.

    A package's `__init__.py` that only re-exports is not a dependency on all it re-exports: reached on the way
    to a submodule, only its own file counts; `from package import name` follows the import that binds `name`
    there (or the submodule so named); only `import package` itself follows all of it. `others` adds top-level
    packages to follow besides codemill (a user stage's own)."""
    roots = ((PACKAGE, root), *others)
    tops = tuple(top for top, _base in roots)
    seen: set[Path] = set()
    done: set[tuple[Path, tuple[str, ...] | None]] = set()
    todo: list[tuple[str, tuple[str, ...] | None]] = [(module, None)]
    while todo:
        name, names = todo.pop()
        seen.update(_parent_inits(name, roots))
        target = _module_file(name, roots)
        if target is None or (target, names) in done:
            continue
        done.add((target, names))
        seen.add(target)
        imports, data = _scan(target, _package_of(target, roots), tops)
        seen.update(data)
        if target.name == "__init__.py" and names is not None:
            todo.extend(_providers(name, names, imports, roots))
        else:
            todo.extend(imports)
    return frozenset(seen)


def _providers(package: str, names: tuple[str, ...], imports: Imports,
               roots: Roots) -> list[tuple[str, tuple[str, ...] | None]]:
    """What `from package import names` depends on: the submodules so named, and the imports of the package's
    `__init__.py` that bind the other names (all of them when one is defined there, not imported)."""
    out: list[tuple[str, tuple[str, ...] | None]] = []
    for name in names:
        if _module_file(f"{package}.{name}", roots) is not None:
            out.append((f"{package}.{name}", None))
            continue
        binding = [(module, (name,)) for module, bound in imports if bound is not None and name in bound]
        if not binding:
            return list(imports)
        out.extend(binding)
    return out


def _version(paths: frozenset[Path], roots: Roots, extra: str = "") -> str:
    """Digest of the files by their place inside their package (never the machine's absolute paths)."""
    h = hashlib.sha256(extra.encode())
    for label, path in sorted((_label(p, roots), p) for p in paths):
        h.update(f"{label}\0{_digest(path)}\n".encode())
    return f"{codemill.__version__}+src.{h.hexdigest()[:12]}"


@cache
def _label(path: Path, roots: Roots) -> str:
    for top, base in roots:
        if path == base or base in path.parents:
            return "/".join((top, *path.relative_to(base).parts))
    return path.name


def _base(module: str, roots: Roots) -> Path | None:
    return dict(roots).get(module.split(".")[0])


@cache
def _module_file(module: str, roots: Roots) -> Path | None:
    """The file of a dotted module of a followed package (a package's `__init__.py`), or None when it names no
    module there."""
    parts = module.split(".")
    base = _base(module, roots)
    if base is None or base.is_file():
        return base if base is not None and len(parts) == 1 else None
    folder = base.joinpath(*parts[1:])
    if (folder / "__init__.py").is_file():
        return folder / "__init__.py"
    return folder.with_suffix(".py") if len(parts) > 1 and folder.with_suffix(".py").is_file() else None


@cache
def _parent_inits(module: str, roots: Roots) -> tuple[Path, ...]:
    """The `__init__.py` of every package above a module: importing `a.b.c` runs `a/__init__` and `a/b/__init__`."""
    parts = module.split(".")
    base = _base(module, roots)
    if base is None or base.is_file():
        return ()
    folders = [base.joinpath(*parts[1:i]) for i in range(1, len(parts))]
    return tuple(f / "__init__.py" for f in folders if (f / "__init__.py").is_file())


@cache
def _package_of(path: Path, roots: Roots) -> str:
    """The dotted package a file's relative imports start from."""
    for top, base in roots:
        if base.is_dir() and base in path.parents:
            return ".".join([top, *path.relative_to(base).with_suffix("").parts][:-1])
    return ""


@cache
def _scan(path: Path, package: str, tops: tuple[str, ...] = (PACKAGE,)) -> tuple[Imports, frozenset[Path]]:
    """One module's codemill imports, with the names it takes from each (None: the module itself), and the files
    beside it that it names in a string (`Path(__file__).with_name("model.json")`, the harness files copied into
    a sandbox): what it reads at run time is part of what it runs (`engine.scan`, through the cache)."""
    found = shared().scan(_bytes(path), package, tops)
    beside = _listing(path.parent)
    data = (path.parent / n for n in found.strings if n in beside)
    return found.imports, frozenset(p for p in data if p.is_file())


@cache
def _bytes(path: Path) -> bytes:
    return path.read_bytes()


@cache
def _digest(path: Path) -> str:
    return hashlib.sha256(_bytes(path)).hexdigest()


@cache
def _listing(folder: Path) -> frozenset[str]:
    try:
        return frozenset(os.listdir(folder))
    except OSError:
        return frozenset()
