"""Mutation operators on realistic functions: every kind appears, compiles, is minimal and applies with git."""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path

import pytest

from codemill.mutate import KINDS, Mutation, function_names, mutations

PAGINATION = '''\
"""Pagination for list endpoints."""

DEFAULT_SIZE = 20  # module level: never mutated


def page_count(total, size=DEFAULT_SIZE):
    if size <= 0:
        raise ValueError("size must be positive")
    return (total + size - 1) // size


def paginate(items, page, size=DEFAULT_SIZE):
    """Items of a 1-based page; an out-of-range page is empty."""
    if page < 1 or size < 1:
        return []
    start = (page - 1) * size
    return items[start:start + size]


def last_item(items):
    return items[len(items) - 1] if items else None
'''

BSEARCH = '''\
def bisect_left(xs, target):
    lo, hi = 0, len(xs)
    while lo < hi:
        mid = (lo + hi) // 2
        if xs[mid] < target:
            lo = mid + 1
        else:
            hi = mid
    return lo


def contains(xs, target):
    i = bisect_left(xs, target)
    return i != len(xs) and xs[i] == target
'''

PARSER = '''\
class QueryParser:
    """Parses `a=1&b=two&flag` query strings (naïve: no percent-decoding)."""

    def __init__(self, strict=False):
        self.strict = strict

    def parse(self, text):
        pairs = {}
        for part in text.split("&"):
            if not part:
                continue
            key, sep, value = part.partition("=")
            if key in pairs and self.strict:
                raise KeyError(key)
            pairs[key] = value if sep else True
        return pairs

    def is_flag(self, pairs, key):
        return not isinstance(pairs.get(key), str)

    def first_digits(self, text):
        for i in range(0, len(text)):
            if not text[i].isdigit():
                break
        else:
            return text
        return text[:i]
'''

SOURCES = {"pages.py": PAGINATION, "search.py": BSEARCH, "parse/query.py": PARSER}


def _all() -> list[tuple[str, str, Mutation]]:
    return [(path, src, m) for path, src in SOURCES.items() for m in mutations(src, path=path)]


def test_every_operator_appears_and_every_mutant_is_valid() -> None:
    found = _all()
    assert {m.kind for _, _, m in found} == set(KINDS)
    for path, src, m in found:
        compile(m.source, path, "exec")
        assert ast.dump(ast.parse(m.source)) != ast.dump(ast.parse(src))
        assert m.function in function_names(src)
        assert m.patch.startswith(f"--- a/{path}\n+++ b/{path}\n")
        assert m.original_snippet.splitlines()[0].strip() == src.splitlines()[m.line - 1].strip()


def test_splices_keep_the_rest_of_the_file_byte_identical() -> None:
    for _, src, m in _all():
        old, new = src.splitlines(), m.source.splitlines()
        prefix = 0
        while prefix < min(len(old), len(new)) and old[prefix] == new[prefix]:
            prefix += 1
        assert prefix == m.line - 1  # nothing changes above the mutated line
        suffix = 0
        while suffix < min(len(old), len(new)) - prefix and old[-1 - suffix] == new[-1 - suffix]:
            suffix += 1
        changed = len(old) - prefix - suffix
        assert changed == len(m.original_snippet.splitlines())  # nor below the mutated statement


def test_patches_apply_with_git(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    for path, src in SOURCES.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(src)
    patch_file = tmp_path.parent / "mutant.patch"
    for _, _, m in _all():
        patch_file.write_text(m.patch)
        proc = subprocess.run(["git", "apply", "--check", str(patch_file)], cwd=tmp_path, capture_output=True,
                              text=True, check=False)
        assert proc.returncode == 0, (m.description, proc.stderr, m.patch)


def _by(src: str, kind: str, function: str | None = None) -> list[tuple[str, str, str]]:
    return [(m.description, m.original_snippet, m.mutated_snippet)
            for m in mutations(src, function=function) if m.kind == kind]


def test_comparison_flips() -> None:
    flips = {(o.strip(), n.strip()) for _, o, n in _by(PAGINATION + BSEARCH + PARSER, "flip_comparison")}
    assert ("if size <= 0:", "if size < 0:") in flips
    assert ("while lo < hi:", "while lo <= hi:") in flips
    assert ("return i != len(xs) and xs[i] == target", "return i == len(xs) and xs[i] == target") in flips
    assert ("if key in pairs and self.strict:", "if key not in pairs and self.strict:") in flips
    src = "def f(a, b):\n    return a is not b or a not in (b)\n"
    assert {n for _, _, n in _by(src, "flip_comparison")} == {"return a is b or a not in (b)",
                                                              "return a is not b or a in (b)"}


def test_off_by_one() -> None:
    got = {(d, n.strip()) for d, _, n in _by(PAGINATION, "off_by_one", "last_item")}
    assert ("index: drop `- 1`", "return items[len(items)] if items else None") in got
    got = {n.strip() for _, _, n in _by(BSEARCH, "off_by_one", "bisect_left")}
    assert "lo, hi = 0, len(xs) - 1" in got  # `len(x)` -> `len(x) - 1` ...
    got = {n.strip() for _, _, n in _by(BSEARCH, "off_by_one", "contains")}
    assert "return i != len(xs) and xs[i + 1] == target" in got
    got = {n.strip() for _, _, n in _by(PARSER, "off_by_one", "first_digits")}
    assert {"for i in range(1, len(text)):", "for i in range(-1, len(text)):",
            "for i in range(0, len(text) - 1):", "return text[:i + 1]"} <= got
    src = "def f(xs):\n    return xs[-1], xs[1:-1]\n"
    assert {n for _, _, n in _by(src, "off_by_one")} >= {"return xs[0], xs[1:-1]", "return xs[-2], xs[1:-1]",
                                                          "return xs[-1], xs[2:-1]", "return xs[-1], xs[1:0]"}


def test_remove_guard_keeps_blocks_valid() -> None:
    guards = _by(PARSER, "remove_guard")
    assert ("remove the `if ...: continue` guard", "if not part:\n    continue", "") in guards
    assert ("remove the `if ...: raise` guard", "if key in pairs and self.strict:\n    raise KeyError(key)", "") \
        in guards
    # the only statement of the loop body: replaced by `pass`, not deleted
    assert ("remove the `if ...: break` guard", "if not text[i].isdigit():\n    break", "pass") in guards
    src = "def f(x):\n    if x:\n        return 1\n    elif x is None:\n        return 2\n    return 3\n"
    assert _by(src, "remove_guard") == []  # `if` with an else branch, `elif`: not guards


def test_swap_arguments_and_boolean_and_returns() -> None:
    src = "def f(a, b):\n    return divmod(a, b), max(a, a), pow(a, 2)\n"
    assert [n for _, _, n in _by(src, "swap_arguments")] == ["return divmod(b, a), max(a, a), pow(a, 2)"]
    assert [n.strip() for _, _, n in _by(PAGINATION, "swap_boolean")] == ["if page < 1 and size < 1:"]
    returns = {n.strip() for _, _, n in _by(PARSER + BSEARCH, "wrong_return")}
    assert {"return isinstance(pairs.get(key), str)", "return None", "return mid", "return hi"} <= returns
    src = "def ok(x):\n    if x:\n        return True\n    return\n"
    assert [n.strip() for _, _, n in _by(src, "wrong_return")] == ["return False", "return None"]


def test_no_noop_and_deterministic() -> None:
    for src in SOURCES.values():
        first = mutations(src)
        assert first == mutations(src)
        assert len({m.source for m in first}) == len(first)
        assert all(m.source != src for m in first)
    assert mutations("X = 1 if 2 < 3 else 4\n") == []  # module-level code is not a function


def test_function_filter_and_qualified_names() -> None:
    assert {m.function for m in mutations(PARSER)} == {"QueryParser.parse", "QueryParser.is_flag",
                                                        "QueryParser.first_digits"}
    assert {m.function for m in mutations(PARSER, function="parse")} == {"QueryParser.parse"}
    assert {m.function for m in mutations(PARSER, function="QueryParser.is_flag")} == {"QueryParser.is_flag"}
    nested = "def outer(x):\n    def inner(y):\n        return y < 1\n    return inner(x) == 2\n"
    assert {(m.function, m.line) for m in mutations(nested, function="outer.inner")} == {("outer.inner", 3)}


@pytest.mark.parametrize("eol", ["\n", "\r\n"])
def test_unicode_and_line_endings_survive(eol: str, tmp_path: Path) -> None:
    src = eol.join(["def greet(name, n):", "    s = 'héllo wörld ' * n  # ünïcode", "    return s[:n] + name",
                    "", "X = 'no newline at end'"])
    found = mutations(src, path="g.py")
    assert {n for _, _, n in _by(src, "off_by_one")} >= {"return s[:n + 1] + name"}
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "g.py").write_bytes(src.encode())
    for m in found:
        assert m.source.count("\r\n") == src.count("\r\n")
        (tmp_path / "m.patch").write_bytes(m.patch.encode())
        proc = subprocess.run(["git", "apply", "--check", "m.patch"], cwd=tmp_path, capture_output=True, check=False)
        assert proc.returncode == 0, (m.patch, proc.stderr)
