"""Real installed code: extraction agrees with Python's own parser; hashes agree with normalized_function."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import pytest
import xxhash

from codemill.functions import extract_functions, hashed_functions, normalized_function


def package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.origin is not None, name
    return Path(spec.origin).parent


def ast_definitions(tree: ast.Module) -> list[tuple[int, str, int]]:
    """(line, name, depth) of every def, depth counting enclosing defs (classes do not count)."""
    out: list[tuple[int, str, int]] = []

    def visit(node: ast.AST, depth: int) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                out.append((child.lineno, child.name, depth))
                visit(child, depth + 1)
            else:
                visit(child, depth)

    visit(tree, 0)
    return sorted(out)


def test_python_extraction_matches_ast_over_a_real_package() -> None:
    """Every def of `rich` (a runtime dependency) is found with its line and nesting depth, and no more."""
    files = sorted(package_dir("rich").rglob("*.py"))
    assert len(files) > 50
    total = 0
    for path in files:
        text = path.read_text("utf-8")
        expected = ast_definitions(ast.parse(text))
        found = sorted((f.start_line, f.name, f.depth) for f in extract_functions(text, "Python"))
        assert found == expected, path
        outermost = [(f.function.start_line, f.function.name) for f in hashed_functions(text, "Python", min_tokens=0)]
        assert outermost == [(line, name) for line, name, depth in expected if depth == 0], path
        total += len(expected)
    assert total > 500


@pytest.mark.parametrize(
    ("language", "package", "pattern"),
    [("Python", "rich", "*.py"), ("C++", "pyarrow", "src/arrow/python/*.cc"), ("C++", "pyarrow", "include/arrow/*.h")],
)
def test_file_hashes_equal_hashes_of_normalized_function_texts(language: str, package: str, pattern: str) -> None:
    """function_hashes (one parse of the file) and normalized_function (of one Function.text) agree."""
    files = sorted(package_dir(package).glob(pattern))
    if not files:
        pytest.skip(f"{package} ships no {pattern} in this install")
    checked = 0
    for path in files:
        text = path.read_text("utf-8")
        for hashed in hashed_functions(text, language):
            alone = normalized_function(hashed.function.text, language)
            assert xxhash.xxh3_64_intdigest(alone.encode()) == hashed.hash, (path, hashed.function.qualname)
            assert len(alone.split(" ")) >= hashed.tokens
            checked += 1
    assert checked > 50
