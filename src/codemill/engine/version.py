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
    """Source files of `module` and of every codemill module it imports, directly or not."""
    seen: set[Path] = set()
    todo = [module]
    while todo:
        name = todo.pop()
        for path in _files_of(name, root):
            if path in seen:
                continue
            seen.add(path)
            todo.extend(_imports(path, _package_of(path, root)))
            seen.update(_data_files(path))
    return frozenset(seen)


@cache
def _data_files(path: Path) -> frozenset[Path]:
    """Files beside a module that it names in a string (`Path(__file__).with_name("model.json")`, the harness
    files copied into a sandbox): what it reads at run time is part of what it runs."""
    try:
        tree = ast.parse(path.read_bytes())
    except SyntaxError:
        return frozenset()
    names = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
             and n.value and "/" not in n.value and n.value not in (".", "..") and len(n.value) < 200}
    return frozenset(path.parent / name for name in names if (path.parent / name).is_file())


def _version(paths: list[Path], root: Path, extra: str = "") -> str:
    h = hashlib.sha256(extra.encode())
    for path in paths:
        h.update(path.relative_to(root).as_posix().encode())
        h.update(b"\0")
        h.update(path.read_bytes())
    return f"{codemill.__version__}+src.{h.hexdigest()[:12]}"


def _files_of(module: str, root: Path) -> list[Path]:
    """The file of a dotted codemill module (a package's `__init__.py`), and the `__init__.py` of every package
    above it: importing `a.b.c` runs `a/__init__`, `a/b/__init__` and `a/b/c`."""
    parts = module.split(".")
    if parts[0] != PACKAGE:
        return []
    out: list[Path] = []
    folder = root
    for part in parts[1:]:
        if (folder / "__init__.py").is_file():
            out.append(folder / "__init__.py")
        folder = folder / part
    if (folder / "__init__.py").is_file():
        out.append(folder / "__init__.py")
    elif folder.with_suffix(".py").is_file():
        out.append(folder.with_suffix(".py"))
    elif (folder.parent / "__init__.py").is_file():
        out.append(folder.parent / "__init__.py")
    return out


def _package_of(path: Path, root: Path) -> str:
    """The dotted package a file's relative imports start from."""
    rel = path.relative_to(root).with_suffix("")
    parts = [PACKAGE, *rel.parts]
    return ".".join(parts[:-1])


@cache
def _imports(path: Path, package: str) -> tuple[str, ...]:
    """Every codemill module a file names in an import, as dotted names (`from a import b` gives `a` and `a.b`,
    since `b` may be a module)."""
    try:
        tree = ast.parse(path.read_bytes())
    except SyntaxError:
        return ()
    out: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                parent = ".".join([*base, *([node.module] if node.module else [])])
            else:
                parent = node.module or ""
            out.append(parent)
            out.extend(f"{parent}.{alias.name}" for alias in node.names if alias.name != "*")
    return tuple(name for name in out if name.split(".")[0] == PACKAGE)
