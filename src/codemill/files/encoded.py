"""Inline encoded data (base64, hex byte sequences, \\u escapes), by The Stack v2's regular expressions.

StarCoder2 (Lozhkov et al. 2024, §2.1 "Encoded data filter") drops a file when one match is longer than
1024 characters or matches cover more than half of it; the signals here are those two numbers, so the
thresholds stay in the rules.
"""

from __future__ import annotations

import re

# The StarCoder2 paper's expressions, in forms that match exactly the same spans but let `re` skip ahead:
# the base64 run may not start inside a longer run (the paper's form retried every suffix of every word),
# and the \\u run starts with its literal. Paper: [a-zA-Z0-9+/\n=]{64,} and (?:\\u[0-9a-fA-F]{4}){8,}.
ENCODED_PATTERNS = (
    re.compile(r"(?<![a-zA-Z0-9+/\n=])[a-zA-Z0-9+/\n=]{64,}"),
    re.compile(r"(?:\b(?:0x|\\x)?[0-9a-fA-F]{2}(?:,|\b\s*)){8,}"),
    re.compile(r"\\u[0-9a-fA-F]{4}(?:\\u[0-9a-fA-F]{4}){7,}"),
)
# Every hex match is made of hex digits, "x", "\\", "," and whitespace, 16 characters at least, so it lies
# inside a maximal run of those; searching only such runs (one character past the end so \b sees the real
# neighbour) finds exactly the paper's matches, twice as fast on source code.
_HEX_RUN = re.compile(r"(?<![0-9a-fA-Fx,\\\s])[0-9a-fA-Fx,\\\s]{16,}")
_HEX_WORD = re.compile(r"0(?<!\w0)[xX][0-9a-fA-F]+\b")  # RefineCode's \b0[xX][0-9a-fA-F]+\b


def encoded_data(text: str) -> tuple[int, int]:
    """Longest single match and total matched characters over the three patterns (a span two patterns match
    counts twice, as OpenCoder's reimplementation of the filter does)."""
    base64, hexadecimal, unicode = ENCODED_PATTERNS
    # a run of decimal digits alone is a number literal (a float test's 1000-digit mantissa), not encoded data
    sizes = [m.end() - m.start() for m in base64.finditer(text) if not m.group().isdigit()]
    sizes += [m.end() - m.start() for m in unicode.finditer(text)]
    end = len(text)
    for run in _HEX_RUN.finditer(text):
        sizes += [m.end() - m.start() for m in hexadecimal.finditer(text, run.start(), min(run.end() + 1, end))]
    return max(sizes, default=0), sum(sizes)


def hex_word_chars(text: str) -> int:
    """Characters in 0x-prefixed hexadecimal literals (RefineCode qsc_code_frac_chars_hex_words)."""
    return sum(map(len, _HEX_WORD.findall(text)))
