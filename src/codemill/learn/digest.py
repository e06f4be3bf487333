"""A digest of the code that computes something, so stored results can say which code they came from.

The abstract syntax tree of each module is hashed with docstrings left out (and comments, which the parser drops):
rewording prose changes nothing, while any change to what the code computes changes the digest.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
from collections.abc import Sequence


def _without_docstrings(tree: ast.AST) -> ast.AST:
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
            node.body = body[1:] or [ast.Pass()]  # type: ignore[attr-defined]
    return tree


def source_digest(modules: Sequence[str]) -> str:
    """16 hex digits of sha256 over the named modules' code (found on the import path, not imported)."""
    h = hashlib.sha256()
    for name in modules:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            raise ModuleNotFoundError(name)
        with open(spec.origin, encoding="utf-8") as f:
            tree = _without_docstrings(ast.parse(f.read()))
        h.update(name.encode() + b"\0" + ast.dump(tree).encode() + b"\0")
    return h.hexdigest()[:16]
