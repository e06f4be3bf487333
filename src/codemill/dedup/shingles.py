"""Shingles: token n-grams of a text, hashed with numpy a batch at a time, under one of two tokenizers.

``"words"`` (the default) is the field's definition of near-duplicate shingles, BigCode's for The Stack and
StarCoder: the text split on ``NON_ALPHA = re.compile("[^A-Za-z_0-9]")`` with empty pieces dropped, so a token
is a maximal run of ASCII letters, digits and underscores and everything else (punctuation, whitespace,
non-ASCII characters) only separates. A threshold then means what users of those datasets expect, and a
window of five tokens spans five words. Case is kept (BigCode keeps it).

``"code"`` is the code-aware tokenizer: code is split into identifier, number and operator tokens; whitespace
and layout are dropped, so a reformatted file (re-indented, re-wrapped, operators spaced differently) has the
same tokens. Every punctuation character is its own token for the same reason: ``a==b`` and ``a == b`` must
agree (a five-token window then often spans two words, which makes structurally similar files look alike).
Words in strings and comments are tokens too. The identifier placeholder below applies to it only.

Optionally identifiers that are not keywords are replaced by one placeholder, which makes consistently
renamed copies identical at the cost of making unrelated files with the same structure look alike; it is
off by default.

A shingle is a window of ``k`` consecutive tokens (5 by default). `shingle_hashes_many` tokenises a batch of
texts with numpy over their concatenated UTF-8 bytes (the token boundaries of ``NON_ALPHA`` or ``TOKEN_RE``,
computed with byte classes; no Python object per token) and hashes every token as a polynomial mod 2^64 over random
values of its bytes, mixed with the murmur3 64-bit finaliser. A window's hash is a polynomial over its token
hashes, computed for all windows at once and mixed again. Only the hashes are kept: duplicates among them
do not matter, since MinHash takes minima. With ``normalize_identifiers`` the tokens come from `tokenize`
(Python) and are hashed with xxh3-64 instead.
"""

from __future__ import annotations

import itertools
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


TOKENIZERS = ("words", "code")
NON_ALPHA = re.compile(rb"[^A-Za-z_0-9]")  # BigCode's separator, on bytes (non-ASCII bytes separate, as chars do)


def words(text: str) -> list[bytes]:
    """BigCode's tokens of `text`: ``NON_ALPHA.split`` without the empty pieces, as UTF-8 bytes."""
    return [t for t in NON_ALPHA.split(text.encode("utf-8", "surrogatepass")) if t]


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


def _windows(t: np.ndarray, k: int) -> np.ndarray:
    """Window hashes of the token hashes `t`: one per `k`-window, or one of all tokens if fewer than `k`."""
    n = len(t)
    if n == 0:
        return np.empty(0, dtype=np.uint64)
    if n < k:
        h = t[:1].copy()
        for j in range(1, n):
            h *= _MIX_P
            h += t[j : j + 1]
        return _fmix64(h)
    m = n - k + 1
    h = t[:m].copy()
    for j in range(1, k):  # k is the n-gram width (5), not the number of permutations
        h *= _MIX_P
        h += t[j : j + m]
    return _fmix64(h)


def shingle_hashes(text: str, k: int = 5, normalize_identifiers: bool = False, tokenizer: str = "words") -> np.ndarray:
    """uint64 hashes of the token `k`-grams of `text` (one per window, in order, duplicates included).

    A text with fewer than `k` (but at least one) tokens has one shingle: all its tokens. An empty text (no
    tokens) has none. `normalize_identifiers` applies to the code tokenizer only.
    """
    if not normalize_identifiers or tokenizer == "words":
        return shingle_hashes_many([text], k, tokenizer)[0]
    tokens = tokenize(text, normalize_identifiers)
    t = np.fromiter(map(xxhash.xxh3_64_intdigest, tokens), dtype=np.uint64, count=len(tokens))
    return _windows(t, k)


# ---- vectorised tokenizer: the token boundaries of TOKEN_RE, computed with numpy over a whole batch ----
# byte classes
_SPACE, _PUNCT, _LETTER, _HIGH, _DIGIT, _DOT = range(6)
_CLASS = np.full(256, _PUNCT, dtype=np.int8)
_CLASS[list(b" \t\n\r\f\v")] = _SPACE
_CLASS[list(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")] = _LETTER
_CLASS[0x80:] = _HIGH
_CLASS[list(b"0123456789")] = _DIGIT
_CLASS[ord(".")] = _DOT
# token hash: a polynomial in _Q over random 64-bit values of its bytes (whitespace 0), then mixed
_BYTE_VAL = np.random.Generator(np.random.PCG64(0x70CE)).integers(0, 2**64, size=256, dtype=np.uint64)
_BYTE_VAL[_CLASS == _SPACE] = 0
_WORD_BYTE = np.zeros(256, dtype=bool)
_WORD_BYTE[list(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_0123456789")] = True
_WORD_VAL = np.where(_WORD_BYTE, _BYTE_VAL, np.uint64(0))  # separators add nothing to a word's hash
_Q = np.uint64(0x9FB21C651E98DF25)  # odd: invertible mod 2^64
_Q_INV = np.uint64(pow(int(_Q), -1, 2**64))
_CHUNK_BYTES = 1 << 20  # bytes tokenised per numpy pass (arrays of 8 bytes per byte: stay in cache)
_POW_CACHE_MAX = 4 * _CHUNK_BYTES  # longest cached power table (2 x 8 bytes per entry)


def _token_hashes(buf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(start offsets, uint64 hashes) of the TOKEN_RE tokens of the bytes `buf`.

    TOKEN_RE as a state machine over runs of word bytes (letters, digits, non-ASCII, dots): an identifier
    (started by a letter or non-ASCII byte) ends at a dot, which is then a token of its own; a number
    (started by a digit) ends only at a non-ASCII byte. So within a stretch without non-ASCII bytes and
    other separators, the first digit that starts a token (after a separator or a stand-alone dot) makes
    the rest of the stretch one number.
    """
    n = len(buf)
    c = _CLASS[buf]
    prev = np.empty(n, dtype=np.int8)
    prev[0] = _SPACE
    prev[1:] = c[:-1]
    word = c >= _LETTER
    prev_word = prev >= _LETTER
    cand = (c == _DIGIT) & ((prev == _DOT) | ~prev_word)  # a digit that starts a number unless in one
    prev_free = ~prev_word | (prev == _DOT)  # previous byte ended a token (outside numbers)
    start = (c == _PUNCT) | (c == _DOT) | ((c == _HIGH) & prev_free) | ((c == _LETTER) & prev_free) | cand
    # numbers: from the first candidate of a stretch to the stretch's end (a non-ASCII byte or a non-word byte)
    cands = np.flatnonzero(cand)
    if len(cands):
        ends = np.flatnonzero((c == _HIGH) | ~word)
        stop = np.searchsorted(ends, cands)
        stop = np.where(stop < len(ends), ends[np.minimum(stop, len(ends) - 1)], n)
        first = np.ones(len(cands), dtype=bool)
        first[1:] = stop[1:] != stop[:-1]
        cands, stop = cands[first], stop[first]
        # clear the starts inside the numbers: positions cands[i] + 1 .. stop[i] - 1 (few bytes: index them)
        lengths = stop - cands - 1
        total = int(lengths.sum())
        if total:
            base = np.repeat(cands + 1 - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths)
            start[base + np.arange(total)] = False
        stop = stop[stop < n]
        start[stop[c[stop] == _HIGH]] = True  # a non-ASCII byte after a number starts an identifier
    starts = np.flatnonzero(start)
    if len(starts) == 0:
        return starts, np.empty(0, dtype=np.uint64)
    # polynomial over random byte values (0 for whitespace): sum v_j Q^(j - s) = Q^-s * sum v_j Q^j
    vals = _BYTE_VAL[buf] * _powers(n)
    return starts, _fmix64(np.add.reduceat(vals, starts) * _inverse_powers(n)[starts])


def _word_hashes(buf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(start offsets, uint64 hashes) of the words (runs of ``[A-Za-z_0-9]``) of the bytes `buf`: a word starts
    at a word byte after a non-word byte; its hash is the code tokens' polynomial, over its own bytes only
    (separator bytes weigh 0, so the separators after a word, up to the next start, change nothing)."""
    n = len(buf)
    w = _WORD_BYTE[buf]
    start = w.copy()
    start[1:] &= ~w[:-1]
    starts = np.flatnonzero(start)
    if len(starts) == 0:
        return starts, np.empty(0, dtype=np.uint64)
    vals = _WORD_VAL[buf] * _powers(n)
    return starts, _fmix64(np.add.reduceat(vals, starts) * _inverse_powers(n)[starts])


_POW: list[np.ndarray] = [np.empty(0, np.uint64), np.empty(0, np.uint64)]


def _powers(n: int) -> np.ndarray:
    """Q^0 .. Q^(n-1) mod 2^64, cached up to a few chunks (a huge single text gets an uncached table, so the
    cache stays bounded); grown to the next power of two, so small batches build a small table."""
    if len(_POW[0]) < n:
        tables = _power_tables(1 << max(12, (n - 1).bit_length()))
        if n > _POW_CACHE_MAX:
            return tables[0][:n]
        _POW[:] = tables
    return _POW[0][:n]


def _inverse_powers(n: int) -> np.ndarray:
    if n > _POW_CACHE_MAX:
        return _power_tables(1 << (n - 1).bit_length())[1][:n]
    _powers(n)
    return _POW[1][:n]


def _power_tables(m: int) -> list[np.ndarray]:
    """[Q^0 .. Q^(m-1), Q^-0 .. Q^-(m-1)] mod 2^64, built by doubling in place (cumprod is slow)."""
    out = []
    for q in (_Q, _Q_INV):
        pw = np.empty(m, dtype=np.uint64)
        pw[0], filled = 1, 1
        while filled < m:  # Q^(filled + j) = Q^j * Q^filled
            step = np.uint64(int(pw[filled - 1]) * int(q) % 2**64)
            np.multiply(pw[:filled], step, out=pw[filled : 2 * filled])
            filled *= 2
        out.append(pw)
    return out


def shingle_hashes_many(texts: list[str], k: int = 5, tokenizer: str = "words") -> list[np.ndarray]:
    """`shingle_hashes(text, k, tokenizer=tokenizer)` of every text, tokenised and hashed a chunk of texts at a
    time."""
    if tokenizer not in TOKENIZERS:
        raise ValueError(f"unknown tokenizer {tokenizer!r} (words or code)")
    token_hashes = _word_hashes if tokenizer == "words" else _token_hashes
    out: list[np.ndarray] = []
    i = 0
    while i < len(texts):
        parts: list[bytes] = []
        size = 0
        while i < len(texts) and (not parts or size < _CHUNK_BYTES):
            b = texts[i].encode("utf-8", "surrogatepass")
            parts.append(b)
            size += len(b) + 1
            i += 1
        buf = np.frombuffer(b"\n".join(parts), dtype=np.uint8)  # newlines: no token crosses texts
        lens = np.fromiter(map(len, parts), dtype=np.int64, count=len(parts))
        offsets = np.concatenate(([0], np.cumsum(lens + 1)))
        starts, t = token_hashes(buf) if len(buf) else (np.empty(0, np.int64), np.empty(0, np.uint64))
        bounds = np.searchsorted(starts, offsets).tolist()
        win = _windows(t, k) if len(t) >= k else np.empty(0, dtype=np.uint64)
        for a, b in itertools.pairwise(bounds):
            out.append(win[a : b - k + 1].copy() if b - a >= k else _windows(t[a:b], k))
    return out
