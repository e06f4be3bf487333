"""Exact-duplicate identity: a hash of the content after a documented, whitespace-only normalisation.

Two files are exact duplicates when they differ only in ways no reader or compiler cares about for
code-corpus purposes. The normalisation, applied in this order, is:

1. line endings: ``\\r\\n`` and lone ``\\r`` become ``\\n``;
2. trailing whitespace (spaces, tabs, form feeds, vertical tabs) is stripped from every line;
3. blank lines at the start and at the end of the file are dropped (so is a missing/extra final newline).

Indentation, blank lines inside the file, comments and case are kept: changing them makes a near duplicate,
which is MinHash's job. The hash is xxh3-128 of the UTF-8 bytes (lone surrogates pass through), so it is the
same on every machine and Python version.
"""

from __future__ import annotations

import re

import xxhash

_TRAILING_WS = re.compile(r"(?<![ \t\f\v])[ \t\f\v]+$", re.MULTILINE)  # the rule as a regex (tests compare)
_WS = " \t\f\v"
_WS_CHARS = tuple(_WS)


def normalize_content(text: str) -> str:
    """The text exact-duplicate detection compares (see the module docstring for the rules)."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _has_trailing_ws(text):  # only split when it changes something
        # per line, same result as _TRAILING_WS.sub("", text) and ~8x faster on indented code
        text = "\n".join([line.rstrip(_WS) for line in text.split("\n")])
    return text.strip("\n")


def _has_trailing_ws(text: str) -> bool:
    # single characters are found with memchr: test them before the two-character needles
    return (
        text[-1:] in _WS_CHARS or " \n" in text or (("\t" in text and "\t\n" in text) or "\f" in text or "\v" in text)
    )


def content_hash(text: str) -> bytes:
    """16-byte xxh3-128 digest of `normalize_content(text)`: equal for exact duplicates."""
    return xxhash.xxh3_128_digest(normalize_content(text).encode("utf-8", "surrogatepass"))


def normalize_prose(text: str) -> str:
    """An instruction or problem statement for exact-duplicate checks: whitespace runs collapsed, lower case."""
    return re.sub(r"\s+", " ", text).strip().lower()
