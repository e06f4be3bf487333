"""Cutting a function's body out of a file (the task) and putting a model's function back in (the answer).

Both work on the text, located with `ast`, so everything else in the file stays byte for byte: the stub keeps
the decorators, the signature and the docstring and replaces the body with `raise NotImplementedError`, which
makes every test that needs the function fail; the splice replaces the whole definition with the answer's,
re-indented to the original's column (a method stays a method).
"""

from __future__ import annotations

import ast
import textwrap
from dataclasses import dataclass

from codemill.mutate.operators import iter_functions

STUB_BODY = "raise NotImplementedError"


@dataclass(frozen=True)
class Stubbed:
    """A file with one function's body removed, and what the task needs of the original."""

    source: str  # the whole file, the body replaced by STUB_BODY
    reference: str  # the original definition (decorators to last line), dedented
    signature: str  # decorators and `def ...:` header, dedented
    docstring: str | None
    line: int  # 0-based index of the stub's line in `source`


def _locate(tree: ast.Module, qualname: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    return next((node for name, node in iter_functions(tree.body) if name == qualname), None)


def _lines(source: str) -> list[str]:
    return source.splitlines(keepends=True)


def stub(source: str, qualname: str) -> Stubbed | None:
    """The file with `qualname`'s body stubbed; None when it is not there, is a one-liner or is already a stub."""
    try:
        node = _locate(ast.parse(source), qualname)
    except SyntaxError:
        return None
    if node is None or node.body[0].lineno == node.lineno:  # `def f(): return 1` has no body lines to cut
        return None
    lines = _lines(source)
    start = min([node.lineno, *(d.lineno for d in node.decorator_list)]) - 1
    doc = ast.get_docstring(node, clean=False)
    body = node.body[1:] if doc is not None else node.body
    if not body or (len(body) == 1 and isinstance(body[0], ast.Raise | ast.Pass)):
        return None  # nothing to implement: an abstract method or a docstring-only function
    first, last = body[0].lineno - 1, node.end_lineno
    indent = lines[first][: len(lines[first]) - len(lines[first].lstrip())]
    stubbed = "".join([*lines[:first], f"{indent}{STUB_BODY}\n", *lines[last:]])
    return Stubbed(stubbed, textwrap.dedent("".join(lines[start:last])),
                   textwrap.dedent("".join(lines[start:node.body[0].lineno - 1])).rstrip() + "\n", doc, first)


def answer_definition(code: str, qualname: str) -> str | None:
    """The definition of `qualname`'s function in an answer: at top level, or inside a class of the same name."""
    try:
        tree = ast.parse(textwrap.dedent(code))
    except SyntaxError:
        return None
    short = qualname.rsplit(".", 1)[-1]
    found = _locate(tree, qualname) or next(
        (node for name, node in iter_functions(tree.body) if name.rsplit(".", 1)[-1] == short), None)
    if found is None:
        return None
    lines = _lines(textwrap.dedent(code))
    start = min([found.lineno, *(d.lineno for d in found.decorator_list)]) - 1
    return textwrap.dedent("".join(lines[start:found.end_lineno]))


def splice(source: str, qualname: str, definition: str) -> str | None:
    """`source` with `qualname`'s definition replaced by `definition`; None when either cannot be read."""
    try:
        node = _locate(ast.parse(source), qualname)
    except SyntaxError:
        return None
    if node is None:
        return None
    lines = _lines(source)
    start = min([node.lineno, *(d.lineno for d in node.decorator_list)]) - 1
    indent = " " * node.col_offset
    body = textwrap.indent(definition.rstrip() + "\n", indent, lambda line: bool(line.strip()))
    spliced = "".join([*lines[:start], body, *lines[node.end_lineno:]])
    try:
        ast.parse(spliced)
    except SyntaxError:
        return None
    return spliced
