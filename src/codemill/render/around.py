"""The code a change touches, as it was before: for each changed line, the innermost definition around it
(a Python function or method, found with `ast`), else the lines around it. What a reader debugging a failure
would open; a `debugging` pair's prompt shows it beside the failing tests' output.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from codemill.render.diff import parse_hunks, split_lines

MAX_DEFINITION_LINES = 80  # a longer definition is shown by the lines around the change instead


@dataclass(frozen=True)
class Excerpt:
    """Lines `start`..`end` (1-based, inclusive) of `path` before the change."""

    path: str
    start: int
    end: int
    code: str


def changed_lines(file_diff: str) -> list[int]:
    """The pre-change line numbers a file's patch removes, and for a pure insertion the line it follows
    (1-based): an insertion belongs with the code above it, a replacement with the lines it replaces."""
    lines = []
    for h in parse_hunks(file_diff):
        old, previous = h.old_start, " "
        for tag, _text in h.lines:
            if tag == "-":
                lines.append(old)
            elif tag == "+" and previous == " ":
                lines.append(max(old - 1, 1))
            if tag != "+" or previous != "-":
                previous = tag
            old += tag != "+"
    return sorted(set(lines))


def _definitions(source: str) -> list[tuple[int, int]]:
    """(first line with decorators, last line) of every function and class of a Python source; none when it
    does not parse."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    spans = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and node.end_lineno:
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            spans.append((first, node.end_lineno))
    return spans


def _span(line: int, definitions: list[tuple[int, int]], context: int, n: int) -> tuple[int, int]:
    around = [(a, b) for a, b in definitions if a <= line <= b and b - a < MAX_DEFINITION_LINES]
    if around:
        return min(around, key=lambda s: s[1] - s[0])
    return max(1, line - context), min(n, line + context)


def excerpts(path: str, before: str, file_diff: str, *, context: int = 8) -> list[Excerpt]:
    """The excerpts of `before` (the file before the change) that `file_diff` touches, merged when they
    overlap, in file order."""
    lines = split_lines(before)
    definitions = _definitions(before) if path.endswith(".py") else []
    spans = sorted({_span(ln, definitions, context, len(lines)) for ln in changed_lines(file_diff)
                    if ln <= max(1, len(lines))})
    merged: list[list[int]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return [Excerpt(path, a, b, "".join(lines[a - 1:b])) for a, b in merged]


def within(found: list[Excerpt], max_chars: int) -> list[Excerpt]:
    """The excerpts that fit in `max_chars` together, in order; the first is cut at a line end if it alone is
    too long."""
    kept, used = [], 0
    for e in found:
        if used + len(e.code) > max_chars:
            if not kept:
                code = e.code[:max_chars].rsplit("\n", 1)[0] + "\n"
                kept.append(Excerpt(e.path, e.start, e.start + code.count("\n") - 1, code))
            break
        kept.append(e)
        used += len(e.code)
    return kept
