"""The code versions recorded in manifests: the release plus a digest of source.

A stage's version covers the code it runs:
- its own module and every codemill module that module imports, directly or through others, found statically
  (`import` and `from ... import` anywhere in a file, functions included), with the `__init__.py` of every
  package on the way, and the files beside each module that it names in a string (a fitted model's JSON);
- the whole engine, which writes, orders and checks what the stage emits;
- the stage's hand-bumped `version`, for what the digest cannot see (a module loaded by name, data read at run
  time).
So editing the review desk or a CLI docstring leaves the mined stages done, while any change to code a stage
runs marks it stale: its outputs are never reused across code that could produce something different.
"""

from __future__ import annotations

import ast
import hashlib
from functools import cache
from pathlib import Path

import codemill

ROOT = Path(codemill.__file__).parent
Imports = tuple[tuple[str, tuple[str, ...] | None], ...]  # (module, names taken from it, None for the module)
PACKAGE = "codemill"


@cache
def stage_code_version(module: str, version: int = 1, root: Path = ROOT) -> str:
    """The version of the code a stage runs: `module` (dotted, `codemill.stages.commits`) and its static
    imports, transitively, the whole engine (which writes, orders and checks what the stage emits), and the
    stage's own `version`."""
    engine = {p for p in (root / "engine").rglob("*.py")}
    return _version(sorted(module_closure(module, root) | engine), root, extra=f"stage-version {version}")


@cache
def module_closure(module: str, root: Path = ROOT) -> frozenset[Path]:
    """Source files of `module` and of every codemill module it imports, directly or not.

    A package's `__init__.py` that only re-exports is not a dependency on all it re-exports: reached on the way
    to a submodule, only its own file counts; `from package import name` follows the import that binds `name`
    there (or the submodule so named); only `import package` itself follows all of it."""
    seen: set[Path] = set()
    done: set[tuple[Path, tuple[str, ...] | None]] = set()
    todo: list[tuple[str, tuple[str, ...] | None]] = [(module, None)]
    while todo:
        name, names = todo.pop()
        seen.update(_parent_inits(name, root))
        target = _module_file(name, root)
        if target is None or (target, names) in done:
            continue
        done.add((target, names))
        seen.add(target)
        imports, data = _scan(target, _package_of(target, root))
        seen.update(data)
        if target.name == "__init__.py" and names is not None:
            todo.extend(_providers(name, names, imports, root))
        else:
            todo.extend(imports)
    return frozenset(seen)


def _providers(package: str, names: tuple[str, ...], imports: Imports,
               root: Path) -> list[tuple[str, tuple[str, ...] | None]]:
    """What `from package import names` depends on: the submodules so named, and the imports of the package's
    `__init__.py` that bind the other names (all of them when one is defined there, not imported)."""
    out: list[tuple[str, tuple[str, ...] | None]] = []
    for name in names:
        if _module_file(f"{package}.{name}", root) is not None:
            out.append((f"{package}.{name}", None))
            continue
        binding = [(module, (name,)) for module, bound in imports if bound is not None and name in bound]
        if not binding:
            return list(imports)
        out.extend(binding)
    return out


def _version(paths: list[Path], root: Path, extra: str = "") -> str:
    h = hashlib.sha256(extra.encode())
    for path in paths:
        h.update(path.relative_to(root).as_posix().encode())
        h.update(b"\0")
        h.update(path.read_bytes())
    return f"{codemill.__version__}+src.{h.hexdigest()[:12]}"


def _module_file(module: str, root: Path) -> Path | None:
    """The file of a dotted codemill module (a package's `__init__.py`), or None when it names no module."""
    parts = module.split(".")
    if parts[0] != PACKAGE:
        return None
    folder = root.joinpath(*parts[1:])
    if (folder / "__init__.py").is_file():
        return folder / "__init__.py"
    return folder.with_suffix(".py") if len(parts) > 1 and folder.with_suffix(".py").is_file() else None


def _parent_inits(module: str, root: Path) -> list[Path]:
    """The `__init__.py` of every package above a module: importing `a.b.c` runs `a/__init__` and `a/b/__init__`."""
    parts = module.split(".")
    if parts[0] != PACKAGE:
        return []
    folders = [root.joinpath(*parts[1:i]) for i in range(1, len(parts))]
    return [f / "__init__.py" for f in folders if (f / "__init__.py").is_file()]


def _package_of(path: Path, root: Path) -> str:
    """The dotted package a file's relative imports start from."""
    rel = path.relative_to(root).with_suffix("")
    parts = [PACKAGE, *rel.parts]
    return ".".join(parts[:-1])


@cache
def _scan(path: Path, package: str) -> tuple[Imports, frozenset[Path]]:
    """One read of a module: every codemill module it imports, with the names it takes from it (None: the
    module itself), and the files beside it that it names in a string (`Path(__file__).with_name("model.json")`,
    the harness files copied into a sandbox): what it reads at run time is part of what it runs."""
    try:
        tree = ast.parse(path.read_bytes())
    except SyntaxError:
        return (), frozenset()
    out: list[tuple[str, tuple[str, ...] | None]] = []
    strings: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.extend((alias.name, None) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            names = tuple(alias.name for alias in node.names)
            out.append((module, None if "*" in names else names))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value \
                and "/" not in node.value and node.value not in (".", "..") and len(node.value) < 200:
            strings.add(node.value)
    imports = tuple((m, n) for m, n in out if m.split(".")[0] == PACKAGE)
    return imports, frozenset(path.parent / name for name in strings if (path.parent / name).is_file())
