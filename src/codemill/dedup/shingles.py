"""Code-aware shingles: a regex tokenizer and vectorised hashing of token n-grams.

Code is split into identifier, number and operator tokens; whitespace and layout are dropped, so a
reformatted file (re-indented, re-wrapped, operators spaced differently) has the same tokens. Every
punctuation character is its own token for the same reason: ``a==b`` and ``a == b`` must agree. Words in
strings and comments are tokens too (they are mostly identifiers and prose that distinguishes files).

Optionally identifiers that are not keywords are replaced by one placeholder, which makes consistently
renamed copies identical at the cost of making unrelated files with the same structure look alike; it is
off by default.

A shingle is a window of ``k`` consecutive tokens (5 by default). Each token is hashed once with xxh3-64
(C, through ``map``: no Python bytecode per token), and a window's hash is a polynomial over its token
hashes, computed for all windows at once with numpy and finished with the murmur3 64-bit mixer. Only the
hashes are kept: duplicates among them do not matter, since MinHash takes minima.
"""

from __future__ import annotations

import keyword
import re

import numpy as np
import xxhash

# On UTF-8 bytes (xxhash hashes bytes, and bytes regexes are faster): identifiers (ASCII letters, underscore
# or any non-ASCII byte, then word characters or non-ASCII bytes: non-ASCII letters are identifier
# characters in most languages), numbers (with suffixes, dots, exponents and hex digits), then any single
# ASCII punctuation character.
TOKEN_RE = re.compile(rb"[A-Za-z_\x80-\xff][\w\x80-\xff]*|\d[\w.]*|[^\w\s\x80-\xff]")

_KEYWORDS = frozenset(w.encode() for w in (*keyword.kwlist, *keyword.softkwlist)) | frozenset(
    b"abstract auto bool boolean break byte case catch char chan class const continue default defer delete do "
    b"double else enum export extends extern final finally float fn for func function go goto if impl implements "
    b"import in instanceof int interface let long loop match mod mut namespace new nil null package private "
    b"protected pub public register return self short signed sizeof static struct super switch template this "
    b"throw throws trait try type typedef typeof union unsigned use using var void volatile where while yield "
    b"true false None True False".split()
)
IDENT_PLACEHOLDER = b"\x00id"

_MIX_P = np.uint64(0x9E3779B97F4A7C15)  # odd multiplier of the window polynomial
_FMIX_1 = np.uint64(0xFF51AFD7ED558CCD)
_FMIX_2 = np.uint64(0xC4CEB9FE1A85EC53)
_S33 = np.uint64(33)


def tokenize(text: str, normalize_identifiers: bool = False) -> list[bytes]:
    """The code tokens of `text` in order, as UTF-8 bytes (see the module docstring)."""
    tokens = TOKEN_RE.findall(text.encode("utf-8", "surrogatepass"))
    if normalize_identifiers:
        tokens = [IDENT_PLACEHOLDER if _is_identifier(t) and t not in _KEYWORDS else t for t in tokens]
    return tokens


def _is_identifier(token: bytes) -> bool:
    c = token[0]
    return c == 95 or 65 <= c <= 90 or 97 <= c <= 122 or c >= 128


def _fmix64(h: np.ndarray) -> np.ndarray:
    h ^= h >> _S33
    h *= _FMIX_1
    h ^= h >> _S33
    h *= _FMIX_2
    h ^= h >> _S33
    return h


def shingle_hashes(text: str, k: int = 5, normalize_identifiers: bool = False) -> np.ndarray:
    """uint64 hashes of the token `k`-grams of `text` (one per window, in order, duplicates included).

    A text with fewer than `k` (but at least one) tokens has one shingle: all its tokens. An empty text (no
    tokens) has none.
    """
    tokens = tokenize(text, normalize_identifiers)
    n = len(tokens)
    if n == 0:
        return np.empty(0, dtype=np.uint64)
    t = np.fromiter(map(xxhash.xxh3_64_intdigest, tokens), dtype=np.uint64, count=n)
    m = n - k + 1
    if m <= 0:
        h = t[:1].copy()
        for j in range(1, n):
            h *= _MIX_P
            h += t[j : j + 1]
        return _fmix64(h)
    h = t[:m].copy()
    for j in range(1, k):  # k is the n-gram width (5), not the number of permutations
        h *= _MIX_P
        h += t[j : j + m]
    return _fmix64(h)
