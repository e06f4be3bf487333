"""Deduplication of verified problems: real pairs win, the earlier request wins, solutions count too."""

from __future__ import annotations

from codemill.synth import Candidate, Duplicate, find_duplicates

PROBLEM = ("Write a function `merge_intervals(intervals)` that merges overlapping closed intervals given as "
           "(start, end) tuples and returns them sorted by start; touching intervals such as (1, 3) and (3, 5) "
           "overlap, and an empty input gives an empty list.")


def test_exact_near_and_solution_duplicates():
    candidates = [
        Candidate("a", PROBLEM, "def merge_intervals(xs):\n    return sorted(xs)\n"),
        Candidate("b", "  " + PROBLEM.upper() + "\n", "def other():\n    return 1\n"),  # same text, other case
        Candidate("c", PROBLEM.replace("an empty list", "an empty list too"), "def third():\n    return 3\n"),
        Candidate("d", "Write `parse_duration('1h30m')` returning seconds as an int; reject unknown units "
                       "with ValueError.", "def merge_intervals(xs):\n    return sorted(xs)   \n"),
        Candidate("e", "Implement an LRU cache class with get and put in O(1) using an OrderedDict; evict the "
                       "least recently used key when the capacity is exceeded.", "class LRU:\n    pass\n"),
    ]
    out = find_duplicates(candidates, [], threshold=0.8)
    assert out == {"b": Duplicate("duplicate", "synth:a"), "c": Duplicate("near_duplicate", "synth:a"),
                   "d": Duplicate("duplicate", "synth:a")}


def test_a_real_pair_instruction_always_wins():
    candidates = [Candidate("a", PROBLEM, "x = 1\n"), Candidate("b", "Reverse a linked list in place.", "y = 2\n")]
    out = find_duplicates(candidates, [("p1", PROBLEM.replace("sorted by start", "sorted by their start")),
                                       ("p2", "Fix typo in README")], threshold=0.8)
    assert out == {"a": Duplicate("near_duplicate", "pair:p1")}
