"""A small repository whose tested functions become `rl` tasks: `spans`, with `parse` and `Span` and their tests."""

from __future__ import annotations

from pathlib import Path

from gitrepo import MIT, Repo

PYPROJECT = """[build-system]
requires = ["setuptools>=64"]
build-backend = "setuptools.build_meta"

[project]
name = "spans"
version = "0.3"

[project.optional-dependencies]
test = ["pytest"]
"""
CODE = '''"""Half-open integer spans."""

from dataclasses import dataclass


def parse(text):
    """'3-7' -> Span(3, 7); raises ValueError on anything else."""
    start, sep, end = text.partition("-")
    if not sep:
        raise ValueError(f"not a span: {text!r}")
    return Span(int(start), int(end))


def read_spans(path):
    """Every span in a file, one per line."""
    with open(path) as lines:
        pairs = [line.strip().split("-") for line in lines if line.strip()]
    return [Span(int(start), int(end)) for start, end in pairs]


def version(): return "0.3"


def unused(x):
    """Nothing tests this."""
    return x * 2


@dataclass
class Span:
    start: int
    end: int

    def length(self):
        """How many integers the span holds (0 when empty)."""
        return max(0, self.end - self.start)

    def overlaps(self, other):
        return self.start < other.end and other.start < self.end
'''
TESTS = '''import pytest

from spans import Span, parse, read_spans


def test_parse():
    assert parse("3-7") == Span(3, 7)


def test_parse_rejects_garbage():
    with pytest.raises(ValueError):
        parse("37")


def test_read_spans(tmp_path):
    (tmp_path / "spans.txt").write_text("1-2\\n\\n3-5\\n")
    assert read_spans(tmp_path / "spans.txt") == [Span(1, 2), Span(3, 5)]


def test_length():
    assert Span(3, 7).length() == 4
    assert Span(7, 3).length() == 0


def test_overlaps():
    assert Span(0, 5).overlaps(Span(4, 8))
    assert not Span(0, 5).overlaps(Span(5, 8))
'''

def make(root: Path, name: str, tests: str) -> Repo:
    repo = Repo(root / name)
    repo.commit("Add spans with parse() and Span", {
        "LICENSE": MIT, "pyproject.toml": PYPROJECT, "src/spans/__init__.py": CODE, "tests/test_spans.py": tests})
    return repo


