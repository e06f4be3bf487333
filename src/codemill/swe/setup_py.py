"""What a setup.py declares for installing and testing, read without running it.

Before pyproject.toml, a project's test dependencies lived in `setup(tests_require=..., extras_require=...)`, which
`python setup.py test` and the project's CI installed. Running an untrusted setup.py to learn them is what the
sandboxed build does; the recipe is read on the host, so this only reads the syntax tree: the keywords of the
`setup(...)` call whose values are literals, or names bound to literals at module level (`tests_require =
test_requirements` with `test_requirements = [...]` above). Anything computed is left out.
"""

from __future__ import annotations

import ast
import warnings
from dataclasses import dataclass, field

KEYWORDS = ("install_requires", "tests_require", "extras_require", "python_requires")


@dataclass(frozen=True)
class SetupPy:
    install_requires: list[str] | None = None  # None: not a literal (or no setup() call)
    tests_require: list[str] = field(default_factory=list)
    extras_require: dict[str, list[str]] = field(default_factory=dict)
    python_requires: str | None = None


def read_setup_py(text: str) -> SetupPy:
    """The literal declarations of a setup.py (empty when it does not parse or declares none)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return SetupPy()
    bound: dict[str, ast.expr] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            bound[node.targets[0].id] = node.value
    found: dict[str, object] = {}
    called = False
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _is_setup(node.func):
            called = called or all(kw.arg is not None for kw in node.keywords)  # `setup(**meta)` hides them
            for kw in node.keywords:
                if kw.arg in KEYWORDS:
                    value = bound.get(kw.value.id, kw.value) if isinstance(kw.value, ast.Name) else kw.value
                    found[kw.arg] = _literal(value)
    needs = found.get("install_requires", [] if called else None)  # a setup() without it needs nothing
    tests = found.get("tests_require")
    extras = found.get("extras_require")
    python = found.get("python_requires")
    return SetupPy(
        install_requires=requirement_strings(needs) if isinstance(needs, list | tuple) else None,
        tests_require=requirement_strings(tests) if isinstance(tests, list | tuple) else [],
        extras_require={k: list(v) for k, v in extras.items() if isinstance(k, str) and isinstance(v, list | tuple)
                        and all(isinstance(r, str) for r in v)} if isinstance(extras, dict) else {},
        python_requires=python if isinstance(python, str) else None,
    )


def requirement_strings(items: list | tuple) -> list[str]:
    """Requirement strings only; an installer option (`--index-url`) is not a requirement."""
    return [r for r in items if isinstance(r, str) and not r.lstrip().startswith("-")]


def _is_setup(func: ast.expr) -> bool:
    return (isinstance(func, ast.Name) and func.id == "setup") or (
        isinstance(func, ast.Attribute) and func.attr == "setup")


def _literal(node: ast.expr) -> object:
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
        return None
