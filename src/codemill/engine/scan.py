"""One static read of a module's source: what it imports, which strings may name files beside it, and the literal
class attributes it declares.

A pure function of the source bytes, the package its relative imports start from and the top-level packages to
keep imports of, so its result can be stored by the source's digest (`engine.scancache`) and reused until the
file changes. `engine.version` follows the imports and strings to a stage's code; `stages.index` reads a built-in
stage's name, upstream and config sections from the class attributes, neither importing the module.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

Import = tuple[str, tuple[str, ...] | None]  # (module, names taken from it, None for the module)
Literal = str | int | float | bool | None | tuple[Any, ...]


@dataclass(frozen=True)
class ClassScan:
    """A top-level class as written: its bases (source text), the attributes its body sets to a literal, and
    every other name its body binds (methods, computed attributes). `plain` is False when a decorator, a
    metaclass or a later `Class.attr = ...` at module level may change what the body says."""

    bases: tuple[str, ...]
    attrs: dict[str, Literal]
    other: tuple[str, ...]
    plain: bool


@dataclass(frozen=True)
class Scan:
    imports: tuple[Import, ...]
    strings: tuple[str, ...]  # candidate names of files beside the module; `engine.version` keeps those on disk
    classes: dict[str, ClassScan]
    tuples: dict[str, tuple[str, ...]]  # top-level `NAME = (A, B, ...)` of bare names, as the registry's PIPELINE

    def to_json(self) -> dict[str, Any]:
        return {"imports": [[m, list(n) if n is not None else None] for m, n in self.imports],
                "strings": list(self.strings),
                "classes": {k: {"bases": list(c.bases), "attrs": {a: _to_json(v) for a, v in c.attrs.items()},
                                "other": list(c.other), "plain": c.plain} for k, c in self.classes.items()},
                "tuples": {k: list(v) for k, v in self.tuples.items()}}

    @staticmethod
    def from_json(d: dict[str, Any]) -> Scan:
        return Scan(tuple((m, tuple(n) if n is not None else None) for m, n in d["imports"]), tuple(d["strings"]),
                    {k: ClassScan(tuple(c["bases"]), {a: _from_json(v) for a, v in c["attrs"].items()},
                                  tuple(c["other"]), c["plain"]) for k, c in d["classes"].items()},
                    {k: tuple(v) for k, v in d["tuples"].items()})


EMPTY = Scan((), (), {}, {})


def scan_source(source: bytes, package: str, tops: tuple[str, ...]) -> Scan:
    """Every import of a module of `tops` anywhere in the source (functions included; relative ones resolved
    against `package`), the string constants that could name a file beside it (`Path(__file__).with_name(
    "model.json")`), its top-level classes and name tuples. A file that does not parse reads as empty."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return EMPTY
    imports: list[Import] = []
    strings: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imports.extend((alias.name, None) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names = tuple(alias.name for alias in node.names)
            imports.append((_absolute(node, package), None if "*" in names else names))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value \
                and "/" not in node.value and node.value not in (".", "..") and len(node.value) < 200:
            strings.add(node.value)
    kept = tuple((m, n) for m, n in imports if m.split(".")[0] in tops)
    return Scan(kept, tuple(sorted(strings)), _classes(tree), _tuples(tree))


def _absolute(node: ast.ImportFrom, package: str) -> str:
    if not node.level:
        return node.module or ""
    base = package.split(".")
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def _classes(tree: ast.Module) -> dict[str, ClassScan]:
    patched = {t.value.id for node in tree.body if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign)
               for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
               if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name)}
    out: dict[str, ClassScan] = {}
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        bound: dict[str, Literal | _Computed] = {}  # the last binding of each name wins, as when the body runs
        for stmt in node.body:
            bound.update(_bindings(stmt))
        attrs = {k: v for k, v in bound.items() if not isinstance(v, _Computed)}
        other = tuple(k for k, v in bound.items() if isinstance(v, _Computed))
        plain = not node.decorator_list and not node.keywords and node.name not in patched
        out[node.name] = ClassScan(tuple(ast.unparse(b) for b in node.bases), attrs, other, plain)
    return out


class _Computed:
    """A class-body binding that is no literal."""


_COMPUTED = _Computed()


def _bindings(stmt: ast.stmt) -> list[tuple[str, Literal | _Computed]]:
    """(name, literal value) of what a class-body statement binds; `_COMPUTED` for anything but a literal
    (a method, an expression, an augmented assignment)."""
    if isinstance(stmt, ast.Assign):
        names = [t.id for t in stmt.targets if isinstance(t, ast.Name)]
        return [(n, _literal(stmt.value) if len(stmt.targets) == 1 else _COMPUTED) for n in names]
    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
        return [(stmt.target.id, _literal(stmt.value))] if stmt.value is not None else []
    if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return [(stmt.name, _COMPUTED)]
    if isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name):
        return [(stmt.target.id, _COMPUTED)]
    return []


def _literal(node: ast.expr) -> Literal | _Computed:
    """A constant, or a tuple of them, as written; `_COMPUTED` for anything else."""
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return _COMPUTED
    return value if _plain(value) else _COMPUTED


def _plain(value: object) -> bool:
    if isinstance(value, tuple):
        return all(_plain(v) for v in value)
    return value is None or isinstance(value, str | int | float | bool)


def _tuples(tree: ast.Module) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for node in tree.body:
        target, value = (node.targets[0], node.value) if isinstance(node, ast.Assign) and len(node.targets) == 1 \
            else (node.target, node.value) if isinstance(node, ast.AnnAssign) else (None, None)
        if isinstance(target, ast.Name) and isinstance(value, ast.Tuple | ast.List) \
                and all(isinstance(e, ast.Name) for e in value.elts):
            out[target.id] = tuple(e.id for e in value.elts if isinstance(e, ast.Name))
    return out


def _to_json(value: Literal) -> Any:
    return {"tuple": [_to_json(v) for v in value]} if isinstance(value, tuple) else value


def _from_json(value: Any) -> Literal:
    return tuple(_from_json(v) for v in value["tuple"]) if isinstance(value, dict) else value
