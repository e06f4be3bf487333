"""A model's answer to the synthesis prompt, split into problem, solution and tests.

The prompt asks for `### Problem`, `### Solution` and `### Tests` sections; models also write `## Problem:`,
`**Solution**` or `Tests:` on a line of their own, so any of those count as headings, but only outside fenced code
(a `# Tests` comment in a solution is not a heading). Inside a section the fenced blocks come from
`codemill.llm.extract_blocks`, which ignores an unclosed fence: an answer cut off inside its tests has no tests.

- problem: the Problem section verbatim (it may hold code the task starts from: a buggy function, a traceback);
- solution: the Solution section's last Python block (a model that shows a draft and then the final module
  means the last one);
- tests: the Tests section's Python blocks joined (some models put the imports in a block of their own); with no
  Tests section, the Solution section's blocks that define `test_` functions.

Anything missing is a `ParseError` with what was missing, which the stage counts as `unparseable`; so is a Problem
section that is only a `<...>` placeholder (small models copy a template's placeholders instead of filling them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from codemill.llm import extract_blocks

_PY = ("python", "py", "python3", "")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_NAMES = r"(?P<name>problem(?: statement)?|task|solution|reference solution|tests?|unit tests|test cases)"
_ATX = re.compile(rf"^ {{0,3}}#{{1,6}}\s*(?:\d+[.)]\s*)?{_NAMES}\b.*$", re.I)
_PLACEHOLDER = re.compile(r"<[^<>]*>|\.{3}|…")  # "<the task statement>": a small model copying the template
_LINE = re.compile(rf"^ {{0,3}}(?:\*\*|__)?\s*(?:\d+[.)]\s*)?{_NAMES}\s*:?\s*(?:\*\*|__)?\s*:?\s*$", re.I)


@dataclass(frozen=True)
class Parsed:
    problem: str
    solution: str
    tests: str


@dataclass(frozen=True)
class ParseError:
    detail: str


def _section(name: str) -> str:
    name = name.lower()
    if name.startswith(("problem", "task")):
        return "problem"
    return "solution" if "solution" in name else "tests"


def sections(text: str) -> dict[str, str]:
    """Section name (problem, solution, tests) -> its text; a repeated heading appends to the section."""
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    in_fence: str | None = None
    for line in text.splitlines():
        fence = _FENCE.match(line)
        if in_fence is None and fence is None:
            m = _ATX.match(line) or _LINE.match(line)
            if m is not None:
                current = found.setdefault(_section(m["name"]), [])
                continue
        if fence is not None:
            mark = fence.group(1)
            if in_fence is None:
                in_fence = mark
            elif mark[0] == in_fence[0] and len(mark) >= len(in_fence) and not line.strip().strip(mark[0]):
                in_fence = None
        if current is not None:
            current.append(line)
    return {k: "\n".join(v).strip("\n") for k, v in found.items()}


def _python_blocks(text: str) -> list[str]:
    return [code for lang, code in extract_blocks(text) if lang in _PY and code.strip()]


def _is_tests(code: str) -> bool:
    return re.search(r"^\s*def test_?\w*\s*\(", code, re.M) is not None


def parse_answer(text: str) -> Parsed | ParseError:
    parts = sections(text)
    problem = parts.get("problem", "").strip()
    if not problem:
        return ParseError("no Problem section")
    if _PLACEHOLDER.fullmatch(problem):
        return ParseError("the Problem section is a template placeholder, not a task")
    solution_blocks = _python_blocks(parts.get("solution", ""))
    test_blocks = _python_blocks(parts["tests"]) if "tests" in parts else [
        b for b in solution_blocks if _is_tests(b)]
    code_blocks = [b for b in solution_blocks if b not in test_blocks]
    if not code_blocks:
        return ParseError("no closed Python block in the Solution section")
    if not test_blocks:
        return ParseError("no closed Python block in the Tests section")
    return Parsed(problem, code_blocks[-1].strip("\n") + "\n", "\n\n".join(b.strip("\n") for b in test_blocks) + "\n")
