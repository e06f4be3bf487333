"""Deterministic, token-precise mutation operators for Python functions.

Each mutant is a splice into the original text at AST node / token positions, so the rest of the file stays
byte-identical (formatting, comments, line endings) and the patch is the smallest diff a human would write: a
synthesized bug should look like a plausible one-token slip, not like a reformatted file. A mutant is kept only
if it compiles and its AST differs from the original (no no-op mutants).
"""

from __future__ import annotations

import ast
import bisect
import difflib
import io
import textwrap
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass

KINDS = ("flip_comparison", "off_by_one", "remove_guard", "swap_arguments", "wrong_return", "swap_boolean")

_FLIPS: dict[type[ast.cmpop], tuple[str, str]] = {
    ast.Lt: ("<", "<="), ast.LtE: ("<=", "<"), ast.Gt: (">", ">="), ast.GtE: (">=", ">"),
    ast.Eq: ("==", "!="), ast.NotEq: ("!=", "=="), ast.In: ("in", "not in"), ast.NotIn: ("not in", "in"),
    ast.Is: ("is", "is not"), ast.IsNot: ("is not", "is"),
}
_FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef)
_EXITS = (ast.Return, ast.Raise, ast.Continue, ast.Break)


@dataclass(frozen=True)
class Mutation:
    """One compiled, non-trivial mutant of a file, with the unified diff that introduces it."""

    kind: str
    function: str  # qualified name, e.g. "Pager.page"
    line: int  # 1-based line of the first changed character in the original
    description: str
    original_snippet: str  # the original line(s) touched, dedented
    mutated_snippet: str  # the same lines in the mutant ("" when they were deleted)
    source: str  # the whole mutated file
    patch: str  # unified diff original -> mutant, `--- a/<path>` / `+++ b/<path>`


@dataclass(frozen=True)
class _Edit:
    start: int  # character offsets into the original text
    end: int
    text: str


class _Text:
    """Maps AST positions (1-based line, UTF-8 byte column) and tokens to character offsets."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.lines = source.split("\n")  # ast, tokenize and this all count lines at "\n" ("\r\n" keeps its "\r")
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line) + 1)
        self.tokens: list[tuple[int, int, str]] = []  # (start, end, string) of OP and NAME tokens
        try:
            for tok in tokenize.generate_tokens(io.StringIO(source).readline):
                if tok.type in (tokenize.OP, tokenize.NAME):
                    self.tokens.append((self._at(*tok.start), self._at(*tok.end), tok.string))
        except (tokenize.TokenError, SyntaxError):
            self.tokens = []
        self.token_starts = [t[0] for t in self.tokens]

    def _at(self, row: int, col_chars: int) -> int:
        return self.starts[row - 1] + col_chars

    def offset(self, lineno: int, col_bytes: int) -> int:
        line = self.lines[lineno - 1]
        return self.starts[lineno - 1] + len(line.encode("utf-8")[:col_bytes].decode("utf-8", "replace"))

    def span(self, node: ast.AST) -> tuple[int, int]:
        return (self.offset(node.lineno, node.col_offset),  # type: ignore[attr-defined]
                self.offset(node.end_lineno, node.end_col_offset))  # type: ignore[attr-defined]

    def seg(self, node: ast.AST) -> str:
        start, end = self.span(node)
        return self.source[start:end]

    def ops_between(self, start: int, end: int) -> list[tuple[int, int, str]]:
        """Operator/keyword tokens in a gap between two operands, ignoring the operands' parentheses."""
        i = bisect.bisect_left(self.token_starts, start)
        found = []
        while i < len(self.tokens) and self.tokens[i][1] <= end:
            if self.tokens[i][2] not in "()":
                found.append(self.tokens[i])
            i += 1
        return found

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset)


Function = ast.FunctionDef | ast.AsyncFunctionDef


def iter_functions(body: list[ast.stmt], prefix: str = "") -> Iterator[tuple[str, Function]]:
    """(qualified name, node) of every function and method under `body`, in source order."""
    for node in body:
        if isinstance(node, _FUNCS):
            yield prefix + node.name, node
            yield from iter_functions(node.body, f"{prefix}{node.name}.")
        elif isinstance(node, ast.ClassDef):
            yield from iter_functions(node.body, f"{prefix}{node.name}.")
        elif isinstance(node, ast.If | ast.Try | ast.With):  # e.g. `if TYPE_CHECKING:` / `try: ... except ...`
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.ExceptHandler):
                    yield from iter_functions(child.body, prefix)
            yield from iter_functions([*node.body, *getattr(node, "orelse", []), *getattr(node, "finalbody", [])],
                                  prefix)


def function_names(source: str) -> list[str]:
    """Qualified names of every function and method in `source`, in source order."""
    return [name for name, _ in iter_functions(ast.parse(source).body)]


def _own_nodes(func: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[tuple[ast.AST, ast.AST]]:
    """(node, parent) pairs of a function body in source order, excluding nested definitions and f-strings.

    Nested functions are mutated under their own name; nodes inside f-strings have unreliable positions before
    Python 3.12, so they are never spliced.
    """
    stack: list[tuple[ast.AST, ast.AST]] = [(stmt, func) for stmt in reversed(func.body)]
    while stack:
        node, parent = stack.pop()
        if isinstance(node, (*_FUNCS, ast.ClassDef, ast.JoinedStr)):
            continue
        yield node, parent
        stack.extend((child, node) for child in reversed(list(ast.iter_child_nodes(node))))


def _is_int(node: ast.AST) -> int | None:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _is_int(node.operand)
        return None if inner is None else -inner
    return None


def _is_len(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "len"


class _Generator:
    def __init__(self, text: _Text) -> None:
        self.t = text

    def compare(self, node: ast.Compare) -> Iterator[tuple[str, str, list[_Edit]]]:
        operands = [node.left, *node.comparators]
        for i, op in enumerate(node.ops):
            old, new = _FLIPS[type(op)]
            toks = self.t.ops_between(self.t.span(operands[i])[1], self.t.span(operands[i + 1])[0])
            if " ".join(tok[2] for tok in toks) == old:
                yield "flip_comparison", f"`{old}` -> `{new}`", [_Edit(toks[0][0], toks[-1][1], new)]

    def boolop(self, node: ast.BoolOp) -> Iterator[tuple[str, str, list[_Edit]]]:
        old, new = ("and", "or") if isinstance(node.op, ast.And) else ("or", "and")
        edits = []
        for left, right in zip(node.values, node.values[1:], strict=False):
            toks = self.t.ops_between(self.t.span(left)[1], self.t.span(right)[0])
            if [tok[2] for tok in toks] != [old]:
                return
            edits.append(_Edit(toks[0][0], toks[0][1], new))
        yield "swap_boolean", f"`{old}` -> `{new}`", edits

    def bound(self, node: ast.expr, where: str) -> Iterator[tuple[str, str, list[_Edit]]]:
        """Off-by-one at an index, a slice bound or a range() argument."""
        start, end = self.t.span(node)
        value = _is_int(node)
        if value is not None:
            for new in (value + 1, value - 1):
                yield "off_by_one", f"{where}: {value} -> {new}", [_Edit(start, end, str(new))]
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub) and _is_int(node.right):
            yield from self.drop_offset(node, where)
        elif _is_len(node):
            yield "off_by_one", f"{where}: `len(...)` -> `len(...) - 1`", [_Edit(end, end, " - 1")]
        elif isinstance(node, ast.Name):
            yield "off_by_one", f"{where}: `{node.id}` -> `{node.id} + 1`", [_Edit(end, end, " + 1")]

    def drop_offset(self, node: ast.BinOp, where: str) -> Iterator[tuple[str, str, list[_Edit]]]:
        """`x - 1` -> `x`: delete the operator, the constant and the blanks before the operator."""
        left_end = self.t.span(node.left)[1]
        toks = self.t.ops_between(left_end, self.t.span(node.right)[0])
        if len(toks) != 1:
            return
        cut = toks[0][0]
        while cut > left_end and self.t.source[cut - 1] in " \t":
            cut -= 1
        op = "-" if isinstance(node.op, ast.Sub) else "+"
        yield "off_by_one", f"{where}: drop `{op} {self.t.seg(node.right)}`", [_Edit(cut, self.t.span(node)[1], "")]

    def guard(self, node: ast.If, parent: ast.AST) -> Iterator[tuple[str, str, list[_Edit]]]:
        if node.orelse or len(node.body) != 1 or not isinstance(node.body[0], _EXITS):
            return
        blocks = [getattr(parent, f, None) or [] for f in ("body", "orelse", "finalbody")]
        block = next((b for b in blocks if any(stmt is node for stmt in b)), None)
        if block is None:
            return
        start, _ = self.t.span(node)
        line_start = self.t.starts[node.lineno - 1]
        indent = self.t.source[line_start:start]
        if indent.strip() or self.t.source.startswith("elif", start):
            return
        end = min(self.t.starts[node.end_lineno], len(self.t.source))  # type: ignore[index]
        eol = "\r\n" if self.t.source[:end].endswith("\r\n") else "\n"
        text = f"{indent}pass{eol}" if len(block) == 1 else ""
        exit_kind = type(node.body[0]).__name__.lower()
        yield "remove_guard", f"remove the `if ...: {exit_kind}` guard", [_Edit(line_start, end, text)]

    def swap(self, node: ast.Call) -> Iterator[tuple[str, str, list[_Edit]]]:
        args = node.args
        if len(args) == 2 and all(isinstance(a, ast.Name) for a in args) and args[0].id != args[1].id:  # type: ignore[attr-defined]
            (s0, e0), (s1, e1) = self.t.span(args[0]), self.t.span(args[1])
            text = self.t.source[s1:e1] + self.t.source[e0:s1] + self.t.source[s0:e0]
            callee = self.t.seg(node.func)
            yield "swap_arguments", f"swap the arguments of `{callee}()`", [_Edit(s0, e1, text)]

    def wrong_return(self, node: ast.Return, names: list[str]) -> Iterator[tuple[str, str, list[_Edit]]]:
        value = node.value
        if value is None:
            return
        start, end = self.t.span(value)
        if isinstance(value, ast.UnaryOp) and isinstance(value.op, ast.Not):
            yield "wrong_return", "drop the `not` of the returned value", [_Edit(start, end, self.t.seg(value.operand))]
        if isinstance(value, ast.Constant) and isinstance(value.value, bool):
            flipped = str(not value.value)
            yield "wrong_return", f"return `{flipped}` instead of `{value.value}`", [_Edit(start, end, flipped)]
        elif isinstance(value, ast.Name):
            for other in [n for n in names if n != value.id][:2]:
                yield "wrong_return", f"return `{other}` instead of `{value.id}`", [_Edit(start, end, other)]
        if not (isinstance(value, ast.Constant) and value.value is None):
            yield "wrong_return", "return `None`", [_Edit(start, end, "None")]


def _local_names(func: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    """Assigned locals first (the likeliest wrong value to return), then parameters, in order of appearance."""
    assigned = [n.id for n, _ in _own_nodes(func) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)]
    params = [a.arg for a in (*func.args.posonlyargs, *func.args.args, *func.args.kwonlyargs)]
    return [n for n in dict.fromkeys([*assigned, *params]) if n not in ("self", "cls")]


def _candidates(text: _Text, func: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[tuple[str, str, list[_Edit]]]:
    gen = _Generator(text)
    names = _local_names(func)
    for node, parent in _own_nodes(func):
        if isinstance(node, ast.Compare):
            yield from gen.compare(node)
        elif isinstance(node, ast.BoolOp):
            yield from gen.boolop(node)
        elif isinstance(node, ast.If):
            yield from gen.guard(node, parent)
        elif isinstance(node, ast.Return):
            yield from gen.wrong_return(node, names)
        elif isinstance(node, ast.Subscript):
            if isinstance(node.slice, ast.Slice):
                for bound in (node.slice.lower, node.slice.upper):
                    if bound is not None:
                        yield from gen.bound(bound, "slice bound")
            elif not isinstance(node.slice, ast.Tuple):
                yield from gen.bound(node.slice, "index")
        elif isinstance(node, ast.Call):
            if _is_len(node) and not isinstance(parent, ast.BinOp | ast.UnaryOp | ast.Attribute | ast.Subscript):
                end = text.span(node)[1]  # `-` binds tighter than comparisons, `and`/`or`, commas: no parens
                yield "off_by_one", "length: `len(...)` -> `len(...) - 1`", [_Edit(end, end, " - 1")]
            if isinstance(node.func, ast.Name) and node.func.id == "range":
                for arg in node.args[:2]:
                    yield from gen.bound(arg, "range() argument")
            yield from gen.swap(node)
        elif isinstance(node, ast.BinOp) and _is_len(node.left) and isinstance(node.op, ast.Add | ast.Sub) \
                and _is_int(node.right) is not None:
            yield from gen.drop_offset(node, "length")


def _patch(original: str, mutated: str, path: str) -> str:
    lines = difflib.unified_diff(original.splitlines(keepends=True), mutated.splitlines(keepends=True),
                                 fromfile=f"a/{path}", tofile=f"b/{path}")
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)


def _lines(source: str, first: int, last: int) -> str:
    return textwrap.dedent("\n".join(source.split("\n")[first - 1:last]).replace("\r", ""))


def mutations(source: str, *, function: str | None = None, path: str = "module.py") -> list[Mutation]:
    """All mutants of the functions in `source` (or only `function`, by qualified or simple name), in source order.

    Deterministic: the same source always yields the same list. Mutants that do not compile, do not change the
    AST, or duplicate an earlier mutant are dropped.
    """
    tree = ast.parse(source)
    baseline = ast.dump(tree)
    text = _Text(source)
    seen = {source}
    found: list[Mutation] = []
    for qualname, func in iter_functions(tree.body):
        if function is not None and function not in (qualname, func.name):
            continue
        for kind, description, edits in _candidates(text, func):
            mutated = source
            for edit in sorted(edits, key=lambda e: e.start, reverse=True):
                mutated = mutated[:edit.start] + edit.text + mutated[edit.end:]
            if mutated in seen:
                continue
            seen.add(mutated)
            try:
                compile(mutated, path, "exec", dont_inherit=True)
                if ast.dump(ast.parse(mutated)) == baseline:
                    continue
            except (SyntaxError, ValueError):
                continue
            first = min(e.start for e in edits)
            last = max(e.end for e in edits)
            delta = sum(len(e.text) - (e.end - e.start) for e in edits)
            line, end_line = text.line_of(first), text.line_of(max(first, last - 1))
            mutated_text = _Text(mutated)
            m_end_line = mutated_text.line_of(max(first, last + delta - 1))
            removed = kind == "remove_guard" and all(e.text == "" for e in edits)  # the guard's lines are gone
            found.append(Mutation(
                kind=kind, function=qualname, line=line, description=description,
                original_snippet=_lines(source, line, end_line),
                mutated_snippet="" if removed else _lines(mutated, line, m_end_line),
                source=mutated, patch=_patch(source, mutated, path)))
    return found
