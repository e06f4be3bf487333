"""One small graded task for the reward tests: `clamp`, its four tests, and answers of known worth."""

from __future__ import annotations

TESTS = '''from solution import clamp


def test_inside():
    assert clamp(5, 0, 10) == 5


def test_below():
    assert clamp(-3, 0, 10) == 0


def test_above():
    assert clamp(42, 0, 10) == 10


def test_bounds_swapped():
    assert clamp(5, 10, 0) == 5
'''
RIGHT = "def clamp(x, lo, hi):\n    lo, hi = min(lo, hi), max(lo, hi)\n    return max(lo, min(x, hi))\n"
PARTIAL = "def clamp(x, lo, hi):\n    return max(lo, min(x, hi))\n"  # fails only the swapped-bounds test: 0.75
HALF = "def clamp(x, lo, hi):\n    return max(x, lo)\n"  # right for inside and below only: 0.5
WRONG = "def clamp(x, lo, hi):\n    return lo\n"  # passes only test_below: 0.25
