"""Gates in front of the detectors: cheap scans of a whole text that every detector match needs.

Most texts a mill redacts hold no secret, yet running detect-secrets' plugins line by line and the assignment
regexes over every text was most of a `pairs` shard. A gate is a regex that matches inside every match of the
detector it guards, so what the gate does not find the detector cannot find: skipping it never changes a result.
Gates are the detectors' own patterns, or a top-level tail of one (`tail_gate`: what follows a leading character
class, which the regex engine can only try at every position, while a literal prefix it finds by a fast search).
Each detector keeps its exhaustive path (`prefilter=False`), which tests/redact/test_prefilter.py runs beside the
gated one on real secret formats and random code.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from functools import lru_cache

# Line breaks of `str.splitlines` that `^` and `$` do not know: a lone CR, VT, FF, FS, GS, RS, NEL, LS, PS. In a
# text holding one, a gate over the whole text could miss what a pattern finds on one of its lines alone.
ODD_BREAKS = re.compile("\r(?!\n)|[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


@lru_cache(maxsize=4)
def ascii_lower(text: str) -> str | None:
    """`text.lower()` when `text` is ASCII (its offsets are then the text's), else None. Cached for the text being
    redacted: the assignment rule and detect-secrets' keyword gate both scan it."""
    return text.lower() if text.isascii() else None


_ODD_CHARS = ("\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")


@lru_cache(maxsize=4)
def odd_breaks(text: str) -> bool:
    """Does `text` hold an `ODD_BREAKS` line break? Each character is first looked for by `str.__contains__`
    (a memchr), which is far cheaper than the regex tried at every position. Cached as `ascii_lower` is."""
    return holds_any(text, _ODD_CHARS) and ODD_BREAKS.search(text) is not None


def holds_any(text: str, literals: Sequence[str]) -> bool:
    """Does `text` contain one of `literals`? A loop, not any(generator): it runs for every gate on every text."""
    for lit in literals:  # noqa: SIM110
        if lit in text:
            return True
    return False


def tail_gate(regex: re.Pattern[str], tail: str | None = None) -> re.Pattern[str]:
    """`regex`, or its tail `tail` (a top-level suffix of its pattern, so every match of `regex` holds one of
    it), under the same flags plus MULTILINE: searched over a whole text, its `^` and `$` also hold at every
    `\\n`, so it finds a match wherever the pattern would on one of the text's lines alone."""
    source = regex.pattern if tail is None else tail
    if not regex.pattern.endswith(source):
        raise ValueError(f"{tail!r} is not a tail of {regex.pattern!r}")
    return re.compile(source, regex.flags | re.MULTILINE)


def any_match(gates: Sequence[re.Pattern[str]], text: str) -> bool:
    return any(g.search(text) is not None for g in gates)


def lines_with(literals: Sequence[str], gate: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    """`lines_matching(gate, text)` for a gate whose every match holds one of `literals` and no line break: the
    lines holding a literal are found with `str.find` (fast where a regex alternation is tried at every
    position) and only they are searched."""
    spans: set[tuple[int, int]] = set()
    for lit in literals:
        at = text.find(lit)
        while at >= 0:
            end = text.find("\n", at)
            end = len(text) if end < 0 else end + 1
            spans.add((text.rfind("\n", 0, at) + 1, end))
            at = text.find(lit, end)
    return [(start, end) for start, end in sorted(spans) if gate.search(text, start, end) is not None]


def lines_matching(gate: re.Pattern[str], text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each `\\n`-delimited line of `text` (its newline included) where `gate` starts a match,
    in order, each once."""
    pos = 0
    while (m := gate.search(text, pos)) is not None:
        start = text.rfind("\n", 0, m.start()) + 1
        end = text.find("\n", m.start())
        end = len(text) if end < 0 else end + 1
        yield start, end
        if end >= len(text):
            return
        pos = end
