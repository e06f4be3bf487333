"""A package's re-exports, imported on first use.

`from codemill.files.thresholds import QualityRules` runs `codemill/files/__init__.py` first; when that file
imports every submodule to re-export their names, the config (and with it `codemill status`) pays for pyarrow,
numpy and the license matchers it never calls. A package opts out by writing its re-exports as plain imports under
`if TYPE_CHECKING:` and ending with `__getattr__, __dir__ = lazy_exports(__name__, __file__)`: the block stays
the one list of what the package offers (read by type checkers, by ruff, and by `engine.version`, which follows
it like any import), and a name is imported from its submodule the first time it is asked for.

A name that is also a submodule's (`codemill.files.decode`, the function and its module) stays the name: importing
the submodule binds it on the package, which would hide `__getattr__`, so the package binds the export instead,
as the eager `from codemill.files.decode import decode` did.
"""

from __future__ import annotations

import ast
import importlib
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path
from types import ModuleType


def lazy_exports(package: str, init_file: str) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """`__getattr__` and `__dir__` for `package`, resolving the names its `if TYPE_CHECKING:` block imports."""

    def __getattr__(name: str) -> object:
        source = _exports(init_file).get(name)
        if source is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(source[0]), source[1])
        setattr(importlib.import_module(package), name, value)  # later lookups skip __getattr__
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(importlib.import_module(package)), *_exports(init_file)})

    sys.modules[package].__class__ = _LazyPackage
    return __getattr__, __dir__


class _LazyPackage(ModuleType):
    def __setattr__(self, name: str, value: object) -> None:
        if isinstance(value, ModuleType) and value.__name__ == f"{self.__name__}.{name}" and self.__file__:
            source = _exports(self.__file__).get(name)
            if source is not None and source[0] == value.__name__:
                value = getattr(value, source[1])
        super().__setattr__(name, value)


@cache
def _exports(init_file: str) -> dict[str, tuple[str, str]]:
    """Bound name -> (absolute module, name there) of every `from module import name` inside the file's
    `if TYPE_CHECKING:` blocks."""
    tree = ast.parse(Path(init_file).read_bytes())
    out: dict[str, tuple[str, str]] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for stmt in node.body:
                if isinstance(stmt, ast.ImportFrom) and stmt.module and not stmt.level:
                    out.update({alias.asname or alias.name: (stmt.module, alias.name) for alias in stmt.names})
    return out
